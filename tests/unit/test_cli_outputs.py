"""Several reports from one audit, the GitHub job summary, and the report/checks commands that
feed dashboards: through the command line, as a user or a CI job calls them."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, cli

NOGO = SAMPLES / "quickbot-nogo"
GO = SAMPLES / "support-agent-go"


def test_one_audit_writes_several_reports_paired_by_rank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    a, b = tmp_path / "a.json", tmp_path / "b.sarif"
    code, out, err = cli("audit", str(NOGO), "--format", "json", "--output", str(a), "--format", "sarif", "--output", str(b))
    assert code == 1 and out == ""
    assert json.loads(a.read_text())["verdict"] == "NO-GO"
    assert json.loads(b.read_text())["version"] == "2.1.0"
    assert f"report written to {a}, {b}" in err


def test_format_equals_file_and_one_report_on_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    junit, html = tmp_path / "r.xml", tmp_path / "r.html"
    code, out, _ = cli("audit", str(NOGO), "--no-color", "--format", "text", "--format", f"junit={junit}", "-f", f"html={html}")
    assert code == 1
    assert "NO-GO" in out and "RC0201" in out  # the text report is the log's
    assert ET.parse(junit).getroot().tag == "testsuites"
    assert html.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "pdf"), "unknown format 'pdf'"),
        (("--format", "json", "--format", "sarif"), "only one report can go to stdout"),
        (("--format", "json", "--output", "a", "--output", "b"), "one --output per --format"),
        (("--format", "json="), "the file name is missing"),
    ],
)
def test_bad_format_requests_are_one_clear_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = cli("audit", str(tmp_path), *args)
    assert code == 2 and out == ""
    assert err.startswith("readycheck: error:") and message in err and err.count("\n") == 1


def test_the_github_job_summary_gets_the_markdown_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, _, _ = cli("audit", str(NOGO), "--format", "json")
    text = summary.read_text()
    assert code == 1
    assert text.startswith("earlier step\n")  # appended, never overwritten
    assert "## readycheck: NO-GO" in text and "<details>" in text


def test_an_unwritable_job_summary_is_a_warning_not_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing-dir" / "summary.md"))
    code, out, err = cli("audit", str(GO), "--format", "json")
    assert code == 0 and json.loads(out)["verdict"] == "GO"
    assert "warning: cannot write the job summary" in err


def _report(tmp_path: Path, sample: Path, name: str) -> Path:
    code, out, _ = cli("audit", str(sample), "--format", "json")
    path = tmp_path / name
    path.write_text(out)
    return path


def test_report_diff_and_merge_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    go = _report(tmp_path, GO, "go.json")
    nogo = _report(tmp_path, NOGO, "nogo.json")
    code, out, _ = cli("report", "diff", str(go), str(go))
    assert code == 0 and "findings: 0 new, 0 fixed" in out
    worse = json.loads(go.read_text())
    rc0601 = next(r for r in worse["results"] if r["id"] == "RC0601")
    rc0601.update(status="fail", message="retries disabled", evidence=[{"path": "src/support_agent/llm.py", "line": 61, "snippet": "max_retries=0"}])
    worse["verdict"] = "NO-GO"
    (tmp_path / "worse.json").write_text(json.dumps(worse))
    code, out, _ = cli("report", "diff", str(go), str(tmp_path / "worse.json"), "--format", "json")
    assert code == 1 and json.loads(out)["verdict"] == {"old": "GO", "new": "NO-GO", "changed": True}
    page = tmp_path / "org.html"
    code, _, _ = cli("report", "merge", str(go), str(nogo), "--output", str(page))
    assert code == 0 and "quickbot-nogo" in page.read_text() and "support-agent-go" in page.read_text()
    code, out, _ = cli("report", "merge", str(go), str(nogo), "--format", "json")
    assert code == 0 and out.count('"verdict"') >= 2
    code, _, err = cli("report", "diff", str(go), str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json" in err


def test_checks_list_by_framework() -> None:
    code, out, _ = cli("checks", "list", "--framework", "owasp-llm")
    assert code == 0
    assert "LLM10" in out and "RC0101" in out and "not covered" in out
    code, out, _ = cli("checks", "list", "--framework", "aws-genai-lens", "--format", "json")
    assert code == 0 and json.loads(out)
    code, _, err = cli("checks", "list", "--framework", "iso-42001")
    assert code == 2 and "unknown framework" in err
