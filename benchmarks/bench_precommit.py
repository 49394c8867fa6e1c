"""The pre-commit hook's speed: `python benchmarks/bench_precommit.py [--repeat N] [--files 20]`.

Builds a git repository from sample_projects/support-agent-go, stages N new agent-like files
(Python, TypeScript, YAML, Terraform, Markdown, JSON, generated as in bench_audit.py) and measures:

- the installed console script, `readycheck audit --staged --quiet --no-color`, as a subprocess
  (median wall time of N runs, start-up included: what a developer waits for on `git commit`);
- `readycheck --version`, the floor every run pays (interpreter start and the CLI's imports);
- in a fresh interpreter per run, readycheck's own stages timed with perf_counter: importing the
  CLI, loading the policy, loading the check registry, run_audit (index of the git index + checks),
  rendering;
- the same in process through `readycheck.cli.main()` (typer parsing and output included);
- the heaviest imports of one hook run (`python -X importtime`, cumulative, lazy imports too);
- if pre-commit is installed, `pre-commit run` with the same command as a `language: system` local
  hook (no hook environment to install), and its overhead over calling readycheck directly.

Targets: under 1 s of readycheck's own time for 20 staged files; later 0.5 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_audit import JSON, MD, PY, TF, TS, YAML, measure, steady_bytecode  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MIX = [("py", PY)] * 9 + [("ts", TS)] * 4 + [("yaml", YAML)] * 3 + [("md", MD)] * 2 + [("json", JSON), ("tf", TF)]

PROBE = r"""
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
import readycheck.cli
t1 = time.perf_counter()
if len(sys.argv) > 2:  # the whole command line in process: typer's parsing and the output too
    import contextlib, io
    t7 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            readycheck.cli.main(["audit", "--staged", "--quiet", "--no-color", sys.argv[1]])
        except SystemExit:
            pass
    print(json.dumps({"whole main()": time.perf_counter() - t7 + (t1 - t0)}))
    sys.exit(0)
from readycheck.config import load_policy
from readycheck.engine import run_audit
from readycheck.registry import load_registry
from readycheck.reporters import render
target = Path(sys.argv[1]).resolve()
t2 = time.perf_counter()
policy = load_policy(target, staged=True)
t3 = time.perf_counter()
registry = load_registry(policy.checks_dirs)
specs = registry.select(policy.select, policy.extend_select, policy.ignore)
t4 = time.perf_counter()
report = run_audit(target, policy, registry, specs)
t5 = time.perf_counter()
render(report, "text", quiet=True)
t6 = time.perf_counter()
print(json.dumps({"import cli": t1 - t0, "import pipeline": t2 - t1, "load policy": t3 - t2,
                  "load registry": t4 - t3, "run_audit": t5 - t4, "render": t6 - t5, "stages total": t6 - t0,
                  "files": report.files_scanned, "verdict": report.verdict.value}))
"""


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com", "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def build_repo(dest: Path, n_files: int) -> Path:
    shutil.copytree(ROOT / "sample_projects" / "support-agent-go", dest)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "--no-verify", "-m", "initial")
    for i in range(n_files):
        ext, template = MIX[i % len(MIX)]
        folder = dest / "src" / "generated" / f"m{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i}.{ext}").write_text(template.format(i=i))
    git(dest, "add", "-A")
    return dest


def stage_breakdown(repo: Path, repeat: int) -> dict[str, float | str | int]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PROBE, str(repo)], check=True, capture_output=True, text=True).stdout
        whole = subprocess.run([sys.executable, "-c", PROBE, str(repo), "main"], check=True, capture_output=True, text=True).stdout
        runs.append({**json.loads(out), **json.loads(whole)})
    figures: dict[str, float | str | int] = {k: statistics.median(r[k] for r in runs) for k in runs[0] if isinstance(runs[0][k], float)}
    figures["files"], figures["verdict"] = runs[0]["files"], runs[0]["verdict"]
    return figures


def heaviest_imports(cmd: list[str], top: int = 10) -> list[tuple[float, str]]:
    """The costliest imports of one run of ``cmd`` (readycheck's arguments), lazy ones included:
    the entries at depth 0 or 1 of ``python -X importtime``, by cumulative time."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "readycheck", *cmd], capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2][1:].rstrip()
            depth = (len(name) - len(name.lstrip())) // 2
            if depth <= 1 and name.strip() not in ("readycheck", "readycheck.__main__"):
                rows.append((int(parts[1]) / 1e6, name.strip()))
    return sorted(rows, reverse=True)[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--files", type=int, default=20, help="how many files to stage")
    args = parser.parse_args()
    exe = str(Path(shutil.which("readycheck") or Path(sys.executable).parent / "readycheck").resolve())
    if not Path(exe).exists():
        print("readycheck is not installed: pip install . first", file=sys.stderr)
        return 2
    steady_bytecode()
    hook = [exe, "audit", "--staged", "--quiet", "--no-color"]
    with tempfile.TemporaryDirectory() as tmp:
        repo = build_repo(Path(tmp) / "agent", args.files)
        os.chdir(repo)  # a hook runs at the repository's root
        measure("warm-up", hook, 1)
        rows = [measure("readycheck --version (start-up floor)", [exe, "--version"], args.repeat),
                measure(f"readycheck audit --staged ({args.files} staged files)", hook, args.repeat)]
        if importlib.util.find_spec("pre_commit") is not None:
            (repo / ".pre-commit-config.yaml").write_text(
                "repos:\n  - repo: local\n    hooks:\n      - id: readycheck\n        name: readycheck\n"
                f"        entry: {' '.join(hook)}\n        language: system\n        pass_filenames: false\n        always_run: true\n"
            )
            git(repo, "add", ".pre-commit-config.yaml")
            pc = [sys.executable, "-m", "pre_commit", "run", "--hook-stage", "pre-commit"]
            rows.append(measure(f"pre-commit run (the same hook, {args.files + 1} staged files)", pc, args.repeat))
        breakdown = stage_breakdown(repo, args.repeat)
        imports = heaviest_imports(hook[1:])

    print(f"$ {' '.join(['readycheck', *hook[1:]])}   # {args.files} staged files, median of {args.repeat} runs, Python {sys.version.split()[0]}")
    width = max(len(str(r["scenario"])) for r in rows)
    print(f"{'scenario':<{width}}  median s   min s  peak MiB  exit")
    for r in rows:
        print(f"{r['scenario']:<{width}}  {r['median_s']:>8.3f}  {r['min_s']:>6.3f}  {r['peak_mib']:>8}  {r['exit']:>4}")
    if len(rows) == 3:
        overhead = float(rows[2]["median_s"]) - float(rows[1]["median_s"])  # type: ignore[arg-type]
        print(f"pre-commit framework overhead: {overhead:+.3f} s over calling readycheck directly")
    print(f"\nreadycheck's own time, in process (fresh interpreter per run, median; "
          f"{breakdown['files']} files judged, {breakdown['verdict']}):")
    for key, value in breakdown.items():
        if isinstance(value, float):
            print(f"  {key:<16} {value:>7.3f} s")
    print("\nheaviest imports of one run (python -X importtime -m readycheck audit --staged ..., cumulative):")
    for seconds, name in imports:
        print(f"  {seconds:>7.3f} s  {name.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
