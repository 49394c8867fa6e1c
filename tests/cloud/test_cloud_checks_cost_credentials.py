"""The live-cloud checks of items 1, 2 and 8 where fixtures fit badly: helpers, parameter
overrides, JSON templates, and the checks over a snapshot the collector took of a moto account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from readycheck.cloud import CloudScope, CloudSnapshot
from readycheck.config import Policy
from readycheck.detectors.cloud_common import literal_name
from readycheck.detectors.cloud_credentials import masked_key_id
from readycheck.engine import run_check
from readycheck.index import build_index
from readycheck.model import Result
from readycheck.registry import load_registry
from tests.cloud.factory import snapshot

REGISTRY = load_registry(plugins=False)
IDS = ("RC0106", "RC0107", "RC0108", "RC0208", "RC0209", "RC0802")


def _run(check_id: str, root: Path, cloud: CloudSnapshot | None, **policy: Any) -> Result:
    spec = REGISTRY.get(check_id)
    assert spec is not None
    root.mkdir(parents=True, exist_ok=True)
    return run_check(spec, REGISTRY.detector(spec.detector), build_index(root, use_git=False), Policy(root=root, **policy), cloud=cloud)


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("key_id", "shown"),
    [("AKIAIOSFODNN7EXAWXYZ", "AKIA…WXYZ"), ("ASIAIOSFODNN7EXA1234", "ASIA…1234"), ("XYZ0000000000000ABCD", "…ABCD")],
)
def test_a_key_id_is_never_shown_whole(key_id: str, shown: str) -> None:
    assert masked_key_id(key_id) == shown


@pytest.mark.parametrize(
    ("value", "literal"),
    [("llm-monthly", "llm-monthly"), ("${var.env}-monthly", None), ("{{resolve:ssm:x}}", None), (None, None), (["a"], None), ("  ", None)],
)
def test_literal_names(value: Any, literal: str | None) -> None:
    assert literal_name(value) == literal


def test_a_check_param_overrides_the_policy_key_age(tmp_path: Path) -> None:
    cloud = snapshot({"iam_users": [{
        "arn": "arn:aws:iam::123456789012:user/ci", "name": "ci",
        "access_keys": [{"access_key_id": "AKIAIOSFODNN7EXAWXYZ", "status": "Active", "created": "2026-11-01T00:00:00Z", "last_used": "2026-11-28T00:00:00Z"}],
    }]})
    assert _run("RC0208", tmp_path / "a", cloud).status.value == "pass"
    result = _run("RC0208", tmp_path / "b", cloud, params={"RC0208": {"max_access_key_age_days": 14}})
    assert result.status.value == "fail" and "older than 14 days" in result.message
    assert all("AKIAIOSFODNN7EXAWXYZ" not in (e.snippet or "") + (e.note or "") for e in result.evidence)


def test_a_budget_declared_for_another_account_is_noted_not_failed(tmp_path: Path) -> None:
    root = _write(tmp_path / "repo", {"infra/budget.tf": (
        'resource "aws_budgets_budget" "llm" {\n  name       = "llm-monthly"\n  account_id = "999999999999"\n  budget_type = "COST"\n}\n'
    )})
    cloud = snapshot({"budgets": [{"arn": "arn:aws:budgets::123456789012:budget/cap", "name": "cap", "actions": [{"action_type": "APPLY_IAM_POLICY"}]}]})
    result = _run("RC0106", root, cloud)
    assert result.status.value == "pass", result.message
    notes = [e.note or "" for e in result.evidence if e.path == "infra/budget.tf"]
    assert notes and "applied to account 999999999999" in notes[0]


def test_a_json_template_rotation_is_matched_through_its_ref(tmp_path: Path) -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Key": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": "agent/key"}},
            "KeyRotation": {"Type": "AWS::SecretsManager::RotationSchedule",
                            "Properties": {"SecretId": {"Ref": "Key"}, "RotationRules": {"AutomaticallyAfterDays": 30}}},
        },
    }
    root = _write(tmp_path / "repo", {"cfn/secrets.json": json.dumps(template, indent=2)})
    cloud = snapshot({"secrets": [{"arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:agent/key-AbCdEf", "name": "agent/key",
                                   "rotation_enabled": False, "created": "2026-11-20T00:00:00Z"}]})
    result = _run("RC0209", root, cloud)
    assert result.status.value == "fail"  # declared in IaC: no grace for being young
    assert any(e.path == "cfn/secrets.json" and e.line for e in result.evidence)


def test_a_schedule_without_a_period_is_judged_against_max_rotation_days(tmp_path: Path) -> None:
    def secret(last: str) -> dict[str, Any]:
        return {"arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf", "name": "k", "rotation_enabled": True,
                "rotation_days": None, "rotation_schedule": "cron(0 4 ? * MON *)", "last_rotated": last}

    assert _run("RC0209", tmp_path / "a", snapshot({"secrets": [secret("2026-10-01T00:00:00Z")]})).status.value == "pass"
    late = _run("RC0209", tmp_path / "b", snapshot({"secrets": [secret("2026-06-01T00:00:00Z")]}))
    assert late.status.value == "fail" and "judged against 90 days" in late.evidence[0].note


def test_a_bedrock_client_alone_warns_at_the_client(tmp_path: Path) -> None:
    root = _write(tmp_path / "repo", {"agent/llm.py": 'import boto3\n\nruntime = boto3.client("bedrock-runtime")\n'})
    result = _run("RC0802", root, snapshot({"guardrails": []}))
    assert result.status.value == "warn"
    assert [(e.path, e.line) for e in result.evidence] == [("agent/llm.py", 3)]


@pytest.mark.parametrize("check_id", IDS)
def test_every_check_skips_without_a_snapshot(check_id: str, tmp_path: Path) -> None:
    root = _write(tmp_path / "repo", {"agent/llm.py": 'import boto3\n\nruntime = boto3.client("bedrock-runtime")\n'})
    result = _run(check_id, root, None)
    assert result.status.value == "skip" and "no cloud snapshot" in result.message


@pytest.mark.parametrize("check_id", IDS)
def test_every_check_skips_when_its_service_is_denied(check_id: str, tmp_path: Path) -> None:
    root = _write(tmp_path / "repo", {"agent/llm.py": 'import boto3\n\nruntime = boto3.client("bedrock-runtime")\n'})
    denied = {name: "denied" for name in ("budgets", "ce", "apigateway", "lambda", "iam", "secretsmanager", "bedrock")}
    result = _run(check_id, root, snapshot(services=denied))
    assert result.status.value == "skip" and "access was denied" in result.message


def test_the_checks_read_what_the_collector_reads(aws_env: str, tmp_path: Path) -> None:
    """The collector's snapshot of a moto account, through the checks: field names agree."""
    from readycheck.cloud.collect import collect_snapshot
    from readycheck.config import CloudSettings
    from tests.cloud.conftest import build_account

    build_account(aws_env)
    data = collect_snapshot(CloudSettings(max_attempts=1))
    cloud = CloudSnapshot(data, CloudScope.from_dict({"tags": {"app": "support-agent"}}))
    got = {check_id: _run(check_id, tmp_path / check_id, cloud) for check_id in IDS}
    for check_id, result in got.items():
        assert result.status.value != "error", f"{check_id}: {result.message}"
    budget = got["RC0106"]
    assert budget.status.value in ("warn", "skip"), budget.message  # notifications only, no action
    if budget.status.value == "warn":
        assert any(e.path.endswith(":budget/support-agent-monthly") for e in budget.evidence)
    throttling = got["RC0108"]
    assert throttling.status.value == "warn", throttling.message  # the stage has a plan; the worker has no reserved concurrency
    notes = {e.path.rsplit(":", 1)[-1]: e.note or "" for e in throttling.evidence}
    assert "reserved concurrency 5" in notes["support-agent-api"] and "no reserved concurrency" in notes["support-agent-worker"]
    assert "unrelated-fn" not in notes
    keys = got["RC0208"]
    assert keys.status.value == "pass" and "1 inactive key ignored" in keys.message  # fresh keys, one inactive
    rotation = got["RC0209"]
    assert rotation.status.value in ("warn", "fail"), rotation.message  # db-password does not rotate
    assert not any("other-team" in e.path for e in rotation.evidence)
    assert got["RC0802"].status.value == "skip"
