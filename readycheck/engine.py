"""Run the selected checks, each isolated and time-bounded, and build the report."""

from __future__ import annotations

import dataclasses
import gc
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
from readycheck.model import CheckSpec, Evidence, Outcome, Report, Result, Status
from readycheck.registry import Registry
from readycheck.suppress import Baseline, Suppressions
from readycheck.verdict import decide, suppressed_findings

if TYPE_CHECKING:
    from readycheck.cloud import CloudSnapshot
    from readycheck.secrets import SecretRule

__all__ = ["run_audit", "run_check", "redact_evidence"]

_MAX_EVIDENCE = 50


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
    from readycheck.secrets import redact_line

    rules = _team_rules(policy)
    evidence = [redact_evidence(e, rules) for e in out.evidence]
    evidence.sort(key=lambda e: (e.path, e.line or 0))
    message = redact_line(out.message, rules)
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
    frozen = gc.isenabled()
    if frozen:
        gc.freeze()
    try:
        for spec in specs:
            if progress is not None:
                progress(spec)
            try:
                detector = registry.detector(spec.detector)
            except Exception as exc:  # a plugin's detector that fails to import
                results.append(Result(spec, Status.ERROR, f"detector '{spec.detector}' failed to load: {type(exc).__name__}: {exc}"))
                continue
            results.append(run_check(spec, detector, index, policy, suppressions, cloud))
    finally:
        if frozen:
            gc.unfreeze()
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


def _prepare(index: RepoIndex, policy: Policy) -> None:
    """Parse the index, through the user's parse cache unless the policy turns it off."""
    cache = None
    if policy.cache:
        from readycheck.cache import open_cache

        cache = open_cache(index.root)
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
