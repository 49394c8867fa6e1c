"""The Markdown report, for pull-request comments and ``$GITHUB_STEP_SUMMARY``.

The verdict as an H2 and its reason; the five questions as a table; the top findings (failures
first, by severity; then errors and warnings); then every result, one table per phase, in a
collapsed ``<details>`` block, and the suppressed findings with their reasons.

Repository content (messages, paths, snippets) is escaped with HTML character references: it can
neither break a table (``|``), open a code span, emphasis or a link, inject HTML, nor mention a user
(``@``). The whole text stays under GitHub's 65,536-character limit for a comment: what does not
fit is cut at a row boundary, with a note saying how much was left out.
"""

from __future__ import annotations

import re

from readycheck.model import PHASES, Answer, Evidence, Report, Result, Status, Verdict

__all__ = ["render", "escape", "MAX_CHARS"]

MAX_CHARS = 65_000  # GitHub rejects comments over 65,536 characters; keep a margin
TOP_FINDINGS = 10
_ROW_EVIDENCE = 3  # locations shown per result in the full tables
_RESERVE = 600  # room kept for the closing lines and the truncation note

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SPECIAL = {c: f"&#{ord(c)};" for c in "&<>|`*_[]\\~#@$"}
_SPECIAL["\n"] = " "
_SPECIAL["\r"] = " "
_SPECIAL["\t"] = " "
_TABLE = str.maketrans(_SPECIAL)
_SAFE_CODE = re.compile(r"[A-Za-z0-9_./:@+=,-][A-Za-z0-9_./:@+=, -]*")
_STATUS_WORD = {
    Status.FAIL: "FAIL",
    Status.ERROR: "ERROR",
    Status.WARN: "WARN",
    Status.SKIP: "skip",
    Status.PASS: "pass",
}
_ANSWER_WORD = {Answer.YES: "yes", Answer.NO: "**no**", Answer.UNKNOWN: "**unknown**"}


def escape(text: str, limit: int = 300) -> str:
    """Repository text made inert for Markdown and HTML, on one line, at most ``limit`` characters
    (before escaping)."""
    text = _CONTROL.sub("\ufffd", " ".join(text.split()))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.translate(_TABLE)


def _code(text: str, limit: int = 160) -> str:
    """An inline code span: backticks for plain identifiers and paths, else an escaped ``<code>``."""
    text = _CONTROL.sub("\ufffd", " ".join(text.split()))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if text and _SAFE_CODE.fullmatch(text) and "@" not in text:
        return f"`{text}`"
    return f"<code>{text.translate(_TABLE)}</code>"


def _where(ev: Evidence) -> str:
    return _code(ev.path + (f":{ev.line}" if ev.line is not None else ""))


def _counted(r: Result) -> list[Evidence]:
    return [ev for ev in r.evidence if not ev.suppressed]


def _top(report: Report) -> list[Result]:
    rank = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2}
    chosen = [r for r in report.results if r.status in rank and r.suppressed is None]
    return sorted(chosen, key=lambda r: (rank[r.status], r.effective_severity.rank, r.spec.id))


def _top_line(r: Result) -> str:
    s = r.spec
    status = _STATUS_WORD[r.status]
    line = f"- **{status}** {_code(f'{s.id} {s.slug}')} ({r.effective_severity.value}"
    line += ", blocking)" if r.effective_blocking and r.status is not Status.WARN else ")"
    line += f" — {escape(r.message)}"
    evidence = _counted(r)
    if evidence:
        line += f" — {_where(evidence[0])}"
        if len(evidence) > 1:
            line += f" and {len(evidence) - 1} more"
    return line


def _row(r: Result) -> str:
    s = r.spec
    status = _STATUS_WORD[r.status]
    if r.status in (Status.FAIL, Status.ERROR):
        status = f"**{status}**"
    if r.suppressed is not None:
        status = f"~~{status}~~ suppressed"
    evidence = _counted(r) if r.status in (Status.FAIL, Status.WARN) else list(r.evidence)
    where = "<br>".join(_where(ev) for ev in evidence[:_ROW_EVIDENCE])
    if len(evidence) > _ROW_EVIDENCE:
        where += f"<br>and {len(evidence) - _ROW_EVIDENCE} more"
    severity = r.effective_severity.value + (", blocking" if r.effective_blocking else "")
    return f"| {status} | {_code(s.id)} {_code(s.slug)} | {severity} | {escape(r.message)} | {where or '—'} |"


def _suppressed_lines(report: Report) -> list[str]:
    lines: list[str] = []
    for r in report.results:
        if r.suppressed is not None:
            lines.append(f"- {_code(f'{r.spec.id} {r.spec.slug}')} — {escape(r.message)} — suppressed: {escape(r.suppressed)}")
        for ev in r.evidence:
            if ev.suppressed:
                detail = f" — {escape(ev.note, 160)}" if ev.note else ""
                lines.append(f"- {_code(f'{r.spec.id} {r.spec.slug}')} at {_where(ev)}{detail} — suppressed: {escape(ev.suppressed)}")
    return lines


class _Budget:
    """Lines appended while they fit in ``limit`` characters; counts what had to be left out."""

    def __init__(self, limit: int) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.limit = limit
        self.dropped = 0

    def add(self, line: str, *, force: bool = False) -> bool:
        if not force and (self.dropped or self.size + len(line) + 1 > self.limit):
            self.dropped += 1
            return False
        self.lines.append(line)
        self.size += len(line) + 1
        return True


def render(report: Report) -> str:
    out = _Budget(MAX_CHARS - _RESERVE)
    go = report.verdict is Verdict.GO
    out.add(f"## readycheck: {report.verdict.value}", force=True)
    out.add("", force=True)
    summary = report.summary()
    if go:
        warned = summary["warn"]
        verdict = "**GO**: every go/no-go question is answered yes and no blocking check failed"
        verdict += f" ({warned} warning{'s' if warned != 1 else ''})." if warned else "."
    else:
        verdict = f"**NO-GO**: {escape(report.verdict_reason, 1000)}"
    out.add(verdict, force=True)
    out.add("", force=True)
    scope = "staged files" if report.mode == "staged" else f"{report.files_scanned} files"
    counts = ", ".join(f"{n} {k}" for k, n in summary.items())
    context = ""
    if report.profile:
        context += f" · profile {_code(report.profile)}"
    if report.diff and report.diff.get("ref"):
        context += f" · changes since {_code(str(report.diff['ref']))}"
    out.add(f"readycheck {escape(report.tool_version)} · {scope}{context} · {counts}", force=True)
    for note in report.notes:
        out.add("", force=True)
        out.add(f"> {escape(note, 500)}", force=True)
    out.add("", force=True)

    if report.questions:
        out.add("| Question | Answer | Why |", force=True)
        out.add("|---|---|---|", force=True)
        for qa in report.questions:
            out.add(f"| {escape(qa.question.text)} | {_ANSWER_WORD[qa.answer]} | {escape(qa.reason, 400)} |", force=True)
        out.add("", force=True)

    top = _top(report)
    out.add("### Top findings", force=True)
    out.add("", force=True)
    if top:
        for r in top[:TOP_FINDINGS]:
            out.add(_top_line(r), force=True)
        if len(top) > TOP_FINDINGS:
            out.add(f"- … and {len(top) - TOP_FINDINGS} more below", force=True)
    else:
        out.add("No failures, errors or warnings.", force=True)
    out.add("", force=True)

    out.add(f"<details><summary>All results ({len(report.results)})</summary>", force=True)
    for phase, title in PHASES:
        results = [r for r in report.results if r.spec.phase == phase]
        if not results or out.dropped:
            out.dropped += len(results)
            continue
        out.add("")
        out.add(f"#### {title}")
        out.add("")
        out.add("| Status | Check | Severity | Result | Where |")
        out.add("|---|---|---|---|---|")
        for r in results:
            out.add(_row(r))
    shown_all = not out.dropped
    out.add("", force=True)
    out.add("</details>", force=True)

    suppressed = _suppressed_lines(report)
    if suppressed and shown_all:
        out.add("", force=True)
        out.add(f"<details><summary>Suppressed ({len(suppressed)})</summary>")
        out.add("")
        for line in suppressed:
            out.add(line)
        if out.dropped:
            out.add("", force=True)
        out.add("</details>", force=True)
    if out.dropped or (suppressed and not shown_all):
        out.add("", force=True)
        out.add(
            f"_The report was cut to fit a comment: {out.dropped} more line(s) not shown"
            + (f", {len(suppressed)} suppressed finding(s) not listed" if suppressed and not shown_all else "")
            + ". Run `readycheck audit --format json` for everything._",
            force=True,
        )
    return "\n".join(out.lines) + "\n"
