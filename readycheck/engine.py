"""Run the selected checks, each isolated and time-bounded, and build the report."""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Sequence

from readycheck import __version__
from readycheck.config import Policy
from readycheck.detectors.base import Context
from readycheck.errors import ConfigError, UsageError
from readycheck.index import RepoIndex, build_index, build_staged_index
from readycheck.model import CheckDocs, CheckSpec, Evidence, Outcome, Report, Result, Severity, Status
from readycheck.registry import Registry
from readycheck.suppress import JUDGED, Baseline, Suppressions
from readycheck.verdict import decide, suppressed_findings

if TYPE_CHECKING:
    from readycheck.cloud import CloudSnapshot
    from readycheck.secrets import SecretRule

__all__ = ["run_audit", "run_check", "redact_evidence"]

_MAX_EVIDENCE = 50
_MAX_CAPTURE = 4000  # characters of what one check prints that are kept (the rest is counted)


class _Capture:
    """What one check's thread printed: the first characters kept, the rest counted."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.total = 0

    def write(self, text: str) -> None:
        self.total += len(text)
        if self.kept < _MAX_CAPTURE:
            piece = text[: _MAX_CAPTURE - self.kept]
            self.parts.append(piece)
            self.kept += len(piece)

    def text(self) -> str:
        return "".join(self.parts)


# Threads running a check (and any thread abandoned after its time bound): their writes to
# sys.stdout / sys.stderr go to their capture, never to the real streams.
_captures: dict[int, _Capture] = {}
_captures_lock = threading.Lock()


class _Router:
    """Stands in for sys.stdout or sys.stderr while checks run: a check's thread writes into its
    own capture; every other thread (the CLI's progress line, pytest) writes through."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def write(self, text: str) -> int:
        capture = _captures.get(threading.get_ident())
        if capture is None:
            return int(self._real.write(text) or 0)
        if isinstance(text, str):
            capture.write(text)
        return len(text) if isinstance(text, str) else 0

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if threading.get_ident() not in _captures:
            self._real.flush()

    def isatty(self) -> bool:
        return False if threading.get_ident() in _captures else bool(self._real.isatty())

    @property
    def buffer(self) -> Any:
        capture = _captures.get(threading.get_ident())
        return self._real.buffer if capture is None else _BinaryCapture(capture)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _BinaryCapture:
    """``sys.stdout.buffer`` as a check's thread sees it: bytes go to its capture too."""

    def __init__(self, capture: _Capture) -> None:
        self._capture = capture

    def write(self, data: bytes) -> int:
        self._capture.write(bytes(data).decode("utf-8", "replace"))
        return len(data)

    def flush(self) -> None:
        pass


class _Abandoned(BaseException):
    """Raised inside a check's thread once it ran past its time bound, so a busy loop stops
    burning the CPU the rest of the audit needs (a thread blocked in C stops when it returns)."""


def _stop_thread(worker: threading.Thread) -> None:
    ident = worker.ident
    if ident is None:
        return
    try:
        import ctypes  # only when a check overran its time bound

        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(_Abandoned))
    except Exception:  # pragma: no cover - an interpreter without the C API: the thread just runs on
        pass


class _Routed:
    """Install the routers for the length of an audit. They stay in place afterwards only while a
    thread abandoned after its time bound is still alive, so it can never write to the real
    streams later."""

    def __enter__(self) -> None:
        self.installed: list[tuple[str, _Router]] = []
        for name in ("stdout", "stderr"):
            current = getattr(sys, name)
            if isinstance(current, _Router) or current is None:
                continue
            router = _Router(current)
            setattr(sys, name, router)
            self.installed.append((name, router))

    def __exit__(self, *exc: object) -> None:
        with _captures_lock:
            alive = any(t.ident in _captures for t in threading.enumerate() if t.is_alive())
        if alive:
            return
        for name, router in self.installed:
            if getattr(sys, name) is router:
                setattr(sys, name, router._real)


def _printed_note(capture: _Capture, rules: Sequence[SecretRule] | None) -> str:
    """A short, escaped, redacted mention of what a check printed (it never reaches the report's
    stream)."""
    from readycheck.secrets import redact_line

    # Redact whole lines first (a secret cut in half by the preview would go unrecognised), then
    # cut, then escape the control characters.
    text = "".join(redact_line(line, rules) for line in capture.text().splitlines(keepends=True))
    preview = text[:160]
    escaped = preview.encode("unicode_escape", "backslashreplace").decode("ascii")
    more = "…" if capture.total > len(preview) or len(text) > len(preview) else ""
    return f" [the check printed {capture.total} character(s), kept out of the report: \"{escaped}{more}\"]"


def _params_for(spec: CheckSpec, policy: Policy) -> MappingProxyType[str, Any]:
    merged = dict(spec.params)
    for key in (spec.slug, spec.id):
        merged.update(policy.params.get(key, {}))
    return MappingProxyType(merged)


def redact_evidence(ev: Evidence, rules: Sequence[SecretRule] | None = None) -> Evidence:
    """No snippet or note leaves the engine holding a secret in full, whatever check produced it.
    ``rules`` defaults to the built-in secret rules; the audit passes the team's own as well."""
    from readycheck.secrets import redact_line

    changes: dict[str, Any] = {}
    for name in ("snippet", "note"):
        value = getattr(ev, name)
        if value:
            safe = redact_line(value, rules)
            if safe != value:
                changes[name] = safe
    return dataclasses.replace(ev, **changes) if changes else ev


def _team_rules(policy: Policy) -> Sequence[SecretRule] | None:
    if not policy.secret_rules:
        return None
    from readycheck.secrets import load_rules

    return load_rules(policy.secret_rules)


def _malformed(out: Outcome) -> str | None:
    """What is wrong with an Outcome a (third-party) detector built by hand, or None."""
    if not isinstance(out.status, Status):
        return f"status is {type(out.status).__name__}, not a Status"
    if not isinstance(out.message, str):
        return f"message is {type(out.message).__name__}, not a string"
    try:
        evidence = tuple(out.evidence)
    except TypeError:
        return f"evidence is {type(out.evidence).__name__}, not a sequence"
    for ev in evidence:
        if not isinstance(ev, Evidence) or not isinstance(ev.path, str) or not (ev.line is None or isinstance(ev.line, int)):
            return f"evidence holds a {type(ev).__name__} that is not an Evidence with a string path"
        for name in ("snippet", "note", "fingerprint", "rule", "suppressed"):
            if getattr(ev, name) is not None and not isinstance(getattr(ev, name), str):
                return f"evidence {name} is {type(getattr(ev, name)).__name__}, not a string"
    return None


def run_check(
    spec: CheckSpec,
    detector: Callable[[Context], Outcome],
    index: RepoIndex,
    policy: Policy,
    suppressions: Suppressions | None = None,
    cloud: CloudSnapshot | None = None,
) -> Result:
    if suppressions is None:  # inline comments still count when no audit-wide baseline is given
        suppressions = Suppressions(index, None, inline=policy.inline_suppressions)
    ctx = Context(index, _params_for(spec, policy), policy, spec, suppressions, cloud)
    box: dict[str, Any] = {}
    capture = _Capture()

    def target() -> None:
        with _captures_lock:
            _captures[threading.get_ident()] = capture
        try:
            box["outcome"] = detector(ctx)
        except BaseException as exc:  # noqa: BLE001 - one check never takes the audit down (sys.exit too)
            box["error"] = exc
        finally:  # an abandoned thread stays captured until it ends
            with _captures_lock:
                if _captures.get(threading.get_ident()) is capture:
                    del _captures[threading.get_ident()]

    start = time.perf_counter()
    worker = threading.Thread(target=target, name=f"check-{spec.id}", daemon=True)
    with _Routed():
        worker.start()
        worker.join(policy.check_timeout)
        if worker.is_alive():
            box["abandoned"] = True
            _stop_thread(worker)
    elapsed = (time.perf_counter() - start) * 1000
    severity = policy.severity.get(spec.id, policy.severity.get(spec.slug))
    blocking = policy.blocking.get(spec.id, policy.blocking.get(spec.slug))

    from readycheck.secrets import redact_line

    rules = _team_rules(policy)
    printed = _printed_note(capture, rules) if capture.total else ""

    def result(status: Status, message: str, evidence: Sequence[Evidence] = ()) -> Result:
        return Result(spec, status, message, tuple(evidence), severity, blocking, elapsed)

    if box.get("abandoned"):
        return result(Status.ERROR, f"check did not finish within {policy.check_timeout:g} s and was abandoned" + printed)
    if "error" in box:
        exc = box["error"]
        text = redact_line(f"{type(exc).__name__}: {str(exc)[:200]}", rules)
        return result(Status.ERROR, f"check crashed: {text}" + printed)
    out = box.get("outcome")
    if not isinstance(out, Outcome):
        return result(Status.ERROR, f"detector '{spec.detector}' returned {type(out).__name__}, not an Outcome" + printed)
    problem = _malformed(out)
    if problem:
        return result(Status.ERROR, f"detector '{spec.detector}' returned a malformed Outcome: {problem}" + printed)

    evidence = sorted(out.evidence, key=lambda e: (e.path, e.line or 0))
    if out.status in JUDGED:
        # Every finding is judged below, on its redacted text (a baseline holds its fingerprint).
        evidence = [redact_evidence(e, rules) for e in evidence]
    else:  # nothing is judged: only what the report keeps needs redacting (redaction keeps the order)
        evidence[:_MAX_EVIDENCE] = [redact_evidence(e, rules) for e in evidence[:_MAX_EVIDENCE]]
    message = redact_line(out.message, rules) + printed
    # Every finding of a failed or warned result, whatever the check: inline comments, the
    # config's entries, the baseline, --diff. Judged on all the findings, before the list is cut.
    judged = suppressions.apply(result(out.status, message, evidence))
    evidence, message = list(judged.evidence), judged.message
    if len(evidence) > _MAX_EVIDENCE:
        message += f" (showing {_MAX_EVIDENCE} of {len(evidence)} locations)"
        evidence = evidence[:_MAX_EVIDENCE]
    return dataclasses.replace(judged, message=message, evidence=tuple(evidence))


def _cloud_note(cloud: CloudSnapshot) -> str:
    """One line on what the audit knows of the account, and what it does not."""
    described = cloud.describe()
    where = f"AWS account {described['account_id'] or 'unknown'}"
    if described["regions"]:
        where += f" ({', '.join(described['regions'])})"
    missing = {name: status for name, status in described["services"].items() if status not in ("collected", "skipped")}
    if cloud.data.get("interrupted"):
        where += ", collection interrupted"
    if not missing:
        return f"cloud: {where}, every service read"
    messages = {cloud.service(name).get("message") for name in missing}
    if len(messages) == 1 and None not in messages and len(missing) > 1:  # one cause: no credentials...
        return f"cloud: {where}; not read: {messages.pop()}"
    reasons = []
    for name, status in sorted(missing.items()):
        message = cloud.service(name).get("message")
        reasons.append(f"{name} {status}" + (f" ({message})" if message else ""))
    return f"cloud: {where}; not fully read: {'; '.join(reasons)}"


def run_audit(
    target: Path,
    policy: Policy,
    registry: Registry,
    specs: Sequence[CheckSpec],
    *,
    index: RepoIndex | None = None,
    progress: Callable[[CheckSpec], None] | None = None,
    cloud: CloudSnapshot | None = None,
) -> Report:
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    if index is None and policy.staged:
        index = build_staged_index(target, exclude=policy.exclude, max_file_size=policy.max_file_size)
    elif index is None:
        index = build_index(target, exclude=policy.exclude, max_file_size=policy.max_file_size)
    if not policy.staged:  # a pre-commit run parses only what its few checks ask for
        _prepare(index, policy)
    baseline = Baseline.load(policy.baseline) if policy.baseline is not None else None
    entries = []
    for entry in policy.suppress:
        named = registry.get(entry.check)
        if named is None:
            raise ConfigError(f"{entry.where}: unknown check '{entry.check}' (an id such as RC0402, or a slug)")
        entries.append((named.id, entry))
    changed, diff = _changes(target, policy)
    suppressions = Suppressions(
        index, baseline, inline=policy.inline_suppressions, entries=entries, changed=changed, diff_ref=policy.diff_ref
    )
    results: list[Result] = []
    notes = suppressions.expired_notes()
    if policy.staged:
        whole = [s for s in specs if s.scope != "file"]
        if whole:
            notes.append(f"{len(whole)} check(s) judge the whole repository and do not run on staged files")
        specs = [s for s in specs if s.scope == "file"]
    # Everything parsed lives until the audit ends: keep it out of the cyclic collector's
    # generations while the checks run, or their own allocations make it walk millions of parsed
    # objects again and again (0.6-1 s of the checks on 5,000 files). Refcounting still frees.
    # What each check leaves behind (the project-wide tables it memoised for the others) is
    # frozen in turn after it (see _run_checks).
    frozen = gc.isenabled()
    if frozen:
        gc.freeze()
    try:
        results.extend(_run_checks(specs, registry, index, policy, suppressions, cloud, progress, settle=frozen))
    finally:
        if frozen:
            gc.unfreeze()
    for prefix, why in registry.broken_packs:
        results.append(_broken_pack_result(prefix, why))
        notes.append(f"{why}: its checks did not run, so the verdict cannot be GO")
    notes.extend(registry.pack_notes)
    if cloud is not None:
        notes.append(_cloud_note(cloud))
    results.sort(key=lambda r: (r.spec.item, r.spec.id))
    if diff is not None:
        notes.append(
            f"diff: only findings on lines changed since {policy.diff_ref} ({str(diff['base'])[:12]}) count, "
            f"{diff['files']} file(s) changed; repository-level checks are judged whole"
        )
    verdict, reason, answers = decide(results, staged=policy.staged)
    git = index.git
    problems = index.parse_problems()
    if problems:
        notes.append(f"{len(problems)} file(s) could not be parsed and were read as text only")
    return Report(
        tool_version=__version__,
        target_path=str(target),
        git=git.to_dict() if git else None,
        started_at=started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        duration_ms=int((time.perf_counter() - t0) * 1000),
        verdict=verdict,
        verdict_reason=reason,
        questions=answers,
        results=tuple(results),
        files_scanned=len(index.files),
        skipped=tuple(index.skipped) + tuple(problems),
        notes=tuple(notes),
        mode="staged" if policy.staged else "full",
        cloud=cloud.describe() if cloud is not None else None,
        suppressed_count=sum(suppressed_findings(r) for r in results),
        suppressed_results=sum(1 for r in results if suppressed_findings(r)),
        profile=policy.profile,
        diff=diff,
    )


def _broken_pack_result(prefix: str, why: str) -> Result:
    """An installed pack that failed to load, as a blocking ERROR: a missing check is not a
    passing one."""
    spec = CheckSpec(
        id=prefix,
        slug=f"{prefix.lower()}-check-pack",
        title=f"Check pack {prefix} loads",
        item=13,
        questions=(),
        severity=Severity.HIGH,
        confidence="high",
        blocking=True,
        tags=("plugin",),
        detector="(none)",
        params=MappingProxyType({}),
        applies_to=(),
        docs=CheckDocs("The installed check pack loads.", "Its checks cannot run otherwise.", "Fix or uninstall the pack.", ""),
        remediation="Fix or uninstall the check pack, or run with the pack's dependencies installed.",
        source=prefix,
    )
    return Result(spec, Status.ERROR, why, blocking=True)


def _prepare(index: RepoIndex, policy: Policy) -> None:
    """Parse the index, through the user's parse cache unless the policy turns it off; the
    checks' per-file results go through that cache too (RepoIndex.map_files)."""
    cache = None
    if policy.cache:
        from readycheck.cache import open_cache

        cache = open_cache(index.root)
    index.cache_results = cache is not None
    try:
        index.prepare(cache=cache)
    finally:
        if cache is not None:
            cache.close()


def _changes(target: Path, policy: Policy) -> tuple[dict[str, set[int] | None] | None, dict[str, Any] | None]:
    """``--diff REF``: the lines changed since the merge base of REF and HEAD, and what the report
    says of it; (None, None) for a whole audit."""
    if policy.diff_ref is None:
        return None, None
    if policy.staged:
        raise UsageError("--diff and --staged do not go together: a pre-commit hook judges the staged files")
    from readycheck.index.diff import changed_lines, merge_base

    try:
        _, _, base = merge_base(target, policy.diff_ref)
        changed = changed_lines(target, policy.diff_ref)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    return changed, {"ref": policy.diff_ref, "base": base, "files": len(changed)}


# --- running the checks ------------------------------------------------------------------------------

# Audits of at least this many files run their checks in this process and in child processes forked
# once everything is parsed: the children start with the parsed index (nothing is pickled to them),
# take checks from the front of the list while this process takes them from the back, and send
# their results back. Below this size the checks take about a second and a fork would not pay.
FORK_MIN_FILES = 2000
# Reading the index touches the reference count of nearly every object, so each child ends up with
# a private copy of most of the parent's memory (on the 21,000-file tree: 180 MiB each, the parent
# 253 MiB). A child is forked only while MemAvailable holds this many copies of the parent's
# resident memory for it.
_MEMORY_PER_CHILD = 2.0


def _check_processes(index: RepoIndex, policy: Policy, specs: Sequence[CheckSpec]) -> int:
    """How many child processes run checks beside this one; 0: this one alone. READYCHECK_WORKERS
    counts the processes readycheck may use, this one included (1: this one only; N > 1 forces
    N - 1 children)."""
    if policy.staged or len(specs) < 2 or not sys.platform.startswith("linux"):  # fork: only safe and cheap here
        return 0
    import multiprocessing

    from readycheck.index.parallel import forced_workers, usable_cores

    if multiprocessing.parent_process() is not None:
        return 0
    forced = forced_workers()
    if forced is not None:
        return min(forced, len(specs)) - 1
    cores = usable_cores()
    if cores < 2 or len(index.files) < FORK_MIN_FILES:
        return 0
    children = min(cores, 4, len(specs)) - 1
    room = _memory_room()
    if room is not None:
        children = min(children, int(room // _MEMORY_PER_CHILD))
    return max(children, 0)


def _memory_room() -> float | None:
    """MemAvailable in units of this process's resident memory; None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            available = next(int(line.split()[1]) for line in fh if line.startswith("MemAvailable:"))
        with open("/proc/self/status", encoding="ascii") as fh:
            resident = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    return available / max(resident, 1)


def _run_checks(
    specs: Sequence[CheckSpec],
    registry: Registry,
    index: RepoIndex,
    policy: Policy,
    suppressions: Suppressions,
    cloud: CloudSnapshot | None,
    progress: Callable[[CheckSpec], None] | None,
    *,
    settle: bool = False,
) -> list[Result]:
    """One result per spec, in the same order.

    ``settle``: freeze what survives each check, as the audit froze the parsed index before the
    first. The tables a check memoises live until the audit ends, and the collector's oldest
    generation would otherwise walk them again and again during later checks: 13% of the checks'
    time on 84,000 files, growing faster than the tree. A check's own short-lived cycles are
    still collected while it runs, and those left in the young generations when it ends are
    collected before the freeze (a millisecond); what it keeps is freed when the audit unfreezes."""
    detectors: list[Callable[[Context], Outcome] | None] = []
    failed: dict[int, Result] = {}
    for k, spec in enumerate(specs):
        try:
            detectors.append(registry.detector(spec.detector))
        except Exception as exc:  # a plugin's detector that fails to import
            detectors.append(None)
            failed[k] = Result(spec, Status.ERROR, f"detector '{spec.detector}' failed to load: {type(exc).__name__}: {exc}")

    def run(k: int) -> Result:
        detector = detectors[k]
        if detector is None:
            return failed[k]
        result = run_check(specs[k], detector, index, policy, suppressions, cloud)
        if settle:
            gc.collect(1)  # the check's own cycles that no collection reached yet: freed, not frozen
            gc.freeze()
        return result

    children = _check_processes(index, policy, specs)
    if children:
        forked = _run_forked(specs, run, children, policy, progress)
        if forked is not None:
            return forked
    out = []
    for k, spec in enumerate(specs):
        if progress is not None:
            progress(spec)
        out.append(run(k))
    return out


def _run_forked(
    specs: Sequence[CheckSpec],
    run: Callable[[int], Result],
    children: int,
    policy: Policy,
    progress: Callable[[CheckSpec], None] | None,
) -> list[Result] | None:
    """Run the checks here and in `children` forked processes; None if none could be started.

    The children take checks from the front of the list and this process from the back, until the
    two ends meet. A check that ends a child's process (os._exit, a crash in C) is an ERROR of its
    own and the other checks go on; the checks that run here are no more contained than in a
    one-process audit."""
    import multiprocessing
    import queue

    context = multiprocessing.get_context("fork")
    ends = context.Array("i", [0, len(specs) - 1])  # the next check from the front, from the back

    def take(front: bool = True) -> int | None:
        with ends.get_lock():
            if ends[0] > ends[1]:
                return None
            k = ends[0] if front else ends[1]
            if front:
                ends[0] = k + 1
            else:
                ends[1] = k - 1
            return int(k)

    messages: queue.SimpleQueue[tuple[str, int, Any]] = queue.SimpleQueue()
    procs: list[tuple[Any, threading.Thread]] = []
    for stream in (sys.stdout, sys.stderr):  # or a child would write what is buffered again
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    for _ in range(children):
        reader, writer = context.Pipe(duplex=False)
        try:
            proc = context.Process(target=_check_child, args=(writer, take, run), daemon=True)
            proc.start()
        except Exception:  # noqa: BLE001 - no fork here (resources, a warning made an error): run here
            reader.close()
            writer.close()
            break
        writer.close()
        drain = threading.Thread(target=_drain, args=(reader, messages), daemon=True)
        drain.start()
        procs.append((proc, drain))
    if not procs:
        return None
    results: dict[int, Result] = {}
    running: dict[int, float] = {}  # check position -> when a child started it

    def handle(kind: str, k: int, payload: Any) -> None:
        if kind == "start":
            running[k] = time.monotonic()
            if progress is not None:
                progress(specs[k])
        elif kind == "done":
            running.pop(k, None)
            results[k] = Result(specs[k], **payload)

    while (k := take(front=False)) is not None:
        while not messages.empty():
            handle(*messages.get())
        if progress is not None:
            progress(specs[k])
        results[k] = run(k)
    deadline_per_check = policy.check_timeout + 30.0
    while any(drain.is_alive() for _, drain in procs) or not messages.empty():
        try:
            handle(*messages.get(timeout=0.2))
        except queue.Empty:
            if running and time.monotonic() - min(running.values()) > deadline_per_check:
                break  # a child stuck past any check's bound: stop waiting for it
    for proc, _ in procs:
        proc.join(1.0)
        if proc.is_alive():
            proc.kill()
            proc.join()
    codes = sorted({proc.exitcode for proc, _ in procs if proc.exitcode})
    for k in running:
        how = f" (exit code {', '.join(map(str, codes))})" if codes else ""
        results[k] = Result(specs[k], Status.ERROR, f"the check's process ended before the check finished{how}")
    for k in range(len(specs)):  # taken by a child that ended before it could say so
        if k not in results:
            if progress is not None:
                progress(specs[k])
            results[k] = run(k)
    return [results[k] for k in range(len(specs))]


def _check_child(conn: Any, take: Callable[[], int | None], run: Callable[[int], Result]) -> None:
    """In a forked child: run checks until none is left, sending each result back without its
    spec (the parent has it). Ctrl-C is the parent's to handle (it ends the children); anything
    else that goes wrong here ends the child quietly, and the parent reports the check it was
    running as an error. The child leaves with os._exit: it never flushes the streams it
    inherited (what the parent had buffered would be written twice, and a lock another thread
    of the parent held at the fork would never be released here)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while (k := take()) is not None:
            conn.send(("start", k, None))
            result = run(k)
            payload = {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "spec"}
            try:
                conn.send(("done", k, payload))
            except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled (a broken pipe fails again below)
                why = f"the check's result could not be passed between processes: {type(exc).__name__}"
                conn.send(("done", k, {"status": Status.ERROR, "message": why}))
    except Exception:  # noqa: BLE001 - a broken pipe, a failing counter: see the docstring
        pass
    finally:
        conn.close()
        os._exit(0)


def _drain(conn: Any, messages: Any) -> None:
    try:
        while True:
            messages.put(conn.recv())
    except (EOFError, OSError):
        pass
    finally:
        conn.close()
