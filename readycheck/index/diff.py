"""What changed since a git reference: the files and lines of ``git diff REF...`` plus the work tree.

For a pull-request gate (``audit --diff origin/main``): the changes are measured from the merge
base of REF and HEAD, like ``git diff REF...``, to the work tree, so committed, staged and unstaged
changes all count, and untracked files (not ignored) count as wholly new. Read through gitpython,
imported here on first use.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["changed_lines", "merge_base"]

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


def merge_base(root: Path, ref: str) -> tuple[object, str, str]:
    """(the gitpython Repo holding ``root``, root's path inside it, the merge base of ``ref`` and
    HEAD). LookupError, with a message for the user, when there is no such repository or ref."""
    import git

    from readycheck.index.staged import repo_prefix

    try:
        repo, prefix = repo_prefix(root)
    except LookupError as exc:
        raise LookupError(f"--diff needs a git repository: {root}: {exc}") from None
    assert isinstance(repo, git.Repo)
    try:
        repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except git.GitCommandError:
        raise LookupError(f"unknown git ref '{ref}'") from None
    try:
        base = str(repo.git.merge_base(ref, "HEAD")).strip()
    except git.GitCommandError:
        raise LookupError(f"'{ref}' and HEAD have no common ancestor (or HEAD has no commit yet)") from None
    return repo, prefix, base


def changed_lines(root: Path, ref: str) -> dict[str, set[int] | None]:
    """The files under ``root`` changed since the merge base of ``ref`` and HEAD, by path relative
    to ``root``: the set of changed (added or modified) line numbers in the work tree's version, or
    None for a file that is new, untracked or binary (wholly changed). Deleted files are left out."""
    import git

    repo, prefix, base = merge_base(root, ref)
    assert isinstance(repo, git.Repo)
    out: dict[str, set[int] | None] = {}
    try:
        diffs = repo.commit(base).diff(None, create_patch=True, unified=0, no_ext_diff=True, no_textconv=True)
    except git.GitCommandError as exc:
        raise LookupError(f"git could not diff against '{ref}': {str(exc.stderr).strip()[:200]}") from None
    for d in diffs:
        path = d.b_path
        if d.deleted_file or not path or not path.startswith(prefix):
            continue
        rel = path[len(prefix) :]
        patch = d.diff if isinstance(d.diff, bytes) else str(d.diff or "").encode("utf-8")
        if d.new_file or b"Binary files" in patch[:400] or b"GIT binary patch" in patch[:400]:
            out[rel] = None
            continue
        lines: set[int] = set()
        for m in _HUNK.finditer(patch):
            start, count = int(m.group(1)), int(m.group(2)) if m.group(2) is not None else 1
            lines.update(range(start, start + count))
        if lines or rel not in out:
            out[rel] = lines  # a mode change or pure rename: present, no line changed
    for path in repo.untracked_files:
        if path.startswith(prefix):
            out[path[len(prefix) :]] = None
    return out
