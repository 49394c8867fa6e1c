"""Plugin and cloud isolation (issue item 5): a third-party check pack that raises, hangs, prints,
exits or returns garbage is contained; a pack that cannot even load is reported, the built-in checks
still run, and the verdict cannot be GO; a live cloud audit without credentials ends in bounded time.

Every pack is installed the way pip installs one (a module plus a dist-info folder registering it
in the ``readycheck.checks`` entry-point group) in a temp site dir put on sys.path; each test uses
its own module name, so no import is shared between tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, cli

SPEC = """\
id: {id}
slug: {slug}
title: A check of the {slug} pack
item: 3
questions: []
severity: medium
blocking: {blocking}
tags: [custom]
detector: {detector}
docs: |
  ## What it checks
  Something.
  ## Why it matters
  Because.
  ## How to fix
  Do it.
  ## Example
  Like this.
"""

# Built-in checks that run in a few milliseconds on a one-file project: proof the audit went on.
BUILTINS = "RC1001,RC0301"


def install_pack(site: Path, name: str, prefix: str, body: str, checks: dict[str, str] | None = None) -> None:
    """``checks``: check id -> detector name; the module ``body`` defines ``pack()``."""
    pkg = site / name
    (pkg / "checks").mkdir(parents=True)
    (pkg / "__init__.py").write_text(textwrap.dedent(body))
    for i, (check_id, detector) in enumerate((checks or {}).items()):
        slug = f"{name.replace('_', '-')}-{i}"
        (pkg / "checks" / f"{check_id}.yaml").write_text(SPEC.format(id=check_id, slug=slug, detector=detector, blocking="false"))
    dist = site / f"{name}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[readycheck.checks]\n{prefix} = {name}:pack\n")


PACK_HEADER = """
import sys, time
from pathlib import Path
from readycheck.model import Evidence, Outcome, Status

def ok(ctx):
    return Outcome(Status.PASS, "all good")
"""


def project(tmp_path: Path, timeout: float = 30.0) -> Path:
    target = tmp_path / "proj"
    target.mkdir()
    (target / "app.py").write_text("import os\nprint(os.getcwd())\n")
    (target / "readycheck.yaml").write_text(f"check_timeout: {timeout}\n")
    return target


def audit_json(target: Path, select: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = cli("audit", str(target), "--format", "json", "--no-cache", "--select", select)
    assert code in (0, 1), (code, err)
    return code, json.loads(out), err


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["results"]}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


# --- detectors that misbehave ---------------------------------------------------------------------


def test_a_detector_that_raises_is_an_error_with_its_exception_and_the_rest_runs(tmp_path: Path, site: Path) -> None:
    install_pack(site, "raise_pack", "RAIS", PACK_HEADER + """
def boom(ctx):
    raise ValueError("the vendor API changed")

def pack():
    return {"checks_dir": Path(__file__).parent / "checks", "detectors": {"rais-boom": boom, "rais-ok": ok}}
""", {"RAIS0101": "rais-boom", "RAIS0102": "rais-ok"})
    _, report, _ = audit_json(project(tmp_path), f"RAIS,{BUILTINS}")
    results = by_id(report)
    assert results["RAIS0101"]["status"] == "error"
    assert "ValueError: the vendor API changed" in results["RAIS0101"]["message"]
    assert results["RAIS0102"]["status"] == "pass"
    assert {"RC1001", "RC0301"} <= set(results)


@pytest.mark.parametrize(
    "statement, shown",
    [
        ("sys.exit(3)", "SystemExit: 3"),
        ("raise SystemExit('bye')", "SystemExit: bye"),
        ("raise KeyboardInterrupt()", "KeyboardInterrupt"),
    ],
)
def test_a_detector_that_exits_or_interrupts_is_contained(tmp_path: Path, site: Path, statement: str, shown: str) -> None:
    name = f"exit_pack_{abs(hash(statement)) % 10_000}"
    install_pack(site, name, "EXIT", PACK_HEADER + f"""
def leave(ctx):
    {statement}

def pack():
    return {{"checks_dir": Path(__file__).parent / "checks", "detectors": {{"exit-leave": leave}}}}
""", {"EXIT0101": "exit-leave"})
    _, report, err = audit_json(project(tmp_path), f"EXIT,{BUILTINS}")
    results = by_id(report)
    assert results["EXIT0101"]["status"] == "error" and shown in results["EXIT0101"]["message"]
    assert results["RC1001"]["status"] in ("pass", "fail", "warn")
    assert "interrupted" not in err


def test_a_detector_that_ends_its_process_is_an_error_when_checks_run_in_child_processes(
    tmp_path: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checks of a large audit run in forked children too (forced here): os._exit or a crash in C
    # ends only the child that ran the check; the audit goes on and names the check. The child
    # takes checks from the front (ABRT0101 sorts first), this process from the back.
    monkeypatch.setenv("READYCHECK_WORKERS", "2")
    install_pack(site, "abort_pack", "ABRT", PACK_HEADER + """
import multiprocessing, os

def abort(ctx):
    if multiprocessing.parent_process() is None:  # never end the test's own process
        raise RuntimeError("ran in the parent process")
    os._exit(7)

def pack():
    return {"checks_dir": Path(__file__).parent / "checks", "detectors": {"abrt-abort": abort, "abrt-ok": ok}}
""", {"ABRT0101": "abrt-abort", "ABRT0102": "abrt-ok"})
    code, report, err = audit_json(project(tmp_path), "ABRT,RC")
    results = by_id(report)
    assert results["ABRT0101"]["status"] == "error"
    assert results["ABRT0101"]["message"] == "the check's process ended before the check finished (exit code 7)"
    assert results["ABRT0102"]["status"] == "pass"
    assert {"RC1001", "RC0301"} <= set(results)
    assert report["verdict"] == "NO-GO" and code == 1


def test_a_result_that_cannot_go_back_to_the_parent_process_is_an_error(
    tmp_path: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READYCHECK_WORKERS", "2")
    install_pack(site, "pickle_pack", "PICK", PACK_HEADER + """
class Sticky(str):  # a string that refuses to be pickled
    def __reduce__(self):
        raise TypeError("not for export")

def sticky(ctx):
    return Outcome(Status.FAIL, "found", (Evidence("app.py", 1, note=Sticky("a note")),))

def pack():
    return {"checks_dir": Path(__file__).parent / "checks", "detectors": {"pick-sticky": sticky, "pick-ok": ok}}
""", {"PICK0101": "pick-sticky", "PICK0102": "pick-ok"})
    # PICK0101 sorts first: the child takes it, while this process starts from the back.
    _, report, err = audit_json(project(tmp_path), "PICK,RC")
    results = by_id(report)
    assert results["PICK0101"]["status"] == "error"
    assert results["PICK0101"]["message"] == "the check's result could not be passed between processes: TypeError"
    assert results["PICK0102"]["status"] == "pass" and {"RC1001", "RC0301"} <= set(results)
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "body, hang",
    [
        ("time.sleep(3600)", "sleep"),
        ("while True:\n        pass", "busy"),
    ],
)
def test_a_detector_that_hangs_is_abandoned_after_check_timeout(tmp_path: Path, site: Path, body: str, hang: str) -> None:
    prefix = "HNG" + hang[0].upper()
    install_pack(site, f"hang_{hang}_pack", prefix, PACK_HEADER + f"""
def hang(ctx):
    {body}

def pack():
    return {{"checks_dir": Path(__file__).parent / "checks", "detectors": {{"{prefix.lower()}-forever": hang, "{prefix.lower()}-ok": ok}}}}
""", {f"{prefix}0101": f"{prefix.lower()}-forever", f"{prefix}0102": f"{prefix.lower()}-ok"})
    done: dict[str, Any] = {}

    def run() -> None:
        done["result"] = audit_json(project(tmp_path, timeout=0.5), f"{prefix},{BUILTINS}")

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(60)  # a generous bound: it proves the audit did not hang, it times nothing
    assert not runner.is_alive(), "the audit hung on a detector that never returns"
    _, report, _ = done["result"]
    results = by_id(report)
    assert results[f"{prefix}0101"]["status"] == "error"
    assert "did not finish within 0.5 s and was abandoned" in results[f"{prefix}0101"]["message"]
    assert results[f"{prefix}0102"]["status"] == "pass" and "RC1001" in results
    if hang == "busy":  # the abandoned busy loop is stopped, it does not burn the CPU on
        for _ in range(200):
            if not any(t.name == f"check-{prefix}0101" and t.is_alive() for t in threading.enumerate()):
                break
            time.sleep(0.05)
        assert not any(t.name == f"check-{prefix}0101" and t.is_alive() for t in threading.enumerate())


def test_what_a_detector_prints_never_reaches_the_json_report_on_stdout(tmp_path: Path, site: Path) -> None:
    install_pack(site, "noisy_pack", "NOIS", PACK_HEADER + """
import json as _json

def noisy(ctx):
    print("x" * 200_000)
    print(_json.dumps({"verdict": "GO", "results": []}))
    sys.stdout.write("\\x1b]0;pwned\\x07")
    sys.stdout.buffer.write(b"raw bytes")
    sys.stdout.flush()
    print("on stderr too", file=sys.stderr)
    sys.stderr.writelines(["a\\n", "b\\n"])
    return Outcome(Status.PASS, "noisy but fine")

def pack():
    return {"checks_dir": Path(__file__).parent / "checks", "detectors": {"nois-noisy": noisy}}
""", {"NOIS0101": "nois-noisy"})
    code, out, err = cli("audit", str(project(tmp_path)), "--format", "json", "--no-cache", "--select", f"NOIS,{BUILTINS}")
    report = json.loads(out)  # stdout is the report, and only the report
    result = by_id(report)["NOIS0101"]
    assert result["status"] == "pass" and result["message"].startswith("noisy but fine")
    assert "printed" in result["message"] and "kept out of the report" in result["message"]
    assert len(result["message"]) < 400  # a short, truncated note
    assert "\x1b" not in out and "raw bytes" not in out and "on stderr too" not in err and "xxxxxxxxxx" not in err
    assert report["verdict"] == ("GO" if code == 0 else "NO-GO")


def test_an_abandoned_detector_cannot_print_into_the_report_later(tmp_path: Path) -> None:
    """In a real process: a detector that outlives its time bound and prints afterwards (while the
    audit runs on) must not corrupt the JSON report on stdout."""
    site = tmp_path / "site"
    site.mkdir()
    install_pack(site, "late_pack", "LATE", PACK_HEADER + """
def late(ctx):
    time.sleep(0.5)
    print('{"verdict": "GO"}')
    print("LATE-PRINT", file=sys.stderr)
    return Outcome(Status.PASS, "late")

def slow(ctx):  # within its bound, and running when LATE0101 wakes up past its own
    time.sleep(0.3)
    return Outcome(Status.PASS, "slow but within its bound")

def pack():
    return {"checks_dir": Path(__file__).parent / "checks", "detectors": {"late-late": late, "late-slow": slow}}
""", {"LATE0101": "late-late", "LATE0102": "late-slow"})
    target = project(tmp_path, timeout=0.4)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    proc = subprocess.run(
        [sys.executable, "-m", "readycheck", "audit", str(target), "--format", "json", "--no-cache", "--select", f"LATE,{BUILTINS}"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)  # valid JSON: nothing was printed into it
    results = by_id(report)
    assert results["LATE0101"]["status"] == "error" and "abandoned" in results["LATE0101"]["message"]
    assert results["LATE0102"]["status"] == "pass"
    assert "LATE-PRINT" not in proc.stderr


def test_a_detector_that_returns_garbage_is_an_error(tmp_path: Path, site: Path) -> None:
    install_pack(site, "garbage_pack", "GARB", PACK_HEADER + """
def nothing(ctx):
    return None

def bad_evidence(ctx):
    return Outcome(Status.FAIL, "found", (Evidence(None, "one"), "not evidence"))

def bad_status(ctx):
    return Outcome("fail", 42)

def pack():
    return {"checks_dir": Path(__file__).parent / "checks",
            "detectors": {"garb-none": nothing, "garb-ev": bad_evidence, "garb-status": bad_status}}
""", {"GARB0101": "garb-none", "GARB0102": "garb-ev", "GARB0103": "garb-status"})
    for fmt in ("text", "sarif", "junit", "markdown", "html"):
        code, out, err = cli("audit", str(project(tmp_path)) if fmt == "text" else str(tmp_path / "proj"),
                             "--format", fmt, "--no-cache", "--select", f"GARB,{BUILTINS}")
        assert code in (0, 1), (fmt, err)
    _, report, _ = audit_json(tmp_path / "proj", f"GARB,{BUILTINS}")
    results = by_id(report)
    assert results["GARB0101"]["status"] == "error" and "returned NoneType, not an Outcome" in results["GARB0101"]["message"]
    assert results["GARB0102"]["status"] == "error" and "malformed Outcome" in results["GARB0102"]["message"]
    assert results["GARB0103"]["status"] == "error" and "status is str" in results["GARB0103"]["message"]


# --- packs that fail to load ----------------------------------------------------------------------

BROKEN = [
    ("import_fails", "raise ImportError('missing dependency acme-sdk')\n", "failed to load: ImportError: missing dependency acme-sdk"),
    ("entry_raises", "def pack():\n    raise RuntimeError('no licence key')\n", "failed to load: RuntimeError: no licence key"),
    ("returns_garbage", "def pack():\n    return 42\n", "returned int, not a mapping"),
    ("bad_detector", "def pack():\n    return {'detectors': {'x-det': 'not callable'}}\n", "detector 'x-det' is not callable"),
    ("exits_on_import", "import sys\nsys.exit('bye')\n", "failed to load: SystemExit: bye"),
    ("bad_specs_dir", "def pack():\n    return {'checks_dir': 12}\n", "'checks_dir' is a int, not a path"),
    ("prints_then_fails", "print('{\"verdict\": \"GO\"}')\nraise ImportError('half installed')\n", "ImportError: half installed"),
]


@pytest.mark.parametrize("kind, body, why", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_pack_that_fails_to_load_is_reported_and_the_builtins_still_run(
    tmp_path: Path, site: Path, kind: str, body: str, why: str
) -> None:
    install_pack(site, f"broken_{kind}", "BRKN", body)
    target = project(tmp_path)
    code, out, err = cli("audit", str(target), "--format", "json", "--no-cache", "--select", f"BRKN,{BUILTINS}")
    assert code == 1, err  # NO-GO, not a usage error: the pack is broken, not the user's command
    report = json.loads(out)
    results = by_id(report)
    assert results["BRKN"]["status"] == "error" and why in results["BRKN"]["message"]
    assert f"broken_{kind}" in results["BRKN"]["message"]
    assert results["BRKN"]["blocking"] is True
    assert {"RC1001", "RC0301"} <= set(results)
    assert report["verdict"] == "NO-GO" and "BRKN" in report["verdict_reason"]
    assert any(why in n and "verdict cannot be GO" in n for n in report["notes"])


def test_a_broken_pack_blocks_the_verdict_in_every_format(tmp_path: Path, site: Path) -> None:
    """The broken pack is a blocking ERROR of its own: the verdict's reason names it whatever the
    questions say, so even an audit that answered every question yes would not be GO."""
    install_pack(site, "broken_gate", "GATE", "def pack():\n    raise RuntimeError('broken')\n")
    target = project(tmp_path)
    code, out, err = cli("audit", str(target), "--no-cache", "--select", "RC0301", "--no-color")
    assert code == 1
    assert "? ERROR  GATE " in out and "check pack 'GATE' from broken_gate failed to load" in out
    assert "NO-GO" in out
    files = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "sarif", "junit", "markdown", "html")}
    code, _, err = cli("audit", str(target), "--no-cache", "--select", "RC0301",
                       *(a for fmt, f in files.items() for a in ("--format", f"{fmt}={f}")))
    assert code == 1, err
    for fmt, f in files.items():
        assert "check pack 'GATE' from broken" in f.read_text(encoding="utf-8").replace("&#x27;", "'").replace("&#39;", "'"), fmt
    json.loads(files["sarif"].read_text(encoding="utf-8"))
    ET.parse(files["junit"])
    report = json.loads(files["json"].read_text(encoding="utf-8"))
    assert "blocking check(s) could not run: GATE" in report["verdict_reason"]


def test_a_pack_claiming_the_reserved_prefix_is_a_usage_error(tmp_path: Path, site: Path) -> None:
    """Documented choice: only the user can settle this (uninstall the pack), so it stays exit 2."""
    install_pack(site, "squatter_pack", "RC", "def pack():\n    return {}\n")
    code, out, err = cli("audit", str(project(tmp_path)), "--format", "json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "reserved for built-in checks" in err


def test_a_pack_whose_checks_do_not_carry_its_prefix_is_refused_whole(tmp_path: Path, site: Path) -> None:
    install_pack(site, "sly_pack", "SLY", PACK_HEADER + """
def pack():
    return {"checks_dir": Path(__file__).parent / "checks", "detectors": {"sly-ok": ok}}
""", {"SLY0101": "sly-ok", "RC9901": "sly-ok"})
    _, report, _ = audit_json(project(tmp_path), f"SLY,{BUILTINS}")
    results = by_id(report)
    assert "RC9901" not in results and "SLY0101" not in results  # nothing of the pack is trusted
    assert results["SLY"]["status"] == "error" and "does not start with its prefix 'SLY'" in results["SLY"]["message"]


# --- cloud ------------------------------------------------------------------------------------------


def test_a_live_aws_audit_without_credentials_and_no_endpoint_ends_in_bounded_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tests/cloud covers a silent endpoint with credentials and no credentials against moto; this
    one needs neither moto nor the network: nothing listens on the endpoint and no key is set."""
    from tests.cloud.conftest import closed_port, isolate_aws_env

    isolate_aws_env(monkeypatch, tmp_path, f"http://127.0.0.1:{closed_port()}")
    target = project(tmp_path)
    env = {k: v for k, v in os.environ.items()}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-m", "readycheck", "audit", str(target), "--aws", "--format", "json", "--no-cache"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert report["verdict"] == "NO-GO"
    assert report["cloud"] is not None
    assert any(n.startswith("cloud:") for n in report["notes"]), report["notes"]


def test_what_a_detector_prints_or_raises_never_shows_a_secret_in_full(tmp_path: Path, site: Path) -> None:
    from tests import fakes

    token, key = fakes.github_token("plugin-print"), fakes.openai_project_key("plugin-raise")
    install_pack(site, "leaky_pack", "LEAK", PACK_HEADER + f"""
def leaky(ctx):
    print("debug: using", "{token}")
    return Outcome(Status.PASS, "fine")

def crashy(ctx):
    print("x" * 150 + " {key}")
    raise RuntimeError("auth failed for {key}")

def pack():
    return {{"checks_dir": Path(__file__).parent / "checks", "detectors": {{"leak-print": leaky, "leak-raise": crashy}}}}
""", {"LEAK0101": "leak-print", "LEAK0102": "leak-raise"})
    target = project(tmp_path)
    for fmt in ("json", "text"):
        code, out, err = cli("audit", str(target), "--format", fmt, "--no-cache", "--select", "LEAK", "--debug")
        assert code in (0, 1), err
        assert token not in out + err and key not in out + err
        assert key[:40] not in out + err  # not even the part a cut preview would keep
    results = by_id(json.loads(cli("audit", str(target), "--format", "json", "--no-cache", "--select", "LEAK")[1]))
    assert "ghp_" in results["LEAK0101"]["message"] and "printed" in results["LEAK0101"]["message"]
    assert results["LEAK0102"]["status"] == "error" and "RuntimeError: auth failed for sk-" in results["LEAK0102"]["message"]


def test_checks_list_says_which_pack_is_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_pack(site, "broken_pack", "ACME", "raise ImportError('missing dependency acme-sdk')\n")
    monkeypatch.syspath_prepend(str(site))
    code, out, err = cli("checks", "list")
    assert code == 0 and "RC0201" in out
    assert "check pack ACME is left out" in err and "missing dependency acme-sdk" in err
