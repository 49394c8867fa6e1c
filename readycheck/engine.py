"""Run the selected checks, each isolated and time-bounded, and build the report."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Sequence

from readycheck import __version__
from readycheck.config import Policy
from readycheck.detectors.base import Context
from readycheck.index import RepoIndex, build_index
from readycheck.model import CheckSpec, Evidence, Outcome, Report, Result, Status
from readycheck.registry import Registry
from readycheck.verdict import decide

__all__ = ["run_audit", "run_check", "redact_evidence"]

_MAX_EVIDENCE = 50


def _params_for(spec: CheckSpec, policy: Policy) -> MappingProxyType[str, Any]:
    merged = dict(spec.params)
    for key in (spec.slug, spec.id):
        merged.update(policy.params.get(key, {}))
    return MappingProxyType(merged)


def redact_evidence(ev: Evidence) -> Evidence:
    """No snippet leaves the engine holding a secret in full, whatever check produced it."""
    if not ev.snippet:
        return ev
    from readycheck.secrets import redact_line

    safe = redact_line(ev.snippet)
    return ev if safe == ev.snippet else Evidence(ev.path, ev.line, safe, ev.note)


def run_check(spec: CheckSpec, detector: Callable[[Context], Outcome], index: RepoIndex, policy: Policy) -> Result:
    ctx = Context(index, _params_for(spec, policy), policy, spec)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["outcome"] = detector(ctx)
        except BaseException as exc:  # noqa: BLE001 - one check never takes the audit down
            box["error"] = exc

    start = time.perf_counter()
    worker = threading.Thread(target=target, name=f"check-{spec.id}", daemon=True)
    worker.start()
    worker.join(policy.check_timeout)
    elapsed = (time.perf_counter() - start) * 1000
    severity = policy.severity.get(spec.id, policy.severity.get(spec.slug))
    blocking = policy.blocking.get(spec.id, policy.blocking.get(spec.slug))

    def result(status: Status, message: str, evidence: Sequence[Evidence] = ()) -> Result:
        return Result(spec, status, message, tuple(evidence), severity, blocking, elapsed)

    if worker.is_alive():
        return result(Status.ERROR, f"check did not finish within {policy.check_timeout:g} s and was abandoned")
    if "error" in box:
        exc = box["error"]
        return result(Status.ERROR, f"check crashed: {type(exc).__name__}: {str(exc)[:200]}")
    out = box.get("outcome")
    if not isinstance(out, Outcome):
        return result(Status.ERROR, f"detector '{spec.detector}' returned {type(out).__name__}, not an Outcome")
    evidence = [redact_evidence(e) for e in out.evidence]
    evidence.sort(key=lambda e: (e.path, e.line or 0))
    message = out.message
    if len(evidence) > _MAX_EVIDENCE:
        message += f" (showing {_MAX_EVIDENCE} of {len(evidence)} locations)"
        evidence = evidence[:_MAX_EVIDENCE]
    return result(out.status, message, evidence)


def run_audit(
    target: Path,
    policy: Policy,
    registry: Registry,
    specs: Sequence[CheckSpec],
    *,
    index: RepoIndex | None = None,
    progress: Callable[[CheckSpec], None] | None = None,
) -> Report:
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    if index is None:
        index = build_index(target, exclude=policy.exclude, max_file_size=policy.max_file_size)
    index.prepare()
    results: list[Result] = []
    for spec in specs:
        if progress is not None:
            progress(spec)
        try:
            detector = registry.detector(spec.detector)
        except Exception as exc:  # a plugin's detector that fails to import
            results.append(Result(spec, Status.ERROR, f"detector '{spec.detector}' failed to load: {type(exc).__name__}: {exc}"))
            continue
        results.append(run_check(spec, detector, index, policy))
    results.sort(key=lambda r: (r.spec.item, r.spec.id))
    verdict, reason, answers = decide(results)
    git = index.git
    notes = []
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
    )
