"""Parsing many files across processes (`spawn`-safe), with a sequential fallback.

This process parses too: it takes chunks from the end of the queue while `workers - 1` pool
processes take them from the front, so the pool's start-up (a fresh interpreter importing the
parsers, about half a second) overlaps useful work instead of adding to it, and with two cores
one worker is enough to use both. Workers receive (parser, path, text) and return the parse
product; products are plain dataclasses, pickled back by the standard process pool. Whatever the
pool fails to deliver (a worker that dies, a timeout, an unpicklable result) is parsed here: the
results are the same either way, only slower.
"""

from __future__ import annotations

import heapq
import os
from typing import Any, Sequence

__all__ = [
    "PARALLEL_THRESHOLD", "FEW_CORES_THRESHOLD", "MIN_CORES", "forced_workers", "usable_cores", "worker_count",
    "parse_one", "parse_many",
]

# Code files to parse below which the pool is not worth starting. Parse products come back
# pickled, and unpickling them costs this process about a quarter of what parsing them did, so two
# cores gain little until the parsing is long: on 2 cores, 3,139 code files took 4.05 s either
# way and 12,508 took 19.9 s alone against 14.4 s with one worker. With four cores or more the
# pool pays from a few hundred files.
PARALLEL_THRESHOLD = 300
FEW_CORES_THRESHOLD = 5000
MIN_CORES = 2
_BASE_TIMEOUT = 60.0
_PER_FILE_TIMEOUT = 0.5
_CHUNK_FILES = 50  # files per chunk: small enough that the two ends of the queue meet evenly

Job = tuple[str, str, str]  # (view: "python" | "js" | "terraform" | "documents" (YAML), path, text)


def worker_count(pending: int, workers: int | None = None) -> int:
    """How many processes (this one included) parse `pending` files; 1 means this one alone.

    `workers` (or READYCHECK_WORKERS) forces a count: 1 turns parallel parsing off, N > 1 turns it
    on whatever the number of files. Otherwise: every core (at most 8), from PARALLEL_THRESHOLD
    files on (FEW_CORES_THRESHOLD with two or three cores). Never in a process that is itself a
    pool's worker (an unguarded script run again by `spawn`)."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        return 1
    if workers is None:
        workers = forced_workers()
    if workers is not None:
        return max(1, min(workers, pending))
    cpus = usable_cores()
    if cpus < MIN_CORES or pending < (PARALLEL_THRESHOLD if cpus >= 4 else FEW_CORES_THRESHOLD):
        return 1
    return min(cpus, 8, max(2, pending // 50))


def forced_workers() -> int | None:
    """READYCHECK_WORKERS: how many processes readycheck may use, this one included (at least 1);
    None when it is unset or not a number."""
    env = os.environ.get("READYCHECK_WORKERS", "").strip()
    try:
        return max(1, int(env)) if env else None
    except ValueError:
        return None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def parse_one(parser: str, path: str, text: str) -> Any:
    if parser == "python":
        from readycheck.parsers.python_facts import parse_python

        return parse_python(text, path)
    if parser == "terraform":
        from readycheck.parsers.terraform import parse_terraform

        return parse_terraform(text)
    if parser == "documents":  # only YAML's documents are parsed here (JSON and TOML parse fast)
        from readycheck.parsers.structured import parse_yaml_file

        return parse_yaml_file(text)
    from readycheck.parsers.js_facts import parse_js

    return parse_js(text, path)


_claims: Any = None  # in a pool worker: the chunks' shared claim flags (see parse_many)


def _init_worker(claims: Any) -> None:
    global _claims
    _claims = claims


def _claim(claims: Any, k: int) -> bool:
    """Take chunk `k` unless the other end of the queue already has."""
    with claims.get_lock():
        if claims[k]:
            return False
        claims[k] = 1
        return True


def _parse_chunk(k: int, jobs: Sequence[Job]) -> list[Any] | None:
    """Chunk `k`'s products, or None when this process took it."""
    import gc

    if _claims is not None and not _claim(_claims, k):
        return None
    gc.disable()  # the products hold no cycles (see RepoIndex.prepare)
    return [parse_one(*job) for job in jobs]


def _chunks(jobs: Sequence[Job], n_chunks: int) -> list[list[int]]:
    """Job indexes in `n_chunks` chunks of similar total size (largest files placed first)."""
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][2]))
    chunks: list[list[int]] = [[] for _ in range(n_chunks)]
    heap = [(0, k) for k in range(n_chunks)]
    for i in order:
        load, k = heapq.heappop(heap)
        chunks[k].append(i)
        heapq.heappush(heap, (load + len(jobs[i][2]) + 200, k))
    return [sorted(c) for c in chunks if c]


def parse_many(jobs: Sequence[Job], workers: int) -> tuple[list[Any], int]:
    """The products of `jobs`, in order, and how many of them the pool's processes parsed.

    `workers` counts this process: `workers - 1` pool processes take chunks from the front while
    this one takes them from the back, until the two meet. Whatever the pool does not deliver is
    parsed here."""
    import concurrent.futures as cf
    import multiprocessing

    if workers < 2 or len(jobs) < 2:
        return [parse_one(*job) for job in jobs], 0
    results: list[Any] = [None] * len(jobs)
    done = [False] * len(jobs)
    chunks = _chunks(jobs, max(min(len(jobs), workers * 4), -(-len(jobs) // _CHUNK_FILES)))
    pooled = 0
    pool: Any = None
    ok = False
    try:
        context = multiprocessing.get_context("spawn")
        # Each chunk is taken once, by whichever end of the queue reaches it first. Flags in
        # shared memory rather than Future.cancel(): a pool that has to be killed later would
        # try to fail the cancelled futures and raise in its own thread.
        claims = context.Array("b", len(chunks))
        pool = cf.ProcessPoolExecutor(
            max_workers=workers - 1, mp_context=context, initializer=_init_worker, initargs=(claims,)
        )
        futures = {pool.submit(_parse_chunk, k, [jobs[i] for i in chunk]): chunk for k, chunk in enumerate(chunks)}
        for k in range(len(chunks) - 1, -1, -1):  # the back of the queue, here
            if not _claim(claims, k):
                break
            for i in chunks[k]:
                results[i] = parse_one(*jobs[i])
                done[i] = True
        timeout = _BASE_TIMEOUT + _PER_FILE_TIMEOUT * sum(1 for d in done if not d)
        for fut in cf.as_completed(futures, timeout=timeout):
            products = fut.result()
            if products is None:  # taken here
                continue
            for i, product in zip(futures[fut], products):
                results[i] = product
                done[i] = True
                pooled += 1
        ok = True
    except Exception:  # noqa: BLE001 - a broken pool, a timeout: what is missing is parsed here
        ok = False
    finally:
        if pool is not None:
            if not ok:
                _kill(pool)
            pool.shutdown(wait=ok)
    for i, job in enumerate(jobs):
        if not done[i]:
            results[i] = parse_one(*job)
    return results, pooled


def _kill(pool: Any) -> None:
    """Stop a pool's workers now (a hung worker would otherwise block the interpreter's exit)."""
    try:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
    except Exception:  # noqa: BLE001  # pragma: no cover - best effort
        pass
