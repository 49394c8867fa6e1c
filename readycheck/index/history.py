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
_MAX_LINE = 20_000  # longer lines are minified bundles or data: not where keys are typed


@dataclass(frozen=True, slots=True)
class AddedLines:
    """The lines one commit added to one file."""

    commit: str
    timestamp: int  # committer time, seconds since the epoch
    path: str  # relative to the audited root, forward slashes
    lines: tuple[tuple[int, str], ...]  # (line number in the commit's file, text)


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
    commit, when = "", 0
    path: str | None = None
    number = 0
    lines: list[tuple[int, str]] = []
    in_hunk = False

    def flush() -> Iterator[AddedLines]:
        if path is not None and lines:
            yield AddedLines(commit, when, path, tuple(lines))

    for raw in stream:
        line = raw.decode("utf-8", "replace")
        if line.startswith(_MARK):
            yield from flush()
            lines, path, in_hunk = [], None, False
            parts = line[len(_MARK) :].split()
            commit = parts[0] if parts else ""
            when = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        elif line.startswith("diff --git "):
            yield from flush()
            lines, path, in_hunk = [], None, False
        elif not in_hunk and line.startswith("+++ "):
            path = _path(line, prefix)
        elif line.startswith("@@"):
            match = _HUNK.match(line)
            in_hunk = match is not None
            number = int(match.group(1)) if match else 0
        elif in_hunk and line.startswith("+"):
            if path is not None and len(line) <= _MAX_LINE:
                lines.append((number, line[1:].rstrip("\r\n")))
            number += 1
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
