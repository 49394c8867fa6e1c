"""Output safety (issue item 4): no planted secret leaves readycheck in full (any report format,
the baseline, report diff/merge, --debug, the parse cache); terminal escape sequences from file
names and contents are neutralised in the text report; every other format stays valid; paths in
reports are relative to the target; a report file is not truncated when rendering fails.

The fake secrets are built at run time by tests/fakes.py; the repositories live in temp dirs."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests import fakes
from tests.conftest import cli, git


def _secrets() -> dict[str, str]:
    return {
        "code-key-id": fakes.aws_key_id("os-code"),
        "code-secret": fakes.aws_secret("os-code-secret"),
        "dotenv": fakes.github_token("os-env"),
        "yaml": fakes.openai_project_key("os-yaml"),
        "notebook": fakes.github_token("os-notebook"),
        "file-name": fakes.github_token("os-name"),
        "history": fakes.aws_key_id("os-history"),
        "terraform": fakes.openai_project_key("os-tf"),
    }


SECRETS = _secrets()


def plant(root: Path) -> None:
    """A small repository with a secret in code, .env, a YAML value, a notebook output, a file
    name, a Terraform variable default, and one in a commit whose file was later deleted."""
    s = SECRETS
    (root / "app.py").write_text(
        f'import boto3\nAWS_ACCESS_KEY_ID = "{s["code-key-id"]}"\naws_secret_access_key = "{s["code-secret"]}"\n'
    )
    (root / ".env").write_text(f"GITHUB_TOKEN={s['dotenv']}\n")
    (root / "config.yaml").write_text(f"openai:\n  api_key: {s['yaml']}\n")
    notebook = {
        "cells": [{
            "cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["print(token)\n"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"token is {s['notebook']}\n"]}],
        }],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    (root / "explore.ipynb").write_text(json.dumps(notebook, indent=1))
    (root / f"token_{s['file-name']}.txt").write_text("see the name\n")
    (root / "main.tf").write_text(f'variable "openai_key" {{\n  type    = string\n  default = "{s["terraform"]}"\n}}\n')
    (root / "old_settings.py").write_text(f'KEY = "{s["history"]}"\n')
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    (root / "old_settings.py").unlink()
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "remove the key")


def leaks(text: str) -> list[str]:
    """The planted secrets found in full in ``text``, by kind."""
    return [kind for kind, value in SECRETS.items() if value in text]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("planted") / "repo"
    root.mkdir()
    plant(root)
    return root


@pytest.fixture(scope="module")
def outputs(planted: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every output of every command over the planted repository, gathered once for the module."""
    out = tmp_path_factory.mktemp("outputs")
    seen: dict[str, str] = {}
    files = {fmt: out / f"report.{fmt}" for fmt in ("json", "sarif", "junit", "markdown", "html")}
    code, stdout, stderr = cli(
        "audit", str(planted), "--history", "--format", "text",
        *(a for fmt, f in files.items() for a in ("--format", f"{fmt}={f}")),
    )
    assert code == 1, stderr
    seen["audit text stdout"], seen["audit stderr"] = stdout, stderr
    for fmt, f in files.items():
        seen[f"audit {fmt} file"] = f.read_text(encoding="utf-8")
    for fmt in ("json", "sarif", "junit", "markdown", "html"):  # each format on stdout as well
        code, stdout, stderr = cli("audit", str(planted), "--history", "--format", fmt, "--debug")
        assert code == 1, stderr
        seen[f"audit {fmt} stdout --debug"], seen[f"audit {fmt} stderr --debug"] = stdout, stderr
    os.environ["FORCE_COLOR"] = "1"
    try:
        code, stdout, stderr = cli("audit", str(planted), "--history", "--debug")
    finally:
        del os.environ["FORCE_COLOR"]
    seen["audit colour stdout"], seen["audit colour stderr"] = stdout, stderr
    baseline = out / "baseline.json"
    code, stdout, stderr = cli("baseline", str(planted), "--history", "-o", str(baseline))
    assert code == 0 and baseline.exists(), stderr
    seen["baseline stdout"], seen["baseline stderr"], seen["baseline file"] = stdout, stderr, baseline.read_text()
    old = out / "old.json"
    code, stdout, stderr = cli("audit", str(planted), "--format", f"json={old}", "--select", "RC0201")
    for fmt in ("text", "json", "markdown"):
        code, stdout, stderr = cli("report", "diff", str(old), str(files["json"]), "--format", fmt)
        assert code in (0, 1), stderr
        seen[f"diff {fmt} stdout"], seen[f"diff {fmt} stderr"] = stdout, stderr
    for fmt in ("html", "json"):
        code, stdout, stderr = cli("report", "merge", str(old), str(files["json"]), "--format", fmt)
        assert code == 0, stderr
        seen[f"merge {fmt} stdout"], seen[f"merge {fmt} stderr"] = stdout, stderr
    cache_home = Path(os.environ["READYCHECK_CACHE_DIR"])
    for path in cache_home.rglob("*"):
        if path.is_file():
            seen[f"cache {path.name}"] = path.read_bytes().decode("latin-1")
    return {"seen": seen, "report": json.loads(seen["audit json file"]), "files": files}


def test_the_planted_secrets_are_found(outputs: dict[str, Any]) -> None:
    """The leak test below means something only if the secrets reached the findings."""
    results = {r["id"]: r for r in outputs["report"]["results"]}
    found = {e["path"] for e in results["RC0201"]["evidence"]}
    assert {"app.py", ".env", "config.yaml", "explore.ipynb", "main.tf"} <= found
    history = results["RC0203"]["evidence"]
    assert any(e["path"] == "old_settings.py" and "deleted since" in e.get("note", "") for e in history)
    assert any(name.startswith("cache ") and name.endswith(".sqlite") for name in outputs["seen"])


def test_no_planted_secret_appears_in_full_in_any_output(outputs: dict[str, Any]) -> None:
    found = {name: leaks(text) for name, text in outputs["seen"].items()}
    assert {name: kinds for name, kinds in found.items() if kinds} == {}


def test_no_output_holds_a_long_piece_of_a_secret(outputs: dict[str, Any]) -> None:
    """Stronger than "not in full": no 16-character window of a secret survives redaction
    (a report shows a secret's first characters and a fingerprint, nothing more)."""
    windows = {v[i : i + 16]: k for k, v in SECRETS.items() for i in range(0, len(v) - 15, 4)}
    bad = {name: sorted({windows[w] for w in windows if w in text}) for name, text in outputs["seen"].items()}
    assert {name: kinds for name, kinds in bad.items() if kinds} == {}


def test_every_machine_format_stays_valid(outputs: dict[str, Any]) -> None:
    seen, files = outputs["seen"], outputs["files"]
    json.loads(seen["audit json file"])
    json.loads(seen["audit sarif file"])
    ET.fromstring(seen["audit junit file"])
    for name in ("audit json stdout --debug", "audit sarif stdout --debug", "diff json stdout", "merge json stdout"):
        json.loads(seen[name])
    ET.fromstring(seen["audit junit stdout --debug"])
    assert files["html"].exists() and "<html" in seen["audit html file"]


# --- terminal escape sequences ----------------------------------------------------------------------

HOSTILE_NAME = "evil\x1b]0;pwned\x07\x1b[2J\u202egnp.py"
HOSTILE_BITS = ("\x1b]0;pwned\x07", "\x1b[2J", "\x1b]8;;http://evil\x07", "\x9b31m", "\u202e", "\rFAKE: all good")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "repo"
    root.mkdir()
    key = fakes.github_token("os-hostile")
    # A secret finding whose path and snippet carry escape sequences, OSC 8 links, C1 CSI, bidi, \r.
    (root / HOSTILE_NAME).write_text(
        f'TOKEN = "{key}"  # \x1b]8;;http://evil\x07click\x1b]8;;\x07 \x9b31m red \u202e txet \rFAKE: all good\n'
    )
    (root / "notes\rFAKE: GO.py").write_text(f'OTHER = "{fakes.github_token("os-hostile-2")}"\n')
    (root / "bin\x1b[2J.dat").write_bytes(b"\x00\x01\x02" * 100)  # skipped as binary
    return root


def _assert_neutralised(text: str) -> None:
    for bit in ("\x1b]", "\x1b[2J", "\x07", "\x9b", "\u202e", "\r"):
        assert bit not in text, repr(bit)


def test_escape_sequences_are_shown_escaped_in_the_text_report(hostile: Path) -> None:
    code, out, err = cli("audit", str(hostile), "--no-color", "--no-cache")
    assert code == 1, err
    _assert_neutralised(out)
    assert "\x1b" not in out  # no colour asked: no escape sequence at all
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J\\u202egnp.py" in out  # the name is shown escaped
    assert "notes\\x0dFAKE: GO.py" in out
    assert "Skipped files:" in out


def test_escape_sequences_are_neutralised_with_colour_too(hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, err = cli("audit", str(hostile), "--no-cache")
    assert code == 1, err
    assert "\x1b[" in out  # colour is on: only readycheck's own SGR sequences remain
    _assert_neutralised(out)
    assert not re.search(r"\x1b(?!\[[0-9;]*m)", out), "an escape sequence other than a colour"
    assert "\\x1b]0;pwned\\x07" in out


def test_other_formats_stay_valid_with_hostile_names_and_content(hostile: Path, tmp_path: Path) -> None:
    files = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "sarif", "junit", "markdown", "html")}
    code, _, err = cli("audit", str(hostile), "--no-cache", *(a for fmt, f in files.items() for a in ("--format", f"{fmt}={f}")))
    assert code == 1, err
    report = json.loads(files["json"].read_text(encoding="utf-8"))
    assert any(HOSTILE_NAME == e["path"] for r in report["results"] for e in r["evidence"])  # JSON keeps the truth, escaped
    json.loads(files["sarif"].read_text(encoding="utf-8"))
    ET.parse(files["junit"])
    html = files["html"].read_text(encoding="utf-8")
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", html)
    _assert_neutralised(files["markdown"].read_text(encoding="utf-8"))
    for fmt in ("html", "json"):  # report merge (dashboard.py) over the hostile report
        code, merged, err = cli("report", "merge", str(files["json"]), "--format", fmt)
        assert code == 0, err
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", merged), fmt
    code, diffed, err = cli("report", "diff", str(files["json"]), str(files["json"]))
    assert code in (0, 1), err
    _assert_neutralised(diffed)


def test_a_hostile_target_path_is_escaped_in_the_error_message(tmp_path: Path) -> None:
    missing = tmp_path / "no\x1b]0;pwned\x07such\u202e"
    code, out, err = cli("audit", str(missing))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    _assert_neutralised(err)


# --- paths ------------------------------------------------------------------------------------------


def test_report_paths_are_relative_and_stay_inside_the_target(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "creds.py").write_text(f'KEY = "{fakes.aws_key_id("os-outside")}"\n')
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "app.py").write_text(f'KEY = "{fakes.aws_key_id("os-inside")}"\n')
    (root / "link_out").symlink_to(outside, target_is_directory=True)
    (root / "creds_link.py").symlink_to(outside / "creds.py")
    (root / "sub" / "up").symlink_to("..", target_is_directory=True)
    code, out, err = cli("audit", str(root / "sub" / ".." ), "--format", "json", "--no-cache")
    assert code == 1, err
    report = json.loads(out)
    paths = [e["path"] for r in report["results"] for e in r["evidence"]]
    assert "sub/app.py" in paths
    for p in paths:
        assert not os.path.isabs(p) and ".." not in Path(p).parts, p
    assert str(outside) not in out and "os-outside" not in out


# --- atomic report files ---------------------------------------------------------------------------


def test_a_report_file_is_not_truncated_when_rendering_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One reporter is made to fail (monkeypatched); the report file from an earlier run stays whole."""
    import readycheck.reporters.html as html_reporter

    target = tmp_path / "proj"
    target.mkdir()
    (target / "a.py").write_text("x = 1\n")
    report = tmp_path / "report.html"
    report.write_text("<html>yesterday's report</html>")

    def broken(_report: Any) -> str:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(html_reporter, "render", broken)
    code, out, err = cli("audit", str(target), "--format", f"html={report}", "--no-cache")
    assert code == 3 and "internal error" in err and "RuntimeError: renderer bug" in err
    assert report.read_text() == "<html>yesterday's report</html>"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("report.html") and p != report]  # no temp file left


def test_the_parse_cache_of_an_older_release_is_deleted_not_left_in_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Schema-1 databases held parse products (string literals, secrets included) unencrypted:
    opening the cache for the same root removes the old file."""
    import hashlib

    from readycheck.cache import open_cache

    home = tmp_path / "cache"
    monkeypatch.setenv("READYCHECK_CACHE_DIR", str(home))
    root = tmp_path / "repo"
    root.mkdir()
    first = open_cache(root)
    assert first is not None
    first.close()
    legacy = home / (hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32] + ".sqlite")
    legacy.write_bytes(b"old entries " + SECRETS["code-key-id"].encode())
    cache = open_cache(root)
    assert cache is not None
    cache.put_many([("k", {"literal": SECRETS["code-key-id"]})])
    assert cache.get_many(["k"]) == {"k": {"literal": SECRETS["code-key-id"]}}
    cache.close()
    assert not legacy.exists()
    assert not leaks("".join(p.read_bytes().decode("latin-1") for p in home.iterdir() if p.is_file()))
