"""Parallel parsing in RepoIndex.prepare(): the same results as sequential, and a safe fallback."""

from __future__ import annotations

import concurrent.futures as cf
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from readycheck.config import Policy
from readycheck.engine import run_audit
from readycheck.index import build_index
from readycheck.index import parallel
from readycheck.registry import load_registry
from readycheck.reporters import render

from tests.unit.test_cache import AGENT, TF, TS, strip

REG = load_registry(plugins=False)


def generate(root: Path, n: int) -> Path:
    for i in range(n):
        folder = root / f"pkg{i % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 3 == 0:
            (folder / f"m{i}.ts").write_text(TS.replace("answer", f"answer{i}"))
        elif i % 11 == 0:
            (folder / f"m{i}.tf").write_text(TF.replace('"llm"', f'"llm{i}"'))
        elif i % 7 == 0:
            (folder / f"m{i}.py").write_text(f"def broken_{i}(:\n")
        else:
            (folder / f"m{i}.py").write_text(AGENT.replace("def run", f"def run_{i}"))
    (root / "config.yaml").write_text("a: 1\n")
    return root


def audit(root: Path, monkeypatch: pytest.MonkeyPatch, workers: str) -> dict[str, Any]:
    monkeypatch.setenv("READYCHECK_WORKERS", workers)
    report = run_audit(root, Policy(root=root, cache=False), REG, REG.select(None))
    return strip(json.loads(render(report, "json")))  # type: ignore[no-any-return]


def test_parallel_and_sequential_reports_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = generate(tmp_path / "repo", 40)
    calls: list[int] = []
    real = parallel.parse_many

    def spy(jobs: Any, workers: int) -> Any:
        calls.append(workers)
        return real(jobs, workers)

    monkeypatch.setattr(parallel, "parse_many", spy)
    sequential = audit(root, monkeypatch, "1")
    assert calls == []
    pooled = audit(root, monkeypatch, "2")
    assert calls == [2]
    assert sequential == pooled


def test_the_pool_parses_only_cache_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READYCHECK_CACHE_DIR", str(tmp_path / "cache-home"))
    monkeypatch.setenv("READYCHECK_WORKERS", "2")
    root = generate(tmp_path / "repo", 12)
    jobs_seen: list[list[str]] = []

    def spy(jobs: Any, workers: int) -> Any:
        jobs_seen.append([path for _, path, _ in jobs])
        return [parallel.parse_one(*job) for job in jobs], 0

    monkeypatch.setattr(parallel, "parse_many", spy)
    first = strip(json.loads(render(run_audit(root, Policy(root=root), REG, REG.select(None)), "json")))
    assert sorted(jobs_seen[0])[0] == "config.yaml" and len(jobs_seen[0]) == 13  # the 12 code files and the YAML
    (root / "pkg1" / "m1.py").write_text("x = 1\n")
    second = strip(json.loads(render(run_audit(root, Policy(root=root), REG, REG.select(None)), "json")))
    # Only the changed file needs parsing; a single job is never sent to a pool.
    assert jobs_seen[1:] in ([], [["pkg1/m1.py"]])
    assert first["verdict"] and second["verdict"]


class _BrokenPool:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        raise cf.process.BrokenProcessPool("a worker died")

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def test_a_failing_pool_falls_back_to_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = generate(tmp_path / "repo", 10)
    expected = build_index(root, use_git=False)
    expected.prepare(workers=1)
    monkeypatch.setattr(cf, "ProcessPoolExecutor", _BrokenPool)
    index = build_index(root, use_git=False)
    index.prepare(workers=2)
    for a, b in zip(expected.files, index.files):
        assert a.python == b.python and a.js == b.js and a.terraform == b.terraform and a.parse_errors == b.parse_errors


def _jobs(n: int) -> list[tuple[str, str, str]]:
    return [("python", f"m{i}.py", AGENT.replace("def run", f"def run_{i}")) for i in range(n)]


def test_both_ends_of_the_queue_parse_and_the_results_keep_their_order() -> None:
    jobs = _jobs(400) + [("js", "web.ts", TS), ("terraform", "main.tf", TF)]
    products, pooled = parallel.parse_many(jobs, 2)
    assert products == [parallel.parse_one(*job) for job in jobs]
    # This process takes chunks from the back while the worker starts, so it parses some; the
    # worker, once started, takes the front (its count depends on how fast it starts).
    assert 0 <= pooled < len(jobs)


def test_the_pool_parses_its_share_when_this_process_is_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    real = parallel.parse_one

    def slow(*job: Any) -> Any:  # this process only: the workers import the real one
        time.sleep(0.05)
        return real(*job)

    monkeypatch.setattr(parallel, "parse_one", slow)
    jobs = _jobs(200)
    products, pooled = parallel.parse_many(jobs, 2)
    assert pooled > 0
    assert products == [real(*job) for job in jobs]


def test_a_timeout_kills_the_pool_and_this_process_parses_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_BASE_TIMEOUT", 0.0)
    monkeypatch.setattr(parallel, "_PER_FILE_TIMEOUT", 0.0)
    crashes: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    jobs = [("python", f"m{i}.py", "x = 1\n") for i in range(4)]
    products, pooled = parallel.parse_many(jobs, 2)
    assert pooled == 0 and products == [parallel.parse_one(*job) for job in jobs]
    # The killed pool's own thread winds down without raising (no traceback on the terminal).
    deadline = time.monotonic() + 30
    while any(type(t).__name__ == "_ExecutorManagerThread" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert crashes == []
    index = build_index(generate(tmp_path / "repo", 6), use_git=False)
    index.prepare(workers=2)
    assert all(f.python is not None for f in index.by_kind("python"))


def test_worker_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("READYCHECK_WORKERS", raising=False)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 8)
    assert parallel.worker_count(parallel.PARALLEL_THRESHOLD - 1) == 1
    assert parallel.worker_count(parallel.PARALLEL_THRESHOLD) == 6
    assert parallel.worker_count(2000) == 8
    assert parallel.worker_count(2000, workers=1) == 1
    assert parallel.worker_count(5, workers=3) == 3
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)  # two cores: only long parses gain
    assert parallel.worker_count(parallel.FEW_CORES_THRESHOLD - 1) == 1
    assert parallel.worker_count(parallel.FEW_CORES_THRESHOLD) == 2
    monkeypatch.setattr(parallel, "usable_cores", lambda: parallel.MIN_CORES - 1)
    assert parallel.worker_count(20000) == 1
    monkeypatch.setenv("READYCHECK_WORKERS", "2")
    assert parallel.worker_count(10) == 2
    monkeypatch.setenv("READYCHECK_WORKERS", "1")
    assert parallel.worker_count(5000) == 1
    monkeypatch.setenv("READYCHECK_WORKERS", "lots")
    assert parallel.worker_count(10) == 1
