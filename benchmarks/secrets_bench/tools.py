"""Adapters that run each scanner over the corpus root and return line-level findings.

* readycheck runs in-process: every file under the root is read (UTF-8, errors="replace") and
  passed to ``readycheck.secrets.scan_file(path, text)`` when that function exists, otherwise
  to ``scan_text(text, path=path)``. The clock covers reading and scanning, not the import.
* detect-secrets runs as its CLI, ``detect-secrets scan --all-files -n <root>`` with cwd=<root>,
  so the clock includes its interpreter start-up. ``-n`` turns off the network verification
  of found secrets (readycheck verifies nothing either, and the benchmark must stay offline).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .score import Finding


@dataclass
class Run:
    tool: str
    seconds: float
    findings: list[Finding]
    files: int
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def corpus_files(root: Path) -> list[Path]:
    out: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        out.extend(Path(folder) / name for name in sorted(names))
    return out


def run_readycheck(root: Path) -> Run:
    import readycheck.secrets as secrets_mod

    scan_file = getattr(secrets_mod, "scan_file", None)
    scan_text = secrets_mod.scan_text
    paths = corpus_files(root)
    findings: list[Finding] = []
    start = time.perf_counter()
    for path in paths:
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        results = scan_file(rel, text) if scan_file is not None else scan_text(text, path=rel)
        findings.extend(Finding(rel, f.line, f.rule_id) for f in results)
    seconds = time.perf_counter() - start
    entry = "scan_file" if scan_file is not None else "scan_text"
    return Run("readycheck", seconds, findings, len(paths), note=f"in-process, readycheck.secrets.{entry}, 1 process")


def detect_secrets_exe() -> str | None:
    beside = Path(sys.executable).with_name("detect-secrets")
    if beside.exists():
        return str(beside)
    return shutil.which("detect-secrets")


def detect_secrets_version(exe: str) -> str:
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.strip() or proc.stderr.strip()


def detect_secrets_startup(cores: int | None = None) -> float:
    """Seconds detect-secrets takes on an empty directory: its fixed cost in the timing."""
    with tempfile.TemporaryDirectory(prefix="ds-empty-") as empty:
        run = run_detect_secrets(Path(empty), cores)
    return run.seconds if run is not None else 0.0


def run_detect_secrets(root: Path, cores: int | None = None) -> Run | None:
    """None when detect-secrets is not installed."""
    exe = detect_secrets_exe()
    if exe is None:
        return None
    cmd = [exe]
    if cores:
        cmd += ["-c", str(cores)]
    cmd += ["scan", "--all-files", "-n", str(root)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"detect-secrets failed ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    findings: list[Finding] = []
    for name, results in report.get("results", {}).items():
        rel = Path(name)
        rel_posix = (rel.relative_to(root) if rel.is_absolute() else rel).as_posix()
        if rel_posix.startswith("./"):
            rel_posix = rel_posix[2:]
        findings.extend(Finding(rel_posix, int(r["line_number"]), str(r["type"])) for r in results)
    workers = cores or os.cpu_count() or 1
    return Run("detect-secrets", seconds, findings, len(corpus_files(root)),
               note=f"CLI subprocess (start-up included), {workers} worker process(es)",
               extra={"version": detect_secrets_version(exe)})
