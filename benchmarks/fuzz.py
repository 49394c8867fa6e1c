"""The long fuzzing run: every target of tests/robustness/test_fuzz.py with N random examples.

    python benchmarks/fuzz.py                 # 10,000 examples per target, 2 targets at a time
    python benchmarks/fuzz.py --examples 500 --jobs 1 -k parser

Each target runs in its own pytest process with READYCHECK_FUZZ_EXAMPLES=N (the long hypothesis
profile: random, not derandomized, shrinking on). Printed per target: the examples it ran (counted
by the test itself), failures found, and the time taken; the exit code is 1 when any target failed.
A few targets are capped below N on purpose, because one example is a whole audit or a whole
registry load (their cap is in the test's @fuzz_settings(long=...)); the table says so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_FILE = "tests/robustness/test_fuzz.py"


def _targets(pattern: str | None) -> list[str]:
    """The property tests of the fuzz file (the plain regression tests are left to CI)."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", TEST_FILE]
    if pattern:
        cmd += ["-k", pattern]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False).stdout
    names = [line.split("::", 1)[1] for line in out.splitlines() if line.startswith(TEST_FILE + "::")]
    return [n for n in names if "regression" not in n]


def _run(name: str, examples: int, workdir: Path) -> dict[str, object]:
    counts = workdir / f"{name}.counts.json"
    junit = workdir / f"{name}.junit.xml"
    env = {**os.environ, "READYCHECK_FUZZ_EXAMPLES": str(examples), "READYCHECK_FUZZ_COUNTS": str(counts)}
    # Each target its own --basetemp: parallel pytest processes cleaning the shared
    # /tmp/pytest-of-USER folder race each other at session end (a crash after a passing test).
    basetemp = workdir / f"{name}.tmp"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={basetemp}", f"--junitxml={junit}", f"{TEST_FILE}::{name}"]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    try:
        ran = sum(json.loads(counts.read_text(encoding="utf-8")).values())
    except (OSError, ValueError):
        ran = 0
    failures = 0
    try:
        suite = ET.parse(junit).getroot()
        for case in suite.iter("testcase"):
            failures += len(case.findall("failure")) + len(case.findall("error"))
    except (OSError, ET.ParseError):
        failures = 1 if proc.returncode else 0
    detail = ""
    if failures or proc.returncode not in (0, 5):
        detail = (proc.stdout + proc.stderr)[-6000:]
    return {"target": name, "examples": ran, "failures": failures, "seconds": round(elapsed, 1), "rc": proc.returncode, "detail": detail}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="examples per target (default 10,000)")
    parser.add_argument("--jobs", type=int, default=2, help="targets run at the same time (default 2)")
    parser.add_argument("-k", dest="pattern", default=None, help="only the targets matching this pytest -k expression")
    args = parser.parse_args(argv)

    targets = _targets(args.pattern)
    if not targets:
        print("no fuzz targets found", file=sys.stderr)
        return 2
    print(f"fuzzing {len(targets)} targets, {args.examples} examples each, {args.jobs} at a time", flush=True)
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="readycheck-fuzz-") as tmp, ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(_run, name, args.examples, Path(tmp)) for name in targets]
        for fut in futures:
            r = fut.result()
            results.append(r)
            print(f"{r['target']:<55} examples={r['examples']:>6} failures={r['failures']} time={r['seconds']}s", flush=True)
            if r["detail"]:
                print(str(r["detail"]), flush=True)
    total = sum(int(str(r["examples"])) for r in results)
    failed = [r for r in results if r["failures"] or r["rc"] not in (0, 5)]
    print(f"total: {total} examples over {len(results)} targets; {len(failed)} target(s) with failures", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
