"""When each tracked file last changed, from one `git log` over the history reachable from HEAD."""

from __future__ import annotations

from pathlib import Path

__all__ = ["last_changed"]


def last_changed(root: Path, *, max_commits: int = 5000) -> dict[str, int]:
    """path (relative to root, forward slashes) -> committer time (Unix seconds) of the newest commit
    that touched it. Empty outside a git repository or before the first commit."""
    try:
        import git

        from readycheck.index.gitsafe import harden

        cmd = git.Git(str(root))
        harden(cmd, root)
        out = cmd.log(
            f"--max-count={max_commits}", "--format=%x00%ct", "--name-only", "--no-renames", "--relative", "HEAD"
        )
    except Exception:  # not a repository, no commits, no git: no dates
        return {}
    dates: dict[str, int] = {}
    when = 0
    for line in out.splitlines():
        if line.startswith("\0"):
            try:
                when = int(line[1:].strip())
            except ValueError:
                when = 0
            continue
        name = line.strip()
        if name and name not in dates:
            dates[name] = when
    return dates
