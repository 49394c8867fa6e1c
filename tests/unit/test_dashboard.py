"""readycheck.dashboard: diffs of two JSON reports and the organisation-wide merge."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from readycheck.dashboard import (
    PHASES,
    QUESTIONS,
    diff_exit_code,
    diff_reports,
    diff_to_dict,
    load_report,
    merge_reports,
    org_view_to_dict,
    render_diff,
    render_diff_json,
    render_diff_markdown,
    render_diff_text,
    render_merge,
    render_merge_html,
    render_merge_json,
    validate_report,
)
from readycheck.errors import UsageError
from tests.conftest import SAMPLES, cli, init_repo

SAMPLE_NAMES = ("quickbot-nogo", "docs-assistant-ts", "support-agent-go")
TAGS = {"support-agent-go": ("v1.4.0", "v1.4.1", "v1.4.2"), "docs-assistant-ts": ("v0.9.0", "v0.9.1")}


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three sample projects audited once as git repositories: name -> JSON report file."""
    root = tmp_path_factory.mktemp("dashboard")
    files: dict[str, Path] = {}
    for name in SAMPLE_NAMES:
        repo = root / name
        shutil.copytree(SAMPLES / name, repo)
        init_repo(repo, TAGS.get(name, ()))
        code, out, err = cli("audit", str(repo), "--format", "json")
        assert code in (0, 1), err
        files[name] = root / f"{name}.json"
        files[name].write_text(out, encoding="utf-8")
    return files


@pytest.fixture
def reports(sample_reports: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """Fresh, editable copies of the sample reports."""
    return {name: load_report(path) for name, path in sample_reports.items()}


def result(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(r for r in report["results"] if r["id"] == check_id)


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def minimal_report(path: str = "/repos/app", *, verdict: str = "GO", started_at: str = "2026-01-01T10:00:00Z",
                   results: list[dict[str, Any]] | None = None, answer: str = "yes") -> dict[str, Any]:
    return {
        "schema_version": "1",
        "tool": {"name": "readycheck", "version": "0.0.1"},
        "target": {"path": path, "git": {"commit": "a" * 40, "branch": "main", "dirty": False}},
        "started_at": started_at,
        "duration_ms": 5,
        "verdict": verdict,
        "questions": [{"id": q, "question": q, "answer": answer, "checks": [], "reason": ""} for q in QUESTIONS],
        "results": results or [],
        "summary": {"pass": 0, "warn": 0, "fail": 0, "skip": 0, "error": 0},
    }


def check(check_id: str, status: str, phase: str = "reliability", evidence: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": check_id, "slug": f"slug-{check_id.lower()}", "title": f"title {check_id}", "item": 6,
            "item_slug": "retries", "phase": phase, "severity": "high", "blocking": True, "status": status,
            "message": "", "evidence": evidence or [], "remediation": ""}


# ----------------------------------------------------------------------------------------- loading


def test_load_report_reads_a_real_report(sample_reports: dict[str, Path]) -> None:
    data = load_report(sample_reports["quickbot-nogo"])
    assert data["verdict"] == "NO-GO" and data["schema_version"] == "1"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "the top level is an array"),
        (json.dumps({"hello": "world"}), "not a readycheck report: '(top level)'"),
        (json.dumps({**minimal_report(), "schema_version": "2"}), "schema_version '2'"),
        (json.dumps({**minimal_report(), "verdict": "MAYBE"}), "'verdict'"),
        (json.dumps({k: v for k, v in minimal_report().items() if k != "results"}), "'results' is a required property"),
        (json.dumps({**minimal_report(), "tool": {"name": "other", "version": "1"}}), "'tool.name'"),
    ],
)
def test_invalid_files_are_usage_errors_naming_the_file(tmp_path: Path, content: str, problem: str) -> None:
    path = write(tmp_path, "bad.json", content)
    with pytest.raises(UsageError) as info:
        load_report(path)
    message = info.value.message
    assert message.startswith(f"{path}: ") and problem in message, message
    assert "\n" not in message and len(message) < 400
    assert info.value.exit_code == 2


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="nope.json: no such file"):
        load_report(tmp_path / "nope.json")


def test_a_huge_invalid_value_gives_a_short_message() -> None:
    with pytest.raises(UsageError) as info:
        validate_report({**minimal_report(), "questions": "x" * 10_000}, "big.json")
    assert len(info.value.message) < 400


def test_other_versions_extra_and_missing_optional_fields_are_read(reports: dict[str, dict[str, Any]]) -> None:
    data = copy.deepcopy(reports["quickbot-nogo"])
    data["future_field"] = {"anything": 1}
    data["summary"]["new_status"] = 0  # closed objects in this schema are relaxed
    for r in data["results"]:
        r["future"] = True
        for ev in r["evidence"]:
            ev["column"] = 3
            ev.pop("fingerprint", None)
    for key in ("verdict_reason", "mode", "files", "notes", "cloud"):
        data.pop(key, None)
    assert validate_report(data, "x.json") is data
    d = diff_reports(reports["quickbot-nogo"], data)
    # no fingerprints on one side: matched by path and snippet instead
    assert d.new_findings == () and d.fixed_findings == ()


# -------------------------------------------------------------------------------------------- diff


def test_identical_reports_have_no_changes(reports: dict[str, dict[str, Any]]) -> None:
    old = reports["quickbot-nogo"]
    d = diff_reports(old, copy.deepcopy(old))
    assert not d.verdict_changed and d.question_changes == () and d.check_changes == ()
    assert d.new_findings == () and d.fixed_findings == () and d.suppression_changes == ()
    assert len(d.unchanged_findings) > 20
    assert diff_exit_code(d) == 0  # still NO-GO, but nothing got worse
    assert "findings: 0 new, 0 fixed" in render_diff_text(d)


def test_a_fixed_finding(reports: dict[str, dict[str, Any]]) -> None:
    old = reports["quickbot-nogo"]
    new = copy.deepcopy(old)
    caps = result(new, "RC0102")
    removed = caps["evidence"].pop(0)
    d = diff_reports(old, new)
    assert [(f.check_id, f.path, f.line) for f in d.fixed_findings] == [("RC0102", removed["path"], removed["line"])]
    assert d.new_findings == () and diff_exit_code(d) == 0
    assert "  - FAIL RC0102" in render_diff_text(d)


def test_a_new_failing_finding_exits_1(reports: dict[str, dict[str, Any]]) -> None:
    old = reports["quickbot-nogo"]
    new = copy.deepcopy(old)
    result(new, "RC0201")["evidence"].append(
        {"path": "tools/new.py", "line": 3, "snippet": 'KEY = "sk-…[deadbeef]"', "fingerprint": "deadbeefdeadbeef"})
    d = diff_reports(old, new)
    assert [(f.check_id, f.path) for f in d.new_findings] == [("RC0201", "tools/new.py")]
    assert d.newly_failing == d.new_findings and diff_exit_code(d) == 1
    assert "  + FAIL RC0201 hardcoded-secret tools/new.py:3" in render_diff_text(d)


def test_a_new_warning_does_not_exit_1(reports: dict[str, dict[str, Any]]) -> None:
    old = reports["docs-assistant-ts"]
    new = copy.deepcopy(old)
    warned = next(r for r in new["results"] if r["status"] == "warn")
    warned["evidence"].append({"path": "src/other.ts", "line": 9, "note": "another one"})
    d = diff_reports(old, new)
    assert len(d.new_findings) == 1 and d.new_findings[0].status == "warn"
    assert diff_exit_code(d) == 0


def test_moved_code_is_not_new(reports: dict[str, dict[str, Any]]) -> None:
    old = reports["quickbot-nogo"]
    new = copy.deepcopy(old)
    for r in new["results"]:
        for ev in r["evidence"]:
            if ev.get("line"):
                ev["line"] += 7
            if "note" in ev:  # notes may cite lines too: "tool argument `url` (line 5) ..."
                ev["note"] = ev["note"].replace("(line 5)", "(line 12)")
    d = diff_reports(old, new)
    assert d.new_findings == () and d.fixed_findings == ()
    assert len(d.unchanged_findings) == len(diff_reports(old, old).unchanged_findings)


def test_moved_finding_without_snippet_or_fingerprint_matches_on_the_note() -> None:
    ev_old = [{"path": "a.py", "line": 4, "note": "call at a.py:4 (line 4) has no timeout"}]
    ev_new = [{"path": "a.py", "line": 40, "note": "call at a.py:40 (line 40) has no timeout"}]
    d = diff_reports(minimal_report(results=[check("RC0402", "fail", evidence=ev_old)]),
                     minimal_report(results=[check("RC0402", "fail", evidence=ev_new)]))
    assert d.new_findings == () and d.fixed_findings == () and len(d.unchanged_findings) == 1
    assert d.unchanged_findings[0].line == 40


def test_same_key_findings_pair_up_one_by_one() -> None:
    two = [{"path": "a.py", "line": n, "snippet": "client.create()"} for n in (3, 9)]
    one = [{"path": "a.py", "line": 30, "snippet": "client.create()"}]
    d = diff_reports(minimal_report(results=[check("RC0102", "fail", evidence=two)]),
                     minimal_report(results=[check("RC0102", "fail", evidence=one)]))
    assert len(d.unchanged_findings) == 1 and len(d.fixed_findings) == 1 and d.new_findings == ()


def test_fingerprints_decide_when_both_sides_have_them() -> None:
    old = [{"path": "c.py", "line": 1, "snippet": 'K = "sk-…[1]"', "fingerprint": "f1"}]
    edited = [{"path": "moved/c.py", "line": 8, "snippet": 'KEY = "sk-…[1]"', "fingerprint": "f1"}]
    other = [{"path": "c.py", "line": 1, "snippet": 'K = "sk-…[1]"', "fingerprint": "f2"}]
    same = diff_reports(minimal_report(results=[check("RC0201", "fail", evidence=old)]),
                        minimal_report(results=[check("RC0201", "fail", evidence=edited)]))
    assert same.new_findings == () and len(same.unchanged_findings) == 1
    rotated = diff_reports(minimal_report(results=[check("RC0201", "fail", evidence=old)]),
                           minimal_report(results=[check("RC0201", "fail", evidence=other)]))
    assert len(rotated.new_findings) == 1 and len(rotated.fixed_findings) == 1


def test_verdict_question_and_check_status_changes(reports: dict[str, dict[str, Any]]) -> None:
    old = reports["support-agent-go"]
    new = copy.deepcopy(old)
    new["verdict"] = "NO-GO"
    retries = result(new, "RC0601")
    assert retries["status"] == "pass"
    retries["status"] = "fail"
    next(q for q in new["questions"] if q["id"] == "provider-outage")["answer"] = "no"
    d = diff_reports(old, new)
    assert d.verdict_changed and (d.old.verdict, d.new.verdict) == ("GO", "NO-GO")
    assert [(q.question_id, q.old, q.new) for q in d.question_changes] == [("provider-outage", "yes", "no")]
    assert [(c.check_id, c.old, c.new) for c in d.check_changes] == [("RC0601", "pass", "fail")]
    # the pass evidence becomes failing evidence: new findings
    assert {f.check_id for f in d.new_findings} == {"RC0601"}
    assert diff_exit_code(d) == 1
    text = render_diff_text(d)
    assert "verdict: GO → NO-GO" in text and "provider-outage: yes → no" in text
    assert "RC0601 retry-policy: pass → fail" in text


def test_verdict_to_no_go_alone_exits_1_and_back_to_go_exits_0() -> None:
    go, no_go = minimal_report(verdict="GO"), minimal_report(verdict="NO-GO")
    assert diff_exit_code(diff_reports(go, no_go)) == 1
    assert diff_exit_code(diff_reports(no_go, go)) == 0


def test_a_check_only_in_one_report() -> None:
    d = diff_reports(minimal_report(results=[check("RC0601", "pass")]),
                     minimal_report(results=[check("RC0601", "pass"), check("RC0699", "fail")]))
    assert [(c.check_id, c.old, c.new) for c in d.check_changes] == [("RC0699", None, "fail")]
    assert [f.location() for f in d.new_findings] == ["(no location)"] and diff_exit_code(d) == 1
    assert "RC0699 slug-rc0699: (absent) → fail" in render_diff_text(d)


def test_suppression_changes(reports: dict[str, dict[str, Any]]) -> None:
    old = reports["quickbot-nogo"]
    new = copy.deepcopy(old)
    ev = result(new, "RC0201")["evidence"][0]
    ev["suppressed"] = "baseline"
    d = diff_reports(old, new)
    assert d.new_findings == () and len(d.suppression_changes) == 1
    change = d.suppression_changes[0]
    assert (change.finding.check_id, change.old, change.new) == ("RC0201", None, "baseline")
    assert diff_exit_code(d) == 0
    assert "now suppressed (baseline)" in render_diff_text(d)
    # the reverse: a suppression removed makes a failure count again
    back = diff_reports(new, old)
    assert back.new_findings == () and len(back.newly_failing) == 1 and diff_exit_code(back) == 1
    assert "no longer suppressed (was: baseline)" in render_diff_text(back)
    # a newly added but suppressed finding is new, yet does not fail the diff
    added = copy.deepcopy(old)
    result(added, "RC0201")["evidence"].append({"path": "x.py", "line": 1, "snippet": "x", "suppressed": "inline"})
    d2 = diff_reports(old, added)
    assert len(d2.new_findings) == 1 and diff_exit_code(d2) == 0


def test_diff_json_and_markdown(reports: dict[str, dict[str, Any]]) -> None:
    old = reports["support-agent-go"]
    new = copy.deepcopy(old)
    result(new, "RC0601")["status"] = "fail"
    result(new, "RC0601")["evidence"].append({"path": "a|b.py", "line": 2, "snippet": "<script>alert(1)</script> | x"})
    d = diff_reports(old, new)
    data = json.loads(render_diff_json(d))
    assert data == json.loads(json.dumps(diff_to_dict(d)))
    assert data["kind"] == "readycheck-diff" and data["regressed"] is True
    assert data["verdict"] == {"old": "GO", "new": "GO", "changed": False}
    assert data["checks"] == [{"check": "RC0601", "slug": "retry-policy", "title": result(old, "RC0601")["title"],
                               "phase": "reliability", "old": "pass", "new": "fail"}]
    counts = data["findings"]["counts"]
    assert counts["new"] == len(data["findings"]["new"]) >= 1 and counts["fixed"] == 0
    assert counts["unchanged"] == len(data["findings"]["unchanged"])
    assert set(data["findings"]["new"][0]) >= {"check", "status", "path", "line", "text", "fingerprint", "suppressed"}
    md = render_diff_markdown(d)
    assert "### Checks" in md and "### New findings" in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "a\\|b.py" in md  # a pipe cannot break the table
    assert render_diff(d, "markdown") == md and render_diff(d, "text") == render_diff_text(d)
    with pytest.raises(UsageError, match="unknown diff format 'xml'"):
        render_diff(d, "xml")


# ------------------------------------------------------------------------------------------- merge

MERGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "version", "repos", "totals", "notes"],
    "properties": {
        "kind": {"const": "readycheck-org-view"},
        "repos": {"type": "array", "items": {
            "type": "object",
            "required": ["repo", "source", "commit", "started_at", "verdict", "answers", "scores", "score", "fail", "warn"],
            "properties": {
                "verdict": {"enum": ["GO", "NO-GO"]},
                "answers": {"type": "object", "required": list(QUESTIONS),
                            "additionalProperties": {"enum": ["yes", "no", "unknown"]}},
                "scores": {"type": "object", "required": list(PHASES),
                           "additionalProperties": {"type": ["number", "null"], "minimum": 0, "maximum": 100}},
                "fail": {"type": "integer", "minimum": 0},
                "warn": {"type": "integer", "minimum": 0},
            },
        }},
        "totals": {
            "type": "object",
            "required": ["repos", "go", "no_go", "questions", "weakest_checks"],
            "properties": {
                "questions": {"type": "object", "required": list(QUESTIONS), "additionalProperties": {
                    "type": "object", "required": ["no", "unknown"]}},
                "weakest_checks": {"type": "array", "items": {
                    "type": "object", "required": ["check", "slug", "title", "failing_in", "repos"]}},
            },
        },
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}


def test_merge_of_the_three_samples(sample_reports: dict[str, Path]) -> None:
    view = merge_reports([(str(path), load_report(path)) for path in sample_reports.values()])
    rows = {r.repo: r for r in view.rows}
    assert [r.repo for r in view.rows] == sorted(SAMPLE_NAMES)
    assert {n: r.verdict for n, r in rows.items()} == {
        "quickbot-nogo": "NO-GO", "docs-assistant-ts": "GO", "support-agent-go": "GO"}
    assert set(rows["quickbot-nogo"].answers.values()) == {"no"}
    assert set(rows["support-agent-go"].answers.values()) == {"yes"}
    assert all(len(r.commit or "") == 40 for r in view.rows)
    t = view.totals
    assert (t.repos, t.go, t.no_go) == (3, 2, 1)
    assert dict(t.question_no) == dict.fromkeys(QUESTIONS, 1) and dict(t.question_unknown) == dict.fromkeys(QUESTIONS, 0)
    # the weakest checks come first: RC0801 and RC0904 fail in two of the three
    assert t.weakest[0].repos == ("docs-assistant-ts", "quickbot-nogo")
    assert all(len(w.repos) <= len(t.weakest[0].repos) for w in t.weakest)
    # phase scores by hand for the careless sample, from its own results
    data = load_report(sample_reports["quickbot-nogo"])
    for phase in PHASES:
        statuses = [r["status"] for r in data["results"] if r["phase"] == phase]
        judged = [s for s in statuses if s in ("pass", "warn", "fail")]
        points = statuses.count("pass") + 0.5 * statuses.count("warn")
        expected = round(100 * points / len(judged), 1) if judged else None
        assert rows["quickbot-nogo"].scores[phase] == expected, phase
    assert rows["quickbot-nogo"].fail == data["summary"]["fail"] and rows["quickbot-nogo"].warn == data["summary"]["warn"]
    assert all(score == 100.0 for score in rows["support-agent-go"].scores.values())
    doc = json.loads(render_merge_json(view))
    jsonschema.Draft202012Validator(MERGE_SCHEMA).validate(doc)
    assert doc == json.loads(json.dumps(org_view_to_dict(view)))
    assert render_merge(view, "json") == render_merge_json(view)


def test_phase_scores_by_hand() -> None:
    results = [
        check("RC0401", "pass"), check("RC0402", "warn"), check("RC0601", "fail"),
        check("RC0602", "skip"), check("RC0603", "error"),  # not judged
        check("RC0101", "pass", phase="pre-flight"), check("RC0102", "warn", phase="pre-flight"),
        check("RC0701", "skip", phase="security"),
    ]
    row = merge_reports([("r.json", minimal_report(results=results))]).rows[0]
    assert row.scores["reliability"] == 50.0  # (1 + 0.5 + 0) / 3
    assert row.scores["pre-flight"] == 75.0  # (1 + 0.5) / 2
    assert row.scores["security"] is None and row.scores["operations"] is None  # nothing judged
    assert row.score == 60.0  # (1 + 0.5 + 0 + 1 + 0.5) / 5
    assert (row.fail, row.warn, row.failing_checks) == (1, 2, ("RC0601",))


def test_the_latest_report_of_a_repo_wins(reports: dict[str, dict[str, Any]]) -> None:
    older = copy.deepcopy(reports["quickbot-nogo"])
    older["started_at"] = "2020-01-01T00:00:00Z"
    older["verdict"] = "GO"
    newer = reports["quickbot-nogo"]
    for order in ([("old.json", older), ("new.json", newer)], [("new.json", newer), ("old.json", older)]):
        view = merge_reports(order)
        assert len(view.rows) == 1 and view.rows[0].verdict == "NO-GO" and view.rows[0].source == "new.json"
        assert len(view.notes) == 1 and "quickbot-nogo: 2 reports, kept the latest (new.json" in view.notes[0]
        assert "ignored old.json" in view.notes[0]
    assert "kept the latest" in render_merge_html(view)


def test_started_at_with_offsets_compares_as_instants() -> None:
    a = minimal_report(started_at="2026-01-01T10:00:00+02:00", verdict="GO")  # 08:00 UTC
    b = minimal_report(started_at="2026-01-01T09:00:00Z", verdict="NO-GO")
    assert merge_reports([("a", a), ("b", b)]).rows[0].verdict == "NO-GO"


def test_repo_name_falls_back_to_the_file_name() -> None:
    view = merge_reports([("reports/svc-a.json", minimal_report(path=".")),
                          ("C:\\reports\\svc-b.json", minimal_report(path="C:\\work\\svc-b\\"))])
    assert [r.repo for r in view.rows] == ["svc-a", "svc-b"]


def test_missing_questions_are_unknown() -> None:
    report = minimal_report()
    report["questions"] = report["questions"][:4]  # an odd report: tolerated by merge itself
    view = merge_reports([("r.json", report)])
    assert view.rows[0].answers["deploy-awareness"] == "unknown"
    assert view.totals.question_unknown["deploy-awareness"] == 1


def test_merge_needs_reports() -> None:
    with pytest.raises(UsageError, match="no reports"):
        merge_reports([])
    with pytest.raises(UsageError, match="unknown merge format"):
        render_merge(merge_reports([("r.json", minimal_report())]), "pdf")


def test_html_is_self_contained_and_escaped(sample_reports: dict[str, Path]) -> None:
    evil = "<img src=x onerror=alert(1)>"
    hostile = minimal_report(path=f"/repos/{evil}", verdict="NO-GO", answer="unknown",
                             results=[check("RC0601", "fail", evidence=[{"path": "a.py", "line": 1}])])
    hostile["results"][0]["slug"] = "<b>slug</b>"
    hostile["results"][0]["title"] = "\"quoted\" & <title>"
    hostile["target"]["git"]["branch"] = "<script>x</script>"
    pairs = [(str(p), load_report(p)) for p in sample_reports.values()] + [("evil.json", hostile)]
    page = render_merge_html(merge_reports(pairs))
    assert evil not in page and html_escaped(evil) in page
    assert "<script" not in page and "<b>slug</b>" not in page and "&lt;title&gt;" in page
    assert "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" in page
    for external in ("http://", "https://", "src=\"", "href=", "@import", "url("):
        assert external not in page
    # colour and a text label for every verdict, answer and score
    assert '<span class="tag nogo">✗ NO-GO</span>' in page and '<span class="tag go">✓ GO</span>' in page
    assert '<span class="tag unknown">? unknown</span>' in page and '<span class="tag no">✗ no</span>' in page
    assert '<span class="tag good">100% good</span>' in page and '<span class="tag bad">0% poor</span>' in page
    assert page.count("<tr><td><b>") == 4


def html_escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)
