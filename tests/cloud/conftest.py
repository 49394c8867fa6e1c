"""A moto server (server mode, loopback) and a small AWS account built in it with boto3.

`build_account(url)` is shared with the end-to-end audit tests: it creates the agent's resources
tagged ``app: support-agent`` and one unrelated resource of most kinds without the tag.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REGION = "us-east-1"
AGENT_TAG = {"app": "support-agent"}
FAKE_KEY = "testing"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def reset_moto(url: str) -> None:
    req = urllib.request.Request(f"{url}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()


def isolate_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint: str | None) -> None:
    """No developer credential, profile or config file can leak into a test."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name, raising=False)
    missing = tmp_path / "no-such-aws-file"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(missing))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(missing))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    if endpoint is not None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_server: str) -> Iterator[str]:
    """Fake credentials pointed at the (reset) moto server; yields its URL."""
    isolate_aws_env(monkeypatch, tmp_path, moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_KEY)
    reset_moto(moto_server)
    yield moto_server
    reset_moto(moto_server)


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback socket that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


@pytest.fixture
def auth_moto() -> Iterator[str]:
    """A second moto server whose first 3 requests are unauthenticated; later ones are checked
    against moto's IAM (INITIAL_NO_AUTH_ACTION_COUNT, moto's documented IAM-auth switch)."""
    port = closed_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("the moto server did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def use_auditor_denied_secrets(url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """On an IAM-enforcing moto server (``auth_moto``): create the user ``auditor``, allowed
    everything but Secrets Manager, and make its key the environment's. Returns the key."""
    import boto3

    admin = boto3.Session().client("iam", region_name=REGION, endpoint_url=url, aws_access_key_id=FAKE_KEY, aws_secret_access_key=FAKE_KEY)
    admin.create_user(UserName="auditor")
    key: dict[str, str] = admin.create_access_key(UserName="auditor")["AccessKey"]
    admin.put_user_policy(UserName="auditor", PolicyName="all-but-secrets", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"},
        ],
    }))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    return key


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
SCOPED_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "arn:aws:secretsmanager:*:*:secret:support-agent/*"}],
}
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass
class Account:
    """What build_account created (names and ids the tests assert on)."""

    url: str
    account_id: str = ""
    names: dict[str, Any] = field(default_factory=dict)


def build_account(url: str, region: str = REGION) -> Account:
    """Create a small account in moto. The agent's resources carry ``app: support-agent``."""
    import boto3

    def client(service: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=url,
                            aws_access_key_id=FAKE_KEY, aws_secret_access_key=FAKE_KEY)

    acct = Account(url)
    acct.account_id = client("sts").get_caller_identity()["Account"]
    tags_kv = [{"Key": k, "Value": v} for k, v in AGENT_TAG.items()]
    n = acct.names

    # Budgets: a monthly cost budget with an 80% actual notification to an email subscriber.
    client("budgets").create_budget(
        AccountId=acct.account_id,
        Budget={"BudgetName": "support-agent-monthly", "BudgetLimit": {"Amount": "100", "Unit": "USD"},
                "TimeUnit": "MONTHLY", "BudgetType": "COST"},
        NotificationsWithSubscribers=[{
            "Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0, "ThresholdType": "PERCENTAGE"},
            "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}],
        }],
    )
    n["budget"] = "support-agent-monthly"

    # IAM: users with keys; a scoped role with a boundary; an admin (wildcard) role; an unrelated role.
    iam = client("iam")
    iam.create_user(UserName="support-agent-ci", Tags=tags_kv)
    k1 = iam.create_access_key(UserName="support-agent-ci")["AccessKey"]["AccessKeyId"]
    k2 = iam.create_access_key(UserName="support-agent-ci")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="support-agent-ci", AccessKeyId=k2, Status="Inactive")
    iam.create_user(UserName="legacy-user")
    k3 = iam.create_access_key(UserName="legacy-user")["AccessKey"]["AccessKeyId"]
    iam.put_user_policy(UserName="legacy-user", PolicyName="everything", PolicyDocument=json.dumps(ADMIN_POLICY))
    n["user_keys"] = {"support-agent-ci": {k1: "Active", k2: "Inactive"}, "legacy-user": {k3: "Active"}}
    boundary = iam.create_policy(PolicyName="support-agent-boundary", PolicyDocument=json.dumps(SCOPED_POLICY))["Policy"]["Arn"]
    scoped = iam.create_policy(PolicyName="support-agent-secrets", PolicyDocument=json.dumps(SCOPED_POLICY))["Policy"]["Arn"]
    admin = iam.create_policy(PolicyName="AdminEverything", PolicyDocument=json.dumps(ADMIN_POLICY))["Policy"]["Arn"]
    role_arn = iam.create_role(RoleName="support-agent-role", AssumeRolePolicyDocument=json.dumps(TRUST),
                               PermissionsBoundary=boundary, Tags=tags_kv)["Role"]["Arn"]
    iam.attach_role_policy(RoleName="support-agent-role", PolicyArn=scoped)
    iam.create_role(RoleName="support-agent-admin", AssumeRolePolicyDocument=json.dumps(TRUST), Tags=tags_kv)
    iam.attach_role_policy(RoleName="support-agent-admin", PolicyArn=admin)
    iam.put_role_policy(RoleName="support-agent-admin", PolicyName="star", PolicyDocument=json.dumps(ADMIN_POLICY))
    iam.create_role(RoleName="unrelated-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    n.update(role_arn=role_arn, boundary=boundary, scoped_policy=scoped, admin_policy=admin)

    # Secrets: one rotating (rotated now; moto cannot invoke a rotation Lambda without docker, so the
    # rotation has rules and no Lambda), one never rotated, one unrelated.
    sm = client("secretsmanager")
    sm.create_secret(Name="support-agent/openai-key", SecretString="not-a-real-key", Tags=tags_kv)
    sm.rotate_secret(SecretId="support-agent/openai-key", RotationRules={"AutomaticallyAfterDays": 30})
    sm.create_secret(Name="support-agent/db-password", SecretString="not-a-real-password", Tags=tags_kv)
    sm.create_secret(Name="other-team/token", SecretString="unrelated")

    # CloudWatch alarms (with and without actions) and log groups (with and without retention).
    cw = client("cloudwatch")
    common = {"MetricName": "Errors", "Namespace": "AWS/Lambda", "Statistic": "Sum", "Period": 60,
              "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold"}
    topic = f"arn:aws:sns:{region}:{acct.account_id}:support-agent-alerts"
    cw.put_metric_alarm(AlarmName="support-agent-errors", AlarmActions=[topic], Tags=tags_kv,
                        Dimensions=[{"Name": "FunctionName", "Value": "support-agent-api"}], **common)
    cw.put_metric_alarm(AlarmName="support-agent-throttles", Tags=tags_kv, **{**common, "MetricName": "Throttles"})
    cw.put_metric_alarm(AlarmName="other-alarm", **common)
    n["topic"] = topic
    logs = client("logs")
    logs.create_log_group(logGroupName="/aws/lambda/support-agent-api", tags=AGENT_TAG)
    logs.put_retention_policy(logGroupName="/aws/lambda/support-agent-api", retentionInDays=30)
    logs.create_log_group(logGroupName="/aws/lambda/support-agent-worker", tags=AGENT_TAG)
    logs.create_log_group(logGroupName="/other/app")

    # S3: an artifact bucket with versioning, the trail's bucket; CloudTrail trail, logging.
    s3 = client("s3")
    s3.create_bucket(Bucket="support-agent-artifacts")
    s3.put_bucket_versioning(Bucket="support-agent-artifacts", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket="support-agent-artifacts", Tagging={"TagSet": tags_kv})
    s3.create_bucket(Bucket="org-trail-logs")
    ct = client("cloudtrail")
    ct.create_trail(Name="org-trail", S3BucketName="org-trail-logs", IsMultiRegionTrail=True, EnableLogFileValidation=True)
    ct.start_logging(Name="org-trail")

    # Lambda: one with a published version, an alias and reserved concurrency; one without.
    lam = client("lambda")
    base = {"Runtime": "python3.12", "Role": role_arn, "Handler": "handler.handler", "Code": {"ZipFile": _zip()}}
    lam.create_function(FunctionName="support-agent-api", Timeout=30, Tags=AGENT_TAG,
                        Environment={"Variables": {"OPENAI_API_KEY_SECRET": "support-agent/openai-key", "LOG_LEVEL": "INFO"}}, **base)
    version = lam.publish_version(FunctionName="support-agent-api")["Version"]
    lam.create_alias(FunctionName="support-agent-api", Name="live", FunctionVersion=version)
    lam.put_function_concurrency(FunctionName="support-agent-api", ReservedConcurrentExecutions=5)
    lam.create_function(FunctionName="support-agent-worker", Timeout=900, Tags=AGENT_TAG, **base)
    lam.create_function(FunctionName="unrelated-fn", **base)
    n["lambda_version"] = version

    # API Gateway: a REST API with a stage throttled by a usage plan.
    apigw = client("apigateway")
    api = apigw.create_rest_api(name="support-agent-api", tags=AGENT_TAG)
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    plan = apigw.create_usage_plan(name="support-agent-plan", throttle={"burstLimit": 10, "rateLimit": 5.0},
                                   apiStages=[{"apiId": api["id"], "stage": "prod"}])
    n.update(api_id=api["id"], usage_plan=plan["id"])

    # ECR: an immutable, scanned repository and a mutable one.
    ecr = client("ecr")
    ecr.create_repository(repositoryName="support-agent", imageTagMutability="IMMUTABLE",
                          imageScanningConfiguration={"scanOnPush": True}, tags=tags_kv)
    ecr.create_repository(repositoryName="support-agent-sidecar", imageTagMutability="MUTABLE", tags=tags_kv)
    ecr.create_repository(repositoryName="unrelated-repo")
    return acct
