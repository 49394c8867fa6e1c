"""The JUnit XML report: parsed back with ElementTree, one test case per check in a suite per phase,
failures, errors and skips where CI panels expect them, and always well-formed XML."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from readycheck.model import PHASES, Evidence, Report, Status
from readycheck.reporters.junit import render, xml_safe
from tests.reporters import SAMPLE_TAGS, audit_sample, ignore_llm_key, leaks


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    base = tmp_path_factory.mktemp("junit")
    return {name: audit_sample(base, name) for name in SAMPLE_TAGS}


def parse(report: Report) -> ET.Element:
    text = render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.attrib["name"].split(" ")[0]: case for case in root.iter("testcase")}


@pytest.mark.parametrize("name", list(SAMPLE_TAGS))
def test_every_check_is_a_test_case(reports: dict[str, Report], name: str) -> None:
    report = reports[name]
    root = parse(report)
    assert root.tag == "testsuites" and root.attrib["name"] == "readycheck"
    summary = report.summary()
    assert root.attrib["tests"] == str(len(report.results))
    assert root.attrib["failures"] == str(summary["fail"])
    assert root.attrib["errors"] == str(summary["error"])
    assert root.attrib["skipped"] == str(summary["skip"])
    float(root.attrib["time"])
    suites = root.findall("testsuite")
    phases = [title for phase, title in PHASES if any(r.spec.phase == phase for r in report.results)]
    assert [s.attrib["name"] for s in suites] == [f"readycheck: {t}" for t in phases]
    assert sum(int(s.attrib["tests"]) for s in suites) == len(report.results)
    for suite in suites:
        props = {p.attrib["name"]: p.attrib["value"] for p in suite.iter("property")}
        assert props["verdict"] == report.verdict.value
        assert {f"question.{qa.question.id}" for qa in report.questions} <= set(props)
        assert int(suite.attrib["failures"]) == len(suite.findall("testcase/failure"))
        assert int(suite.attrib["skipped"]) == len(suite.findall("testcase/skipped"))
    by_id = cases(root)
    assert list(by_id) == [r.spec.id for r in report.results]
    for r in report.results:
        case = by_id[r.spec.id]
        assert case.attrib["classname"] == f"readycheck.{r.spec.item_slug}"
        assert case.attrib["name"] == f"{r.spec.id} {r.spec.slug}: {r.spec.title}"
        children = [child.tag for child in case]
        if r.status is Status.FAIL:
            assert children == ["failure"]
            failure = case.find("failure")
            assert failure is not None and failure.attrib["type"] == r.effective_severity.value
            assert failure.attrib["message"] == " ".join(r.message.split())
            assert "How to fix: " in (failure.text or "")
            for ev in r.evidence[:50]:
                where = f"{ev.path}:{ev.line}" if ev.line is not None else ev.path
                assert f"  - {where}" in (failure.text or "")
        elif r.status is Status.WARN:
            assert children == ["system-out"]  # a warning passes
            assert (case.findtext("system-out") or "").startswith("WARNING (")
        elif r.status is Status.SKIP:
            assert children == ["skipped"]
        elif r.status is Status.ERROR:
            assert children == ["error"]
        else:
            assert "failure" not in children and "skipped" not in children


def test_nogo_failure_lists_evidence_without_secrets(reports: dict[str, Report]) -> None:
    text = render(reports["quickbot-nogo"])
    assert leaks(text) == []
    failure = cases(ET.fromstring(text))["RC0201"].find("failure")
    assert failure is not None and failure.attrib["type"] == "critical"
    body = failure.text or ""
    assert "  - llm.py:6  " in body and "Evidence:" in body


def test_go_sample_has_no_failures(reports: dict[str, Report]) -> None:
    root = parse(reports["support-agent-go"])
    assert root.attrib["failures"] == "0" and root.attrib["errors"] == "0"
    assert not list(root.iter("failure"))


def test_suppressed_and_errored_results(reports: dict[str, Report]) -> None:
    report = reports["quickbot-nogo"]
    by_id = {r.spec.id: r for r in report.results}
    suppressed = dataclasses.replace(by_id["RC1001"], suppressed="config: ignored until the on-call rota exists")
    errored = dataclasses.replace(by_id["RC0102"], status=Status.ERROR, message="check crashed: KeyError: 'x'")
    root = parse(dataclasses.replace(report, results=(suppressed, errored)))
    assert root.attrib["failures"] == "0" and root.attrib["errors"] == "1" and root.attrib["skipped"] == "1"
    got = cases(root)
    skipped = got["RC1001"].find("skipped")
    assert skipped is not None and skipped.attrib["message"] == "suppressed: config: ignored until the on-call rota exists"
    error = got["RC0102"].find("error")
    assert error is not None and error.attrib["message"] == "check crashed: KeyError: 'x'"


def test_inline_suppressed_evidence_is_marked(tmp_path_factory: pytest.TempPathFactory) -> None:
    report = audit_sample(tmp_path_factory.mktemp("junit-ignore"), "quickbot-nogo", ignore_llm_key)
    text = render(report)
    assert leaks(text) == []
    failure = cases(ET.fromstring(text))["RC0201"].find("failure")
    assert failure is not None
    line = next(text for text in (failure.text or "").splitlines() if "llm.py:6" in text)
    assert "(suppressed: inline" in line


def test_characters_illegal_in_xml_are_replaced(reports: dict[str, Report]) -> None:
    report = reports["quickbot-nogo"]
    result = next(r for r in report.results if r.spec.id == "RC0102")
    nasty = "bad\x00name\x07\x1b[31m\ud800 & <tag> \"q\" 'a' ]]>"
    odd = dataclasses.replace(
        result, message=f"message with {nasty}\nand a second line",
        evidence=(Evidence(path=f"src/{nasty}.py", line=3, snippet=f"x = '{nasty}'", note="\x0c form feed"),),
    )
    root = parse(dataclasses.replace(report, results=(odd,), target_path=f"/tmp/{nasty}"))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.attrib["message"] == xml_safe(f"message with {nasty} and a second line")
    body = failure.text or ""
    assert "bad\ufffdname\ufffd\ufffd[31m\ufffd & <tag>" in body and "]]>" in body
    assert "\x00" not in body and "\x07" not in body
    props = {p.attrib["name"]: p.attrib["value"] for p in root.iter("property")}
    assert props["target"].startswith("/tmp/bad\ufffdname")


def test_xml_safe_keeps_what_xml_allows() -> None:
    allowed = "tab\tnewline\ncr\r é 中 \U0001f600 \ud7ff \ue000 \ufffd"
    assert xml_safe(allowed) == allowed
    assert xml_safe("\x00\x08\x0b\x0c\x0e\x1f\ufffe\uffff\udc80") == "\ufffd" * 9
