"""The git index as a pre-commit hook sees it: the staged files and their staged content.

Read through gitpython (imported here, on first use): one ``git diff --cached --raw`` lists what
is staged with the blob ids, and blobs are read from git's object database, never from the work
tree, so a secret staged and then deleted from the work tree is still seen, and an unstaged edit is
not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

__all__ = ["staged_blobs", "repo_prefix"]

_REGULAR_MODES = {"100644", "100755"}  # not symlinks (120000) nor submodules (160000)


def repo_prefix(root: Path) -> tuple[object, str]:
    """(the gitpython Repo holding ``root``, root's path inside it: '' or 'sub/dir/')."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise LookupError("not inside a git work tree") from None
    from readycheck.index.gitsafe import harden

    harden(repo.git, root)
    if repo.bare or repo.working_tree_dir is None:
        raise LookupError("a bare repository has no work tree")
    top = Path(repo.working_tree_dir).resolve()
    rel = root.resolve().relative_to(top).as_posix()
    return repo, "" if rel == "." else rel + "/"


def staged_blobs(root: Path) -> list[tuple[str, int, Callable[[], bytes | None]]]:
    """``(path relative to root, size, read)`` for each regular file staged for the next commit."""
    import git

    repo, prefix = repo_prefix(root)
    assert isinstance(repo, git.Repo)
    try:
        raw = repo.git.diff("--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--diff-filter=ACMT")
    except git.GitCommandError as exc:
        raise LookupError(f"git could not list the staged files: {str(exc.stderr).strip()[:200]}") from None
    fields = raw.split("\0")
    out: list[tuple[str, int, Callable[[], bytes | None]]] = []
    # Records: ":old_mode new_mode old_sha new_sha status" NUL path NUL
    for i in range(0, len(fields) - 1, 2):
        meta, path = fields[i], fields[i + 1]
        parts = meta.lstrip(":").split()
        if len(parts) < 5 or parts[1] not in _REGULAR_MODES or not path.startswith(prefix):
            continue
        sha = parts[3]
        try:
            size = int(repo.odb.info(bytes.fromhex(sha)).size)
        except (ValueError, git.GitCommandError, OSError):
            size = 0
        out.append((path[len(prefix) :], size, _reader(repo, sha)))
    return out


def _reader(repo: object, sha: str) -> Callable[[], bytes | None]:
    def read() -> bytes | None:
        try:
            return bytes(repo.odb.stream(bytes.fromhex(sha)).read())  # type: ignore[attr-defined]
        except Exception:  # a missing or corrupt object costs that file only
            return None

    return read
