"""Inline suppressions and the baseline file (readycheck.suppress) and the `baseline` command."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from readycheck.cli import app
from readycheck.config import schema_path
from readycheck.errors import ConfigError
from readycheck.suppress import BASELINE_FILENAME, Baseline, inline_ignores
from tests.conftest import cli, git
from tests.fakes import aws_key_id, aws_secret, github_token, openai_project_key

runner = CliRunner()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('KEY = "x"  # readycheck: ignore[RC0201]', {"rc0201"}),
        ('const k = "x"; // readycheck: ignore[hardcoded-secret, aws-access-key-id]', {"hardcoded-secret", "aws-access-key-id"}),
        ("password: x  # readycheck:ignore", set()),
        ("<!-- readycheck: ignore[RC0201] --> key", {"rc0201"}),
        ("  * readycheck: ignore[RC0201]", {"rc0201"}),
        ("x = 1", None),
        ('print("readycheck: ignore")', None),  # in a string, not after a comment opener
        ("# readycheck: ignored-things", None),
        ("# readycheck: ignore-next-line", None),
    ],
)
def test_inline_ignores(line: str, expected: set[str] | None) -> None:
    got = inline_ignores(line)
    assert (None if got is None else set(got)) == expected


def _repo_with_leaks(root: Path) -> tuple[Path, str, str]:
    root.mkdir()
    old = aws_key_id("baseline-old")
    (root / "legacy.py").write_text(f'AWS_ACCESS_KEY_ID = "{old}"\n', encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "legacy")
    return root, old, github_token("baseline-new")


def _rc0201(path: Path, *args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["audit", str(path), "--select", "RC0201", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    return result.exit_code, next(r for r in report["results"] if r["id"] == "RC0201")


def test_baseline_gates_on_new_leaks_only(tmp_path: Path) -> None:
    repo, old, new = _repo_with_leaks(tmp_path / "r")
    made = runner.invoke(app, ["baseline", str(repo), "--select", "RC0201"])
    assert made.exit_code == 0, made.output
    baseline_file = repo / BASELINE_FILENAME
    text = baseline_file.read_text(encoding="utf-8")
    data = json.loads(text)
    jsonschema.validate(data, json.loads(schema_path("baseline").read_text(encoding="utf-8")))
    assert [(f["check"], f["path"], f["rule"]) for f in data["findings"]] == [("RC0201", "legacy.py", "aws-access-key-id")]
    assert old not in text and '"line"' not in text

    # The accepted leak no longer fails the audit, but stays visible with its reason.
    _, result = _rc0201(repo)  # the exit code is NO-GO anyway: --select answers no question
    assert result["status"] == "pass"
    assert result["evidence"][0]["suppressed"].startswith("baseline")
    assert "1 suppressed" in result["message"]

    # A new leak fails, and only it counts.
    (repo / "ci.py").write_text(f'GITHUB_TOKEN = "{new}"\n', encoding="utf-8")
    _, result = _rc0201(repo)
    assert result["status"] == "fail" and result["message"].startswith("1 secret")
    assert {e["path"]: "suppressed" in e for e in result["evidence"]} == {"ci.py": False, "legacy.py": True}

    # --no-baseline: everything counts again.
    _, result = _rc0201(repo, "--no-baseline")
    assert result["message"].startswith("2 secrets")


def test_baseline_is_stable_and_sorted(tmp_path: Path) -> None:
    repo, _, new = _repo_with_leaks(tmp_path / "r")
    (repo / "a.py").write_text(f'TOKEN = "{new}"\n', encoding="utf-8")
    out1, out2 = tmp_path / "b1.json", tmp_path / "b2.json"
    assert runner.invoke(app, ["baseline", str(repo), "--select", "RC0201", "-o", str(out1)]).exit_code == 0
    (repo / "a.py").write_text(f'\n\n# moved down\nTOKEN = "{new}"\n', encoding="utf-8")
    assert runner.invoke(app, ["baseline", str(repo), "--select", "RC0201", "-o", str(out2)]).exit_code == 0
    assert out1.read_text() == out2.read_text()  # line numbers are not part of a baseline
    paths = [f["path"] for f in json.loads(out1.read_text())["findings"]]
    assert paths == sorted(paths)


def test_a_moved_secret_stays_baselined(tmp_path: Path) -> None:
    repo, old, _ = _repo_with_leaks(tmp_path / "r")
    assert runner.invoke(app, ["baseline", str(repo), "--select", "RC0201"]).exit_code == 0
    (repo / "legacy.py").write_text(f'import os\n\n\nAWS_ACCESS_KEY_ID = "{old}"\n', encoding="utf-8")
    _, result = _rc0201(repo)
    assert result["status"] == "pass"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"version": 3, "findings": []}', "not a readycheck baseline"),  # 1 and 2 are read
        ('{"version": 1, "findings": [{"check": "RC0201", "path": "/etc/passwd", "fingerprint": "abcdef12"}]}', "not a readycheck baseline"),
    ],
)
def test_a_broken_baseline_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "b.json").write_text(content, encoding="utf-8")
    code, _, err = cli("audit", str(tmp_path), "--baseline", str(tmp_path / "b.json"))
    assert code == 2 and message in err
    with pytest.raises(ConfigError):
        Baseline.load(tmp_path / "b.json")


def test_missing_baseline_flag_file_is_exit_2(tmp_path: Path) -> None:
    code, _, err = cli("audit", str(tmp_path), "--baseline", str(tmp_path / "nope.json"))
    assert code == 2 and "no such baseline file" in err


def test_inline_suppression_by_check_slug_and_rule(tmp_path: Path) -> None:
    key = openai_project_key("inline")
    (tmp_path / "a.py").write_text(
        f'A = "{key}"  # readycheck: ignore[hardcoded-secret]\n'
        f'B = "{aws_key_id("b")}"  # readycheck: ignore[aws-access-key-id]\n'
        f'C = "{aws_key_id("c")}"  # readycheck: ignore[RC9999]\n',
        encoding="utf-8",
    )
    _, result = _rc0201(tmp_path)
    assert result["status"] == "fail" and result["message"].startswith("1 secret")
    suppressed = {e["line"]: e.get("suppressed", "") for e in result["evidence"]}
    assert suppressed[1].startswith("inline") and suppressed[2].startswith("inline") and suppressed[3] == ""


def test_team_secret_rules_from_config_are_used_and_validated(tmp_path: Path) -> None:
    (tmp_path / "readycheck.yaml").write_text(
        "secret_rules:\n"
        "  - id: acme-internal-token\n"
        "    provider: Acme\n"
        "    description: Acme internal API token\n"
        "    confidence: high\n"
        "    regex: 'acme_tok_[a-z0-9]{24}'\n"
        "    keywords: [acme_tok_]\n",
        encoding="utf-8",
    )
    value = "acme_tok_" + "q8w3n5x7c2v9b4m6k1j0h5g7"
    (tmp_path / "client.py").write_text(f'TOKEN = "{value}"\n', encoding="utf-8")
    result = runner.invoke(app, ["audit", str(tmp_path), "--select", "RC0201", "--format", "json"])
    assert value not in result.stdout
    rc0201 = next(r for r in json.loads(result.stdout)["results"] if r["id"] == "RC0201")
    assert rc0201["status"] == "fail" and rc0201["evidence"][0]["rule"] == "acme-internal-token"

    (tmp_path / "readycheck.yaml").write_text(
        "secret_rules:\n  - {id: bad, provider: x, description: y, confidence: sure, regex: 'a'}\n", encoding="utf-8"
    )
    code, _, err = cli("audit", str(tmp_path))
    assert code == 2 and "secret_rules" in err and "'bad'" in err


def test_committed_env_values_can_be_baselined(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DATABASE_PASSWORD={aws_secret('env')}\nDEBUG=1\n", encoding="utf-8")
    code, out, _ = cli("audit", str(tmp_path), "--select", "RC0202", "--format", "json")
    assert next(r for r in json.loads(out)["results"] if r["id"] == "RC0202")["status"] == "fail"
    assert cli("baseline", str(tmp_path), "--select", "RC0202")[0] == 0
    code, out, _ = cli("audit", str(tmp_path), "--select", "RC0202", "--format", "json")
    result = next(r for r in json.loads(out)["results"] if r["id"] == "RC0202")
    assert result["status"] == "pass" and result["evidence"][0]["suppressed"].startswith("baseline")


def test_inline_comments_count_in_any_case_and_files_without_one_are_passed_over(tmp_path: Path) -> None:
    from readycheck.index import build_index
    from readycheck.model import Evidence, Result, Status
    from readycheck.registry import load_registry
    from readycheck.suppress import Suppressions

    (tmp_path / "a.py").write_text("x = 1\n# READYCHECK: IGNORE[RC0601]\nclient.call()\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("y = 2\nclient.call()  # ReadyCheck: ignore[retry-policy]\n", encoding="utf-8")
    (tmp_path / "c.py").write_text("z = 3\nclient.call()  # a comment\n", encoding="utf-8")
    index = build_index(tmp_path, use_git=False)
    spec = load_registry(plugins=False).get("RC0601")
    assert spec is not None
    found = tuple(Evidence(name, 2 if name != "a.py" else 3, "client.call()") for name in ("a.py", "b.py", "c.py"))
    judged = Suppressions(index).apply(Result(spec, Status.FAIL, "3 calls without a retry policy", found))
    assert [(e.path, (e.suppressed or "").split(" at ")[0]) for e in judged.evidence] == [
        ("a.py", "inline: READYCHECK: IGNORE[RC0601]"),
        ("b.py", "inline: ReadyCheck: ignore[retry-policy]"),
        ("c.py", ""),
    ]
