"""The SARIF 2.1.0 report: valid against the OASIS schema, one rule per check, one result per finding,
stable fingerprints, suppressions, locations GitHub code scanning accepts, and no secret in it."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema
import pytest

from readycheck.model import Evidence, Report, Severity, Status
from readycheck.reporters.sarif import FINGERPRINT_KEY, ROOT_URI, level_for, render
from tests.reporters import SAMPLE_TAGS, SCHEMAS, audit_sample, ignore_llm_key, leaks

LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    base = tmp_path_factory.mktemp("sarif")
    return {name: audit_sample(base, name) for name in SAMPLE_TAGS}


@pytest.fixture(scope="module")
def suppressed_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return audit_sample(tmp_path_factory.mktemp("sarif-ignore"), "quickbot-nogo", ignore_llm_key)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def sarif(report: Report, validator: jsonschema.Draft4Validator) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return data


def located_at(result: dict[str, Any]) -> tuple[str, int | None]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical.get("region", {}).get("startLine")


@pytest.mark.parametrize("name", list(SAMPLE_TAGS))
def test_every_sample_gives_valid_sarif(reports: dict[str, Report], validator: jsonschema.Draft4Validator, name: str) -> None:
    report = reports[name]
    data = sarif(report, validator)
    assert data["version"] == "2.1.0" and len(data["runs"]) == 1
    run = data["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "readycheck" and driver["version"] == report.tool_version
    assert driver["semanticVersion"] == report.tool_version and driver["informationUri"].startswith("https://")
    # one rule per check of the report, in the report's order
    assert [rule["id"] for rule in driver["rules"]] == [r.spec.id for r in report.results]
    specs = {r.spec.id: r for r in report.results}
    for i, rule in enumerate(driver["rules"]):
        result = specs[rule["id"]]
        assert rule["shortDescription"]["text"] == result.spec.title
        assert rule["fullDescription"]["text"] == result.spec.docs.what.strip()
        assert "## How to fix" in rule["help"]["markdown"] and "How to fix:" in rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] == LEVELS[result.effective_severity.value]
        assert result.spec.item_slug in rule["properties"]["tags"]
        assert float(rule["properties"]["security-severity"]) > 0
        assert rule["properties"]["precision"] in ("very-high", "high", "medium", "low")
        assert "-" not in rule["name"]
    # every result points at a rule, physically (what GitHub requires), with a fingerprint
    for res in run["results"]:
        rule = driver["rules"][res["ruleIndex"]]
        assert res["ruleId"] == rule["id"]
        assert res["locations"] and res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert res["partialFingerprints"][FINGERPRINT_KEY]
        assert res["message"]["text"]
    # fingerprints are unique per rule, so GitHub keeps every finding as its own alert
    keys = [(res["ruleId"], res["partialFingerprints"][FINGERPRINT_KEY]) for res in run["results"]]
    assert len(keys) == len(set(keys))
    # results: one per evidence item of a failing or warning check (or one at the root without evidence)
    expected = sum(max(1, len(r.evidence)) for r in report.results if r.status in (Status.FAIL, Status.WARN))
    expected += sum(1 for r in report.results if r.status not in (Status.FAIL, Status.WARN) for e in r.evidence if e.suppressed)
    assert len(run["results"]) == expected
    failing = {r.spec.id for r in report.results if r.status in (Status.FAIL, Status.WARN)}
    assert {res["ruleId"] for res in run["results"]} <= failing | {r.spec.id for r in report.results if any(e.suppressed for e in r.evidence)}
    root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root.startswith("file://") and root.endswith("/") and root.rstrip("/").endswith(name)
    assert run["invocations"][0]["executionSuccessful"] is True
    props = run["properties"]
    assert props["verdict"] == report.verdict.value
    assert [q["id"] for q in props["questions"]] == [qa.question.id for qa in report.questions]
    assert props["passed"] == [r.spec.id for r in report.results if r.status is Status.PASS]


def test_levels_follow_status_and_severity(reports: dict[str, Report], validator: jsonschema.Draft4Validator) -> None:
    for report in reports.values():
        data = sarif(report, validator)
        by_id = {r.spec.id: r for r in report.results}
        for res in data["runs"][0]["results"]:
            r = by_id[res["ruleId"]]
            expected = LEVELS[r.effective_severity.value]
            if r.status is Status.WARN and expected == "error":
                expected = "warning"
            assert res["level"] == expected, (res["ruleId"], r.status)
    assert level_for(Severity.CRITICAL, Status.FAIL) == "error"
    assert level_for(Severity.HIGH, Status.WARN) == "warning"
    assert level_for(Severity.MEDIUM, Status.FAIL) == "warning"
    assert level_for(Severity.LOW, Status.WARN) == "note"
    assert level_for(Severity.INFO, Status.FAIL) == "note"


def test_nogo_sample_locates_the_planted_key(reports: dict[str, Report], validator: jsonschema.Draft4Validator) -> None:
    data = sarif(reports["quickbot-nogo"], validator)
    results = data["runs"][0]["results"]
    secret = [res for res in results if res["ruleId"] == "RC0201" and located_at(res) == ("llm.py", 6)]
    assert len(secret) == 1
    res = secret[0]
    assert res["level"] == "error" and "suppressions" not in res
    assert len(res["partialFingerprints"][FINGERPRINT_KEY]) == 32
    snippet = res["locations"][0]["physicalLocation"]["region"]["snippet"]["text"]
    assert snippet.startswith("openai.api_key") and "…" in snippet  # the redacted form, never the value
    # a repository-level failure without evidence sits at the repository root, without a region
    runbook = [res for res in results if res["ruleId"] == "RC1001"]
    assert len(runbook) == 1
    physical = runbook[0]["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": ROOT_URI, "uriBaseId": "%SRCROOT%"}}
    # rendering is deterministic
    assert data == json.loads(render(reports["quickbot-nogo"]))


def test_fingerprints_do_not_depend_on_line_numbers(reports: dict[str, Report]) -> None:
    report = reports["quickbot-nogo"]
    moved = dataclasses.replace(report, results=tuple(
        dataclasses.replace(r, evidence=tuple(dataclasses.replace(e, line=(e.line + 3 if e.line else None)) for e in r.evidence))
        for r in report.results
    ))
    def prints(rep: Report) -> list[str]:
        return [res["partialFingerprints"][FINGERPRINT_KEY] for res in json.loads(render(rep))["runs"][0]["results"]]
    assert prints(report) == prints(moved)


def test_no_planted_secret_in_sarif(reports: dict[str, Report], suppressed_report: Report) -> None:
    assert leaks(render(reports["quickbot-nogo"])) == []
    assert leaks(render(suppressed_report)) == []


def test_inline_suppression_is_reported_with_suppressions(suppressed_report: Report, validator: jsonschema.Draft4Validator) -> None:
    data = sarif(suppressed_report, validator)
    results = data["runs"][0]["results"]
    at_key = [res for res in results if located_at(res) == ("llm.py", 6) and res["ruleId"] == "RC0201"]
    assert len(at_key) == 1
    (suppression,) = at_key[0]["suppressions"]
    assert suppression["kind"] == "inSource" and suppression["justification"].startswith("inline")
    # the other planted keys still count
    others = [res for res in results if res["ruleId"] == "RC0201" and located_at(res) != ("llm.py", 6)]
    assert others and all("suppressions" not in res for res in others)


def _nogo_result(report: Report, check_id: str) -> Any:
    return next(r for r in report.results if r.spec.id == check_id)


def test_result_and_baseline_suppressions_are_external(reports: dict[str, Report], validator: jsonschema.Draft4Validator) -> None:
    report = reports["quickbot-nogo"]
    runbook = dataclasses.replace(_nogo_result(report, "RC1001"), suppressed="config: ignored until the on-call rota exists")
    loop = _nogo_result(report, "RC0103")
    baselined = dataclasses.replace(
        loop, status=Status.PASS,
        evidence=tuple(dataclasses.replace(e, fingerprint="abc123", suppressed="baseline: accepted in .readycheck-baseline.json") for e in loop.evidence),
    )
    data = sarif(dataclasses.replace(report, results=(runbook, baselined)), validator)
    results = data["runs"][0]["results"]
    assert [res["ruleId"] for res in results] == ["RC1001", "RC0103"]
    assert results[0]["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "config: ignored until the on-call rota exists"}]
    assert results[1]["suppressions"][0]["kind"] == "external"
    assert results[1]["properties"]["fingerprint"] == "abc123"


def test_cloud_evidence_gets_a_logical_location(reports: dict[str, Report], validator: jsonschema.Draft4Validator) -> None:
    report = reports["quickbot-nogo"]
    arn = "arn:aws:lambda:us-east-1:123456789012:function:quickbot-agent"
    base = _nogo_result(report, "RC0101")
    cloud = dataclasses.replace(
        base, message="no reserved concurrency on 1 function",
        evidence=(Evidence(path=arn, note="reserved concurrency not set"), Evidence(path=arn, note="reserved concurrency not set")),
    )
    errored = dataclasses.replace(_nogo_result(report, "RC0102"), status=Status.ERROR, message="check crashed: KeyError: 'x'", evidence=())
    data = sarif(dataclasses.replace(report, results=(cloud, errored)), validator)
    run = data["runs"][0]
    first, second = run["results"]
    location = first["locations"][0]
    assert location["logicalLocations"] == [{"name": "quickbot-agent", "fullyQualifiedName": arn, "kind": "resource"}]
    # GitHub rejects a location with only a logical location: the repository root stands beside it
    assert location["physicalLocation"] == {"artifactLocation": {"uri": ROOT_URI, "uriBaseId": "%SRCROOT%"}}
    assert "region" not in location["physicalLocation"]
    assert first["message"]["text"] == "no reserved concurrency on 1 function: reserved concurrency not set"
    assert first["partialFingerprints"] != second["partialFingerprints"]
    # a crashed check is a tool execution notification, not a finding
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["associatedRule"]["id"] == "RC0102" and note["level"] == "error"
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["RC0101", "RC0102"]


def test_paths_are_relative_uri_references(reports: dict[str, Report], validator: jsonschema.Draft4Validator) -> None:
    report = reports["quickbot-nogo"]
    odd = dataclasses.replace(_nogo_result(report, "RC0102"), evidence=(Evidence(path="src/my agent/#1 ü.py", line=3, snippet="x | y"),))
    data = sarif(dataclasses.replace(report, results=(odd,)), validator)
    assert located_at(data["runs"][0]["results"][0]) == ("src/my%20agent/%231%20%C3%BC.py", 3)


def test_standards_become_rule_tags(reports: dict[str, Report], validator: jsonschema.Draft4Validator) -> None:
    report = reports["quickbot-nogo"]
    result = _nogo_result(report, "RC0101")
    spec = dataclasses.replace(result.spec, standards={"owasp-llm": ("LLM10",), "aws-genai-lens": ("GENCOST02",)})
    data = sarif(dataclasses.replace(report, results=(dataclasses.replace(result, spec=spec),)), validator)
    rule = data["runs"][0]["tool"]["driver"]["rules"][0]
    assert {"OWASP-LLM10", "AWS-GENAI-LENS-GENCOST02", "rate-limits"} <= set(rule["properties"]["tags"])
    assert rule["properties"]["standards"] == {"aws-genai-lens": ["GENCOST02"], "owasp-llm": ["LLM10"]}
    assert rule["name"] == "SpendCeiling"


def test_profile_and_diff_go_to_run_properties(reports: dict[str, Report], validator: jsonschema.Draft4Validator) -> None:
    report = dataclasses.replace(reports["support-agent-go"], profile="prod", diff={"ref": "origin/main", "base": "a" * 40, "files": ["app.py"]})
    props = sarif(report, validator)["runs"][0]["properties"]
    assert props["profile"] == "prod" and props["diff"]["ref"] == "origin/main"
    assert props["git"]["branch"] == "main"
