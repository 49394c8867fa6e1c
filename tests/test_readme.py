"""The README's generated parts stay true: the check reference and the set-up commands."""

from __future__ import annotations

import os
import re

from readycheck.docs import checks_markdown
from readycheck.registry import load_registry

from tests.conftest import ROOT

README = ROOT / "README.md"
START, END = "<!-- checks-reference:start -->", "<!-- checks-reference:end -->"


def test_check_reference_is_current() -> None:
    text = README.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    fresh = checks_markdown(load_registry(plugins=False).active())
    wanted = f"{head}{START}\n{fresh}{END}{tail}"
    if os.environ.get("READYCHECK_UPDATE_README") and text != wanted:
        README.write_text(wanted)
        return
    assert text == wanted, "README check reference is stale: READYCHECK_UPDATE_README=1 python -m pytest tests/test_readme.py"


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    commands = [line for block in blocks for line in block.splitlines() if "pytest" in line and "venv" in line]
    assert commands, "README has no test command"
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[0].strip() in ci


def test_readme_quick_start_audits_a_sample() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    first = blocks[0].strip()
    assert "pip install ." in first and "readycheck audit sample_projects/" in first
    sample = first.rsplit("readycheck audit ", 1)[1].split()[0]
    assert (ROOT / sample).is_dir()


def test_readme_iam_policy_is_the_collectors_own() -> None:
    """The policy a reader copies is exactly what the collector may call: no more, no less."""
    import json

    from readycheck.cloud.collect import minimal_iam_policy

    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- iam-policy:.*?-->\n```json\n(.*?)\n```", text, re.S)
    assert match, "README has no IAM policy block"
    assert json.loads(match.group(1)) == minimal_iam_policy()
