from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from readycheck.config import Policy
from readycheck.engine import run_check
from readycheck.index import build_index
from readycheck.registry import load_registry
from readycheck.scaffold import learn, scaffold
from tests.conftest import cli

REGISTRY = load_registry(plugins=False)
SAMPLES = Path(__file__).parents[2] / "sample_projects"


def _copy(tmp_path: Path, name: str, drop: tuple[str, ...] = ()) -> Path:
    dest = tmp_path / name
    shutil.copytree(SAMPLES / name, dest)
    for rel in drop:
        target = dest / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    return dest


def _status(root: Path, check_id: str) -> tuple[str, str]:
    spec = REGISTRY.get(check_id)
    assert spec is not None
    result = run_check(spec, REGISTRY.detector(spec.detector), build_index(root, use_git=False), Policy(root=root))
    return result.status.value, result.message


def test_python_project_scaffolds_pass_the_checks(tmp_path: Path) -> None:
    root = _copy(tmp_path, "quickbot-nogo")
    assert _status(root, "RC1001")[0] == "fail"
    assert _status(root, "RC1101")[0] == "fail"
    code, out, err = cli("scaffold", "runbook", str(root))
    assert code == 0, err
    assert "docs/RUNBOOK.md" in out.replace("\\", "/")
    status, message = _status(root, "RC1001")
    assert status == "pass", message
    code, out, err = cli("scaffold", "loadtest", str(root))
    assert code == 0, err
    assert (root / "loadtests" / "locustfile.py").is_file() and (root / "docs" / "LOAD_TESTING.md").is_file()
    status, message = _status(root, "RC1101")
    assert status == "pass", message
    code, _out, err = cli("scaffold", "rollback", str(root))
    assert code == 0, err
    text = (root / "docs" / "ROLLBACK.md").read_text()
    assert "Rollback takes under 5 minutes" in text and "\n1. " in text
    if REGISTRY.get("RC1203") is not None:
        assert _status(root, "RC1203")[0] == "pass", _status(root, "RC1203")


def test_js_project_gets_k6_at_ten_times_the_stated_load(tmp_path: Path) -> None:
    root = _copy(tmp_path, "docs-assistant-ts", drop=("loadtest", "RUNBOOK.md"))
    (root / "docs" / "CAPACITY.md").write_text("# Capacity\n\nExpected load: 30 concurrent users.\n")
    facts = learn(build_index(root, use_git=False))
    assert facts.language == "js" and facts.expected_users == 30
    written = scaffold("loadtest", root)
    assert [p.relative_to(root).as_posix() for p in written] == ["loadtest/load.js", "docs/LOAD_TESTING.md"]
    script = written[0].read_text()
    assert "target: 300" in script and "thresholds" in script
    status, message = _status(root, "RC1101")
    assert status == "pass", message
    scaffold("runbook", root)
    status, message = _status(root, "RC1001")
    assert status == "pass", message


def test_runbook_names_the_providers_and_deploy_tool(tmp_path: Path) -> None:
    root = _copy(tmp_path, "support-agent-go", drop=("docs/RUNBOOK.md",))
    facts = learn(build_index(root, use_git=False))
    assert "openai" in facts.providers
    (path,) = scaffold("runbook", root)
    text = path.read_text()
    assert "OpenAI" in text and "https://status.openai.com" in text
    assert facts.deploy in ("helm", "k8s")
    assert ("kubectl" in text) or ("helm rollback" in text)


def test_never_overwrites(tmp_path: Path) -> None:
    root = _copy(tmp_path, "support-agent-go")
    before = (root / "docs" / "RUNBOOK.md").read_text()
    code, _out, err = cli("scaffold", "runbook", str(root))
    assert code == 2
    assert "already exists" in err and "never overwrites" in err
    assert (root / "docs" / "RUNBOOK.md").read_text() == before


def test_existing_load_testing_doc_is_kept(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    (root / "docs").mkdir(parents=True)
    (root / "app.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n\n@app.post('/v1/ask')\ndef ask() -> dict:\n    return {}\n")
    (root / "docs" / "LOAD_TESTING.md").write_text("# ours\n")
    written = scaffold("loadtest", root)
    assert [p.name for p in written] == ["locustfile.py"]
    assert (root / "docs" / "LOAD_TESTING.md").read_text() == "# ours\n"
    assert "'/v1/ask'" in written[0].read_text()


def test_unknown_kind_is_a_usage_error(tmp_path: Path) -> None:
    from readycheck.errors import UsageError

    with pytest.raises(UsageError):
        scaffold("dashboard", tmp_path)
