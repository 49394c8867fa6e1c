"""The live collector against moto in server mode: facts, scope, statuses, caps and the read-only guard."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from readycheck.cloud.collect import (
    READ_ONLY_OPERATIONS,
    Collector,
    GuardError,
    collect_snapshot,
    iam_action,
    make_session,
    minimal_iam_policy,
)
from readycheck.cloud.snapshot import SERVICES, validate_snapshot
from readycheck.config import CloudSettings
from tests.cloud.conftest import use_auditor_denied_secrets, FAKE_KEY, REGION, Account, build_account, closed_port, isolate_aws_env, reset_moto

READS = ("List", "Get", "Describe")
FAST = CloudSettings(max_attempts=1)  # moto answers unimplemented operations with HTTP 500: no retries


def by_name(data: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in data["resources"].get(kind, [])}


@pytest.fixture(scope="module")
def full(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Collector, Account]]:
    """One account, collected once with the default settings (the guard is kept for inspection)."""
    with pytest.MonkeyPatch.context() as mp:
        isolate_aws_env(mp, tmp_path_factory.mktemp("aws"), moto_server)
        mp.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
        mp.setenv("AWS_SECRET_ACCESS_KEY", FAKE_KEY)
        reset_moto(moto_server)
        account = build_account(moto_server)
        collector = Collector(CloudSettings())
        data = collector.run()
        reset_moto(moto_server)
    yield data, collector, account


# -- the snapshot and its facts ---------------------------------------------------------------
def test_full_snapshot_validates(full: tuple[dict[str, Any], Collector, Account]) -> None:
    data, _, account = full
    validate_snapshot(data, "live")
    assert data["account_id"] == account.account_id
    assert data["regions"] == [REGION]
    assert data["tool"]["name"] == "readycheck"
    assert set(data["services"]) == set(SERVICES)
    for name in ("sts", "secretsmanager", "iam", "cloudwatch", "logs", "cloudtrail", "lambda", "apigateway", "ecr", "s3"):
        assert data["services"][name]["status"] == "collected", (name, data["services"][name])
        assert data["services"][name]["calls"] >= 1
    assert data["complete"] is False  # moto does not implement every operation (see below)
    assert data["services"]["iam"]["regions"] == {"global": "collected"}
    assert data["services"]["logs"]["regions"] == {REGION: "collected"}


def test_unimplemented_operations_are_marked_not_fatal(full: tuple[dict[str, Any], Collector, Account]) -> None:
    data, _, _ = full
    bedrock = data["services"]["bedrock"]
    assert bedrock["status"] == "partial"
    assert "ListGuardrails" in bedrock["message"] and "not implemented" in bedrock["message"]
    assert data["resources"]["bedrock_logging"] == [
        {"region": REGION, "enabled": False, "cloudwatch_log_group": None, "s3_bucket": None}
    ]
    assert data["services"]["ce"]["status"] == "unsupported"  # moto has no GetAnomalyMonitors
    budgets = data["services"]["budgets"]
    assert budgets["status"] == "partial"  # no DescribeBudgetActionsForAccount / DescribeSubscribersForNotification
    assert "<html" not in json.dumps(data["services"]).lower()


def test_budget_and_secret_facts(full: tuple[dict[str, Any], Collector, Account]) -> None:
    data, _, account = full
    budget = by_name(data, "budgets")["support-agent-monthly"]
    assert budget["limit_amount"] == 100.0 and budget["limit_unit"] == "USD" and budget["time_unit"] == "MONTHLY"
    assert budget["notifications"][0]["threshold"] == 80.0
    assert budget["notifications"][0]["notification_type"] == "ACTUAL"
    assert budget["actions"] is None  # could not be read from moto
    assert budget["arn"] == f"arn:aws:budgets::{account.account_id}:budget/support-agent-monthly"
    secrets = by_name(data, "secrets")
    rotated = secrets["support-agent/openai-key"]
    assert rotated["rotation_enabled"] is True and rotated["rotation_days"] == 30
    assert rotated["last_rotated"] is not None and rotated["last_rotated"].endswith("Z")
    never = secrets["support-agent/db-password"]
    assert never["rotation_enabled"] is False and never["last_rotated"] is None and never["rotation_days"] is None
    assert never["tags"] == {"app": "support-agent"}
    # values are never collected
    assert "not-a-real" not in json.dumps(data)


def test_iam_facts(full: tuple[dict[str, Any], Collector, Account]) -> None:
    data, _, account = full
    users = by_name(data, "iam_users")
    assert set(users) == {"support-agent-ci", "legacy-user"}
    for user, keys in account.names["user_keys"].items():
        got = {k["access_key_id"]: k for k in users[user]["access_keys"]}
        assert {k: v["status"] for k, v in got.items()} == keys
        for key in got.values():
            # moto cannot backdate a key: ages are checked relative to now here, old keys in the
            # checks' unit tests.
            created = time.strptime(key["created"], "%Y-%m-%dT%H:%M:%SZ")
            assert abs(time.mktime(created) - time.mktime(time.gmtime())) < 3600
            assert key["last_used"] is None
    assert users["legacy-user"]["inline_policies"][0]["document"]["Statement"][0]["Action"] == "*"
    roles = by_name(data, "iam_roles")
    admin = roles["support-agent-admin"]
    assert admin["attached_policies"][0]["arn"] == account.names["admin_policy"]
    assert admin["attached_policies"][0]["aws_managed"] is False
    assert admin["attached_policies"][0]["document"]["Statement"][0]["Action"] == "*"
    assert admin["inline_policies"] == [{"name": "star", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]
    good = roles["support-agent-role"]
    assert good["permissions_boundary"] == account.names["boundary"]
    assert good["attached_policies"][0]["document"]["Statement"][0]["Action"] == ["secretsmanager:GetSecretValue"]
    assert good["assume_role_policy"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert good["tags"] == {"app": "support-agent"}


def test_monitoring_and_trail_facts(full: tuple[dict[str, Any], Collector, Account]) -> None:
    data, _, account = full
    alarms = by_name(data, "alarms")
    assert alarms["support-agent-errors"]["alarm_actions"] == [account.names["topic"]]
    assert alarms["support-agent-errors"]["dimensions"] == {"FunctionName": "support-agent-api"}
    assert alarms["support-agent-throttles"]["alarm_actions"] == []
    assert alarms["support-agent-errors"]["composite"] is False
    groups = by_name(data, "log_groups")
    assert groups["/aws/lambda/support-agent-api"]["retention_days"] == 30
    assert groups["/aws/lambda/support-agent-worker"]["retention_days"] is None
    assert not groups["/aws/lambda/support-agent-api"]["arn"].endswith(":*")
    trail = by_name(data, "trails")["org-trail"]
    assert trail["is_logging"] is True and trail["multi_region"] is True and trail["log_file_validation"] is True
    assert trail["s3_bucket"] == "org-trail-logs"


def test_compute_and_delivery_facts(full: tuple[dict[str, Any], Collector, Account]) -> None:
    data, _, account = full
    fns = by_name(data, "lambda_functions")
    api = fns["support-agent-api"]
    assert api["versions"] == [account.names["lambda_version"]]
    assert api["aliases"] == [{"name": "live", "function_version": account.names["lambda_version"]}]
    assert api["reserved_concurrency"] == 5
    assert api["timeout"] == 30 and api["role"] == account.names["role_arn"]
    assert api["environment_keys"] == ["LOG_LEVEL", "OPENAI_API_KEY_SECRET"]
    assert "support-agent/openai-key" not in json.dumps(api)  # an environment value
    worker = fns["support-agent-worker"]
    assert worker["versions"] == [] and worker["aliases"] == [] and worker["reserved_concurrency"] is None
    stage = by_name(data, "api_stages")["support-agent-api/prod"]
    assert stage["protocol"] == "REST" and stage["api_id"] == account.names["api_id"]
    assert stage["usage_plans"][0]["id"] == account.names["usage_plan"]
    assert stage["usage_plans"][0]["throttle"] == {"burstLimit": 10, "rateLimit": 5.0}
    repos = by_name(data, "ecr_repositories")
    assert repos["support-agent"]["tag_immutability"] == "IMMUTABLE" and repos["support-agent"]["scan_on_push"] is True
    assert repos["support-agent-sidecar"]["tag_immutability"] == "MUTABLE"
    buckets = by_name(data, "s3_buckets")
    assert buckets["support-agent-artifacts"]["versioning"] == "Enabled"
    assert buckets["support-agent-artifacts"]["artifacts"] is True
    assert buckets["org-trail-logs"]["versioning"] is None and buckets["org-trail-logs"]["artifacts"] is False


# -- scope ------------------------------------------------------------------------------------
def test_scope_by_tag_keeps_the_agent_and_drops_the_unrelated(aws_env: str) -> None:
    build_account(aws_env)
    settings = CloudSettings(scope={"tags": {"app": "support-agent"}}, max_attempts=1,
                             services=("secretsmanager", "iam", "cloudwatch", "logs", "lambda", "ecr", "s3", "cloudtrail"))
    data = collect_snapshot(settings)
    validate_snapshot(data, "scoped")
    assert data["scope"] == {"tags": {"app": "support-agent"}}
    assert set(by_name(data, "lambda_functions")) == {"support-agent-api", "support-agent-worker"}
    assert set(by_name(data, "secrets")) == {"support-agent/openai-key", "support-agent/db-password"}
    assert set(by_name(data, "log_groups")) == {"/aws/lambda/support-agent-api", "/aws/lambda/support-agent-worker"}
    assert set(by_name(data, "alarms")) == {"support-agent-errors", "support-agent-throttles"}
    assert set(by_name(data, "ecr_repositories")) == {"support-agent", "support-agent-sidecar"}
    assert set(by_name(data, "iam_roles")) == {"support-agent-role", "support-agent-admin"}
    assert set(by_name(data, "iam_users")) == {"support-agent-ci", "legacy-user"}  # key hygiene is account-wide
    assert set(by_name(data, "s3_buckets")) == {"support-agent-artifacts"}
    assert set(by_name(data, "trails")) == {"org-trail"}  # account-wide
    assert data["services"]["bedrock"]["status"] == "skipped"


def test_name_prefix_scope_and_region_override(aws_env: str) -> None:
    build_account(aws_env)
    settings = CloudSettings(scope={"name_prefixes": ["support-agent"]}, max_attempts=1, regions=("eu-west-1",),
                             services=("lambda", "logs"))
    data = collect_snapshot(settings, regions=[REGION])
    assert data["regions"] == [REGION]
    assert set(by_name(data, "lambda_functions")) == {"support-agent-api", "support-agent-worker"}
    assert set(by_name(data, "log_groups")) == {"/aws/lambda/support-agent-api", "/aws/lambda/support-agent-worker"}


def test_no_region_skips_regional_services(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    data = collect_snapshot(FAST)
    validate_snapshot(data, "no region")
    assert data["regions"] == []
    assert data["services"]["iam"]["status"] == "collected"
    assert data["services"]["lambda"] == {
        "status": "skipped", "message": "no AWS region configured (set cloud.regions or AWS_REGION)", "calls": 0,
    }


# -- the read-only guard ----------------------------------------------------------------------
def test_every_allowed_operation_is_a_read() -> None:
    for service, ops in READ_ONLY_OPERATIONS.items():
        assert ops, service
        for op in ops:
            assert op.startswith(READS), (service, op)


def test_a_full_collection_calls_only_allowed_operations(full: tuple[dict[str, Any], Collector, Account]) -> None:
    _, collector, _ = full
    assert collector.guard is not None
    allowed = {(s, op) for s, ops in READ_ONLY_OPERATIONS.items() for op in ops}
    assert collector.guard.called and collector.guard.called <= allowed
    assert not collector.guard.refused
    # the collection really exercised the services
    assert {s for s, _ in collector.guard.called} >= {"sts", "iam", "lambda", "logs", "s3", "apigateway", "bedrock"}


def test_the_guard_refuses_a_write(aws_env: str) -> None:
    import boto3

    session, guard = make_session()
    iam = session.client("iam", region_name=REGION)
    with pytest.raises(GuardError, match="read-only"):
        iam.create_user(UserName="should-not-exist")
    logs = session.client("logs", region_name=REGION)
    with pytest.raises(GuardError):
        logs.delete_log_group(logGroupName="/anything")
    with pytest.raises(GuardError):  # a read, but not one readycheck declared
        session.client("secretsmanager", region_name=REGION).get_secret_value(SecretId="x")
    assert ("iam", "CreateUser") in guard.refused
    assert iam.list_users()["Users"] == []  # still allowed, and nothing was created
    assert boto3.Session().client("iam", region_name=REGION).list_users()["Users"] == []


def test_minimal_iam_policy_covers_exactly_the_operations() -> None:
    policy = minimal_iam_policy()
    assert policy["Version"] == "2012-10-17"
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
    actions = set(statement["Action"])
    expected = {iam_action(s, op) for s, ops in READ_ONLY_OPERATIONS.items() for op in ops}
    assert actions == expected
    for action in actions:
        prefix, name = action.split(":")
        assert prefix and (name.startswith(("List", "Get", "Describe", "View")) or action == "apigateway:GET"), action
    assert "budgets:ViewBudget" in actions and "s3:ListAllMyBuckets" in actions
    assert "ce:GetAnomalyMonitors" in actions and "iam:GetAccessKeyLastUsed" in actions
    assert not any("*" in a for a in actions)


# -- no credentials, unreachable endpoint -----------------------------------------------------
def _all_failed(data: dict[str, Any], text: str) -> None:
    validate_snapshot(data, "failed")
    assert data["account_id"] is None and data["complete"] is False
    for name in SERVICES:
        assert data["services"][name]["status"] == "failed", name
        assert text in data["services"][name]["message"]


def test_missing_credentials_fail_quickly_and_clearly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_server: str) -> None:
    isolate_aws_env(monkeypatch, tmp_path, moto_server)
    start = time.monotonic()
    data = collect_snapshot(CloudSettings())
    elapsed = time.monotonic() - start
    _all_failed(data, "no AWS credentials found")
    assert "AWS_ACCESS_KEY_ID" in data["services"]["sts"]["message"]
    assert elapsed < 10


@pytest.mark.parametrize("kind", ["silent", "closed"])
def test_unreachable_endpoint_gives_up_within_30_s(
    kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("silent_endpoint") if kind == "silent" else f"http://127.0.0.1:{closed_port()}"
    isolate_aws_env(monkeypatch, tmp_path, url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_KEY)
    start = time.monotonic()
    data = collect_snapshot(CloudSettings())  # the defaults: connect 5 s, read 15 s, 3 attempts
    elapsed = time.monotonic() - start
    print(f"unreachable endpoint ({kind}): {elapsed:.2f} s")
    _all_failed(data, "AWS endpoint unreachable")
    assert elapsed < 30


# -- caps and interruption --------------------------------------------------------------------
def test_resource_cap_truncates(aws_env: str) -> None:
    build_account(aws_env)
    data = collect_snapshot(CloudSettings(max_resources=1, max_attempts=1, services=("logs",)))
    validate_snapshot(data, "capped")
    logs = data["services"]["logs"]
    assert logs["status"] == "partial" and logs["truncated"] is True
    assert "cloud.max_resources" in logs["message"]
    assert len(data["resources"]["log_groups"]) == 1
    assert data["complete"] is False


def test_time_cap_truncates(aws_env: str) -> None:
    data = collect_snapshot(CloudSettings(service_timeout=0.0, max_attempts=1, services=("logs", "iam")))
    validate_snapshot(data, "timed out")
    for name in ("logs", "iam"):
        svc = data["services"][name]
        assert svc["status"] == "partial" and svc["truncated"] is True, svc
        assert "cloud.service_timeout" in svc["message"]
    assert data["services"]["sts"]["status"] == "collected"


def test_interrupt_returns_what_was_collected(aws_env: str) -> None:
    build_account(aws_env)

    def progress(name: str) -> None:
        if name == "lambda":
            raise KeyboardInterrupt

    data = collect_snapshot(CloudSettings(max_attempts=1, services=("secretsmanager", "lambda")), progress=progress)
    validate_snapshot(data, "interrupted")
    assert data["interrupted"] is True and data["complete"] is False
    assert data["services"]["lambda"] == {"status": "skipped", "message": "interrupted", "calls": 0}
    assert data["account_id"] is not None


# -- AccessDenied from a moto server that enforces IAM ------------------------------------------
def test_access_denied_on_one_service(auth_moto: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import boto3

    isolate_aws_env(monkeypatch, tmp_path, auth_moto)
    key = use_auditor_denied_secrets(auth_moto, monkeypatch)
    # a fresh session: boto3's default session may hold credentials resolved by an earlier test
    boto3.Session().client("logs", region_name=REGION).create_log_group(logGroupName="/aws/lambda/support-agent-api")
    data = collect_snapshot(CloudSettings(max_attempts=1, services=("secretsmanager", "logs", "iam")))
    validate_snapshot(data, "denied")
    secrets = data["services"]["secretsmanager"]
    assert secrets["status"] == "denied", secrets
    assert "ListSecrets" in secrets["message"] and "AccessDenied" in secrets["message"]
    assert key["SecretAccessKey"] not in json.dumps(data)
    assert data["services"]["logs"]["status"] == "collected"
    assert set(by_name(data, "log_groups")) == {"/aws/lambda/support-agent-api"}
    assert data["services"]["iam"]["status"] == "collected"
    assert "auditor" in by_name(data, "iam_users")


def test_interrupt_before_the_account_answers(aws_env: str) -> None:
    def progress(name: str) -> None:
        raise KeyboardInterrupt

    data = collect_snapshot(FAST, progress=progress)
    validate_snapshot(data, "interrupted early")
    assert data["interrupted"] is True and data["account_id"] is None
    assert {s["status"] for s in data["services"].values()} == {"skipped"}


# -- helpers ----------------------------------------------------------------------------------
def test_schedule_expressions_and_times() -> None:
    from readycheck.cloud.aws_base import ts
    from readycheck.cloud.aws_services import schedule_days

    assert schedule_days("rate(10 days)") == 10
    assert schedule_days("rate(36 hours)") == 2
    assert schedule_days("cron(0 16 1 * ? *)") == 31
    assert schedule_days("cron(0 8 ? * MON *)") == 7
    assert schedule_days(None) is None and schedule_days("whenever") is None
    assert ts("2024-01-02T03:04:05.123+0000") == "2024-01-02T03:04:05Z"  # Lambda's LastModified
    assert ts(None) is None


def test_error_classification() -> None:
    from botocore.exceptions import ClientError

    from readycheck.cloud.aws_base import classify_error

    def err(code: str, message: str = "", status: int = 400) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")

    assert classify_error(err("AccessDeniedException"), "ListSecrets") == ("denied", "ListSecrets: access denied (AccessDeniedException)")
    assert classify_error(err("UnauthorizedOperation"), "X")[0] == "denied"
    assert classify_error(err("403", "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message>", 403), "X")[0] == "denied"
    assert classify_error(err("UnknownOperationException"), "X")[0] == "unsupported"
    assert classify_error(err("500", "<!doctype html><html>500</html>", 500), "X")[0] == "unsupported"
    assert classify_error(err("ThrottlingException", "slow down"), "X") == ("failed", "X: ThrottlingException: slow down")
