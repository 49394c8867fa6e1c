from readycheck.cli import console

console()
