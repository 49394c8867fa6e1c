from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from readycheck.config import Policy
from readycheck.engine import run_check
from readycheck.index import build_index
from readycheck.index.gitdates import last_changed
from readycheck.registry import load_registry
from tests.conftest import git

REGISTRY = load_registry(plugins=False)
CLEAN = Path(__file__).parents[1] / "checks" / "fixtures" / "RC1001" / "clean"


def _run(root: Path, use_git: bool = False):
    spec = REGISTRY.get("RC1001")
    assert spec is not None
    return run_check(spec, REGISTRY.detector(spec.detector), build_index(root, use_git=use_git), Policy(root=root))


def _commit(root: Path, message: str, date: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_COMMITTER_DATE", date)
    monkeypatch.setenv("GIT_AUTHOR_DATE", date)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def test_runbook_much_older_than_code_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    shutil.copytree(CLEAN, root)
    git(root, "init", "-q", "-b", "main")
    _commit(root, "runbook", "2024-01-01T10:00:00+00:00", monkeypatch)
    (root / "agent.py").write_text("def answer() -> str:\n    return 'hi'\n")
    _commit(root, "code", "2025-06-01T10:00:00+00:00", monkeypatch)
    dates = last_changed(root)
    assert dates["agent.py"] > dates["docs/runbooks/README.md"]
    result = _run(root, use_git=True)
    assert result.status.value == "warn", result.message
    assert "days before the code it describes" in result.message


def test_runbook_updated_with_code_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    shutil.copytree(CLEAN, root)
    (root / "agent.py").write_text("x = 1\n")
    git(root, "init", "-q", "-b", "main")
    _commit(root, "all", "2025-06-01T10:00:00+00:00", monkeypatch)
    result = _run(root, use_git=True)
    assert result.status.value == "pass", result.message


def test_last_changed_outside_git_is_empty(tmp_path: Path) -> None:
    assert last_changed(tmp_path) == {}


def test_missing_failure_modes_are_named(tmp_path: Path) -> None:
    (tmp_path / "RUNBOOK.md").write_text(
        "# Runbook\n\n## Failure modes\n\nProvider outage: wait.\n\n## Escalation\n\nPagerDuty service agent.\n\n"
        "## Recovery\n\n1. Roll back: `helm rollback agent`\n2. Check `kubectl get pods`\n\n## Post-mortem\n\nTemplate.\n"
    )
    result = _run(tmp_path)
    assert result.status.value == "warn"
    assert "failure modes not covered: rate limit, runaway cost, leaked key" in result.message


def test_heading_alone_is_not_a_contact_route(tmp_path: Path) -> None:
    (tmp_path / "RUNBOOK.md").write_text("# Runbook\n\n## Escalation\n\n#oncall\n")
    result = _run(tmp_path)
    assert "escalation names no contact route" in result.message
    (tmp_path / "RUNBOOK.md").write_text("# Runbook\n\n## Escalation\n\nAsk in #agent-oncall.\n")
    result = _run(tmp_path)
    assert "escalation names no contact route" not in result.message


def test_runbooks_in_test_or_benchmark_data_do_not_count(tmp_path: Path) -> None:
    data = tmp_path / "benchmark_data" / "docs"
    data.mkdir(parents=True)
    (data / "oncall_runbook.md").write_text("# On-call runbook\n\n## Escalation\n\nPagerDuty.\n")
    result = _run(tmp_path)
    assert result.status.value == "fail" and "no runbook found" in result.message
