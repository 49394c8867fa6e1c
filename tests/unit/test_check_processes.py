"""Checks of a large audit run in forked child processes: the same report, and a check that ends
its process is an error of its own."""

from __future__ import annotations

import json
import weakref
from pathlib import Path
from typing import Any

import pytest

from readycheck import engine
from readycheck.config import Policy
from readycheck.engine import run_audit
from readycheck.index import build_index
from readycheck.registry import load_registry
from readycheck.reporters import render

from tests.unit.test_cache import strip

REG = load_registry(plugins=False)
SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"


@pytest.mark.parametrize("sample", ["support-agent-go", "quickbot-nogo", "docs-assistant-ts"])
def test_checks_in_child_processes_give_the_same_report(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = SAMPLES / sample
    forked: list[bool] = []
    real = engine._run_forked

    def spy(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        forked.append(out is not None)
        return out

    monkeypatch.setattr(engine, "_run_forked", spy)
    reports = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("READYCHECK_WORKERS", workers)
        seen: list[str] = []
        report = run_audit(root, Policy(root=root, cache=False), REG, REG.select(None), progress=lambda s: seen.append(s.id))
        assert sorted(seen) == sorted(s.id for s in REG.select(None))  # progress hears of every check
        reports[workers] = strip(json.loads(render(report, "json")))
    assert forked == [True]  # READYCHECK_WORKERS=1 ran them here, 2 in children
    assert reports["1"] == reports["2"]


def test_who_runs_the_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("READYCHECK_WORKERS", raising=False)
    monkeypatch.setattr(engine, "FORK_MIN_FILES", 3)
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text("x = 1\n")
    small = build_index(tmp_path, use_git=False)
    specs = REG.select(None)
    policy = Policy(root=tmp_path, cache=False)
    monkeypatch.setattr(engine.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(engine, "_memory_room", lambda: 100.0)  # MemAvailable / this process's RSS
    assert engine._check_processes(small, policy, specs) == 1  # two cores: this process and a child
    monkeypatch.setattr(engine.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert engine._check_processes(small, policy, specs) == 3  # at most four processes
    monkeypatch.setattr(engine, "_memory_room", lambda: None)  # unknown: cores decide
    assert engine._check_processes(small, policy, specs) == 3
    monkeypatch.setattr(engine, "_memory_room", lambda: 5.0)  # room for two private copies
    assert engine._check_processes(small, policy, specs) == 2
    monkeypatch.setattr(engine, "_memory_room", lambda: 1.9)  # not even one
    assert engine._check_processes(small, policy, specs) == 0
    monkeypatch.setattr(engine, "_memory_room", lambda: 100.0)
    monkeypatch.setattr(engine, "FORK_MIN_FILES", 4)
    assert engine._check_processes(small, policy, specs) == 0  # too few files to pay for a fork
    monkeypatch.setenv("READYCHECK_WORKERS", "3")
    assert engine._check_processes(small, policy, specs) == 2  # forced, whatever the size
    assert engine._check_processes(small, policy, specs[:2]) == 1
    monkeypatch.setenv("READYCHECK_WORKERS", "1")
    assert engine._check_processes(small, policy, specs) == 0
    monkeypatch.setenv("READYCHECK_WORKERS", "2")
    staged = Policy(root=tmp_path, cache=False, staged=True)
    assert engine._check_processes(small, staged, specs) == 0  # a hook's few checks run here


def test_what_the_parent_had_buffered_is_written_once(tmp_path: Path) -> None:
    # A program that calls readycheck with output still in its stdout buffer (a pipe: block
    # buffered): the forked children must not write that buffer again when they end.
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from readycheck.config import Policy\n"
        "from readycheck.engine import run_audit\n"
        "from readycheck.registry import load_registry\n"
        "sys.stdout.write('BUFFERED-BEFORE-THE-AUDIT\\n')\n"
        "root = Path(sys.argv[1])\n"
        "reg = load_registry(plugins=False)\n"
        "report = run_audit(root, Policy(root=root, cache=False), reg, reg.select(None))\n"
        "sys.stdout.write(report.verdict + '\\n')\n"
    )
    env = {**os.environ, "READYCHECK_WORKERS": "2"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(SAMPLES / "quickbot-nogo")], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("BUFFERED-BEFORE-THE-AUDIT") == 1
    assert done.stdout.strip().endswith("NO-GO")


def test_what_a_check_leaves_is_frozen_before_the_next_and_thawed_after_the_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables a check memoises for the others are kept out of the collector's generations
    while later checks run (the parsed index already is), and handed back when the audit ends."""
    import gc

    root = SAMPLES / "quickbot-nogo"
    monkeypatch.setenv("READYCHECK_WORKERS", "1")
    real = engine.run_check
    seen: list[int] = []

    class Node:
        def __init__(self) -> None:
            self.me = self  # a reference cycle: only the collector frees it

    dropped: list[weakref.ref[Node]] = []
    alive_then: list[int] = []

    def check(spec: Any, detector: Any, index: Any, *args: Any) -> Any:
        seen.append(gc.get_freeze_count())
        if len(seen) == 2:
            alive_then.append(sum(ref() is not None for ref in dropped))
        result = real(spec, detector, index, *args)
        if len(seen) == 1:  # the first check memoises a table of 5,000 tracked objects
            index.memo("test-table", lambda: [[i] for i in range(5000)])
            dropped.extend(weakref.ref(Node()) for _ in range(50))  # and leaves cyclic garbage as it ends
        return result

    monkeypatch.setattr(engine, "run_check", check)
    assert gc.isenabled()
    before = gc.get_freeze_count()
    run_audit(root, Policy(root=root, cache=False), REG, REG.select(None))
    assert seen[1] >= seen[0] + 5000  # frozen once the first check was done
    assert alive_then == [0]  # its garbage was collected, not frozen with what it keeps
    assert gc.get_freeze_count() == before == 0  # the audit unfreezes what it froze
    gc.disable()
    try:  # a program that turned the collector off keeps it off, and nothing is frozen
        seen.clear()
        run_audit(root, Policy(root=root, cache=False), REG, REG.select(None))
        assert set(seen) == {0} and not gc.isenabled()
    finally:
        gc.enable()
