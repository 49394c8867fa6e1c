"""The published pre-commit hooks, run by the real pre-commit tool.

The module builds, once, a git repository holding this checkout as it is now (tracked and untracked
files, work-tree changes included), and points a `.pre-commit-config.yaml` at its HEAD: pre-commit
then pip-installs readycheck from it into its own environment, exactly as it would from GitHub.
That install is the slow part (about 20-30 s, once per module, in a shared PRE_COMMIT_HOME); each
test afterwards makes a fresh project repository and runs `pre-commit run` or a real `git commit`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES
from tests.fakes import aws_key_id, aws_secret, openai_project_key

pytestmark = pytest.mark.slow

pre_commit = pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[test]')")

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def _env(home: Path, pre_commit_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "GITHUB_STEP_SUMMARY", "NO_COLOR")}
    env.update({
        "HOME": str(home), "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
    })
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = _run(["git", *args], cwd, env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _snapshot_checkout(dest: Path, env: dict[str, str]) -> str:
    """Copy the checkout's tracked and untracked (not ignored) files into ``dest``, commit them, and
    return the commit: the hooks are tested as they are in the work tree, not as last committed."""
    listed = _run(["git", "ls-files", "-co", "--exclude-standard", "-z"], ROOT, env).stdout.split("\0")
    dest.mkdir()
    for rel in filter(None, listed):
        src = ROOT / rel
        if not src.is_file():  # deleted in the work tree, or a submodule
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)
    _git(dest, env, "init", "-q", "-b", "main")
    _git(dest, env, "add", "-A")
    _git(dest, env, "commit", "-q", "--no-verify", "-m", "readycheck as in the work tree")
    return _git(dest, env, "rev-parse", "HEAD").strip()


class Hooks:
    """A hook repository at a commit, a shared PRE_COMMIT_HOME, and a way to make projects using it."""

    def __init__(self, work: Path) -> None:
        self.home = work / "home"
        self.home.mkdir()
        self.env = _env(self.home, work / "pre-commit-home")
        self.repo = work / "readycheck-hooks"
        self.rev = _snapshot_checkout(self.repo, self.env)

    def pre_commit(self, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return _run([sys.executable, "-m", "pre_commit", *args], cwd, self.env, timeout=600)

    def project(self, path: Path, hook_ids: tuple[str, ...] = ("readycheck",), source: Path | None = None) -> Path:
        if source is not None:
            shutil.copytree(source, path)
        else:
            path.mkdir()
        hooks = "".join(f"      - id: {hook_id}\n" for hook_id in hook_ids)
        (path / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {self.repo.as_posix()}\n    rev: {self.rev}\n    hooks:\n{hooks}"
        )
        _git(path, self.env, "init", "-q", "-b", "main")
        _git(path, self.env, "add", "-A")
        _git(path, self.env, "commit", "-q", "--no-verify", "-m", "initial")
        return path


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Hooks:
    hooks = Hooks(tmp_path_factory.mktemp("pre-commit"))
    probe = hooks.project(hooks.home / "probe")
    proc = hooks.pre_commit(probe, "install-hooks")  # pip-installs readycheck once for the module
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return hooks


def _leak(path: Path) -> dict[str, str]:
    keys = {"openai": openai_project_key("pre-commit"), "aws": aws_key_id("pre-commit"), "aws-secret": aws_secret("pre-commit")}
    path.write_text(
        "import os\n\n"
        f'OPENAI_API_KEY = "{keys["openai"]}"\n'
        f'AWS_ACCESS_KEY_ID = "{keys["aws"]}"\n'
        f'AWS_SECRET_ACCESS_KEY = "{keys["aws-secret"]}"\n'
    )
    return keys


def test_the_manifest_is_valid_for_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(HOOKS)}
    assert set(hooks) == {"readycheck", "readycheck-full"}
    staged, full = hooks["readycheck"], hooks["readycheck-full"]
    assert staged["entry"].split()[:3] == ["readycheck", "audit", "--staged"]
    assert staged["stages"] == ["pre-commit"] and set(full["stages"]) == {"pre-push", "manual"}
    for hook in hooks.values():  # readycheck reads the repository (or the index) itself
        assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["always_run"] is True


def test_a_staged_secret_fails_the_hook_and_is_named(hooks: Hooks, tmp_path: Path) -> None:
    project = hooks.project(tmp_path / "agent")
    keys = _leak(project / "settings.py")
    _git(project, hooks.env, "add", "settings.py")
    proc = hooks.pre_commit(project, "run", "--hook-stage", "pre-commit")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "readycheck (staged files)" in out and "Failed" in out
    assert "NO-GO" in out and "RC0201" in out and "settings.py:3" in out and "settings.py:4" in out
    for value in keys.values():
        assert value not in out  # a fingerprint, never the key


def test_a_clean_file_passes(hooks: Hooks, tmp_path: Path) -> None:
    project = hooks.project(tmp_path / "agent")
    (project / "settings.py").write_text('import os\n\nOPENAI_API_KEY = os.environ["OPENAI_API_KEY"]\n')
    _git(project, hooks.env, "add", "settings.py")
    proc = hooks.pre_commit(project, "run", "--hook-stage", "pre-commit")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "readycheck (staged files)" in proc.stdout and "Passed" in proc.stdout


def test_the_index_is_judged_not_the_work_tree(hooks: Hooks, tmp_path: Path) -> None:
    project = hooks.project(tmp_path / "agent")
    _leak(project / "settings.py")
    _git(project, hooks.env, "add", "settings.py")
    (project / "settings.py").write_text('OPENAI_API_KEY = ""\n')  # fixed on disk, not staged
    proc = hooks.pre_commit(project, "run", "--hook-stage", "pre-commit")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "RC0201" in proc.stdout


def test_git_commit_is_blocked_then_allowed(hooks: Hooks, tmp_path: Path) -> None:
    project = hooks.project(tmp_path / "agent")
    proc = hooks.pre_commit(project, "install", "--hook-type", "pre-commit")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    head = _git(project, hooks.env, "rev-parse", "HEAD")

    _leak(project / "settings.py")
    _git(project, hooks.env, "add", "settings.py")
    proc = _run(["git", "commit", "-m", "add settings"], project, hooks.env, timeout=300)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "RC0201" in proc.stdout + proc.stderr and "settings.py" in proc.stdout + proc.stderr
    assert _git(project, hooks.env, "rev-parse", "HEAD") == head

    (project / "settings.py").write_text('import os\n\nOPENAI_API_KEY = os.environ["OPENAI_API_KEY"]\n')
    _git(project, hooks.env, "add", "settings.py")
    proc = _run(["git", "commit", "-m", "add settings"], project, hooks.env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "readycheck (staged files)" in proc.stdout + proc.stderr
    assert _git(project, hooks.env, "log", "-1", "--format=%s").strip() == "add settings"


def test_the_full_hook_runs_the_whole_audit_on_demand(hooks: Hooks, tmp_path: Path) -> None:
    project = hooks.project(tmp_path / "quickbot", ("readycheck", "readycheck-full"), source=SAMPLES / "quickbot-nogo")
    staged_only = hooks.pre_commit(project, "run", "--all-files", "--hook-stage", "pre-commit")
    assert staged_only.returncode == 0, staged_only.stdout  # nothing staged: nothing blocking
    assert "readycheck (full audit" not in staged_only.stdout
    proc = hooks.pre_commit(project, "run", "--hook-stage", "manual", "readycheck-full")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "readycheck (full audit, GO/NO-GO)" in proc.stdout and "NO-GO" in proc.stdout
