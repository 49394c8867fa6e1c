"""The cloud snapshot document: loading, validation, scope, and what checks are told."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readycheck.cloud import CloudScope, CloudSnapshot, load_snapshot
from readycheck.cloud.snapshot import parse_time
from readycheck.errors import ConfigError
from tests.cloud.factory import snapshot, snapshot_data
from tests.conftest import cli

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def _fn(name: str, **tags: str) -> dict:
    return {"arn": LAMBDA + name, "name": name, "region": "us-east-1", "tags": tags}


def test_a_written_snapshot_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(snapshot_data({"lambda_functions": [_fn("support-agent-api")]})))
    snap = load_snapshot(path)
    assert snap.account_id == "123456789012"
    assert [r["name"] for r in snap.resources("lambda_functions")] == ["support-agent-api"]
    assert snap.source == str(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a readycheck cloud snapshot"),
        (json.dumps({"snapshot_version": "1"}), "not a readycheck cloud snapshot"),
        ("\udcff", "not valid JSON"),
    ],
)
def test_a_bad_snapshot_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "snap.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(ConfigError, match=message):
        load_snapshot(path)


def test_a_missing_snapshot_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the cloud snapshot"):
        load_snapshot(tmp_path / "nope.json")


def test_a_snapshot_with_a_wrong_field_names_where(tmp_path: Path) -> None:
    data = snapshot_data({"lambda_functions": [_fn("a")]})
    data["resources"]["lambda_functions"][0]["reserved_concurrency"] = "lots"
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="resources/lambda_functions/0/reserved_concurrency"):
        load_snapshot(path)


def test_scope_by_tag_prefix_and_arn_pattern() -> None:
    functions = [_fn("support-agent-api"), _fn("billing", app="support-agent"), _fn("other"), _fn("legacy-tool")]
    snap = snapshot(
        {"lambda_functions": functions},
        scope={"tags": {"app": "support-agent"}, "name_prefixes": ["support-agent-"], "arns": [LAMBDA + "legacy-*"]},
    )
    assert sorted(r["name"] for r in snap.resources("lambda_functions")) == ["billing", "legacy-tool", "support-agent-api"]
    assert len(snap.all("lambda_functions")) == 4


def test_a_tag_scope_with_a_wildcard_value_matches_any_value() -> None:
    scope = CloudScope.from_dict({"tags": {"agent": "*"}})
    assert scope.matches({"name": "x", "arn": "arn:aws:x", "tags": {"agent": "support"}})
    assert not scope.matches({"name": "x", "arn": "arn:aws:x", "tags": {"team": "a"}})


def test_a_log_group_is_in_scope_by_the_last_part_of_its_name() -> None:
    scope = CloudScope.from_dict({"name_prefixes": ["support-agent"]})
    assert scope.matches({"name": "/aws/lambda/support-agent-api", "arn": "arn:aws:logs:x"})


def test_account_wide_resources_fall_back_to_the_account_when_none_is_in_scope() -> None:
    budget = {"arn": "arn:aws:budgets::123456789012:budget/monthly", "name": "monthly", "region": "global"}
    snap = snapshot({"budgets": [budget], "lambda_functions": [_fn("other")]}, scope={"name_prefixes": ["support-agent-"]})
    assert snap.resources("budgets") == [budget]  # a budget is rarely named after an agent
    assert snap.resources("lambda_functions") == []  # but a function outside the scope is not the agent's


def test_an_unavailable_service_says_why() -> None:
    snap = snapshot(services={"secretsmanager": {"status": "denied", "message": "ListSecrets: AccessDeniedException"}})
    assert snap.unavailable("iam") is None
    reason = snap.unavailable("iam", "secretsmanager")
    assert reason == "AWS secretsmanager access was denied: ListSecrets: AccessDeniedException"
    assert snapshot(services={"ce": "unsupported"}).unavailable("ce") == "AWS ce the service did not answer"


def test_a_partial_service_is_judged_with_a_note() -> None:
    snap = snapshot(services={"logs": {"status": "partial", "message": "stopped at 2000 log groups", "truncated": True}})
    assert snap.unavailable("logs") is None
    assert snap.partial_note("logs", "iam") == "logs: stopped at 2000 log groups"


def test_describe_is_what_the_report_carries() -> None:
    snap = snapshot(services={"bedrock": "unsupported"}, scope={"tags": {"app": "a"}})
    described = snap.describe()
    assert described["account_id"] == "123456789012"
    assert described["complete"] is False
    assert described["services"]["bedrock"] == "unsupported"
    assert described["scope"] == {"tags": {"app": "a"}}


def test_times_are_read_as_aware_datetimes() -> None:
    assert parse_time("2026-01-02T03:04:05Z").isoformat() == "2026-01-02T03:04:05+00:00"
    assert parse_time("2026-01-02T03:04:05").tzinfo is not None
    assert parse_time("yesterday") is None
    assert parse_time(None) is None


def test_cli_prints_the_snapshot_schema() -> None:
    code, out, _ = cli("schema", "snapshot")
    assert code == 0
    assert json.loads(out)["title"].startswith("readycheck cloud snapshot")


def test_cli_refuses_aws_with_a_snapshot_file(tmp_path: Path) -> None:
    code, _, err = cli("audit", str(tmp_path), "--aws", "--cloud-snapshot", "x.json")
    assert code == 2
    assert "do not go together" in err


def test_cli_refuses_the_cloud_in_a_staged_run(tmp_path: Path) -> None:
    code, _, err = cli("audit", str(tmp_path), "--staged", "--cloud-snapshot", "x.json")
    assert code == 2
    assert "full audit" in err


def test_cli_bad_snapshot_file_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "snap.json"
    bad.write_text("{}")
    code, out, err = cli("audit", str(tmp_path), "--cloud-snapshot", str(bad))
    assert code == 2
    assert err.startswith("readycheck: error:") and "not a readycheck cloud snapshot" in err
    assert "Traceback" not in out + err


def test_a_snapshot_audit_reports_the_account(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(snapshot_data(services={"bedrock": {"status": "unsupported", "message": "ListGuardrails not implemented"}})))
    project = tmp_path / "project"
    project.mkdir()
    code, out, _ = cli("audit", str(project), "--cloud-snapshot", str(path), "--format", "json")
    report = json.loads(out)
    assert report["cloud"]["account_id"] == "123456789012"
    assert report["cloud"]["services"]["bedrock"] == "unsupported"
    assert any(n.startswith("cloud: AWS account 123456789012 (us-east-1); not fully read: bedrock unsupported") for n in report["notes"])
    assert code in (0, 1)


def test_an_audit_without_cloud_has_a_null_cloud_section(tmp_path: Path) -> None:
    _, out, _ = cli("audit", str(tmp_path), "--format", "json")
    assert json.loads(out)["cloud"] is None


def test_cloud_snapshot_object_defaults_to_the_scope_it_was_collected_with() -> None:
    data = snapshot_data(scope={"name_prefixes": ["support-agent-"]}, resources={"lambda_functions": [_fn("support-agent-x"), _fn("y")]})
    snap = CloudSnapshot(data)
    assert [r["name"] for r in snap.resources("lambda_functions")] == ["support-agent-x"]
