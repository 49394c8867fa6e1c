"""Reports over reports: the difference between two JSON reports, and one organisation-wide view
over many.

Everything here reads the JSON report contract (schemas/report.schema.json, schema_version 1) and
nothing else, so reports written by other readycheck versions compare and merge: extra fields are
ignored, optional ones may be missing.

Findings are matched by identity, never by line number, so code that moved is not "new": the check id
plus the evidence's fingerprint when both sides have one, else the check id plus the path plus the
snippet (or the note, with line references blanked out). Identical keys pair up in line order.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from readycheck.errors import EXIT_GO, EXIT_NO_GO, UsageError

__all__ = [
    "PHASES",
    "QUESTIONS",
    "Finding",
    "CheckChange",
    "QuestionChange",
    "SuppressionChange",
    "ReportRef",
    "ReportDiff",
    "RepoRow",
    "WeakCheck",
    "OrgTotals",
    "OrgView",
    "load_report",
    "validate_report",
    "diff_reports",
    "diff_to_dict",
    "diff_exit_code",
    "render_diff",
    "render_diff_text",
    "render_diff_json",
    "render_diff_markdown",
    "merge_reports",
    "org_view_to_dict",
    "render_merge",
    "render_merge_json",
    "render_merge_html",
]

PHASES: tuple[str, ...] = ("pre-flight", "reliability", "security", "operations", "go-no-go")
QUESTIONS: tuple[str, ...] = ("see-now", "provider-outage", "spend-limit", "rollback-5min", "deploy-awareness")
_FINDING_STATUSES = ("fail", "warn")
_SCORE_WEIGHT = {"pass": 1.0, "warn": 0.5, "fail": 0.0}
_MAX_MESSAGE = 200


# ---------------------------------------------------------------------------------------- loading


def load_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate one JSON report; any problem is a UsageError (exit 2) naming the file."""
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{name}: cannot read: {_one_line(str(exc))}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{name}: not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
    return validate_report(data, name)


def validate_report(data: object, source: str) -> dict[str, Any]:
    """Check ``data`` against the report contract; return it as a dict or raise a UsageError.

    The schema's ``additionalProperties: false`` is relaxed, so a report from a newer readycheck of
    the same schema_version (with fields this one does not know) is still read."""
    if not isinstance(data, dict):
        raise UsageError(f"{source}: not a readycheck report: the top level is {_json_type(data)}, not an object")
    version = data.get("schema_version")
    if "schema_version" in data and version != "1":
        raise UsageError(f"{source}: not a readycheck report this version reads: schema_version {version!r} (expected '1')")
    import jsonschema

    validator = jsonschema.Draft202012Validator(_relaxed_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise UsageError(f"{source}: not a readycheck report: '{where}': {_one_line(str(error.message))}")
    return data


def _relaxed_schema() -> dict[str, Any]:
    from readycheck.config import schema_path

    schema = json.loads(schema_path("report").read_text(encoding="utf-8"))
    return _drop_closed_objects(schema)  # type: ignore[no-any-return]


def _drop_closed_objects(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _drop_closed_objects(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [_drop_closed_objects(v) for v in node]
    return node


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null"


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


# ------------------------------------------------------------------------------------------- diff


@dataclass(frozen=True, slots=True)
class Finding:
    """One failing or warning piece of evidence (or a failing result that has none)."""

    check_id: str
    slug: str
    title: str
    status: str  # the result's status: fail or warn
    severity: str
    blocking: bool
    path: str  # "" when the result has no evidence
    line: int | None  # shown, never used to match
    text: str  # the snippet, else the note, else ""
    fingerprint: str | None
    suppressed: str | None  # why it does not count (the evidence's or the result's reason)

    @property
    def counts(self) -> bool:
        """A failing, unsuppressed finding: what makes a diff exit 1."""
        return self.status == "fail" and self.suppressed is None

    def location(self) -> str:
        if not self.path:
            return "(no location)"
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check_id, "slug": self.slug, "title": self.title, "status": self.status,
            "severity": self.severity, "blocking": self.blocking, "path": self.path or None,
            "line": self.line, "text": self.text, "fingerprint": self.fingerprint, "suppressed": self.suppressed,
        }


@dataclass(frozen=True, slots=True)
class CheckChange:
    check_id: str
    slug: str
    title: str
    phase: str
    old: str | None  # None: the check is not in that report
    new: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check_id, "slug": self.slug, "title": self.title, "phase": self.phase,
                "old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True)
class QuestionChange:
    question_id: str
    question: str
    old: str | None
    new: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.question_id, "question": self.question, "old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True)
class SuppressionChange:
    """A finding present in both reports whose suppression changed."""

    finding: Finding  # as in the new report
    old: str | None
    new: str | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.finding.to_dict(), "suppressed_old": self.old, "suppressed_new": self.new}


@dataclass(frozen=True, slots=True)
class ReportRef:
    repo: str
    path: str
    commit: str | None
    branch: str | None
    started_at: str
    tool_version: str
    verdict: str

    def label(self) -> str:
        return f"{self.repo}@{self.commit[:7]}" if self.commit else self.repo

    def to_dict(self) -> dict[str, Any]:
        return {"repo": self.repo, "path": self.path, "commit": self.commit, "branch": self.branch,
                "started_at": self.started_at, "tool_version": self.tool_version, "verdict": self.verdict}


@dataclass(frozen=True, slots=True)
class ReportDiff:
    old: ReportRef
    new: ReportRef
    question_changes: tuple[QuestionChange, ...]
    check_changes: tuple[CheckChange, ...]
    new_findings: tuple[Finding, ...]
    fixed_findings: tuple[Finding, ...]
    unchanged_findings: tuple[Finding, ...]
    suppression_changes: tuple[SuppressionChange, ...]
    newly_failing: tuple[Finding, ...]  # counted failures the old report did not count

    @property
    def verdict_changed(self) -> bool:
        return self.old.verdict != self.new.verdict

    @property
    def regressed(self) -> bool:
        return bool(self.newly_failing) or (self.new.verdict == "NO-GO" and self.old.verdict != "NO-GO")


def diff_reports(old: Mapping[str, Any], new: Mapping[str, Any]) -> ReportDiff:
    """What changed from ``old`` to ``new``: verdict, answers, check statuses, findings."""
    old_q, new_q = _questions(old), _questions(new)
    question_changes = tuple(
        QuestionChange(qid, str((new_q.get(qid) or old_q.get(qid) or {}).get("question", "")),
                       _str_or_none((old_q.get(qid) or {}).get("answer")), _str_or_none((new_q.get(qid) or {}).get("answer")))
        for qid in _ordered(old_q, new_q, QUESTIONS)
        if (old_q.get(qid) or {}).get("answer") != (new_q.get(qid) or {}).get("answer")
    )
    old_r, new_r = _results(old), _results(new)
    check_changes = []
    for cid in sorted(set(old_r) | set(new_r)):
        o, n = old_r.get(cid), new_r.get(cid)
        os_, ns_ = _str_or_none((o or {}).get("status")), _str_or_none((n or {}).get("status"))
        if os_ != ns_:
            meta = n or o or {}
            check_changes.append(CheckChange(cid, str(meta.get("slug", "")), str(meta.get("title", "")),
                                             str(meta.get("phase", "")), os_, ns_))
    old_f, new_f = _findings(old), _findings(new)
    pairs, fixed, added = _match(old_f, new_f)
    unchanged = tuple(n for _, n in pairs)
    suppression = tuple(SuppressionChange(n, o.suppressed, n.suppressed) for o, n in pairs if o.suppressed != n.suppressed)
    newly_failing = tuple(f for f in added if f.counts) + tuple(n for o, n in pairs if n.counts and not o.counts)
    return ReportDiff(
        old=_ref(old), new=_ref(new), question_changes=question_changes, check_changes=tuple(check_changes),
        new_findings=tuple(sorted(added, key=_finding_order)), fixed_findings=tuple(sorted(fixed, key=_finding_order)),
        unchanged_findings=tuple(sorted(unchanged, key=_finding_order)), suppression_changes=suppression,
        newly_failing=tuple(sorted(newly_failing, key=_finding_order)),
    )


def diff_exit_code(d: ReportDiff) -> int:
    """1 when the new report has failing findings the old one did not count, or the verdict went to
    NO-GO; else 0."""
    return EXIT_NO_GO if d.regressed else EXIT_GO


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _ordered(a: Mapping[str, Any], b: Mapping[str, Any], known: Sequence[str]) -> list[str]:
    keys = set(a) | set(b)
    return [k for k in known if k in keys] + sorted(keys - set(known))


def _by_id(report: Mapping[str, Any], section: str) -> dict[str, Mapping[str, Any]]:
    """A report's ``questions`` or ``results`` by id (entries without a string id are ignored)."""
    out: dict[str, Mapping[str, Any]] = {}
    for entry in report.get(section) or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            out[entry["id"]] = entry
    return out


def _questions(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return _by_id(report, "questions")


def _results(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return _by_id(report, "results")


def _ref(report: Mapping[str, Any], fallback: str = "report") -> ReportRef:
    target = report.get("target") or {}
    git = target.get("git") or {}
    tool = report.get("tool") or {}
    return ReportRef(
        repo=_repo_name(report, fallback), path=str(target.get("path", "")),
        commit=_str_or_none(git.get("commit")), branch=_str_or_none(git.get("branch")),
        started_at=str(report.get("started_at", "")), tool_version=str(tool.get("version", "")),
        verdict=str(report.get("verdict", "")),
    )


_LINE_REF = re.compile(r"\b(lines?|L)\s*\d+(?:\s*[-–]\s*\d+)?", re.IGNORECASE)
_PATH_LINE = re.compile(r"(\.[A-Za-z0-9]+):\d+(?::\d+)?")


def _normalise_text(text: str) -> str:
    text = " ".join(text.split())
    text = _LINE_REF.sub(lambda m: f"{m.group(1)} N", text)
    return _PATH_LINE.sub(r"\1:N", text)


def _normalise_path(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _findings(report: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for r in _results(report).values():
        status = r.get("status")
        if status not in _FINDING_STATUSES:
            continue
        check_id, slug, title = str(r["id"]), str(r.get("slug", "")), str(r.get("title", ""))
        severity, blocking = str(r.get("severity", "")), bool(r.get("blocking", False))
        result_suppressed = _str_or_none(r.get("suppressed"))
        evidence = [e for e in (r.get("evidence") or ()) if isinstance(e, Mapping)]
        if not evidence:
            found.append(Finding(check_id, slug, title, str(status), severity, blocking, path="", line=None,
                                 text="", fingerprint=None, suppressed=result_suppressed))
            continue
        for ev in evidence:
            line = ev.get("line")
            found.append(Finding(
                check_id, slug, title, str(status), severity, blocking,
                path=_normalise_path(str(ev.get("path", ""))),
                line=line if isinstance(line, int) and not isinstance(line, bool) else None,
                text=str(ev.get("snippet") or ev.get("note") or ""),
                fingerprint=_str_or_none(ev.get("fingerprint")) or None,
                suppressed=_str_or_none(ev.get("suppressed")) or result_suppressed,
            ))
    return found


def _finding_order(f: Finding) -> tuple[str, str, int, str]:
    return (f.check_id, f.path, f.line or 0, f.text)


def _match(old: list[Finding], new: list[Finding]) -> tuple[list[tuple[Finding, Finding]], list[Finding], list[Finding]]:
    """Pair findings by identity: first (check, fingerprint) where both sides have one, then
    (check, path, text) where at least one side has none. Returns (pairs, fixed, new)."""
    pairs: list[tuple[Finding, Finding]] = []
    old_left = sorted(old, key=_finding_order)
    new_left = sorted(new, key=_finding_order)

    def pass_(key: Any, compatible: Any) -> None:
        nonlocal old_left, new_left
        buckets: dict[Any, list[Finding]] = defaultdict(list)
        for f in old_left:
            k = key(f)
            if k is not None:
                buckets[k].append(f)
        unmatched_new: list[Finding] = []
        taken: set[int] = set()
        for n in new_left:
            k = key(n)
            candidates = buckets.get(k, []) if k is not None else []
            hit = next((o for o in candidates if id(o) not in taken and compatible(o, n)), None)
            if hit is None:
                unmatched_new.append(n)
            else:
                taken.add(id(hit))
                pairs.append((hit, n))
        old_left = [o for o in old_left if id(o) not in taken]
        new_left = unmatched_new

    pass_(lambda f: (f.check_id, f.fingerprint) if f.fingerprint else None, lambda o, n: True)
    pass_(lambda f: (f.check_id, f.path, _normalise_text(f.text)),
          lambda o, n: not (o.fingerprint and n.fingerprint))
    return pairs, old_left, new_left


# --------------------------------------------------------------------------------- diff renderers


def diff_to_dict(d: ReportDiff) -> dict[str, Any]:
    return {
        "kind": "readycheck-diff",
        "version": "1",
        "old": d.old.to_dict(),
        "new": d.new.to_dict(),
        "verdict": {"old": d.old.verdict, "new": d.new.verdict, "changed": d.verdict_changed},
        "questions": [q.to_dict() for q in d.question_changes],
        "checks": [c.to_dict() for c in d.check_changes],
        "findings": {
            "counts": {"new": len(d.new_findings), "fixed": len(d.fixed_findings),
                       "unchanged": len(d.unchanged_findings), "newly_failing": len(d.newly_failing)},
            "new": [f.to_dict() for f in d.new_findings],
            "fixed": [f.to_dict() for f in d.fixed_findings],
            "unchanged": [f.to_dict() for f in d.unchanged_findings],
        },
        "suppression_changes": [s.to_dict() for s in d.suppression_changes],
        "regressed": d.regressed,
    }


def render_diff_json(d: ReportDiff) -> str:
    return json.dumps(diff_to_dict(d), indent=2, ensure_ascii=False) + "\n"


def _arrow(old: str | None, new: str | None) -> str:
    return f"{old or '(absent)'} → {new or '(absent)'}"


def _suppression_word(s: SuppressionChange) -> str:
    if s.new and not s.old:
        return f"now suppressed ({s.new})"
    if s.old and not s.new:
        return f"no longer suppressed (was: {s.old})"
    return f"suppression changed: {s.old} → {s.new}"


def _finding_line(f: Finding) -> str:
    text = f" {_one_line(f.text)}" if f.text else ""
    supp = f" [suppressed: {f.suppressed}]" if f.suppressed else ""
    return f"{f.status.upper():4} {f.check_id} {f.slug} {f.location()}{text}{supp}"


def render_diff_text(d: ReportDiff) -> str:
    lines = [f"readycheck diff: {d.old.label()} ({d.old.started_at}) → {d.new.label()} ({d.new.started_at})"]
    verdict = _arrow(d.old.verdict, d.new.verdict) if d.verdict_changed else f"{d.new.verdict} (unchanged)"
    lines.append(f"verdict: {verdict}")
    if d.question_changes:
        lines.append("questions:")
        lines += [f"  {q.question_id}: {_arrow(q.old, q.new)}" for q in d.question_changes]
    if d.check_changes:
        lines.append("checks:")
        lines += [f"  {c.check_id} {c.slug}: {_arrow(c.old, c.new)}" for c in d.check_changes]
    lines.append(f"findings: {len(d.new_findings)} new, {len(d.fixed_findings)} fixed, "
                 f"{len(d.unchanged_findings)} unchanged")
    if d.new_findings:
        lines.append("new:")
        lines += [f"  + {_finding_line(f)}" for f in d.new_findings]
    if d.fixed_findings:
        lines.append("fixed:")
        lines += [f"  - {_finding_line(f)}" for f in d.fixed_findings]
    if d.suppression_changes:
        lines.append("suppression changes:")
        lines += [f"  ~ {s.finding.check_id} {s.finding.location()}: {_suppression_word(s)}" for s in d.suppression_changes]
    lines.append(f"result: {'regressed' if d.regressed else 'no regression'}")
    return "\n".join(lines) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def _md(text: object) -> str:
    """Escape for a Markdown table cell: HTML first (GitHub renders inline HTML), then Markdown."""
    escaped = html.escape(_one_line(str(text)), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


def _md_findings(findings: Iterable[Finding]) -> list[str]:
    rows = ["| status | check | location | evidence |", "|---|---|---|---|"]
    for f in findings:
        evidence = f.text + (f" (suppressed: {f.suppressed})" if f.suppressed else "")
        rows.append(f"| {_md(f.status.upper())} | {_md(f.check_id)} {_md(f.slug)} | {_md(f.location())} | {_md(evidence)} |")
    return rows


def render_diff_markdown(d: ReportDiff) -> str:
    out = [f"## readycheck diff: {_md(d.old.label())} → {_md(d.new.label())}", ""]
    if d.verdict_changed:
        out.append(f"**Verdict: {_md(d.old.verdict)} → {_md(d.new.verdict)}**")
    else:
        out.append(f"**Verdict: {_md(d.new.verdict)}** (unchanged)")
    out.append("")
    out.append(f"Findings: **{len(d.new_findings)} new**, {len(d.fixed_findings)} fixed, "
               f"{len(d.unchanged_findings)} unchanged.")
    if d.question_changes:
        out += ["", "### Questions", "", "| question | before | after |", "|---|---|---|"]
        out += [f"| {_md(q.question_id)} | {_md(q.old or '(absent)')} | {_md(q.new or '(absent)')} |" for q in d.question_changes]
    if d.check_changes:
        out += ["", "### Checks", "", "| check | before | after |", "|---|---|---|"]
        out += [f"| {_md(c.check_id)} {_md(c.slug)} | {_md(c.old or '(absent)')} | {_md(c.new or '(absent)')} |" for c in d.check_changes]
    if d.new_findings:
        out += ["", "### New findings", ""] + _md_findings(d.new_findings)
    if d.fixed_findings:
        out += ["", "### Fixed findings", ""] + _md_findings(d.fixed_findings)
    if d.suppression_changes:
        out += ["", "### Suppression changes", ""]
        out += [f"- {_md(s.finding.check_id)} {_md(s.finding.location())}: {_md(_suppression_word(s))}" for s in d.suppression_changes]
    if d.unchanged_findings:
        out += ["", f"<details><summary>{len(d.unchanged_findings)} unchanged findings</summary>", ""]
        out += _md_findings(d.unchanged_findings) + ["", "</details>"]
    return "\n".join(out) + "\n"


def render_diff(d: ReportDiff, fmt: str) -> str:
    renderers = {"text": render_diff_text, "json": render_diff_json, "markdown": render_diff_markdown}
    if fmt not in renderers:
        raise UsageError(f"unknown diff format {fmt!r}: use one of {', '.join(renderers)}")
    return renderers[fmt](d)


# ------------------------------------------------------------------------------------------ merge


@dataclass(frozen=True, slots=True)
class RepoRow:
    repo: str
    source: str  # the file (or label) the report came from
    commit: str | None
    branch: str | None
    started_at: str
    tool_version: str
    verdict: str
    answers: Mapping[str, str]  # question id -> yes | no | unknown (missing questions: unknown)
    scores: Mapping[str, float | None]  # phase -> percentage, None when nothing was judged
    score: float | None  # over every judged check
    fail: int
    warn: int
    failing_checks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo": self.repo, "source": self.source, "commit": self.commit, "branch": self.branch,
            "started_at": self.started_at, "tool_version": self.tool_version, "verdict": self.verdict,
            "answers": dict(self.answers), "scores": dict(self.scores), "score": self.score,
            "fail": self.fail, "warn": self.warn, "failing_checks": list(self.failing_checks),
        }


@dataclass(frozen=True, slots=True)
class WeakCheck:
    check_id: str
    slug: str
    title: str
    repos: tuple[str, ...]  # where it fails

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check_id, "slug": self.slug, "title": self.title,
                "failing_in": len(self.repos), "repos": list(self.repos)}


@dataclass(frozen=True, slots=True)
class OrgTotals:
    repos: int
    go: int
    no_go: int
    question_no: Mapping[str, int]
    question_unknown: Mapping[str, int]
    weakest: tuple[WeakCheck, ...]  # every check failing somewhere, most repos first

    def to_dict(self) -> dict[str, Any]:
        return {"repos": self.repos, "go": self.go, "no_go": self.no_go,
                "questions": {q: {"no": self.question_no.get(q, 0), "unknown": self.question_unknown.get(q, 0)}
                              for q in self.question_no},
                "weakest_checks": [w.to_dict() for w in self.weakest]}


@dataclass(frozen=True, slots=True)
class OrgView:
    rows: tuple[RepoRow, ...]
    totals: OrgTotals
    notes: tuple[str, ...] = field(default=())


def merge_reports(reports: Sequence[tuple[str, Mapping[str, Any]]]) -> OrgView:
    """One row per repository (``(source label, report)`` pairs, e.g. file names). When two reports
    are for the same repository the latest by started_at is kept, and a note says so."""
    if not reports:
        raise UsageError("report merge: no reports given")
    latest: dict[str, tuple[str, Mapping[str, Any]]] = {}
    dropped: dict[str, list[str]] = defaultdict(list)
    for source, report in reports:
        name = _repo_name(report, _stem(source))
        held = latest.get(name)
        if held is None:
            latest[name] = (source, report)
        elif _when(report) > _when(held[1]):
            dropped[name].append(held[0])
            latest[name] = (source, report)
        else:
            dropped[name].append(source)
    notes = tuple(
        f"{name}: {len(dropped[name]) + 1} reports, kept the latest ({latest[name][0]}, "
        f"{latest[name][1].get('started_at', '?')}); ignored {', '.join(dropped[name])}"
        for name in sorted(dropped)
    )
    rows = tuple(_row(name, *latest[name]) for name in sorted(latest))
    return OrgView(rows=rows, totals=_totals(rows, [latest[n][1] for n in sorted(latest)]), notes=notes)


def _stem(source: str) -> str:
    base = source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return base[:-5] if base.lower().endswith(".json") and len(base) > 5 else (base or "report")


def _repo_name(report: Mapping[str, Any], fallback: str) -> str:
    target = report.get("target") or {}
    path = str(target.get("path") or "").replace("\\", "/").rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last and last not in (".", "..") and not last.endswith(":"):
        return last
    git = target.get("git") or {}
    for key in ("repository", "remote", "url"):  # not in the contract; newer versions may add one
        value = git.get(key) if isinstance(git, Mapping) else None
        if isinstance(value, str) and value.strip("/"):
            name = value.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            return name[:-4] if name.endswith(".git") else name
    return fallback


def _when(report: Mapping[str, Any]) -> datetime:
    raw = str(report.get("started_at", ""))
    try:
        stamp = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _percent(statuses: Iterable[str]) -> float | None:
    weights = [_SCORE_WEIGHT[s] for s in statuses if s in _SCORE_WEIGHT]
    return round(100.0 * sum(weights) / len(weights), 1) if weights else None


def _row(name: str, source: str, report: Mapping[str, Any]) -> RepoRow:
    ref = _ref(report, name)
    results = list(_results(report).values())
    by_phase: dict[str, list[str]] = defaultdict(list)
    for r in results:
        by_phase[str(r.get("phase", ""))].append(str(r.get("status", "")))
    phases = list(PHASES) + sorted(p for p in by_phase if p not in PHASES)
    q = _questions(report)
    statuses = Counter(str(r.get("status", "")) for r in results)
    return RepoRow(
        repo=name, source=source, commit=ref.commit, branch=ref.branch, started_at=ref.started_at,
        tool_version=ref.tool_version, verdict=ref.verdict,
        answers={qid: str((q.get(qid) or {}).get("answer", "unknown"))
                 for qid in _ordered(q, dict.fromkeys(QUESTIONS), QUESTIONS)},
        scores={p: _percent(by_phase.get(p, ())) for p in phases},
        score=_percent(str(r.get("status", "")) for r in results),
        fail=statuses["fail"], warn=statuses["warn"],
        failing_checks=tuple(sorted(str(r["id"]) for r in results if r.get("status") == "fail")),
    )


def _totals(rows: Sequence[RepoRow], reports: Sequence[Mapping[str, Any]]) -> OrgTotals:
    questions = list(QUESTIONS) + sorted({k for r in rows for k in r.answers} - set(QUESTIONS))
    meta: dict[str, Mapping[str, Any]] = {}
    failing: dict[str, list[str]] = defaultdict(list)
    for row, report in zip(rows, reports):
        for cid, result in _results(report).items():
            meta.setdefault(cid, result)
        for cid in row.failing_checks:
            failing[cid].append(row.repo)
    weakest = tuple(
        WeakCheck(cid, str(meta[cid].get("slug", "")), str(meta[cid].get("title", "")), tuple(failing[cid]))
        for cid in sorted(failing, key=lambda c: (-len(failing[c]), c))
    )
    return OrgTotals(
        repos=len(rows), go=sum(r.verdict == "GO" for r in rows), no_go=sum(r.verdict == "NO-GO" for r in rows),
        question_no={qid: sum(r.answers.get(qid) == "no" for r in rows) for qid in questions},
        question_unknown={qid: sum(r.answers.get(qid, "unknown") == "unknown" for r in rows) for qid in questions},
        weakest=weakest,
    )


def org_view_to_dict(view: OrgView) -> dict[str, Any]:
    return {
        "kind": "readycheck-org-view",
        "version": "1",
        "scoring": "per phase: passed / judged checks as a percentage; pass 1, warn 0.5, fail 0; skip and error excluded",
        "repos": [r.to_dict() for r in view.rows],
        "totals": view.totals.to_dict(),
        "notes": list(view.notes),
    }


def render_merge_json(view: OrgView) -> str:
    return json.dumps(org_view_to_dict(view), indent=2, ensure_ascii=False) + "\n"


def render_merge(view: OrgView, fmt: str) -> str:
    renderers = {"json": render_merge_json, "html": render_merge_html}
    if fmt not in renderers:
        raise UsageError(f"unknown merge format {fmt!r}: use one of {', '.join(renderers)}")
    return renderers[fmt](view)


# ------------------------------------------------------------------------------------- merge HTML

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.tag{display:inline-block;border-radius:4px;padding:0 .4rem;font-weight:600;white-space:nowrap}
.go,.yes,.good{background:#dafbe1;color:#116329}
.nogo,.no,.bad{background:#ffebe9;color:#a40e26}
.unknown,.mid{background:#fff8c5;color:#7d4e00}
.na{background:#eaeef2;color:#57606a}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
small{color:#57606a}
"""

_ANSWER_LABEL = {"yes": "✓ yes", "no": "✗ no", "unknown": "? unknown"}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _tag(css: str, label: str) -> str:
    return f'<span class="tag {_e(css)}">{_e(label)}</span>'


def _verdict_tag(verdict: str) -> str:
    if verdict == "GO":
        return _tag("go", "✓ GO")
    if verdict == "NO-GO":
        return _tag("nogo", "✗ NO-GO")
    return _tag("na", verdict or "?")


def _answer_tag(answer: str) -> str:
    css = answer if answer in _ANSWER_LABEL else "na"
    return _tag(css, _ANSWER_LABEL.get(answer, answer))


def _score_tag(score: float | None) -> str:
    if score is None:
        return _tag("na", "n/a")
    css, word = ("good", "good") if score >= 80 else ("mid", "fair") if score >= 50 else ("bad", "poor")
    return _tag(css, f"{score:g}% {word}")


def render_merge_html(view: OrgView) -> str:
    t = view.totals
    phases = list(PHASES) + sorted({p for r in view.rows for p in r.scores} - set(PHASES))
    questions = list(t.question_no)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>readycheck: organisation view</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>readycheck: organisation view</h1>",
        '<div class="cards">',
        f'<div class="card"><b>{t.repos}</b>repositories</div>',
        f'<div class="card go"><b>{t.go}</b>GO</div>',
        f'<div class="card nogo"><b>{t.no_go}</b>NO-GO</div>',
        "</div>",
        "<h2>Repositories</h2>",
        "<table><caption><small>Phase score: passed / judged checks (pass 1, warn 0.5, fail 0; "
        "skip and error not judged).</small></caption>",
        "<thead><tr><th>repository</th><th>commit</th><th>date</th><th>verdict</th>"
        + "".join(f"<th>{_e(q)}</th>" for q in questions)
        + "".join(f"<th>{_e(p)}</th>" for p in phases)
        + "<th>overall</th><th>fail</th><th>warn</th></tr></thead><tbody>",
    ]
    for r in view.rows:
        commit = f"<code>{_e(r.commit[:7])}</code>" if r.commit else _tag("na", "no git")
        branch = f" <small>{_e(r.branch)}</small>" if r.branch else ""
        out.append(
            f'<tr><td><b>{_e(r.repo)}</b><br><small>{_e(r.source)}</small></td><td>{commit}{branch}</td>'
            f"<td>{_e(r.started_at)}</td><td>{_verdict_tag(r.verdict)}</td>"
            + "".join(f"<td>{_answer_tag(r.answers.get(q, 'unknown'))}</td>" for q in questions)
            + "".join(f'<td class="num">{_score_tag(r.scores.get(p))}</td>' for p in phases)
            + f'<td class="num">{_score_tag(r.score)}</td>'
            f'<td class="num">{r.fail}</td><td class="num">{r.warn}</td></tr>'
        )
    out.append("</tbody></table>")
    out += ["<h2>Go/no-go questions</h2>",
            "<table><thead><tr><th>question</th><th>answered no</th><th>unknown</th></tr></thead><tbody>"]
    for q in questions:
        no, unknown = t.question_no.get(q, 0), t.question_unknown.get(q, 0)
        out.append(f'<tr><td>{_e(q)}</td><td class="num">{_tag("no" if no else "yes", f"{no} no")}</td>'
                   f'<td class="num">{_tag("unknown" if unknown else "yes", f"{unknown} unknown")}</td></tr>')
    out.append("</tbody></table>")
    out.append("<h2>Weakest checks</h2>")
    if t.weakest:
        out.append("<table><thead><tr><th>check</th><th>title</th><th>failing in</th><th>repositories</th></tr></thead><tbody>")
        for w in t.weakest[:20]:
            out.append(f"<tr><td><code>{_e(w.check_id)}</code> {_e(w.slug)}</td><td>{_e(w.title)}</td>"
                       f'<td class="num">{_tag("bad", f"{len(w.repos)} of {t.repos}")}</td>'
                       f"<td>{_e(', '.join(w.repos))}</td></tr>")
        out.append("</tbody></table>")
        if len(t.weakest) > 20:
            out.append(f"<p><small>{len(t.weakest) - 20} more failing checks in the JSON view.</small></p>")
    else:
        out.append(f"<p>{_tag('good', 'none')} no check fails in any repository.</p>")
    if view.notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in view.notes) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
