"""Secret-scanner benchmark: readycheck vs detect-secrets on one labeled corpus, in one run.

    python benchmarks/bench_secrets.py [--files 20000] [--seed 1] [--out DIR] [--keep] [--verbose]

Generates a seeded corpus of agent-repository files (credentials in 30+ formats, at least as many
hard negatives, and filler) into a temporary directory, or into DIR/corpus with DIR/labels.json
beside it when --out is given (the labels stay outside the scanned tree). Then it runs both
scanners over the same tree, scores their findings line by line (see secrets_bench/score.py)
and prints the totals, recall per credential kind, precision per reporting rule, the false
positives per kind of hard negative, and the speed ratio. --verbose adds samples of false
positives and false negatives, with every value cut to its first 4 characters.

detect-secrets is optional (`pip install -e '.[bench]'`); without it that column is skipped. It is
by far the slower of the two: expect minutes at 20,000 files (--ds-cores sets its worker count).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from secrets_bench import corpus  # noqa: E402
from secrets_bench.score import Score, redact_text, redact_value, score  # noqa: E402
from secrets_bench.tools import Run, detect_secrets_startup, run_detect_secrets, run_readycheck  # noqa: E402

T = TypeVar("T")


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([fmt(headers), "  ".join("-" * w for w in widths), *(fmt(r) for r in rows)])


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def ratio(found: int, total: int) -> str:
    return f"{found}/{total} ({100 * found / total:.0f}%)" if total else "-"


def summary(runs: list[tuple[Run, Score]]) -> str:
    rows = []
    for run, s in runs:
        rows.append([run.tool, f"{run.files:,}", f"{run.seconds:.2f}", f"{run.files / run.seconds:,.0f}" if run.seconds else "-",
                     pct(s.precision), pct(s.recall), pct(s.f1), str(s.tp), str(s.fp), str(s.fn)])
    return table(["tool", "files", "seconds", "files/s", "precision", "recall", "F1", "TP", "FP", "FN"], rows)


def per_kind(runs: list[tuple[Run, Score]]) -> str:
    kinds = sorted({k for _, s in runs for k in s.recall_by_kind})
    rows = []
    for kind in kinds:
        total = runs[0][1].recall_by_kind.get(kind, (0, 0))[1]
        rows.append([kind, str(total), *(ratio(s.recall_by_kind.get(kind, (0, total))[0], total) for _, s in runs)])
    return table(["credential kind", "labels", *(f"{run.tool} recall" for run, _ in runs)], rows)


def per_rule(run: Run, s: Score) -> str:
    rows = []
    for rule, (tp, fp) in sorted(s.by_rule.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0])):
        rows.append([rule, str(tp), str(fp), pct(tp / (tp + fp)) if tp + fp else "-"])
    return table([f"{run.tool} rule", "TP lines", "FP lines", "precision"], rows)


def fp_by_negative(runs: list[tuple[Run, Score]], labels: dict[str, object]) -> str:
    negatives = labels["negatives"]
    assert isinstance(negatives, list)
    planted: dict[str, int] = {}
    for entry in negatives:
        planted[entry["kind"]] = planted.get(entry["kind"], 0) + 1
    kinds = sorted(set(planted) | {k for _, s in runs for k in s.fp_by_negative})
    rows = [[kind, str(planted.get(kind, "-")), *(str(s.fp_by_negative.get(kind, 0)) for _, s in runs)] for kind in kinds]
    return table(["hard negative kind", "planted", *(f"{run.tool} FP" for run, _ in runs)], rows)


def spread(items: list[T], limit: int) -> list[T]:
    """Up to ``limit`` items taken evenly across ``items`` (not just the first paths)."""
    step = max(1, -(-len(items) // limit)) if limit > 0 else 1
    return items[::step][:limit]


def samples(run: Run, s: Score, root: Path, limit: int) -> str:
    fps = spread(s.fp_lines, limit)
    out = [f"{run.tool}: false positives ({len(fps)} of {s.fp})"]
    cache: dict[str, list[str]] = {}
    for path, line, rules, kind in fps:
        lines = cache.setdefault(path, (root / path).read_text(encoding="utf-8", errors="replace").splitlines())
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        out.append(f"  {path}:{line} [{', '.join(rules)}] ({kind}) {redact_text(text)}")
    fns = spread(s.missed, limit)
    out.append(f"{run.tool}: false negatives ({len(fns)} of {s.fn})")
    for label in fns:
        out.append(f"  {label['path']}:{label['line']} {label['kind']} {redact_value(label['needle'])}")
    return "\n".join(out)


def file_types(root: Path) -> str:
    counts: Counter[str] = Counter()
    for path in root.rglob("*"):
        if path.is_file():
            name = path.name
            kind = ".env*" if name.startswith(".env") or name.endswith(".env") else (
                "Dockerfile" if "Dockerfile" in name else path.suffix or name)
            counts[kind] += 1
    return ", ".join(f"{kind} {n:,}" for kind, n in counts.most_common())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20000, help="corpus size in files (default 20000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write DIR/corpus and DIR/labels.json here (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary corpus and print where it is")
    parser.add_argument("--verbose", action="store_true", help="print redacted FP/FN samples")
    parser.add_argument("--samples", type=int, default=15, help="samples per list with --verbose")
    parser.add_argument("--ds-cores", type=int, help="detect-secrets worker processes (default: its own, all cores)")
    args = parser.parse_args(argv)

    base = args.out.resolve() if args.out else Path(tempfile.mkdtemp(prefix="secrets-bench-"))
    root = base / "corpus"
    if root.exists():
        shutil.rmtree(root)
    try:
        start = time.perf_counter()
        labels = corpus.generate(root, args.files, args.seed)
        gen_s = time.perf_counter() - start
        (base / "labels.json").write_text(json.dumps(labels, indent=1), encoding="utf-8")
        print(f"corpus: {args.files:,} files, seed {args.seed}, generated in {gen_s:.2f}s at {root}")
        print(f"files by type: {file_types(root)}")
        print(f"labels: {len(labels['positives'])} credentials in {len({p['path'] for p in labels['positives']})} files, "
              f"{len(labels['negatives'])} hard negatives, {len(labels['ignore'])} ignored companion lines")
        print()

        runs: list[tuple[Run, Score]] = []
        rc = run_readycheck(root)
        runs.append((rc, score(rc.findings, labels)))
        ds = run_detect_secrets(root, args.ds_cores)
        if ds is None:
            print("detect-secrets is not installed (pip install 'detect-secrets>=1.5'): its column is skipped\n")
        else:
            runs.append((ds, score(ds.findings, labels)))

        print(summary(runs))
        for run, _ in runs:
            version = f" {run.extra['version']}" if "version" in run.extra else ""
            print(f"  {run.tool}{version}: {run.note}")
        if ds is not None:
            print(f"  detect-secrets start-up alone (empty directory): {detect_secrets_startup(args.ds_cores):.2f}s")
        if ds is not None and rc.seconds and ds.seconds:
            faster, slower = (rc, ds) if rc.seconds <= ds.seconds else (ds, rc)
            print(f"  speed: {faster.tool} is {slower.seconds / faster.seconds:.1f}x faster than {slower.tool} on this corpus")
        print()
        print(per_kind(runs))
        print()
        print(fp_by_negative(runs, labels))
        for run, s in runs:
            print()
            print(per_rule(run, s))
        if args.verbose:
            for run, s in runs:
                print()
                print(samples(run, s, root, args.samples))
    finally:
        if args.out is None and not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        elif args.out is None:
            print(f"\nkept: {base}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
