"""Parallel parsing in RepoIndex.prepare(): the same results as sequential, and a safe fallback."""

from __future__ import annotations

import concurrent.futures as cf
import json
from pathlib import Path
from typing import Any

import pytest

from readycheck.config import Policy
from readycheck.engine import run_audit
from readycheck.index import build_index
from readycheck.index import parallel
from readycheck.registry import load_registry
from readycheck.reporters import render

from tests.unit.test_cache import AGENT, TS, strip

REG = load_registry(plugins=False)


def generate(root: Path, n: int) -> Path:
    for i in range(n):
        folder = root / f"pkg{i % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 3 == 0:
            (folder / f"m{i}.ts").write_text(TS.replace("answer", f"answer{i}"))
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
        out = real(jobs, workers)
        assert out is not None  # the pool really ran
        return out

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
        return None  # as if the pool failed: the caller parses sequentially

    monkeypatch.setattr(parallel, "parse_many", spy)
    first = strip(json.loads(render(run_audit(root, Policy(root=root), REG, REG.select(None)), "json")))
    assert len(jobs_seen[0]) == 12
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
        assert a.python == b.python and a.js == b.js and a.parse_errors == b.parse_errors


def test_a_timeout_kills_the_pool_and_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_BASE_TIMEOUT", 0.0)
    monkeypatch.setattr(parallel, "_PER_FILE_TIMEOUT", 0.0)
    jobs = [("python", f"m{i}.py", "x = 1\n") for i in range(4)]
    assert parallel.parse_many(jobs, 2) is None
    index = build_index(generate(tmp_path / "repo", 6), use_git=False)
    index.prepare(workers=2)
    assert all(f.python is not None for f in index.by_kind("python"))


def test_worker_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("READYCHECK_WORKERS", raising=False)
    monkeypatch.setattr(parallel, "_usable_cores", lambda: 8)
    assert parallel.worker_count(parallel.PARALLEL_THRESHOLD - 1) == 1
    assert parallel.worker_count(2000) == 8
    assert parallel.worker_count(2000, workers=1) == 1
    assert parallel.worker_count(5, workers=3) == 3
    monkeypatch.setattr(parallel, "_usable_cores", lambda: parallel.MIN_CORES - 1)
    assert parallel.worker_count(2000) == 1
    monkeypatch.setenv("READYCHECK_WORKERS", "2")
    assert parallel.worker_count(10) == 2
    monkeypatch.setenv("READYCHECK_WORKERS", "1")
    assert parallel.worker_count(5000) == 1
    monkeypatch.setenv("READYCHECK_WORKERS", "lots")
    assert parallel.worker_count(10) == 1
