"""Shared helpers of the robustness suite: run the real audit on a hostile tree and read what it
says (the JSON report), and check that nothing in it escapes the target."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

from tests.conftest import ROOT, cli

__all__ = ["audit_json", "audit_subprocess", "evidence_paths", "assert_contained", "skipped_reasons", "one_error_line"]


def audit_json(target: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """`readycheck audit TARGET --format json --no-cache ARGS` through main(): (exit code, the
    report, stderr). Asserts the run ended as a verdict (0 or 1) that agrees with the report."""
    code, out, err = cli("audit", str(target), "--format", "json", "--no-cache", *args)
    assert code in (0, 1), f"exit {code}: {err}"
    assert "Traceback" not in err, err
    report = json.loads(out)
    assert code == (1 if report["verdict"] == "NO-GO" else 0)
    return code, report, err


def audit_subprocess(target: Path, *args: str, timeout: float = 120) -> tuple[int, dict[str, Any], str]:
    """The same in a child process (for trees that could hang or poison the test process: a FIFO
    opened by mistake blocks for ever). `timeout` only proves the audit did not hang."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "readycheck", "audit", str(target), "--format", "json", "--no-cache", *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode in (0, 1), f"exit {proc.returncode}: {proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    assert proc.returncode == (1 if report["verdict"] == "NO-GO" else 0)
    return proc.returncode, report, proc.stderr


def _walk_paths(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "path" and isinstance(value, str):
                yield value
            else:
                yield from _walk_paths(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_paths(item)


def evidence_paths(report: dict[str, Any]) -> set[str]:
    """Every path the results point at (the target's own path, in `target`, is not one)."""
    return set(_walk_paths(report["results"]))


def assert_contained(report: dict[str, Any], *outside: Path) -> None:
    """No path in the results is absolute or climbs out with `..`, and nothing in the report
    (results, notes) names a place outside the target."""
    for path in evidence_paths(report):
        assert not path.startswith(("/", "\\")) and not (len(path) > 1 and path[1] == ":"), path
        assert ".." not in Path(path).parts, path
    text = json.dumps({"results": report["results"], "notes": report["notes"]})
    for place in outside:
        assert str(place) not in text


def skipped_reasons(report: dict[str, Any]) -> dict[str, int]:
    reasons: dict[str, int] = report["files"]["skipped_by_reason"]
    return reasons


def one_error_line(err: str) -> str:
    """stderr of a user error: exactly one line, `readycheck: error: ...`, no traceback."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("readycheck: error: "), err
    assert "Traceback" not in err
    return lines[0]


def bounded(fn: Callable[[], Any], timeout: float, hint: str = "") -> Any:
    """Run `fn` in a thread; fail (rather than hang the suite) if it has not returned in `timeout`
    seconds, a bound far above any real run that only proves nothing hung."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), f"did not finish within {timeout:.0f} s{hint}"
    if "error" in box:
        raise box["error"]
    return box["value"]
