"""Audit speed and memory, measured on real commands: `python benchmarks/bench_audit.py`.

Runs the installed `readycheck` console script as a subprocess (so start-up cost is counted),
repeats each scenario, and prints the median wall time and the peak resident memory of the
process. Scenarios: start-up (`--version`, `checks list`), the sample projects, and generated
agent-like trees of 1,000 and 5,000 files (Python, TypeScript, YAML, Terraform, Markdown, JSON,
a vendored folder that must be skipped, and a few large files).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PY = '''"""Module {i}: tools for the agent."""
import os
import logging

from openai import OpenAI
from tenacity import retry, stop_after_attempt, wait_random_exponential

log = logging.getLogger(__name__)
client = OpenAI(max_retries=0, timeout=30)


@retry(stop=stop_after_attempt(4), wait=wait_random_exponential(multiplier=1, max=60))
def ask_{i}(question: str) -> str:
    reply = client.chat.completions.create(
        model=os.environ.get("MODEL", "gpt-4o-mini"),
        messages=[{{"role": "user", "content": question}}],
        max_tokens=400,
    )
    return reply.choices[0].message.content or ""


def helper_{i}(items: list[int]) -> int:
    total = 0
    for item in items:
        if item % 2:
            total += item
    return total
'''
TS = '''import OpenAI from "openai";
import pRetry from "p-retry";

const client = new OpenAI({{ maxRetries: 0, timeout: 20_000 }});

export async function answer{i}(q: string): Promise<string> {{
  const res = await pRetry(
    () => client.chat.completions.create({{ model: "gpt-4o-mini", messages: [{{ role: "user", content: q }}], max_tokens: 300 }}),
    {{ retries: 3, minTimeout: 1000, maxTimeout: 60_000, randomize: true }},
  );
  return res.choices[0]?.message.content ?? "";
}}
'''
YAML = '''apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/svc-{i}:1.{i}.0
          resources:
            limits: {{cpu: "500m", memory: 512Mi}}
'''
TF = '''resource "aws_cloudwatch_log_group" "g{i}" {{
  name              = "/agent/{i}"
  retention_in_days = 30
}}
'''
MD = '''# Component {i}

## Overview
Text about component {i}. ''' + "Lorem ipsum dolor sit amet. " * 20 + "\n"
JSON = '{{"name": "pkg-{i}", "version": "1.0.{i}", "settings": {{"limit": {i}, "enabled": true}}}}\n'


def generate(root: Path, n_files: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    kinds = [("py", PY, 0.45), ("ts", TS, 0.2), ("yaml", YAML, 0.12), ("tf", TF, 0.05), ("md", MD, 0.1), ("json", JSON, 0.08)]
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n_files):
        ext, template, _ = rng.choices(kinds, weights=[k[2] for k in kinds])[0]
        folder = root / f"pkg{i % 40}" / f"mod{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i}.{ext}").write_text(template.format(i=i))
    vend = root / "node_modules" / "left-pad"
    vend.mkdir(parents=True, exist_ok=True)
    for i in range(200):
        (vend / f"v{i}.js").write_text("module.exports = function () { return 1 }\n")
    (root / "big.log").write_text("x" * 3_000_000)  # over the size limit: skipped
    (root / "data.json").write_text('{"rows": [' + ",".join(str(i) for i in range(150_000)) + "]}\n")
    (root / "RUNBOOK.md").write_text("# Runbook\n## Failure modes\n## Escalation\n## Recovery\n## Post-mortem\n")
    return root


def steady_bytecode() -> None:
    """Measure readycheck as an installed package runs: each module compiled once (pip does it at
    install time, the interpreter at first import). With PYTHONDONTWRITEBYTECODE set, a module
    edited in a working copy since its last compilation is compiled again at every run: 0.1 s of
    a pre-commit run that users do not pay."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    package = Path(__file__).resolve().parent.parent / "readycheck"
    if package.is_dir():
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=False, capture_output=True)


def run(cmd: list[str]) -> tuple[float, int, int]:
    """(seconds, peak RSS in MiB, exit code) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


def measure(name: str, cmd: list[str], repeat: int) -> dict[str, object]:
    times, peaks, code = [], [], 0
    for _ in range(repeat):
        t, rss, code = run(cmd)
        times.append(t)
        peaks.append(rss)
    return {"scenario": name, "median_s": statistics.median(times), "min_s": min(times), "peak_mib": max(peaks), "exit": code}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="1000,5000", help="generated tree sizes, comma-separated")
    args = parser.parse_args()
    exe = shutil.which("readycheck")
    if exe is None:
        print("readycheck is not on PATH: pip install . first", file=sys.stderr)
        return 2
    steady_bytecode()
    rows = [
        measure("readycheck --version", [exe, "--version"], args.repeat),
        measure("readycheck checks list", [exe, "checks", "list"], args.repeat),
    ]
    for sample in sorted((ROOT / "sample_projects").iterdir()):
        files = sum(1 for p in sample.rglob("*") if p.is_file())
        rows.append(measure(f"audit {sample.name} ({files} files)", [exe, "audit", str(sample), "--format", "json"], args.repeat))
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",") if s):
            tree = generate(Path(tmp) / f"tree{size}", size)
            rows.append(measure(f"audit generated tree ({size} files)", [exe, "audit", str(tree), "--format", "json"], max(1, args.repeat // 2)))
    width = max(len(str(r["scenario"])) for r in rows)
    print(f"{'scenario':<{width}}  median s   min s  peak MiB  exit")
    for r in rows:
        print(f"{r['scenario']:<{width}}  {r['median_s']:>8.3f}  {r['min_s']:>6.3f}  {r['peak_mib']:>8}  {r['exit']:>4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
