"""No output of readycheck ever holds a planted secret in full, nor a long piece of one.

The NO-GO sample plants fake keys in code and in a committed .env file. Every way of running
readycheck on it (text in colour and plain, quiet, JSON, a report file, --history, --staged, the
baseline file, stderr) is searched for each value and for every 12-character piece of it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, cli, git, init_repo

# Where the sample plants its keys: (file, line). The values are read from the sample itself, with
# a plain assignment pattern, independent of readycheck's rules.
PLANTED = [("llm.py", 6), ("config.py", 14), ("config.py", 15), (".env", 1), (".env", 2)]
_VALUE = re.compile(r"""=\s*["']?([^"'\s]{16,})["']?\s*$""")
WINDOW = 12


def _planted(root: Path) -> list[str]:
    values = []
    for name, line in PLANTED:
        text = (root / name).read_text(encoding="utf-8").splitlines()[line - 1]
        match = _VALUE.search(text)
        assert match, f"{name}:{line} no longer plants a value"
        values.append(match.group(1))
    return values


def _leaks(output: str, secrets: list[str]) -> list[str]:
    found = []
    for secret in secrets:
        pieces = {secret[i : i + WINDOW] for i in range(len(secret) - WINDOW + 1)}
        if any(p in output for p in pieces):
            found.append(secret[:4] + "…")
    return found


@pytest.fixture
def nogo(tmp_path: Path) -> Path:
    dest = tmp_path / "quickbot-nogo"
    shutil.copytree(SAMPLES / "quickbot-nogo", dest)
    return init_repo(dest)


def test_no_output_holds_a_planted_secret(nogo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = _planted(nogo)
    outputs: dict[str, str] = {}
    runs = {
        "text": ("audit", str(nogo)),
        "quiet": ("audit", str(nogo), "--quiet"),
        "json": ("audit", str(nogo), "--format", "json"),
        "history-json": ("audit", str(nogo), "--history", "--format", "json"),
        "history-text": ("audit", str(nogo), "--history"),
        "explain": ("checks", "explain", "RC0201"),
    }
    for name, args in runs.items():
        code, out, err = cli(*args)
        assert code in (0, 1), (name, err)
        outputs[name] = out + err
    with monkeypatch.context() as env:
        env.setenv("FORCE_COLOR", "1")
        code, out, err = cli("audit", str(nogo))
        assert "\x1b[" in out
        outputs["text-colour"] = out + err
    report_file = tmp_path / "report.json"
    code, out, err = cli("audit", str(nogo), "--format", "json", "--output", str(report_file))
    outputs["report-file"] = report_file.read_text(encoding="utf-8") + out + err
    baseline_file = tmp_path / "baseline.json"
    code, out, err = cli("baseline", str(nogo), "--history", "--output", str(baseline_file))
    assert code == 0, err
    outputs["baseline"] = baseline_file.read_text(encoding="utf-8") + out + err
    code, out, err = cli("audit", str(nogo), "--baseline", str(baseline_file), "--format", "json")
    outputs["baselined"] = out + err

    # --staged: the same keys staged in a fresh repository.
    staged = tmp_path / "staged"
    shutil.copytree(SAMPLES / "quickbot-nogo", staged)
    git(staged, "init", "-q", "-b", "main")
    git(staged, "add", "-A")
    code, out, err = cli("audit", str(staged), "--staged", "--format", "json")
    assert code == 1
    outputs["staged"] = out + err

    # The runs did find the planted keys: this test is about how they are shown.
    assert "RC0201" in outputs["json"] and '"fail"' in outputs["json"]
    assert outputs["baseline"].count('"fingerprint"') >= len(secrets)
    for name, text in outputs.items():
        assert _leaks(text, secrets) == [], f"{name} output leaks a planted secret"


def test_the_leak_finder_would_notice_a_leak() -> None:
    secret = "q" + "Zr8vLm2XwT9bNc4HdPk7YsJf3"
    assert _leaks(f"token = {secret[:14]}…", [secret]) == ["qZr8…"]
    assert _leaks("token = qZr8…[a1b2c3d4]", [secret]) == []
