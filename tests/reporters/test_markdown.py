"""The Markdown report for pull-request comments and $GITHUB_STEP_SUMMARY: verdict, questions, top
findings, every result in a collapsed block, escaping of repository text, and GitHub's size limit."""

from __future__ import annotations

import dataclasses
import re

import pytest

from readycheck.model import Evidence, Report, Status, Verdict
from readycheck.reporters.markdown import MAX_CHARS, TOP_FINDINGS, escape, render
from tests.reporters import SAMPLE_TAGS, audit_sample, ignore_llm_key, leaks

GITHUB_COMMENT_LIMIT = 65_536


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    base = tmp_path_factory.mktemp("markdown")
    return {name: audit_sample(base, name) for name in SAMPLE_TAGS}


def section(text: str, start: str, end: str) -> str:
    head, _, rest = text.partition(start)
    assert rest, f"{start!r} not found"
    return rest.partition(end)[0]


def table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of the Markdown table under ``header``, split on unescaped pipes."""
    lines = text.split(header + "\n", 1)[1].splitlines()
    assert lines[0].startswith("|---")
    rows = []
    for line in lines[1:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


@pytest.mark.parametrize("name", list(SAMPLE_TAGS))
def test_samples_render_the_verdict_questions_and_results(reports: dict[str, Report], name: str) -> None:
    report = reports[name]
    text = render(report)
    assert len(text) < GITHUB_COMMENT_LIMIT
    lines = text.splitlines()
    assert lines[0] == f"## readycheck: {report.verdict.value}"
    assert lines[2].startswith(f"**{report.verdict.value}**: ")
    # the five questions, each with its answer and reason
    rows = table_rows(text, "| Question | Answer | Why |")
    assert [r[0] for r in rows] == [escape(qa.question.text) for qa in report.questions]
    assert [r[1].strip("*") for r in rows] == [qa.answer.value for qa in report.questions]
    assert [r[2] for r in rows] == [escape(qa.reason, 400) for qa in report.questions]
    assert all(len(r) == 3 for r in rows)
    # every result in the details block, one table per phase, every row with five cells
    details = section(text, f"<details><summary>All results ({len(report.results)})</summary>\n\n", "</details>")
    ids = re.findall(r"^\| [^|]+ \| `(RC\d{4})`", details, flags=re.M)
    assert ids == [r.spec.id for r in report.results]
    for line in details.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 6, line
    assert "cut to fit" not in text


def test_nogo_names_its_reason_and_top_findings(reports: dict[str, Report]) -> None:
    report = reports["quickbot-nogo"]
    text = render(report)
    assert report.verdict is Verdict.NO_GO
    assert f"**NO-GO**: {escape(report.verdict_reason, 1000)}" in text
    assert "blocking check(s) failed: RC0101" in text
    top = section(text, "### Top findings\n\n", "\n\n").splitlines()
    assert len(top) == TOP_FINDINGS + 1 and top[-1].startswith("- … and ")
    assert all(line.startswith("- **FAIL** `RC") for line in top[:TOP_FINDINGS])
    # failures by severity: the critical ones first
    critical = {r.spec.id for r in report.results if r.status is Status.FAIL and r.effective_severity.value == "critical"}
    firsts = [re.match(r"- \*\*FAIL\*\* `(RC\d{4})", line).group(1) for line in top[: len(critical)]]  # type: ignore[union-attr]
    assert set(firsts) == critical
    secret = next(line for line in top if "`RC0201 hardcoded-secret`" in line)
    assert "(critical, blocking)" in secret and " — `.env:1` and 4 more" in secret
    assert "| **FAIL** | `RC0201` `hardcoded-secret` | critical, blocking |" in text
    assert leaks(text) == []


def test_go_sample_with_warnings(reports: dict[str, Report]) -> None:
    report = reports["docs-assistant-ts"]
    text = render(report)
    assert text.startswith("## readycheck: GO\n")
    warned = report.summary()["warn"]
    assert warned and f"({warned} warnings)." in text
    top = section(text, "### Top findings\n\n", "\n\n")
    assert "- **WARN** `RC0601 retry-policy`" in top
    go = render(reports["support-agent-go"])
    assert go.startswith("## readycheck: GO\n") and "| Can I see what the agent is doing right now? | yes |" in go


def test_suppressed_findings_are_listed_with_their_reason(tmp_path_factory: pytest.TempPathFactory) -> None:
    report = audit_sample(tmp_path_factory.mktemp("markdown-ignore"), "quickbot-nogo", ignore_llm_key)
    by_id = {r.spec.id: r for r in report.results}
    runbook = dataclasses.replace(by_id["RC1001"], suppressed="config: ignored until the on-call rota exists")
    report = dataclasses.replace(report, results=tuple(runbook if r.spec.id == "RC1001" else r for r in report.results))
    text = render(report)
    block = section(text, "<details><summary>Suppressed (", "</details>")
    assert "`RC1001 runbook` — no runbook found" in block
    assert "suppressed: config&#58;" not in block and "suppressed: config: ignored until the on-call rota exists" in block
    assert re.search(r"`RC0201 hardcoded-secret` at `llm\.py:6` — .* — suppressed: inline", block)
    # a suppressed result is not a top finding, and its row says so
    assert "`RC1001 runbook`" not in section(text, "### Top findings", "<details>")
    assert "| ~~**FAIL**~~ suppressed | `RC1001` `runbook` |" in text
    assert leaks(text) == []


def test_repository_text_is_escaped(reports: dict[str, Report]) -> None:
    report = reports["quickbot-nogo"]
    base = next(r for r in report.results if r.spec.id == "RC0102")
    hostile = "a | b `tick` <script>alert(1)</script> *bold* _it_ [link](http://x) @octocat #12 $x$ \\ ~~s~~\nnext\x1b[31m"
    odd = dataclasses.replace(
        base, message=hostile,
        evidence=(Evidence(path="src/we|rd `name`<b>.py", line=7, snippet=hostile, note=hostile),),
    )
    text = render(dataclasses.replace(report, results=(odd,), verdict_reason=hostile))
    for raw in ("<script>", "<b>", "`tick`", "*bold*", "_it_", "[link]", "@octocat", " #12 ", "$x$", "~~s~~", "\x1b", "a | b"):
        assert raw not in text, raw
    assert "&#60;script&#62;" in text and "&#124;" in text and "&#64;octocat" in text
    assert "<code>src/we&#124;rd &#96;name&#96;&#60;b&#62;.py:7</code>" in text
    row = next(line for line in text.splitlines() if line.startswith("| **FAIL** | `RC0102`"))
    assert len(re.findall(r"\|", row)) == 6  # the pipes in the message did not split the row
    assert escape("one\ntwo\r\nthree") == "one two three"
    assert escape("x" * 500, 10) == "x" * 9 + "…"


def test_huge_evidence_stays_small(reports: dict[str, Report]) -> None:
    report = reports["quickbot-nogo"]
    base = next(r for r in report.results if r.spec.id == "RC0102")
    many = dataclasses.replace(base, evidence=tuple(Evidence(path=f"src/mod{i}.py", line=i + 1, snippet="call()") for i in range(2000)))
    text = render(dataclasses.replace(report, results=(many,)))
    assert len(text) < 5_000
    assert "and 1999 more" in text and "<br>and 1997 more |" in text


def test_a_report_too_big_for_a_comment_is_cut_with_a_note(reports: dict[str, Report]) -> None:
    report = reports["quickbot-nogo"]
    base = next(r for r in report.results if r.spec.id == "RC0102")
    results = tuple(
        dataclasses.replace(base, message=f"finding {i}: " + "x" * 250, evidence=(Evidence(path=f"src/mod{i}.py", line=i + 1),))
        for i in range(2000)
    )
    text = render(dataclasses.replace(report, results=results))
    assert len(text) <= MAX_CHARS < GITHUB_COMMENT_LIMIT
    assert text.rstrip().endswith("Run `readycheck audit --format json` for everything._")
    assert "_The report was cut to fit a comment: " in text
    # the block is still closed and every row shown is whole
    assert text.count("<details>") == text.count("</details>") == 1
    rows = [line for line in text.splitlines() if line.startswith("| **FAIL** |")]
    assert 100 < len(rows) < 2000
    assert all(line.endswith("|") for line in rows)
    dropped = int(re.search(r"cut to fit a comment: (\d+) more", text).group(1))  # type: ignore[union-attr]
    assert dropped >= 2000 - len(rows)


def test_profile_and_diff_are_named(reports: dict[str, Report]) -> None:
    report = dataclasses.replace(reports["support-agent-go"], profile="prod", diff={"ref": "origin/main", "base": "a" * 40, "files": ["app.py"]})
    assert " · profile `prod` · changes since `origin/main` · " in render(report)
