"""The git index as a pre-commit hook sees it: the staged files and their staged content.

One ``git diff --cached --raw`` lists what is staged with the blob ids, and blobs are read from
git's object database (``git cat-file``), never from the work tree, so a secret staged and then
deleted from the work tree is still seen, and an unstaged edit is not.
"""

from __future__ import annotations

from pathlib import Path

from readycheck.index.gitsafe import GitError, harden, run, safe_env

__all__ = ["staged_blobs", "repo_prefix"]

_REGULAR_MODES = {"100644", "100755"}  # not symlinks (120000) nor submodules (160000)


def repo_prefix(root: Path) -> tuple[object, str]:
    """(the gitpython Repo holding ``root``, root's path inside it: '' or 'sub/dir/')."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise LookupError("not inside a git work tree") from None
    harden(repo.git, root)
    if repo.bare or repo.working_tree_dir is None:
        raise LookupError("a bare repository has no work tree")
    top = Path(repo.working_tree_dir).resolve()
    rel = root.resolve().relative_to(top).as_posix()
    return repo, "" if rel == "." else rel + "/"


def staged_blobs(root: Path, max_size: int) -> list[tuple[str, int, bytes | None]]:
    """``(path relative to root, size, content)`` for each regular file staged for the next
    commit; the content is None for a blob larger than ``max_size`` (never read) or one git could
    not read. Four plumbing commands, run directly: importing gitpython for them would cost the
    hook more than they do."""
    env = safe_env(root)
    where = ["rev-parse", "--is-bare-repository", "--is-inside-work-tree", "--show-prefix"]
    try:
        bare, inside, prefix = run(root, where, env=env).decode("utf-8", "surrogateescape").split("\n")[:3]
    except (GitError, ValueError):  # not a repository at all, or an answer of another shape
        raise LookupError("not inside a git work tree") from None
    if bare == "true":
        raise LookupError("a bare repository has no work tree")
    if inside != "true":
        raise LookupError("not inside a git work tree")
    try:
        raw = run(root, ["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--diff-filter=ACMT"],
                  env=env)
    except GitError as exc:
        raise LookupError(f"git could not list the staged files: {exc}") from None
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    staged: list[tuple[str, str]] = []
    # Records: ":old_mode new_mode old_sha new_sha status" NUL path NUL
    for i in range(0, len(fields) - 1, 2):
        meta, path = fields[i], fields[i + 1]
        parts = meta.lstrip(":").split()
        if len(parts) < 5 or parts[1] not in _REGULAR_MODES or not path.startswith(prefix):
            continue
        staged.append((path[len(prefix) :], parts[3]))
    if not staged:
        return []
    sizes = _sizes(root, [sha for _, sha in staged], env)
    wanted = sorted({sha for _, sha in staged if sha in sizes and sizes[sha] <= max_size})
    blobs = _contents(root, wanted, env)  # an oversize blob is never read
    return [(rel, sizes.get(sha, 0), blobs.get(sha)) for rel, sha in staged]


def _sizes(root: Path, shas: list[str], env: dict[str, str]) -> dict[str, int]:
    """Each blob's size from one ``git cat-file --batch-check``; a missing object is left out."""
    try:
        out = run(root, ["cat-file", "--batch-check"], stdin="".join(s + "\n" for s in shas).encode(), env=env)
    except GitError:
        return {}
    sizes: dict[str, int] = {}
    for line in out.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[2].isdigit():
            sizes[parts[0]] = int(parts[2])
    return sizes


def _contents(root: Path, shas: list[str], env: dict[str, str]) -> dict[str, bytes]:
    """The blobs' bytes from one ``git cat-file --batch``: records "sha type size" LF bytes LF."""
    if not shas:
        return {}
    try:
        out = run(root, ["cat-file", "--batch"], stdin="".join(s + "\n" for s in shas).encode(), env=env)
    except GitError:  # a corrupt object costs the files that hold it, not the hook
        return {}
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        eol = out.find(b"\n", pos)
        if eol < 0:
            break
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) != 3 or not header[2].isdigit():
            continue  # "<sha> missing": no content follows
        size = int(header[2])
        if header[1] == b"blob":
            blobs[header[0].decode("ascii")] = out[pos : pos + size]
        pos += size + 1
    return blobs
