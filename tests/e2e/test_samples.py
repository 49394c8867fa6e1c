"""The sample projects, audited end to end as git repositories: verdicts and key findings."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from readycheck.cli import main
from readycheck.config import schema_path


def audit_json(path: Path, *extra: str) -> tuple[int, dict]:
    import contextlib
    import io

    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(["audit", str(path), "--format", "json", *extra])
        except SystemExit as exc:
            code = int(exc.code or 0)
    data = json.loads(out.getvalue())
    jsonschema.Draft202012Validator(json.loads(schema_path("report").read_text())).validate(data)
    return code, data


def results(data: dict) -> dict[str, dict]:
    return {r["id"]: r for r in data["results"]}


def answers(data: dict) -> dict[str, str]:
    return {q["id"]: q["answer"] for q in data["questions"]}


def test_production_ready_sample_is_go(sample_repo) -> None:
    repo = sample_repo("support-agent-go", tags=("v1.4.0", "v1.4.1", "v1.4.2"))
    code, data = audit_json(repo)
    by_id = results(data)
    failing = {k: (v["status"], v["message"]) for k, v in by_id.items() if v["status"] in ("fail", "error")}
    assert failing == {}
    assert data["verdict"] == "GO" and code == 0, data["verdict_reason"]
    assert set(answers(data).values()) == {"yes"}
    assert data["target"]["git"]["branch"] == "main" and len(data["target"]["git"]["commit"]) == 40
    # every PASS points at evidence in the repository
    for r in data["results"]:
        if r["status"] == "pass":
            assert r["evidence"], r["id"]
            for ev in r["evidence"]:
                assert ev["path"] == ".git" or (repo / ev["path"]).exists(), ev
    assert any(ev["path"] == "infra/terraform/budget.tf" for ev in by_id["RC0101"]["evidence"])
    assert by_id["RC0601"]["status"] == "pass"
    # Infrastructure and operations are judged from what the sample really declares.
    where = {k: {ev["path"] for ev in v["evidence"]} for k, v in by_id.items()}
    assert "deploy/k8s/deployment.yaml" in where["RC0105"]  # limits and an autoscaler
    assert {"infra/terraform/monitoring.tf", "deploy/prometheus/alertmanager.yaml"} <= where["RC0302"]
    assert {"Dockerfile", "deploy/k8s/deployment.yaml"} <= where["RC0903"]  # non-root
    assert "migrations/versions/0002_tool_audit_log.py" in where["RC0904"]
    assert "loadtests/locustfile.py" in where["RC1101"] and "docs/RUNBOOK.md" in where["RC1001"]
    assert ".github/workflows/rollback.yml" in where["RC1201"] and "docs/ROLLBACK.md" in where["RC1203"]
    assert len(where["RC1202"]) == 3  # every Alembic revision has a real downgrade
    assert ".github/workflows/deploy.yml" in where["RC1301"]
    assert "infra/terraform/secrets.tf" in where["RC0205"] and "docs/RUNBOOK.md" in where["RC0207"]


def test_careless_sample_is_no_go_with_named_questions(sample_repo) -> None:
    repo = sample_repo("quickbot-nogo")
    code, data = audit_json(repo)
    assert code == 1 and data["verdict"] == "NO-GO"
    ans = answers(data)
    assert ans["spend-limit"] == "no" and ans["provider-outage"] == "no" and ans["rollback-5min"] == "no"
    assert ans["see-now"] == "no" and ans["deploy-awareness"] == "no"
    by_id = results(data)
    secrets = by_id["RC0201"]
    assert secrets["status"] == "fail"
    flagged = {(e["path"], e["line"]) for e in secrets["evidence"]}
    assert {("llm.py", 6), ("config.py", 14), (".env", 1), (".env", 2)} <= flagged
    assert by_id["RC0202"]["status"] == "fail"
    assert by_id["RC0601"]["status"] == "fail" and by_id["RC1001"]["status"] == "fail"
    assert by_id["RC0101"]["status"] == "fail" and by_id["RC0103"]["status"] == "fail"
    assert by_id["RC0104"]["status"] == "warn"
    # the model chooses a shell command and a SQL fragment: both reach their sinks
    unsafe = by_id["RC0902"]
    assert unsafe["status"] == "fail"
    sinks = {(e["path"], e["line"]) for e in unsafe["evidence"]}
    assert {("tools/reports.py", 8), ("tools/reports.py", 14)} <= sinks
    # no secret leaves readycheck in full, in any format
    text = json.dumps(data)
    for secret in _fake_secrets(repo):
        assert secret not in text
    assert "config.py:14" in _text_report(repo)


def _fake_secrets(repo: Path) -> list[str]:
    import re

    found = []
    for f in (repo / "llm.py", repo / "config.py", repo / ".env"):
        found += re.findall(r"(sk-(?:proj-)?[A-Za-z0-9_-]{30,}|AKIA[A-Z0-9]{16}|xoxb-[0-9A-Za-z-]{30,}|[A-Za-z0-9+/]{40})", f.read_text())
    assert len(found) >= 4
    return found


def _text_report(repo: Path) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(["audit", str(repo), "--no-color"])
        except SystemExit:
            pass
    text = out.getvalue()
    for secret in _fake_secrets(repo):
        assert secret not in text
    return text


def test_partly_ready_typescript_sample(sample_repo) -> None:
    repo = sample_repo("docs-assistant-ts", tags=("v0.9.0", "v0.9.1"))
    code, data = audit_json(repo)
    by_id = results(data)
    warned = {k for k, v in by_id.items() if v["status"] == "warn"}
    assert {"RC0102", "RC0601", "RC1001", "RC1301"} <= warned
    assert any(e["path"] == "src/summarize.ts" for e in by_id["RC0102"]["evidence"])
    assert "post-mortem" in by_id["RC1001"]["message"]
    assert any(e["path"] == "src/tools/searchDocs.ts" for e in by_id["RC0601"]["evidence"])
    assert by_id["RC0201"]["status"] == "pass"
    assert by_id["RC0901"]["status"] == "skip"
    assert by_id["RC0104"]["status"] == "pass" and by_id["RC0403"]["status"] == "pass"
    assert by_id["RC0902"]["status"] == "pass"  # fetchPage refuses URLs outside the docs site
    assert "3 of 3 LLM calls traced" in by_id["RC0301"]["message"]
    # warnings do not block: GO, and --fail-on warn turns them into exit 1
    assert data["verdict"] == "GO" and code == 0, data["verdict_reason"]
    code_warn, _ = audit_json(repo, "--fail-on", "warn")
    assert code_warn == 1


@pytest.mark.parametrize("name", ["support-agent-go", "quickbot-nogo", "docs-assistant-ts"])
def test_samples_audit_outside_git_too(tmp_path: Path, name: str) -> None:
    import shutil

    from tests.conftest import SAMPLES

    dest = tmp_path / name
    shutil.copytree(SAMPLES / name, dest)
    code, data = audit_json(dest)
    assert data["target"]["git"] is None
    assert data["summary"]["error"] == 0
