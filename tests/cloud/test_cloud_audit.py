"""The whole cloud audit through the command line: a small account built in moto (server mode),
audited live with --aws, collected to a snapshot and audited offline, and the ways it goes wrong
(no credentials, a denied service, an unreachable endpoint) each ending in a clear report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cloud.conftest import use_auditor_denied_secrets, FAKE_KEY, build_account, closed_port, isolate_aws_env
from tests.conftest import cli

CLOUD_CHECKS = ("RC0106", "RC0107", "RC0108", "RC0208", "RC0209", "RC0303", "RC0304", "RC0802", "RC0906", "RC0907", "RC1205")

CONFIG = """\
cloud:
  regions: [us-east-1]
  scope:
    tags: {app: support-agent}
"""

# What the repository declares: some of it is in the account, some was never applied.
TERRAFORM = """\
resource "aws_budgets_budget" "monthly" {
  name         = "support-agent-monthly"
  budget_type  = "COST"
  limit_amount = "100"
  limit_unit   = "USD"
  time_unit    = "MONTHLY"
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "support-agent-errors"
  metric_name         = "Errors"
  namespace           = "AWS/Lambda"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  threshold           = 1
  period              = 60
  statistic           = "Sum"
}

resource "aws_cloudwatch_metric_alarm" "latency" {
  alarm_name          = "support-agent-latency"
  metric_name         = "Duration"
  namespace           = "AWS/Lambda"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  threshold           = 20000
  period              = 60
  statistic           = "Average"
}
"""


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "agent"
    (root / "infra").mkdir(parents=True)
    (root / "readycheck.yaml").write_text(CONFIG)
    (root / "infra" / "main.tf").write_text(TERRAFORM)
    return root


def _audit(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = cli("audit", *args, "--format", "json")
    assert "Traceback" not in out + err
    return code, json.loads(out), err


def _by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["results"]}


def _stable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs between two runs of the same audit (when and how long)."""
    out = dict(report)
    out.pop("started_at")
    out.pop("duration_ms")
    out["cloud"] = {k: v for k, v in out["cloud"].items() if k != "collected_at"}  # two collections
    return out


def test_a_live_audit_judges_the_account_and_its_drift_from_the_repo(aws_env: str, tmp_path: Path) -> None:
    account = build_account(aws_env)
    project = _project(tmp_path)
    code, report, _ = _audit(str(project), "--aws")
    results = _by_id(report)
    got = {cid: results[cid]["status"] for cid in CLOUD_CHECKS}
    assert got == {
        "RC0106": "warn",  # a budget that notifies; its actions cannot be read from moto
        "RC0107": "skip",  # Cost Anomaly Detection: the endpoint does not implement it
        "RC0108": "warn",  # the stage is throttled by its usage plan; the worker has no reserved concurrency
        "RC0208": "pass",  # the agent's user has one active key, created today (legacy-user is out of scope)
        "RC0209": "warn",  # the db password has never rotated, but it is new
        "RC0303": "fail",  # support-agent-latency is declared in infra/main.tf and absent in the account
        "RC0304": "warn",  # the worker's log group never expires
        "RC0802": "skip",  # the agent does not call Bedrock
        "RC0906": "fail",  # support-agent-admin may do anything
        "RC0907": "pass",  # org-trail logs every region
        "RC1205": "fail",  # support-agent-worker has no published version
    }, {cid: results[cid]["message"] for cid in CLOUD_CHECKS}
    assert report["cloud"]["account_id"] == account.account_id
    assert report["cloud"]["scope"] == {"tags": {"app": "support-agent"}}
    alarms = results["RC0303"]
    declared = [e for e in alarms["evidence"] if e["path"] == "infra/main.tf"]
    assert [e["line"] for e in declared] == [21], alarms["evidence"]  # the latency alarm's name
    assert "support-agent-latency" in alarms["message"]
    admin = results["RC0906"]
    assert any(e["path"].endswith(":role/support-agent-admin") for e in admin["evidence"]), admin["evidence"]
    assert not any("unrelated-role" in e["path"] for e in admin["evidence"])
    rollback = results["RC1205"]
    assert any(e["path"].endswith(":function:support-agent-worker") for e in rollback["evidence"])
    assert not any("unrelated-fn" in e["path"] for e in rollback["evidence"])
    # a failing cloud check that feeds a question answers it
    questions = {q["id"]: q for q in report["questions"]}
    assert questions["see-now"]["answer"] == "no" and "RC0303" in questions["see-now"]["reason"]
    assert questions["rollback-5min"]["answer"] == "no"
    assert report["verdict"] == "NO-GO" and code == 1


def test_a_snapshot_audited_offline_gives_the_identical_report(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_account(aws_env)
    project = _project(tmp_path)
    live_code, live, _ = _audit(str(project), "--aws")
    snap = tmp_path / "account.json"
    code, _, err = cli("cloud", "snapshot", str(project), "--output", str(snap))
    assert code == 0, err
    assert "snapshot written to" in err and "not fully collected: bedrock (partial), budgets (partial), ce (unsupported)" in err
    # offline: no credentials and no endpoint at all
    isolate_aws_env(monkeypatch, tmp_path, f"http://127.0.0.1:{closed_port()}")
    offline_code, offline, _ = _audit(str(project), "--cloud-snapshot", str(snap))
    assert _stable(offline) == _stable(live)
    assert offline_code == live_code
    assert f'"{FAKE_KEY}"' not in snap.read_text()  # the caller's credentials never reach the file


def test_the_snapshot_never_holds_an_environment_value(aws_env: str, tmp_path: Path) -> None:
    build_account(aws_env)
    snap = tmp_path / "account.json"
    code, _, _ = cli("cloud", "snapshot", str(_project(tmp_path)), "-o", str(snap))
    assert code == 0
    text = snap.read_text()
    function = next(f for f in json.loads(text)["resources"]["lambda_functions"] if f["name"] == "support-agent-api")
    assert sorted(function["environment_keys"]) == ["LOG_LEVEL", "OPENAI_API_KEY_SECRET"]  # names only
    assert '"INFO"' not in text and "Variables" not in text  # no value of the function's environment
    assert "not-a-real-key" not in text and "not-a-real-password" not in text


def test_without_credentials_the_cloud_checks_skip_and_the_repo_audit_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_server: str) -> None:
    isolate_aws_env(monkeypatch, tmp_path, moto_server)
    project = _project(tmp_path)
    repo_code, repo_only, _ = _audit(str(project))
    code, report, _ = _audit(str(project), "--aws")
    results = _by_id(report)
    for cid in CLOUD_CHECKS:
        assert results[cid]["status"] == "skip", results[cid]
        if cid != "RC0802":  # which skips first because the agent does not call Bedrock
            assert "no AWS credentials" in results[cid]["message"], results[cid]["message"]
    assert any(n.startswith("cloud: AWS account unknown") and "no AWS credentials" in n for n in report["notes"]), report["notes"]
    # the repository's own checks are judged exactly as without --aws
    repo_results = {r["id"]: r["status"] for r in repo_only["results"]}
    assert {cid: s["status"] for cid, s in results.items()} == repo_results
    assert code == repo_code
    code, out, err = cli("cloud", "snapshot", str(project))
    assert code == 2 and out == ""
    assert err.startswith("readycheck: error: cannot read the AWS account: no AWS credentials")


def test_a_denied_service_is_marked_and_the_rest_is_judged(auth_moto: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_aws_env(monkeypatch, tmp_path, auth_moto)
    key = use_auditor_denied_secrets(auth_moto, monkeypatch)
    code, out, err = cli("audit", str(_project(tmp_path)), "--aws", "--select", "cloud")
    assert "Traceback" not in out + err
    assert code in (0, 1)
    assert "RC0209" in out and "AWS secretsmanager access was denied" in out
    assert "secretsmanager denied" in out  # the banner says what was not read
    assert key["SecretAccessKey"] not in out + err
    _, report, _ = _audit(str(_project(tmp_path / "again")), "--aws", "--select", "cloud")
    results = _by_id(report)
    assert results["RC0209"]["status"] == "skip"
    assert results["RC0208"]["status"] in ("pass", "warn", "fail")  # IAM answered: judged


def test_an_unreachable_endpoint_ends_in_a_report_within_30_s(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, silent_endpoint: str) -> None:
    isolate_aws_env(monkeypatch, tmp_path, silent_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_KEY)
    start = time.monotonic()
    code, report, _ = _audit(str(_project(tmp_path)), "--aws")
    elapsed = time.monotonic() - start
    assert elapsed < 30, elapsed
    assert code in (0, 1)
    assert all(_by_id(report)[cid]["status"] == "skip" for cid in CLOUD_CHECKS)
    assert any("AWS endpoint unreachable" in n for n in report["notes"]), report["notes"]
