"""Runbook quality: the four sections, and what is in them. Escalation names a contact route,
recovery is written as steps with commands, a post-mortem template exists, the agent's common
failure modes are covered, and the runbook is not much older than the code it describes."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.generic import match_sections
from readycheck.index import SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.markdown import section_spans

__all__ = ["runbook_quality", "FAILURE_MODES", "CONTACT_ROUTE"]

DEFAULT_GLOBS = [
    "**/RUNBOOK*", "**/runbook*", "**/run-book*", "**/run_book*", "**/RUNBOOKS/**", "**/runbooks/**", "**/playbook*.md", "**/playbooks/**/*.md",
    "**/on-call*.md", "**/oncall*.md", "**/ON_CALL*.md", "**/incident*.md", "**/OPERATIONS*.md", "**/operations.md",
]
DEFAULT_SECTIONS: dict[str, list[str]] = {
    "failure modes": ["failure", "failures", "common issues", "known issues", "troubleshooting", "what breaks", "symptoms", "alerts", "scenarios"],
    "escalation": ["escalate", "escalations", "on call", "oncall", "contacts", "who to call", "paging"],
    "recovery": ["recover", "restore", "restoration", "mitigation", "mitigate", "remediation", "procedures", "response"],
    "post-mortem": ["postmortem", "post mortem", "post incident", "retrospective", "incident review", "learning review", "root cause"],
}
# failure mode -> pattern naming it anywhere in the runbook
FAILURE_MODES: dict[str, str] = {
    "provider outage": r"provider (outage|down|unavailab)|(openai|anthropic|llm|model|bedrock|gemini|azure)[\w ]{0,20}(outage|down\b|unavailab|5\d\d)|\boutage\b",
    "rate limit": r"rate[- ]?limit|\b429\b|too many requests|throttl|\bquota (exceeded|error|limit)|insufficient_quota",
    "runaway cost": r"runaway (cost|spend)|\b(cost|spend|(?<!error )budget|billing|token usage)\b[\w ]{0,20}(spike|runaway|alert|limit|burn|over|exceed)|\bspend\b",
    "bad deploy": r"bad (deploy|release)|roll ?back|rollback|failed (deploy|release)|regression after",
    "leaked key": r"leak(ed)? (api )?(key|secret|credential|token)|(key|secret|credential|token)s? (leak|compromis|expos)|compromised|revoke|rotate (the )?(key|secret)",
}
CONTACT_ROUTE = re.compile(
    r"pagerduty|opsgenie|victorops|splunk on-?call|incident\.io|firehydrant|rootly|grafana on-?call"
    r"|on-?call (rotation|schedule|engineer|primary|secondary)|rotation|escalation policy"
    r"|(?<![\w#/&])#[a-z][a-z0-9._-]{2,}"  # a chat channel such as #agent-oncall
    r"|\bslack\b|\bteams channel|\bpager\b|\bphone\b|\+?\d{1,3}[ -]?\(?\d{2,4}\)?[ -]\d{3}[ -]?\d{3,4}"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+|(?<!\w)@[a-z][\w-]*/[\w-]+",
    re.I,
)
_REACH = re.compile(r"\b(page|paging|paged|escalat\w*|contact|call|reach|ping|post (it )?in|ask in|on-?call|owner|owned by)\b", re.I)
_ORDERED = re.compile(r"^\s{0,3}\d{1,2}[.)]\s+\S")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_INLINE_CODE = re.compile(r"`[^`\n]{3,}`")
_POSTMORTEM_FILES = ["**/*postmortem*", "**/*post-mortem*", "**/*post_mortem*", "**/*retrospective*template*", "**/*incident*template*", "**/*PIR*template*"]
_CODE_KINDS = ("python", "javascript", "typescript")
# documents that only look like runbooks: test fixtures, benchmark corpora, sample data
_NOT_RUNBOOK = re.compile(r"(^|/)(tests?|fixtures?|testdata|test_data|__tests__|benchmarks?|benchmark_data|sample_data|datasets?)/", re.I)


def _sections_lines(f: SourceFile) -> list[tuple[int, int, str]]:
    """(start line, end line, heading text normalised) for each heading of a runbook."""
    return [(h.line, end, h.normalised) for h, end in section_spans(f.headings, len(f.lines))]


def _escalation(files: Sequence[SourceFile], section_rx: re.Pattern[str]) -> Evidence | None:
    """A contact route inside an escalation-like section, else anywhere in the runbook."""
    anywhere: Evidence | None = None
    for f in files:
        spans = [(a, b) for a, b, text in _sections_lines(f) if section_rx.search(text)]
        fence = False
        for i, line in enumerate(f.lines, 1):
            if _FENCE.match(line):
                fence = not fence
                continue
            if fence or line.lstrip().startswith("#"):
                continue
            if CONTACT_ROUTE.search(line):
                ev = evidence_at(f, i, "escalation contact route")
                if any(a <= i <= b for a, b in spans):
                    return ev
                # outside an escalation section, the line must say to reach someone through it
                if anywhere is None and _REACH.search(line):
                    anywhere = ev
    return anywhere


def _steps(files: Sequence[SourceFile]) -> tuple[Evidence | None, Evidence | None]:
    """(first ordered list of 2+ steps, first step or code block carrying a command)."""
    steps: Evidence | None = None
    command: Evidence | None = None
    for f in files:
        run = 0
        fence = False
        for i, line in enumerate(f.lines, 1):
            if _FENCE.match(line):
                if not fence and command is None:
                    command = evidence_at(f, i, "command in a code block")
                fence = not fence
                continue
            if fence:
                continue
            if _ORDERED.match(line):
                run += 1
                if run >= 2 and steps is None:
                    steps = evidence_at(f, i - 1, "ordered recovery steps")
                if _INLINE_CODE.search(line) and (command is None or command.note != "step with a command"):
                    command = evidence_at(f, i, "step with a command")
            elif line.strip():
                run = 0 if not line.startswith((" ", "\t")) else run
    return steps, command


def _stale(ctx: Context, files: Sequence[SourceFile]) -> str | None:
    if not ctx.index.is_git:
        return None
    from readycheck.index.gitdates import last_changed

    dates: dict[str, int] = ctx.index.memo("gitdates.last_changed", lambda: last_changed(ctx.index.root))
    if not dates:
        return None
    runbook = max((dates.get(f.path, 0) for f in files), default=0)
    code = max((dates.get(f.path, 0) for f in ctx.index.files if f.kind in _CODE_KINDS), default=0)
    if not runbook or not code:
        return None
    days = (code - runbook) / 86400
    limit = float(ctx.param("max_age_days", 180))
    if days > limit:
        return f"runbook last changed {days:.0f} days before the code it describes (limit {limit:g})"
    return None


def runbook_quality(ctx: Context) -> Outcome:
    globs = ctx.param("globs") or DEFAULT_GLOBS
    files = [f for f in ctx.index.glob(globs) if f.kind in ("markdown", "text") and not _NOT_RUNBOOK.search(f.path)]
    if not files:
        return outcome(Status.FAIL, "no runbook found (RUNBOOK.md, docs/runbooks/, on-call or incident docs)")
    sections: Mapping[str, Sequence[str]] = ctx.param("headings") or DEFAULT_SECTIONS
    found, missing_sections = match_sections(files, sections)
    evidence: list[Evidence] = list(found.values())
    gaps: list[str] = []
    if missing_sections:
        gaps.append(f"no {', '.join(missing_sections)} section")

    esc_words: list[str] = ["escalation", *sections.get("escalation", ())]
    esc_rx = re.compile("|".join(re.escape(w) for w in esc_words), re.I)
    contact = _escalation(files, esc_rx)
    if contact:
        evidence.append(contact)
    else:
        gaps.append("escalation names no contact route (on-call rotation, PagerDuty/Opsgenie, a #channel, a phone)")

    steps, command = _steps(files)
    if steps:
        evidence.append(steps)
    else:
        gaps.append("recovery is not written as numbered steps")
    if command:
        evidence.append(command)
    else:
        gaps.append("recovery steps carry no commands")

    if "post-mortem" not in found:
        pm = [f for f in ctx.index.glob(_POSTMORTEM_FILES) if f.kind in ("markdown", "text")]
        if pm:
            evidence.append(Evidence(pm[0].path, 1, None, "post-mortem template"))
            if "no post-mortem section" in gaps:
                gaps.remove("no post-mortem section")
            else:
                gaps = [g.replace(", post-mortem", "").replace("post-mortem, ", "") for g in gaps]

    modes: Mapping[str, Any] = ctx.param("failure_modes") or FAILURE_MODES
    text_by_file = [(f, f.text) for f in files]
    uncovered: list[str] = []
    for mode, pattern in modes.items():
        rx = re.compile(str(pattern), re.I)
        hit = None
        for f, text in text_by_file:
            m = rx.search(text)
            if m:
                hit = evidence_at(f, text.count("\n", 0, m.start()) + 1, f"failure mode: {mode}")
                break
        if hit:
            evidence.append(hit)
        else:
            uncovered.append(mode)
    if uncovered:
        gaps.append(f"failure modes not covered: {', '.join(uncovered)}")

    stale = _stale(ctx, files)
    if stale:
        gaps.append(stale)

    where = files[0].path if len(files) == 1 else plural(len(files), "runbook file")
    if not found and not contact and not steps:
        return outcome(
            Status.WARN,
            f"runbook {where} is thin: " + "; ".join(gaps),
            [Evidence(f.path, 1, None, "runbook") for f in files[:5]],
        )
    if gaps:
        return outcome(Status.WARN, f"runbook {where}: " + "; ".join(gaps), evidence)
    return outcome(Status.PASS, f"runbook {where} covers failure modes, escalation, recovery steps and post-mortems", evidence)
