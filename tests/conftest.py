from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_projects"


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory: pytest.TempPathFactory):
    """The parse cache of every audit the tests run lives in the session's temp dir, never in
    the developer's ~/.cache (tests that study the cache set their own)."""
    saved = os.environ.get("READYCHECK_CACHE_DIR")
    os.environ["READYCHECK_CACHE_DIR"] = str(tmp_path_factory.mktemp("readycheck-cache"))
    yield
    if saved is None:
        os.environ.pop("READYCHECK_CACHE_DIR", None)
    else:
        os.environ["READYCHECK_CACHE_DIR"] = saved


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
        "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd),
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def init_repo(path: Path, tags: tuple[str, ...] = ()) -> Path:
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    for tag in tags:
        git(path, "tag", tag)
    return path


@pytest.fixture
def sample_repo(tmp_path: Path):
    """Copy a sample project to a temp dir and make it a git repository with release tags."""

    def make(name: str, tags: tuple[str, ...] = ()) -> Path:
        dest = tmp_path / name
        shutil.copytree(SAMPLES / name, dest)
        return init_repo(dest, tags)

    return make


def cli(*args: str) -> tuple[int, str, str]:
    """Run the command line through main(), so that the one error funnel is what is tested:
    (exit code, stdout, stderr)."""
    import contextlib
    import io

    from readycheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()
