"""The CI integrations: the composite GitHub Action (action.yml and ci/github/action.sh, run here as
the action runs it, with GitHub's environment faked) and the GitLab CI template."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, SAMPLES, init_repo

ACTION = ROOT / "action.yml"
SCRIPT = ROOT / "ci" / "github" / "action.sh"
GITLAB = ROOT / "ci" / "gitlab" / "readycheck.gitlab-ci.yml"
BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "READYCHECK", "CI_"))}
    env.pop("NO_COLOR", None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(extra)
    return env


# -- the GitHub Action ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text())
    assert isinstance(data, dict)
    return data


def test_action_is_a_composite_whose_steps_are_complete(action: dict[str, Any]) -> None:
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        assert step.get("name"), step
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") == "bash", step["name"]
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]
    ids = [step["id"] for step in steps if "id" in step]
    assert len(ids) == len(set(ids))
    text = ACTION.read_text()
    for ref in set(re.findall(r"steps\.([\w-]+)\.", text)):
        assert ref in ids, f"steps.{ref} is referenced but no step has that id"
    assert "ci/github/action.sh" in text and SCRIPT.is_file() and os.access(SCRIPT, os.X_OK)


def test_action_inputs_are_declared_and_used(action: dict[str, Any]) -> None:
    declared = set(action["inputs"])
    used = set(re.findall(r"\binputs\.([\w-]+)", ACTION.read_text()))  # in ${{ }} and in `if:` expressions
    assert used <= declared, f"undeclared inputs: {sorted(used - declared)}"
    assert declared <= used, f"inputs never used: {sorted(declared - used)}"
    assert {"path", "install", "args", "fail-on", "sarif", "upload-sarif", "python-version"} <= declared
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert isinstance(spec.get("default"), str), f"{name}: defaults are strings in action metadata"


def test_action_outputs_come_from_what_the_script_writes(action: dict[str, Any]) -> None:
    written = set(re.findall(r'echo "([\w-]+)=', SCRIPT.read_text()))
    assert set(action["outputs"]) == {"verdict", "exit-code", "sarif-file", "json-file"}
    for name, spec in action["outputs"].items():
        match = re.fullmatch(r"\$\{\{ steps\.audit\.outputs\.([\w-]+) \}\}", spec["value"])
        assert match and match.group(1) in written, name
        assert spec.get("description"), name


def test_action_uploads_sarif_before_failing(action: dict[str, Any]) -> None:
    steps = action["runs"]["steps"]
    names = [step["name"] for step in steps]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    audit = next(s for s in steps if s.get("id") == "audit")
    verdict = steps[-1]
    assert names.index(audit["name"]) < names.index(upload["name"]) < len(steps) - 1
    assert upload["if"].startswith("always()") and "inputs.upload-sarif == 'true'" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ steps.audit.outputs.sarif-file }}"
    assert audit["env"]["READYCHECK_DEFER_EXIT"] == "true"
    assert "steps.audit.outputs.exit-code != '0'" in verdict["if"] and 'exit "$EXIT_CODE"' in verdict["run"]


def _run_action(cwd: Path, tmp: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str], Path]:
    out, summary = tmp / "github_output", tmp / "step_summary"
    out.write_text("")
    summary.write_text("")
    env = _clean_env(GITHUB_OUTPUT=str(out), GITHUB_STEP_SUMMARY=str(summary), GITHUB_ACTIONS="true", **inputs)
    assert BASH is not None
    proc = subprocess.run([BASH, str(SCRIPT)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    return proc, outputs, summary


@pytest.fixture
def quickbot(tmp_path: Path) -> Path:
    return init_repo(shutil.copytree(SAMPLES / "quickbot-nogo", tmp_path / "quickbot-nogo"))


@needs_bash
def test_action_script_reports_no_go_and_defers_the_failure(quickbot: Path, tmp_path: Path) -> None:
    proc, outputs, _ = _run_action(quickbot, tmp_path, READYCHECK_DEFER_EXIT="true")
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the action's last step fails, after the upload
    assert outputs["verdict"] == "NO-GO" and outputs["exit-code"] == "1"
    assert outputs["json-file"] == "readycheck.json"
    report = json.loads((quickbot / "readycheck.json").read_text())
    assert report["verdict"] == "NO-GO" and report["schema_version"] == "1"
    assert "::group::readycheck audit ." in proc.stdout and "verdict NO-GO, exit code 1" in proc.stdout


@needs_bash
@pytest.mark.parametrize(
    ("inputs", "script_exit", "exit_code"),
    [
        ({}, 1, "1"),                                                    # run as a plain CI script
        ({"INPUT_FAIL_ON": "never", "READYCHECK_DEFER_EXIT": "true"}, 0, "0"),
        ({"INPUT_FAIL_ON": "sometimes", "READYCHECK_DEFER_EXIT": "true"}, 2, "2"),  # usage errors fail at once
    ],
)
def test_action_script_exit_codes(quickbot: Path, tmp_path: Path, inputs: dict[str, str], script_exit: int, exit_code: str) -> None:
    proc, outputs, _ = _run_action(quickbot, tmp_path, **inputs)
    assert proc.returncode == script_exit, proc.stdout + proc.stderr
    assert outputs["exit-code"] == exit_code
    assert outputs["verdict"] == ("" if script_exit == 2 else "NO-GO")
    if script_exit == 2:
        assert outputs["json-file"] == "" and "::error::" in proc.stderr


@needs_bash
def test_action_script_passes_quoted_args_and_the_path(tmp_path: Path) -> None:
    work = tmp_path / "ws"
    shutil.copytree(SAMPLES / "quickbot-nogo", work / "agents" / "quick bot")
    init_repo(work)
    proc, outputs, _ = _run_action(work, tmp_path, INPUT_PATH="agents/quick bot", INPUT_ARGS="--select 'credentials'", INPUT_SARIF="false")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert outputs["sarif-file"] == ""
    report = json.loads((work / outputs["json-file"]).read_text())
    assert report["results"] and {r["item_slug"] for r in report["results"]} == {"credentials"}


@needs_bash
def test_action_script_writes_sarif_the_log_and_the_summary(quickbot: Path, tmp_path: Path) -> None:
    proc, outputs, summary = _run_action(quickbot, tmp_path, READYCHECK_DEFER_EXIT="true")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs["sarif-file"] == "readycheck.sarif" and outputs["json-file"] == "readycheck.json"
    sarif = json.loads((quickbot / "readycheck.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "readycheck"
    assert json.loads((quickbot / "readycheck.json").read_text())["verdict"] == "NO-GO"
    assert "NO-GO" in proc.stdout and "Is there a hard limit on spend?" in proc.stdout  # the text report, in the log
    assert "NO-GO" in summary.read_text()


# -- the GitLab CI template ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def gitlab() -> dict[str, Any]:
    data = yaml.safe_load(GITLAB.read_text())
    assert isinstance(data, dict)
    return data


def _outputs(command: str) -> dict[str, str]:
    """{format: file} for each `--format F=FILE` of a readycheck command line."""
    words = shlex.split(command)
    pairs = [words[i + 1].partition("=") for i, w in enumerate(words[:-1]) if w == "--format"]
    return {name: file for name, sep, file in pairs if sep}


def test_gitlab_template_job(gitlab: dict[str, Any]) -> None:
    assert set(gitlab) == {".readycheck", "readycheck"}
    assert gitlab["readycheck"] == {"extends": ".readycheck"}
    job = gitlab[".readycheck"]
    assert job["image"].startswith("python:3") and job["stage"] == "test"
    assert job["variables"]["READYCHECK_PIP_SPEC"] == "readycheck"
    assert any('"$READYCHECK_PIP_SPEC"' in line for line in job["before_script"])
    assert all(isinstance(line, str) for line in job["before_script"] + job["script"])
    audits = [line for line in job["script"] if line.startswith("readycheck audit")]
    assert len(audits) == 1
    files = _outputs(audits[0])
    assert files == {"sarif": "readycheck.sarif", "junit": "readycheck-junit.xml", "json": "readycheck.json"}
    assert job["artifacts"]["reports"]["junit"] == files["junit"]
    assert set(job["artifacts"]["paths"]) == set(files.values()) and job["artifacts"]["when"] == "always"
    rules = [rule["if"] for rule in job["rules"]]
    assert '$CI_PIPELINE_SOURCE == "merge_request_event"' in rules and "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in rules


@needs_bash
@pytest.mark.parametrize("fail_on", ["", "never"])
def test_gitlab_script_runs(gitlab: dict[str, Any], quickbot: Path, fail_on: str) -> None:
    job = gitlab[".readycheck"]
    variables = {k: str(v) for k, v in job["variables"].items()}
    variables["READYCHECK_FAIL_ON"] = fail_on
    env = _clean_env(**variables, CI_PROJECT_DIR=str(quickbot))
    assert BASH is not None
    proc = subprocess.run([BASH, "-ec", "\n".join(job["script"])], cwd=quickbot, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == (0 if fail_on == "never" else 1), proc.stdout + proc.stderr
    assert json.loads((quickbot / "readycheck.json").read_text())["verdict"] == "NO-GO"
    assert (quickbot / "readycheck-junit.xml").read_text().lstrip().startswith("<?xml")
    assert json.loads((quickbot / "readycheck.sarif").read_text())["version"] == "2.1.0"
    assert "NO-GO" in proc.stdout
