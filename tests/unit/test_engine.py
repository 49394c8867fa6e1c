"""Engine and reports: isolation, time bounds, fail-closed verdicts, safe output."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from readycheck.config import Policy
from readycheck.engine import run_audit, run_check
from readycheck.index import build_index
from readycheck.model import Evidence, Outcome, Status
from readycheck.registry import load_registry
from readycheck.reporters import render

from tests.unit.test_cli import invoke

REG = load_registry(plugins=False)


def test_a_hanging_check_is_abandoned_as_an_error(tmp_path: Path) -> None:
    release = threading.Event()

    def hang(ctx):  # noqa: ANN001
        release.wait(30)
        return Outcome(Status.PASS, "never")

    spec = REG.get("RC0601")
    policy = Policy(root=tmp_path, check_timeout=0.2)
    result = run_check(spec, hang, build_index(tmp_path, use_git=False), policy)
    release.set()
    assert result.status is Status.ERROR and "did not finish within 0.2 s" in result.message


def test_a_detector_returning_garbage_is_an_error(tmp_path: Path) -> None:
    result = run_check(REG.get("RC1001"), lambda ctx: "ok", build_index(tmp_path, use_git=False), Policy(root=tmp_path))
    assert result.status is Status.ERROR and "not an Outcome" in result.message


def test_errored_blocking_check_fails_closed(tmp_path: Path) -> None:
    def boom(ctx):  # noqa: ANN001
        raise RuntimeError("kaboom")

    reg = load_registry(plugins=False)
    reg.detectors["rollback-readiness"] = boom
    report = run_audit(tmp_path, Policy(root=tmp_path), reg, reg.select(None))
    answers = {q.question.id: q for q in report.questions}
    assert answers["rollback-5min"].answer.value in ("no", "unknown")
    assert report.verdict.value == "NO-GO" and "RC1201" in report.verdict_reason
    rb = next(r for r in report.results if r.spec.id == "RC1201")
    assert rb.status is Status.ERROR and "RuntimeError: kaboom" in rb.message


def test_evidence_snippets_are_redacted_whatever_the_check(tmp_path: Path) -> None:
    key = "sk-proj-" + "Zx9Qw" * 10 + "T3BlbkFJ" + "Lm4Np" * 4

    def leaky(ctx):  # noqa: ANN001
        return Outcome(Status.WARN, "leaky", (Evidence("a.py", 1, f'client = OpenAI(api_key="{key}")'),))

    result = run_check(REG.get("RC0102"), leaky, build_index(tmp_path, use_git=False), Policy(root=tmp_path))
    assert key not in result.evidence[0].snippet and "sk-proj-" in result.evidence[0].snippet


def test_what_a_result_shows_is_redacted_and_every_judged_finding_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A passed result shows 50 of its locations: those are redacted, the rest are dropped
    unread. Every finding of a warned one is redacted before it is judged (and fingerprinted)."""
    from readycheck import engine

    key = "sk-proj-" + "Zx9Qw" * 10 + "T3BlbkFJ" + "Lm4Np" * 4
    found = tuple(Evidence(f"m{i:02}.py", 1, f'client = OpenAI(api_key="{key}")') for i in range(60, 0, -1))
    redacted: list[str] = []
    real = engine.redact_evidence

    def counting(ev: Evidence, rules: Any = None) -> Evidence:
        redacted.append(ev.path)
        return real(ev, rules)

    monkeypatch.setattr(engine, "redact_evidence", counting)
    index = build_index(tmp_path, use_git=False)
    for status, judged in ((Status.PASS, 50), (Status.WARN, 60)):
        redacted.clear()
        result = run_check(REG.get("RC0102"), lambda ctx: Outcome(status, "sixty", found), index, Policy(root=tmp_path))
        assert result.message.endswith("(showing 50 of 60 locations)")
        assert [e.path for e in result.evidence] == [f"m{i:02}.py" for i in range(1, 51)]  # sorted, then cut
        assert all(key not in (e.snippet or "") and "sk-proj-" in (e.snippet or "") for e in result.evidence)
        assert len(redacted) == judged
        assert all(e.fingerprint for e in result.evidence) == (status is Status.WARN)


def test_a_fingerprinted_evidence_is_what_dataclasses_replace_gives() -> None:
    from dataclasses import fields

    ev = Evidence(**{f.name: (7 if f.name == "line" else f"{f.name}-value") for f in fields(Evidence)})
    assert ev.fingerprinted("fp") == replace(ev, fingerprint="fp")  # every field, a new one too


def test_text_report_neutralises_terminal_escapes(tmp_path: Path) -> None:
    name = "evil\x1b[2J\x1b]0;pwned\x07.md"
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "RUNBOOK.md").write_text("# Runbook\n## Failure modes\x1b[31m red\n")
    report = run_audit(tmp_path, Policy(root=tmp_path), REG, REG.select(["RC1001"]))
    r = report.results[0]
    hostile = replace(r, evidence=(Evidence(name, 1, "text \x1b[2J here", "note\x1b[0m"),) + r.evidence)
    report = replace(report, results=(hostile,))
    out = render(report, "text", color=False)
    assert "\x1b" not in out and "\x07" not in out
    colored = render(report, "text", color=True)
    assert "\x1b[2J" not in colored and "\x1b]0;" not in colored


def test_audit_survives_hostile_files_through_the_cli(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "bad_utf8.py").write_bytes(b"from openai import OpenAI\nname = '\xff\xfe\xfa'\nOpenAI().chat.completions.create(model='m', messages=[])\n")
    (root / "broken.py").write_text("def (:\n")
    (root / "bomb.yaml").write_text("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)))
    (root / "bad.json").write_text("{not json")
    (root / "bad.tf").write_text('resource "x" {\n  = broken\n')
    (root / "blob.bin").write_bytes(os.urandom(4096))
    (root / "model.py").write_bytes(b"\x00\x01binary pretending to be python")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    os.symlink(outside, root / "escape.txt")
    os.symlink(root / "loop", root / "loop")
    os.mkfifo(root / "pipe")
    code, out, err = invoke("audit", str(root), "--format", "json")
    assert code == 1, err
    assert "Traceback" not in err
    data = json.loads(out)
    assert data["summary"]["error"] == 0
    by_reason = data["files"]["skipped_by_reason"]
    assert by_reason.get("binary", 0) >= 1 and by_reason.get("symlink pointing outside the target") == 1
    token_cap = next(r for r in data["results"] if r["id"] == "RC0102")
    assert token_cap["status"] == "fail" and token_cap["evidence"][0]["path"] == "bad_utf8.py"
    assert any("could not be parsed" in n for n in data["notes"])


def test_a_teams_own_secret_rule_is_redacted_in_the_snippet(tmp_path: Path) -> None:
    from types import MappingProxyType

    token = "acme_live_" + "Qx7Zp2Lw9Rt4" * 2
    (tmp_path / "settings.py").write_text(f'x = "{token}"\n')  # no secret-like name: only the team's rule sees it
    rule = {"id": "acme-token", "provider": "Acme", "description": "Acme live token", "confidence": "high",
            "regex": r"acme_live_[A-Za-z0-9]{24}", "keywords": ["acme_live_"]}
    policy = Policy(root=tmp_path, params=MappingProxyType({"hardcoded-secret": MappingProxyType({"extra_rules": [rule]})}))
    spec = REG.get("RC0201")
    result = run_check(spec, REG.detector(spec.detector), build_index(tmp_path, use_git=False), policy)
    assert result.status is Status.FAIL and result.evidence[0].line == 1
    assert token not in (result.evidence[0].snippet or "") and token not in (result.evidence[0].note or "")
