"""readycheck at scale, with its peers on the same trees: `python benchmarks/bench_scale.py`.

    python benchmarks/bench_scale.py [--sizes 5000,20000] [--repeat 1] [--history 2000]
                                     [--skip-peers] [--peer-timeout 900] [--checkov PATH]

Scenarios (each command a subprocess: wall time, the peak RSS of its largest process, and for the
audits and peers the peak memory of all its processes together, as summed proportional set sizes
sampled every 0.25 s):
start-up (`--version`, `checks list`); `audit --staged` on 20 staged files (bench_precommit's
repository); a full `audit --format json` of generated monorepos (gen_monorepo.py) at each size,
cold (no `.readycheck-cache` in the tree) then warm (a second run after one file was modified);
`audit --history` on a tree of --history commits. Peers, on the same trees: detect-secrets
(`scan --all-files -n`, node_modules/ and vendor/ excluded as readycheck excludes them) and
checkov (`-d TREE --framework terraform kubernetes`) when found (beside this Python, on PATH, or
--checkov). A peer killed at --peer-timeout is reported as "> N s". Ratio = peer s / readycheck's
cold audit s. readycheck's parse cache is pointed at a fresh folder of the run
(READYCHECK_CACHE_DIR), so no earlier run warms it; cold = that folder deleted first.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_audit import measure, steady_bytecode  # noqa: E402
from bench_precommit import build_repo  # noqa: E402
from gen_monorepo import build  # noqa: E402


def group_pss_mib(pgid: int) -> int | None:
    """The proportional set size (shared pages split between the processes sharing them) of every
    process in group ``pgid``, summed, in MiB; None where /proc has no smaps_rollup."""
    total = 0
    found = False
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return None
    for name in pids:
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != pgid:  # fields after the name: state, ppid, pgrp
                continue
            with open(f"/proc/{name}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
                        found = True
                        break
        except (OSError, IndexError, ValueError):
            continue
    return total // 1024 if found else None


_SAMPLE_EVERY = 0.25  # seconds between two samples of a process group's memory


def run_limited(cmd: list[str], timeout: float, cwd: Path | None = None) -> tuple[float, int, int | None, int | None]:
    """(seconds, peak RSS MiB, exit code or None when killed at ``timeout``, peak MiB of the whole
    process group): peak RSS is that of the largest single process (the command or one of its
    children), like bench_audit.run; the group figure is the sum of the proportional set sizes of
    all its processes, sampled every _SAMPLE_EVERY seconds (None where it cannot be read)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    group: int | None = None
    sampled = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return time.perf_counter() - start, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status), group
        now = time.perf_counter()
        if now - start > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
            _, _, usage = os.wait4(proc.pid, 0)
            return time.perf_counter() - start, usage.ru_maxrss // 1024, None, group
        if now - sampled >= _SAMPLE_EVERY:
            sampled = now
            pss = group_pss_mib(proc.pid)
            if pss is not None:
                group = max(group or 0, pss)
        time.sleep(0.02)


def find_exe(name: str, explicit: str | None = None) -> str | None:
    if explicit:
        return explicit
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


class Table:
    def __init__(self) -> None:
        self.rows: list[list[str]] = []

    def add(self, scenario: str, files: str, seconds: float | None, min_s: float | None, peak: int | str, exit_code: object,
            ratio: str = "", note: str = "", group: int | None = None) -> None:
        self.rows.append([scenario, files, "-" if seconds is None else f"{seconds:.3f}", "-" if min_s is None else f"{min_s:.3f}",
                          str(peak), "-" if group is None else str(group), str(exit_code), ratio, note])

    def render(self) -> str:
        headers = ["scenario", "files", "median s", "min s", "peak MiB", "all procs MiB", "exit", "peer/rc", "note"]
        widths = [max(len(h), *(len(r[i]) for r in self.rows)) for i, h in enumerate(headers)]
        def fmt(cells: list[str]) -> str:
            return "  ".join(c.ljust(w) if i in (0, 8) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
        return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in self.rows)])


def add_measure(table: Table, name: str, files: str, cmd: list[str], repeat: int, note: str = "") -> float:
    r = measure(name, cmd, repeat)
    table.add(name, files, float(r["median_s"]), float(r["min_s"]), int(r["peak_mib"]), r["exit"], note=note)  # type: ignore[arg-type]
    return float(r["median_s"])  # type: ignore[arg-type]


def add_peer(table: Table, name: str, files: str, cmd: list[str], cwd: Path, timeout: float, rc_seconds: float, note: str) -> None:
    seconds, peak, code, group = run_limited(cmd, timeout, cwd)
    if code is None:
        table.add(name, files, None, None, peak, "killed", f"> {timeout / rc_seconds:.1f}x", f"> {timeout:.0f} s; {note}", group)
    else:
        table.add(name, files, seconds, seconds, peak, code, f"{seconds / rc_seconds:.1f}x", note, group)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,20000", help="generated tree sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="runs per audit scenario (start-up: at least 5)")
    parser.add_argument("--history", type=int, default=2000, help="commits of the --history scenario (0: skip it)")
    parser.add_argument("--history-files", type=int, default=5000, help="files of the tree with the long history")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--peer-timeout", type=float, default=900)
    parser.add_argument("--peer-sizes", help="sizes at which to run the peers (default: all)")
    parser.add_argument("--checkov", help="checkov executable (default: beside this Python, then PATH)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="generate the trees under this directory and keep them")
    args = parser.parse_args(argv)

    exe = find_exe("readycheck")
    if exe is None:
        print("readycheck is not installed: pip install -e . first", file=sys.stderr)
        return 2
    steady_bytecode()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    peer_sizes = {int(s) for s in args.peer_sizes.split(",") if s} if args.peer_sizes else set(sizes)
    ds = None if args.skip_peers else find_exe("detect-secrets")
    checkov = None if args.skip_peers else find_exe("checkov", args.checkov)
    has_cache_flag = "--no-cache" in subprocess.run([exe, "audit", "--help"], capture_output=True, text=True).stdout
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()

    print("$ " + " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, Python {sys.version.split()[0]}; {version}")
    peers = []
    if ds:
        peers.append("detect-secrets " + subprocess.run([ds, "--version"], capture_output=True, text=True).stdout.strip())
    if checkov:
        peers.append("checkov " + subprocess.run([checkov, "--version"], capture_output=True, text=True).stdout.strip())
    print(f"peers: {', '.join(peers) or 'none'}" + ("" if args.skip_peers or checkov else "  (checkov not found: skipped)"))
    print(f"cache: {'readycheck audit has --no-cache' if has_cache_flag else 'no cache flag in this readycheck: warm = plain second run'}")
    print(flush=True)

    table = Table()
    base = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    base.mkdir(parents=True, exist_ok=True)
    cache_dir = base / "readycheck-cache-home"
    os.environ["READYCHECK_CACHE_DIR"] = str(cache_dir)  # inherited by every readycheck subprocess
    no_cache = ["--no-cache"] if has_cache_flag else []
    cwd = os.getcwd()
    try:
        add_measure(table, "readycheck --version", "-", [exe, "--version"], max(5, args.repeat))
        add_measure(table, "readycheck checks list", "-", [exe, "checks", "list"], max(5, args.repeat))
        repo = build_repo(base / "precommit", 20)
        os.chdir(repo)
        hook = [exe, "audit", "--staged", "--quiet", "--no-color"]
        measure("warm-up", hook, 1)
        add_measure(table, "audit --staged (20 staged files)", "20", hook, max(5, args.repeat))
        os.chdir(cwd)

        for size in sizes:
            tree = base / f"tree{size}"
            facts = build(tree, size, args.seed)
            n = f"{facts['files']:,}"
            print(f"generated {tree}: {n} files in {facts['generate_s']:.1f}s", flush=True)
            audit = [exe, "audit", str(tree), "--format", "json"]
            colds, warms, peaks_c, peaks_w, code = [], [], [], [], 0
            groups_c: list[int] = []
            groups_w: list[int] = []
            touched = next(tree.glob("services/*/src/*/*/*.py"), tree / "README.md")
            for k in range(args.repeat):
                shutil.rmtree(cache_dir, ignore_errors=True)
                t, rss, code, group = run_limited(audit, 1e9)
                colds.append(t)
                peaks_c.append(rss)
                groups_c += [group] if group is not None else []
                with open(touched, "a") as fh:
                    fh.write(f"# touched {k}\n")
                t, rss, code, group = run_limited(audit, 1e9)
                warms.append(t)
                peaks_w.append(rss)
                groups_w += [group] if group is not None else []
            cold = statistics.median(colds)
            table.add("audit, cold (empty cache)", n, cold, min(colds), max(peaks_c), code, group=max(groups_c, default=None))
            table.add("audit, warm (2nd run, 1 file modified)", n, statistics.median(warms), min(warms), max(peaks_w), code,
                      note="" if has_cache_flag else "no cache yet: a plain second run", group=max(groups_w, default=None))
            if size in peer_sizes and ds:
                cmd = [ds, "scan", "--all-files", "-n", "--exclude-files", r"(^|/)(node_modules|vendor)/", "."]
                add_peer(table, "  detect-secrets scan --all-files", n, cmd, tree, args.peer_timeout, cold,
                         f"{os.cpu_count()} workers; secrets only; scans the 5 MB JSON readycheck skips")
            if size in peer_sizes and checkov:
                cmd = [checkov, "-d", ".", "--framework", "terraform", "kubernetes", "--quiet", "--compact", "-o", "json",
                       "--skip-download"]
                add_peer(table, "  checkov terraform+kubernetes", n, cmd, tree, args.peer_timeout, cold, "IaC only")
            print(table.render().splitlines()[-1], flush=True)
            if not args.keep:
                shutil.rmtree(tree, ignore_errors=True)

        if args.history > 0:
            tree = base / f"history{args.history}"
            facts = build(tree, args.history_files, args.seed, args.history)
            n = f"{facts['files']:,}"
            print(f"generated {tree}: {n} files, {args.history} commits in {facts['generate_s'] + facts['history_s']:.1f}s", flush=True)
            plain = add_measure(table, "audit (git repo, no --history)", n,
                                [exe, "audit", str(tree), "--format", "json", *no_cache], args.repeat, note=" ".join(no_cache))
            t = add_measure(table, f"audit --history ({args.history} commits)", n,
                            [exe, "audit", str(tree), "--history", "--format", "json", *no_cache], args.repeat)
            table.rows[-1][7] = f"{' '.join(no_cache)} history adds {t - plain:.2f} s".strip()
    finally:
        os.chdir(cwd)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print()
    print(table.render())
    print("\nexit: readycheck exits 1 on NO-GO (expected on these trees: planted secrets); peers' exit codes as they return them.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
