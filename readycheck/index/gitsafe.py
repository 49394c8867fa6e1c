"""Running git on a repository readycheck does not trust, without running anything of the repository's.

A repository's own ``.git/config`` (shipped inside a tarball, a CI cache or a hostile checkout) can
name commands git runs as a side effect of reading: ``core.fsmonitor`` (run by ``git status`` and
the work-tree diffs behind ``is_dirty``), clean/smudge/process filters (run on work-tree files when
git compares them), hooks; textconv and external diff drivers are turned off by the flags of the
commands that make patches (index.diff, index.history). Every git command of the index runs
with those settings overridden on the command line (``GIT_CONFIG_COUNT``/``KEY``/``VALUE``, which
take precedence over every config file), with no terminal prompt and no pager.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["GitError", "harden", "run", "safe_env"]

_FIXED = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.sshCommand", "false"),
    ("diff.external", ""),
    ("credential.helper", ""),
)
_DRIVER_KEYS = {"filter": ("clean", "smudge", "process")}


def _drivers(root: Path) -> list[tuple[str, str]]:
    """(section, name) of each filter driver the repository's config defines (diff drivers are
    turned off by ``--no-textconv --no-ext-diff`` on the commands that diff)."""
    try:
        out = subprocess.run(
            ["git", "config", "-z", "--name-only", "--get-regexp", r"^filter\..*\.(clean|smudge|process)$"],
            cwd=root, capture_output=True, timeout=30, env={**os.environ, **_base_env()}, check=False,
        ).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return []
    found: list[tuple[str, str]] = []
    for key in out.split("\0"):
        section, _, rest = key.partition(".")
        name, _, _ = rest.rpartition(".")
        if section in _DRIVER_KEYS and name and (section, name) not in found:
            found.append((section, name))
    return found


def _base_env() -> dict[str, str]:
    return {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "GIT_OPTIONAL_LOCKS": "0"}


def safe_env(root: Path) -> dict[str, str]:
    """Environment variables that neutralise the commands a repository's config could make git run."""
    pairs = list(_FIXED)
    for section, name in _drivers(root):
        pairs.extend((f"{section}.{name}.{key}", "") for key in _DRIVER_KEYS[section])
    env = _base_env()
    env["GIT_CONFIG_COUNT"] = str(len(pairs))
    for i, (key, value) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


def harden(cmd: object, root: Path) -> None:
    """Make a gitpython ``Git`` (``repo.git`` or ``git.Git(root)``) run with :func:`safe_env`."""
    cmd.update_environment(**safe_env(root))  # type: ignore[attr-defined]


class GitError(Exception):
    """A git command failed; the message is the first line git wrote to stderr."""


def run(root: Path, args: list[str], stdin: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
    """One git command in ``root`` with :func:`safe_env` (or ``env`` from an earlier call): its
    stdout. For plumbing commands whose output is a few lines to split (the listing, the git
    facts, the staged blobs): importing gitpython for them would cost a pre-commit run a fifth of
    its time."""
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, input=stdin, capture_output=True, timeout=600, check=False,
            env={**os.environ, **(env if env is not None else safe_env(root))},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"git could not be run: {exc}") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(lines[0][:200] if lines else f"git exited with code {proc.returncode}")
    return proc.stdout
