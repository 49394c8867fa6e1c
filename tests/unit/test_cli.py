"""The command line through typer's runner: exit codes, formats, errors as one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from readycheck import __version__
from readycheck.cli import app, main
from tests.conftest import cli

runner = CliRunner()


invoke = cli


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0 and out.strip() == f"readycheck {__version__}"


def test_schema_commands_print_valid_json() -> None:
    for name in ("report", "config", "check"):
        code, out, _ = invoke("schema", name)
        assert code == 0
        jsonschema.Draft202012Validator.check_schema(json.loads(out))


def test_checks_list_and_explain() -> None:
    code, out, _ = invoke("checks", "list")
    assert code == 0 and "RC0601" in out and "retry-policy" in out
    assert "covering checklist items 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13" in out
    code, out, _ = invoke("checks", "list", "--format", "markdown", "--select", "retries")
    assert code == 0 and out.startswith("| id |") and "RC0601" in out and "RC0201" not in out
    code, out, _ = invoke("checks", "explain", "retry-policy")
    assert code == 0 and "## Why it matters" in out and "thundering herd" in out
    code, _, err = invoke("checks", "explain", "retry-polcy")
    assert code == 2 and "did you mean 'retry-policy'" in err


def test_missing_target_is_exit_2(tmp_path: Path) -> None:
    code, out, err = invoke("audit", str(tmp_path / "nope"))
    assert code == 2 and "no such file or directory" in err and "Traceback" not in err + out


def test_invalid_config_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "readycheck.yaml").write_text("fail_on: sometimes\n")
    code, _, err = invoke("audit", str(tmp_path))
    assert code == 2 and "'fail_on'" in err and "sometimes" in err
    (tmp_path / "readycheck.yaml").write_text("exlude: [a]\n")
    code, _, err = invoke("audit", str(tmp_path))
    assert code == 2 and "unknown key 'exlude'" in err and "did you mean 'exclude'" in err
    (tmp_path / "readycheck.yaml").write_text("select: [RC06\n")
    code, _, err = invoke("audit", str(tmp_path))
    assert code == 2 and "readycheck.yaml" in err and "line" in err
    (tmp_path / "readycheck.yaml").write_text("policy:\n  retries:\n    attempts_min: 0\n")
    code, _, err = invoke("audit", str(tmp_path))
    assert code == 2 and "policy.retries.attempts_min" in err


def test_pyproject_tool_section_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.readycheck]\nselect = ["runbook"]\nfail-on = "never"\n')
    code, out, _ = invoke("audit", str(tmp_path), "--format", "json")
    data = json.loads(out)
    assert code == 0 and [r["id"] for r in data["results"]] == ["RC1001"]
    assert data["verdict"] == "NO-GO"  # --fail-on never changes the exit code, not the verdict


def test_unknown_selector_is_exit_2(tmp_path: Path) -> None:
    code, _, err = invoke("audit", str(tmp_path), "--select", "retrys")
    assert code == 2 and "unknown check selector 'retrys'" in err


def test_json_report_validates_and_output_file(tmp_path: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "app.py").write_text("import requests\nrequests.get('https://x', timeout=3)\n")
    out_file = tmp_path / "report.json"
    code, out, err = invoke("audit", str(proj), "--format", "json", "--output", str(out_file))
    assert code == 1 and out == "" and "NO-GO" in err
    data = json.loads(out_file.read_text())
    schema = json.loads(invoke("schema", "report")[1])
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["verdict"] == "NO-GO" and data["target"]["git"] is None
    assert [q["id"] for q in data["questions"]] == ["see-now", "provider-outage", "spend-limit", "rollback-5min", "deploy-awareness"]
    ids = [r["id"] for r in data["results"]]
    assert ids == sorted(ids, key=lambda i: (int(i[2:4]), i))


def test_fail_on_never_and_quiet_text(tmp_path: Path) -> None:
    code, out, _ = invoke("audit", str(tmp_path), "--fail-on", "never", "--quiet", "--no-color")
    assert code == 0
    assert "NO-GO" in out and "\x1b[" not in out
    assert "PASS" not in out  # quiet shows failures only


def test_init_writes_a_valid_config(tmp_path: Path) -> None:
    code, out, _ = invoke("init", str(tmp_path))
    assert code == 0 and (tmp_path / "readycheck.yaml").is_file()
    code, _, err = invoke("init", str(tmp_path))
    assert code == 2 and "already exists" in err
    code, out, err = invoke("audit", str(tmp_path), "--format", "json")
    assert code in (0, 1), err
    assert json.loads(out)["verdict"] in ("GO", "NO-GO")


def test_no_color_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    result = runner.invoke(app, ["audit", str(tmp_path)])
    assert "\x1b[" not in result.output
