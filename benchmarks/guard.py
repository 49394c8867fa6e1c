"""Performance regression guard for CI: `python benchmarks/guard.py [--max-ratio R]`.

Times `readycheck audit TREE --format json` on a generated 1,000-file agent monorepo
(gen_monorepo.py, seed 1) against a baseline that does comparable work without readycheck's
logic, in a fresh interpreter too: walk the same tree (the same skipped folders), read every file
readycheck would read (at most 2 MB), decode it, `ast.parse` the Python, `json.loads` the JSON
and notebooks, `yaml.safe_load_all` the YAML, and run one regular expression over every text.

readycheck runs with --no-cache when it has that flag (and its cache folder pointed at a temporary
one), so every run does the full work. Both get one warm-up run, then --runs interleaved runs each (default 3); the medians are compared.
The guard fails (exit 1) when readycheck's median / the baseline's median exceeds --max-ratio.
A ratio, not an absolute time, so a slow or loaded CI machine moves both sides alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_audit import run  # noqa: E402
from gen_monorepo import build  # noqa: E402

# Measured with --no-cache on a 2-core Linux box, Python 3.11, 29 Nov 2026, after the parsing and
# checks speed-ups: ratio 5.3-5.9 (two runs of 3, other work running); bound about 2x.
DEFAULT_MAX_RATIO = 12.0

BASELINE = r"""
import ast, json, os, re, sys
import yaml
root, skip = sys.argv[1], set(sys.argv[2].split(","))
pattern = re.compile(r"(?i)(api[_-]?key|secret|token|password)\s*[:=]\s*['\"]?([A-Za-z0-9_\-/+=]{16,})")
hits = parsed = 0
for folder, dirs, names in os.walk(root):
    dirs[:] = [d for d in dirs if d not in skip and not d.endswith(".egg-info")]
    for name in names:
        path = os.path.join(folder, name)
        if os.path.getsize(path) > 2_000_000:
            continue
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8", errors="replace")
        hits += sum(1 for _ in pattern.finditer(text))
        try:
            if name.endswith(".py"):
                ast.parse(text); parsed += 1
            elif name.endswith((".json", ".ipynb")):
                json.loads(text); parsed += 1
            elif name.endswith((".yaml", ".yml")):
                list(yaml.safe_load_all(text)); parsed += 1
        except Exception:
            pass
print(parsed, hits)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-ratio", type=float, default=DEFAULT_MAX_RATIO,
                        help=f"fail above this readycheck/baseline ratio (default {DEFAULT_MAX_RATIO})")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    exe = Path(sys.executable).with_name("readycheck")
    if not exe.exists():
        print("readycheck is not installed beside this Python: pip install -e . first", file=sys.stderr)
        return 2
    from readycheck.index import DEFAULT_SKIP_DIRS

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="readycheck-guard-") as tmp:
        tree = Path(tmp) / "tree"
        facts = build(tree, args.files, seed=1)
        os.environ["READYCHECK_CACHE_DIR"] = str(Path(tmp) / "cache")  # never the user's cache
        help_text = subprocess.run([str(exe), "audit", "--help"], capture_output=True, text=True).stdout
        no_cache = ["--no-cache"] if "--no-cache" in help_text else []  # time the full work, every run
        audit = [str(exe), "audit", str(tree), "--format", "json", *no_cache]
        baseline = [sys.executable, "-c", BASELINE, str(tree), ",".join(sorted(DEFAULT_SKIP_DIRS))]
        for cmd in (audit, baseline):  # warm-up: page cache, .pyc files
            _, _, code = run(cmd)
            if cmd is baseline and code != 0:
                print(f"baseline failed (exit {code})", file=sys.stderr)
                return 2
        rc_times, base_times = [], []
        for _ in range(args.runs):  # interleaved, so that a burst of load hits both sides
            seconds, _, code = run(audit)
            if code not in (0, 1):
                print(f"readycheck audit failed (exit {code})", file=sys.stderr)
                return 2
            rc_times.append(seconds)
            base_times.append(run(baseline)[0])
    rc, base = statistics.median(rc_times), statistics.median(base_times)
    ratio = rc / base
    ok = ratio <= args.max_ratio
    print(f"tree: {facts['files']:,} generated files; {args.runs} runs each after a warm-up; {time.perf_counter() - start:.1f}s in all")
    print(f"readycheck audit{' --no-cache' if no_cache else ''}: median {rc:.3f}s  ({', '.join(f'{t:.3f}' for t in rc_times)})")
    print(f"baseline (read + parse, fresh interpreter): median {base:.3f}s  ({', '.join(f'{t:.3f}' for t in base_times)})")
    print(f"ratio {ratio:.2f} (bound {args.max_ratio:.2f}): {'OK' if ok else 'FAIL: readycheck got slower relative to the baseline'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
