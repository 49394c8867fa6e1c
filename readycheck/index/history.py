"""The lines every commit reachable from HEAD added, for scanning history (``--history``).

One ``git log -p`` through gitpython, read as a stream: oldest commit first, so the first time a
value is seen is the commit that added it. Only added lines are kept (a secret is leaked by the
commit that adds it), with their line numbers in that commit's version of the file.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

__all__ = ["AddedLines", "added_lines", "head_text"]

_MARK = "\x01readycheck-commit "
_HUNK = re.compile(r"@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_MAX_LINE = 20_000  # longer lines are minified bundles or data: not where keys are typed


@dataclass(frozen=True, slots=True)
class AddedLines:
    """The lines one commit added to one file: ``text`` holds them joined by newlines, and
    ``numbers[i]`` is the line number of its i-th line in that commit's version of the file."""

    commit: str
    timestamp: int  # committer time, seconds since the epoch
    path: str  # relative to the audited root, forward slashes
    numbers: tuple[int, ...]
    text: str

    @property
    def lines(self) -> tuple[tuple[int, str], ...]:
        return tuple(zip(self.numbers, self.text.split("\n")))


def _path(header: str, prefix: str) -> str | None:
    """The new path of a ``+++ b/path`` header, relative to the audited root; None when the file
    was deleted or lies outside the root."""
    name = header[4:].rstrip("\r\n")
    if name.endswith("\t"):  # git ends names holding a space with a tab
        name = name[:-1]
    if name == "/dev/null":
        return None
    if name.startswith('"') and name.endswith('"'):  # git quotes unusual names, C-style
        try:
            name = codecs.escape_decode(name[1:-1].encode("utf-8"))[0].decode("utf-8", "replace")
        except ValueError:
            return None
    if not name.startswith("b/"):
        return None
    name = name[2:]
    if not name.startswith(prefix):
        return None
    return name[len(prefix) :]


def _parse(stream: IO[bytes], prefix: str) -> Iterator[AddedLines]:
    """Added lines stay bytes until their file's chunk is complete, then are decoded at once:
    the loop does as little as possible per line (history is millions of lines)."""
    commit, when = "", 0
    path: str | None = None
    number = 0
    numbers: list[int] = []
    added: list[bytes] = []
    in_hunk = False
    mark = _MARK.encode()

    def flush() -> Iterator[AddedLines]:
        if path is not None and added:
            # One added line must stay one line for str.splitlines(), which also breaks at these.
            text = b"\n".join(added).decode("utf-8", "replace")
            if _OTHER_BREAKS.search(text):
                text = _OTHER_BREAKS.sub(" ", text)
            yield AddedLines(commit, when, path, tuple(numbers), text)

    for raw in stream:
        first = raw[:1]
        if in_hunk:
            if first == b"+":
                if path is not None and len(raw) <= _MAX_LINE:
                    numbers.append(number)
                    added.append(raw[1:].rstrip(b"\r\n"))
                number += 1
                continue
            if first in (b"-", b"\\"):  # a removed line; "\ No newline at end of file"
                continue
        if first == b"@":
            match = _HUNK.match(raw.decode("utf-8", "replace"))
            in_hunk = match is not None
            number = int(match.group(1)) if match else 0
            continue
        in_hunk = False
        if raw.startswith(mark):
            yield from flush()
            numbers, added, path = [], [], None
            parts = raw[len(mark) :].decode("ascii", "replace").split()
            commit = parts[0] if parts else ""
            when = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        elif raw.startswith(b"diff --git "):
            yield from flush()
            numbers, added, path = [], [], None
        elif raw.startswith(b"+++ "):
            path = _path(raw.decode("utf-8", "replace"), prefix)
    yield from flush()


def added_lines(root: Path, *, max_commits: int | None = None) -> Iterator[AddedLines]:
    """What each commit reachable from HEAD added, oldest commit first. Raises LookupError when
    ``root`` is not in a git repository with commits."""
    import git

    from readycheck.index.staged import repo_prefix

    repo, prefix = repo_prefix(root)
    assert isinstance(repo, git.Repo)
    try:
        repo.head.commit
    except ValueError:
        raise LookupError("the repository has no commits yet") from None
    args = [
        "-p", "--reverse", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "-U0",
        f"--format=format:{_MARK}%H %ct",
    ]  # fmt: skip
    if max_commits is not None:
        args.append(f"--max-count={max_commits}")
    args += ["HEAD", "--"] + ([prefix] if prefix else [])
    proc = repo.git.log(*args, as_process=True)
    try:
        yield from _parse(proc.stdout, prefix)
    finally:
        proc.stdout.close()
        try:
            proc.wait()
        except git.GitCommandError:
            pass  # stopped early (the pipe closed under git), or git failed after its output


def head_text(root: Path, path: str) -> str | None:
    """The text of ``path`` (relative to root) in HEAD, or None when HEAD has no such file."""
    import git

    from readycheck.index.staged import repo_prefix

    try:
        repo, prefix = repo_prefix(root)
        assert isinstance(repo, git.Repo)
        blob = repo.head.commit.tree / (prefix + path)
        data: bytes = blob.data_stream.read()
    except (LookupError, KeyError, ValueError, git.GitCommandError):
        return None
    return data.decode("utf-8", "replace")
