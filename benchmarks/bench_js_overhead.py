"""What JS/TS parsing adds to an audit: `python benchmarks/bench_js_overhead.py`.

Audits the same generated mixed repository (Python, TypeScript, YAML, Terraform, Markdown)
in-process twice per round: once as shipped, once with the JS/TS parser replaced by one that
returns empty facts. Prints the median of each and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_audit  # noqa: E402

from readycheck.config import Policy  # noqa: E402
from readycheck.engine import run_audit  # noqa: E402
from readycheck.parsers import js_facts  # noqa: E402
from readycheck.registry import load_registry  # noqa: E402


def audit_seconds(tree: Path) -> float:
    registry = load_registry(plugins=False)
    start = time.perf_counter()
    run_audit(tree, Policy(root=tree), registry, registry.select(None))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    real = js_facts.parse_js
    with tempfile.TemporaryDirectory() as tmp:
        tree = bench_audit.generate(Path(tmp) / "mixed", args.files)
        ts = sum(1 for p in tree.rglob("*.ts"))
        with_js, without_js = [], []
        for _ in range(args.repeat):
            js_facts.parse_js = real
            with_js.append(audit_seconds(tree))
            js_facts.parse_js = lambda text, filename="<file>": js_facts.JsFacts()  # type: ignore[assignment]
            without_js.append(audit_seconds(tree))
        js_facts.parse_js = real
    a, b = statistics.median(with_js), statistics.median(without_js)
    print(f"mixed tree: {args.files} files, {ts} TypeScript")
    print(f"audit with JS/TS parsing     {a:7.2f} s")
    print(f"audit without JS/TS parsing  {b:7.2f} s")
    print(f"ratio                        {a / b:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
