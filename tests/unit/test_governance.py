"""Governed suppressions for every check (inline, config entries with reason and expiry, the
baseline), the verdict saying when suppressions made it, severity gates and environment profiles."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from readycheck.config import load_policy
from readycheck.index import build_index
from readycheck.model import Evidence, Result, Status, Verdict
from readycheck.registry import load_registry
from readycheck.suppress import BASELINE_FILENAME, Baseline, Suppressions, finding_fingerprint
from readycheck.verdict import decide, exit_code_for
from tests.conftest import SAMPLES, cli, init_repo

REG = load_registry(plugins=False)

# An IAM wildcard (RC0901 iam-wildcards: blocking, high) in an otherwise GO project.
WILDCARD_TF = """resource "aws_iam_policy" "legacy" {
  name = "legacy"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
%s
      Action   = "*"
      Resource = "*"
    }]
  })
}
"""
WILDCARD_PATH = "infra/terraform/legacy.tf"
WILDCARD_LINE = 8
# A call without a timeout (RC0402 client-timeouts: a medium warning here).
NO_TIMEOUT_PY = "import requests\n\n\ndef fetch(url):\n    return requests.get(url).text\n"


def _report_schema() -> dict[str, Any]:
    code, out, _ = cli("schema", "report")
    assert code == 0
    schema: dict[str, Any] = json.loads(out)
    return schema


REPORT_SCHEMA = _report_schema()


def audit(repo: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = cli("audit", str(repo), "--format", "json", *args)
    assert code in (0, 1), err
    report: dict[str, Any] = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    return code, report, err


def result_of(report: dict[str, Any], check: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in report["results"] if r["id"] == check)
    return found


def _write_tf(repo: Path, comment: str = "") -> None:
    (repo / WILDCARD_PATH).write_text(WILDCARD_TF % comment, encoding="utf-8")


@pytest.fixture
def go_repo(tmp_path: Path) -> Path:
    """The GO sample as a git repository, plus one IAM wildcard: NO-GO because of RC0901 alone."""
    repo = tmp_path / "agent"
    shutil.copytree(SAMPLES / "support-agent-go", repo)
    _write_tf(repo)
    return init_repo(repo)


def _config(repo: Path, text: str) -> None:
    (repo / "readycheck.yaml").write_text(text, encoding="utf-8")


def _days(n: int) -> str:
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


# --- inline comments, for every check -------------------------------------------------------------
def test_an_inline_comment_suppresses_a_non_secret_check_and_the_verdict_says_so(go_repo: Path) -> None:
    code, report, _ = audit(go_repo)
    assert code == 1 and report["verdict"] == "NO-GO" and "RC0901" in report["verdict_reason"]
    rc0901 = result_of(report, "RC0901")
    assert rc0901["status"] == "fail" and "suppressed" not in rc0901
    assert len(rc0901["evidence"][0]["fingerprint"]) == 16  # every finding gets a stable key
    assert report["suppressed"] == {"findings": 0, "results": 0}

    _write_tf(go_repo, "      # readycheck: ignore[iam-wildcards]")  # alone on the line above
    code, report, _ = audit(go_repo)
    assert code == 0 and report["verdict"] == "GO"
    assert report["verdict_reason"].startswith("GO thanks to 1 suppressed finding(s): RC0901 (inline)")
    rc0901 = result_of(report, "RC0901")
    assert rc0901["status"] == "fail"  # the status stays: the risk is visible, accepted
    assert rc0901["suppressed"] == f"inline: readycheck: ignore[iam-wildcards] at {WILDCARD_PATH}:{WILDCARD_LINE - 1}"
    assert rc0901["evidence"][0]["suppressed"] == rc0901["suppressed"]
    assert report["suppressed"] == {"findings": 1, "results": 1}

    code, report, _ = audit(go_repo, "--no-inline-suppressions")
    assert code == 1 and "suppressed" not in result_of(report, "RC0901")


def test_an_inline_comment_on_the_line_by_id_and_bare(go_repo: Path) -> None:
    text = (WILDCARD_TF % "").replace('Action   = "*"', 'Action   = "*" # readycheck: ignore[RC0901]')
    (go_repo / WILDCARD_PATH).write_text(text, encoding="utf-8")
    code, report, _ = audit(go_repo)
    assert code == 0 and result_of(report, "RC0901")["suppressed"].startswith("inline: readycheck: ignore[RC0901]")

    (go_repo / WILDCARD_PATH).write_text(text.replace("ignore[RC0901]", "ignore[RC0402]"), encoding="utf-8")
    assert audit(go_repo)[0] == 1  # another check's comment does not cover it


def test_a_trailing_comment_on_the_line_above_covers_only_its_own_line(tmp_path: Path) -> None:
    index_root = tmp_path / "p"
    index_root.mkdir()
    (index_root / "a.tf").write_text('x = 1 # readycheck: ignore\nAction = "*"\n', encoding="utf-8")
    spec = REG.get("RC0901")
    assert spec is not None
    result = Result(spec, Status.FAIL, "full admin", (Evidence("a.tf", 2, 'Action = "*"'),))
    judged = Suppressions(build_index(index_root)).apply(result)
    assert judged.suppressed is None and judged.evidence[0].suppressed is None


# --- config entries --------------------------------------------------------------------------------
def test_a_config_entry_with_paths_suppresses_there_only(go_repo: Path) -> None:
    _config(go_repo, "suppress:\n  - check: iam-wildcards\n    paths: ['infra/terraform/legacy*']\n    reason: legacy role, retired in Q1\n")
    code, report, _ = audit(go_repo)
    assert code == 0 and report["verdict_reason"].startswith("GO thanks to 1 suppressed finding(s): RC0901 (config: legacy role, retired in Q1)")
    assert result_of(report, "RC0901")["suppressed"] == "config: legacy role, retired in Q1"

    _config(go_repo, "suppress:\n  - {check: RC0901, paths: ['legacy/**'], reason: elsewhere}\n")
    code, report, _ = audit(go_repo)
    assert code == 1 and "suppressed" not in result_of(report, "RC0901")


def test_a_config_entry_without_paths_covers_a_result_without_evidence(sample_repo: Any) -> None:
    repo = sample_repo("quickbot-nogo")
    code, report, _ = audit(repo, "--select", "RC1001")
    assert result_of(report, "RC1001")["status"] == "fail" and not result_of(report, "RC1001")["evidence"]
    _config(repo, "suppress:\n  - {check: runbook, reason: 'runbook lives in the wiki', expires: %s}\n" % _days(30))
    _, report, _ = audit(repo, "--select", "RC1001")
    rc1001 = result_of(report, "RC1001")
    assert rc1001["status"] == "fail" and rc1001["suppressed"] == f"config: runbook lives in the wiki (until {_days(30)})"
    assert report["suppressed"] == {"findings": 1, "results": 1}
    rollback = next(q for q in report["questions"] if q["id"] == "rollback-5min")
    assert rollback["answer"] == "yes" and "accepted risks: RC1001 suppressed (config: runbook lives in the wiki" in rollback["reason"]


@pytest.mark.parametrize("quoted", [True, False])
def test_an_expired_entry_no_longer_suppresses_and_is_reported(go_repo: Path, quoted: bool) -> None:
    when = _days(-1)
    value = f"'{when}'" if quoted else when  # YAML reads an unquoted date as a date
    _config(go_repo, f"suppress:\n  - check: RC0901\n    reason: legacy role\n    expires: {value}\n")
    code, report, _ = audit(go_repo)
    assert code == 1 and report["verdict"] == "NO-GO"
    rc0901 = result_of(report, "RC0901")
    assert "suppressed" not in rc0901 and f"suppression expired on {when} (legacy role)" in rc0901["message"]
    assert any(n.startswith("warning: the suppression of RC0901 expired on " + when) for n in report["notes"])


def test_an_entry_expiring_in_the_future_still_suppresses(go_repo: Path) -> None:
    _config(go_repo, f"suppress:\n  - check: RC0901\n    reason: legacy role\n    expires: {_days(1)}\n")
    code, report, _ = audit(go_repo)
    assert code == 0 and result_of(report, "RC0901")["suppressed"] == f"config: legacy role (until {_days(1)})"
    assert not any("expired" in n for n in report["notes"])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{check: RC9999, reason: x}", "unknown check 'RC9999'"),
        ("{check: no-such-slug, reason: x}", "unknown check 'no-such-slug'"),
        ("{check: RC0901}", "'reason' is a required property"),
        ("{check: RC0901, reason: ''}", "suppress.0.reason"),
        ("{check: RC0901, reason: '   '}", "'suppress.0.reason': a suppression needs a reason"),
        ("{check: RC0901, reason: x, expires: 2027-02-31}", "date"),
        ("{check: RC0901, reason: x, expires: soon}", "suppress.0.expires"),
        ("{check: RC0901, reason: x, expires: '2027-13-01'}", "is not a date"),
        ("{check: RC0901, reason: x, until: 2027-01-01}", "unknown key 'suppress.0.until'"),
    ],
)
def test_an_invalid_entry_is_exit_2(go_repo: Path, entry: str, message: str) -> None:
    _config(go_repo, f"suppress:\n  - {entry}\n")
    code, _, err = cli("audit", str(go_repo))
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1


# --- the baseline, for every check ---------------------------------------------------------------------
def test_a_baseline_accepts_a_non_secret_finding_and_a_new_one_still_fails(go_repo: Path) -> None:
    assert cli("baseline", str(go_repo))[0] == 0
    data = json.loads((go_repo / BASELINE_FILENAME).read_text(encoding="utf-8"))
    assert data["version"] == 2 and '"line"' not in json.dumps(data)
    assert {"check": "RC0901", "path": WILDCARD_PATH, "fingerprint": data["findings"][0]["fingerprint"]} in data["findings"]
    code, out, _ = cli("schema", "baseline")
    jsonschema.validate(data, json.loads(out))

    code, report, _ = audit(go_repo)
    assert code == 0 and report["verdict_reason"].startswith("GO thanks to 1 suppressed finding(s): RC0901 (baseline)")

    # Moved down: still the same finding (no line numbers in a baseline).
    _write_tf(go_repo, "\n\n")
    assert audit(go_repo)[0] == 0

    # A new wildcard elsewhere counts.
    (go_repo / "infra/terraform/new.tf").write_text((WILDCARD_TF % "").replace("legacy", "fresh"), encoding="utf-8")
    code, report, _ = audit(go_repo)
    assert code == 1
    rc0901 = result_of(report, "RC0901")
    assert "suppressed" not in rc0901 and "1 of 2 findings suppressed: 1 baseline" in rc0901["message"]
    assert {e["path"]: "suppressed" in e for e in rc0901["evidence"]} == {WILDCARD_PATH: True, "infra/terraform/new.tf": False}

    assert audit(go_repo, "--no-baseline")[0] == 1


def test_a_baseline_accepts_a_result_without_evidence(sample_repo: Any) -> None:
    repo = sample_repo("quickbot-nogo")
    assert cli("baseline", str(repo), "--select", "RC1001,RC0201")[0] == 0
    data = json.loads((repo / BASELINE_FILENAME).read_text(encoding="utf-8"))
    assert {"check": "RC1001", "path": "", "fingerprint": finding_fingerprint("RC1001", None)} in data["findings"]
    assert any(f["check"] == "RC0201" and f["rule"] for f in data["findings"])  # secrets as before
    _, report, _ = audit(repo, "--select", "RC1001,RC0201")
    assert result_of(report, "RC1001")["suppressed"].startswith("baseline")
    assert result_of(report, "RC0201")["status"] == "pass"  # a secret check triages its own findings


def test_a_version_1_baseline_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"version": 1, "findings": [{"check": "RC0201", "path": "a.py", "fingerprint": "abcdef12"}]}', encoding="utf-8")
    assert ("RC0201", "a.py", "abcdef12") in Baseline.load(path)


def test_suppressed_config_and_inline_findings_are_not_baselined(go_repo: Path) -> None:
    _config(go_repo, "suppress:\n  - {check: RC0901, reason: governed by the config}\n")
    assert cli("baseline", str(go_repo))[0] == 0
    data = json.loads((go_repo / BASELINE_FILENAME).read_text(encoding="utf-8"))
    assert not [f for f in data["findings"] if f["check"] == "RC0901"]


def test_fingerprints_ignore_line_numbers_and_whitespace() -> None:
    a = finding_fingerprint("RC0402", Evidence("a.py", 3, "requests.get(url)"))
    assert a == finding_fingerprint("RC0402", Evidence("a.py", 30, "  requests.get(url)  "))
    assert a != finding_fingerprint("RC0402", Evidence("b.py", 3, "requests.get(url)"))
    assert a != finding_fingerprint("RC0401", Evidence("a.py", 3, "requests.get(url)"))
    assert len(a) == 16 and int(a, 16) >= 0


# --- the verdict and the gates ----------------------------------------------------------------------
def _result(check: str, status: Status, suppressed: str | None = None) -> Result:
    spec = REG.get(check)
    assert spec is not None
    return Result(spec, status, "m", (Evidence("x", 1, "s", suppressed=suppressed),) if suppressed else (), suppressed=suppressed)


def test_decide_ignores_suppressed_results_for_blocking() -> None:
    results = [_result("RC0901", Status.FAIL, "baseline: accepted")]
    verdict, reason, _ = decide(results, staged=True)
    assert verdict is Verdict.GO and reason.startswith("GO thanks to 1 suppressed finding(s): RC0901 (baseline)")
    verdict, reason, _ = decide([_result("RC0901", Status.FAIL)], staged=True)
    assert verdict is Verdict.NO_GO


def test_fail_on_severity_thresholds(go_repo: Path) -> None:
    (go_repo / WILDCARD_PATH).unlink()
    (go_repo / "src/support_agent/tools/fetch.py").write_text(NO_TIMEOUT_PY, encoding="utf-8")
    code, report, _ = audit(go_repo)
    rc0402 = result_of(report, "RC0402")
    assert code == 0 and rc0402["status"] == "warn" and rc0402["severity"] == "medium"
    assert audit(go_repo, "--fail-on", "critical")[0] == 0
    assert audit(go_repo, "--fail-on", "high")[0] == 0
    assert audit(go_repo, "--fail-on", "medium")[0] == 1
    assert audit(go_repo, "--fail-on", "low")[0] == 1
    _config(go_repo, "fail_on: low\nsuppress:\n  - {check: client-timeouts, paths: [src/support_agent/tools/fetch.py], reason: internal URL only}\n")
    assert audit(go_repo)[0] == 0  # a suppressed warning trips no gate
    _config(go_repo, "severity: {RC0402: high}\n")
    assert audit(go_repo, "--fail-on", "high")[0] == 1
    code, _, err = cli("audit", str(go_repo), "--fail-on", "sometimes")
    assert code == 2 and "--fail-on" in err and "critical" in err


def test_exit_code_for_severity_gates_counts_only_live_results() -> None:
    warn = _result("RC0402", Status.WARN)  # medium
    assert exit_code_for(Verdict.GO, [warn], "medium") == 1
    assert exit_code_for(Verdict.GO, [warn], "high") == 0
    assert exit_code_for(Verdict.GO, [_result("RC0402", Status.WARN, "inline: x")], "low") == 0
    assert exit_code_for(Verdict.NO_GO, [], "critical") == 1
    assert exit_code_for(Verdict.NO_GO, [warn], "never") == 0


# --- profiles ---------------------------------------------------------------------------------------
PROFILES = """ignore: [RC1204]
blocking: {RC0301: true}
params:
  client-timeouts: {a: 1, b: 2}
profiles:
  staging:
    fail_on: never
    ignore: [iam-wildcards]
    blocking: {RC1101: false}
    severity: {RC0402: low}
    params: {client-timeouts: {b: 3}}
  prod:
    fail_on: high
    blocking: {RC0303: true}
"""


def test_a_profile_merges_over_the_configuration(tmp_path: Path) -> None:
    _config(tmp_path, PROFILES)
    base = load_policy(tmp_path)
    assert base.profile is None and base.fail_on == "no-go" and base.ignore == ("RC1204",)
    staging = load_policy(tmp_path, profile="staging")
    assert staging.profile == "staging" and staging.fail_on == "never"
    assert staging.ignore == ("RC1204", "iam-wildcards")  # lists appended
    assert dict(staging.blocking) == {"RC0301": True, "RC1101": False}  # mappings merged
    assert dict(staging.params["client-timeouts"]) == {"a": 1, "b": 3}
    assert staging.severity["RC0402"].value == "low"
    assert load_policy(tmp_path, profile="staging", fail_on="warn").fail_on == "warn"  # the command line wins
    prod = load_policy(tmp_path, profile="prod")
    assert prod.fail_on == "high" and dict(prod.blocking) == {"RC0301": True, "RC0303": True}


def test_profile_flag_and_environment_variable(go_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(go_repo, PROFILES)
    code, report, _ = audit(go_repo)
    assert code == 1 and report["profile"] is None
    code, report, _ = audit(go_repo, "--profile", "staging")
    assert code == 0 and report["profile"] == "staging" and not [r for r in report["results"] if r["id"] == "RC0901"]
    monkeypatch.setenv("READYCHECK_PROFILE", "staging")
    code, report, _ = audit(go_repo)
    assert code == 0 and report["profile"] == "staging"
    code, report, _ = audit(go_repo, "--profile", "prod")  # the flag beats the environment
    assert code == 1 and report["profile"] == "prod"


def test_an_unknown_profile_is_exit_2_listing_the_known_ones(go_repo: Path) -> None:
    _config(go_repo, PROFILES)
    code, _, err = cli("audit", str(go_repo), "--profile", "qa")
    assert code == 2 and "unknown profile 'qa'" in err and "prod, staging" in err
    (go_repo / "readycheck.yaml").unlink()
    code, _, err = cli("audit", str(go_repo), "--profile", "qa")
    assert code == 2 and "unknown profile 'qa'" in err


def test_a_profile_with_an_unknown_key_is_exit_2(go_repo: Path) -> None:
    _config(go_repo, "profiles:\n  staging: {fail_en: never}\n")
    code, _, err = cli("audit", str(go_repo), "--profile", "staging")
    assert code == 2 and "profiles.staging.fail_en" in err


def test_a_profile_may_add_suppressions(go_repo: Path) -> None:
    _config(go_repo, "profiles:\n  staging:\n    suppress: [{check: RC0901, reason: staging account only}]\n")
    assert audit(go_repo)[0] == 1
    code, report, _ = audit(go_repo, "--profile", "staging")
    assert code == 0 and result_of(report, "RC0901")["suppressed"] == "config: staging account only"

