"""The terminal report: the verdict banner with the five questions, then findings by phase."""

from __future__ import annotations

import io
import re
from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from readycheck.model import ITEMS, PHASES, SKIPPED_LISTED, Answer, Report, Result, Status, Verdict

__all__ = ["render", "clean"]

# C0 and C1 controls (ESC, CSI \x9b, OSC \x9d, BEL, CR, newline...), the DEL, and the invisible
# or reordering Unicode characters (bidi overrides and isolates, marks, zero-width, separators).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_STATUS_STYLE = {
    Status.PASS: ("✔ PASS", "green"),
    Status.WARN: ("! WARN", "yellow"),
    Status.FAIL: ("✘ FAIL", "bold red"),
    Status.SKIP: ("- SKIP", "dim"),
    Status.ERROR: ("? ERROR", "magenta"),
}
_ANSWER_STYLE = {Answer.YES: ("yes", "green"), Answer.NO: ("no", "bold red"), Answer.UNKNOWN: ("unknown", "yellow")}

_SKIPPED_SHOWN = 10  # skipped files named one by one in the text report


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """Neutralise terminal control and bidi characters from repository content: each is shown
    escaped (``\x1b``, ``\u202e``), so a file name or snippet can neither drive the terminal
    (clear it, set its title, forge a link, overwrite a line) nor reorder what is read."""
    return _CONTROL.sub(_escape, text)


def _indented(text: Text, left: int) -> Padding:
    return Padding(text, (0, 0, 0, left), expand=False)


def _result_block(r: Result, verbose: bool) -> list[Any]:
    label, style = _STATUS_STYLE[r.status]
    head = Text("    ")
    head.append(label, style=style)
    head.append(f"  {r.spec.id} ", style="bold")
    head.append(r.spec.slug, style="cyan")
    tags = [r.effective_severity.value] + (["blocking"] if r.effective_blocking else [])
    head.append(f"  [{', '.join(tags)}]", style="dim")
    if r.suppressed is not None:
        head.append(f"  suppressed: {clean(r.suppressed)}", style="yellow")
    lines: list[Any] = [head, _indented(Text(clean(r.message)), 8)]
    shown = r.evidence if verbose or r.status in (Status.FAIL, Status.WARN) else r.evidence[:3]
    for ev in shown[:12]:
        loc = ev.path + (f":{ev.line}" if ev.line else "")
        t = Text("        → ", style="dim", overflow="ellipsis", no_wrap=True)
        t.append(clean(loc), style="underline")
        if ev.note:
            t.append(f"  {clean(ev.note)}", style="italic")
        if ev.snippet:
            t.append(f"  {clean(ev.snippet)}", style="dim")
        if ev.suppressed and r.suppressed is None:
            t.append(f"  (suppressed: {clean(ev.suppressed)})", style="yellow")
        lines.append(t)
    if len(r.evidence) > len(shown[:12]):
        lines.append(Text(f"        … and {len(r.evidence) - len(shown[:12])} more (see --format json)", style="dim"))
    if r.status in (Status.FAIL, Status.WARN) and r.spec.remediation:
        fix = Text("fix: ", style="bold")
        fix.append(clean(r.spec.remediation))
        lines.append(_indented(fix, 8))
    return lines


def _questions(report: Report) -> Any:
    """The five questions, answered: a grid (rich's table module is imported for it alone, which
    a staged run, where the questions are not asked, never needs)."""
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column()
    for qa in report.questions:
        word, style = _ANSWER_STYLE[qa.answer]
        table.add_row(Text(qa.question.text), Text(word, style=style), Text(clean(qa.reason), style="dim"))
    return table


def render(report: Report, *, color: bool = False, quiet: bool = False, width: int | None = None) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf, force_terminal=color, no_color=not color, color_system="standard" if color else None,
        width=width or 100, highlight=False, emoji=False, soft_wrap=False,
    )
    summary = report.summary()
    header = Text(f"readycheck {report.tool_version}", style="bold")
    files = f"{report.files_scanned} file" + ("" if report.files_scanned == 1 else "s")
    header.append(f" · {clean(report.target_path)} · {files}", style="dim")
    if report.skipped:
        header.append(f" ({len(report.skipped)} skipped)", style="dim")
    header.append(f" · {report.duration_ms / 1000:.2f} s", style="dim")

    go = report.verdict is Verdict.GO
    title = Text(f" {report.verdict.value} ", style="bold white on green" if go else "bold white on red")
    counts = Text("  ".join(f"{k} {v}" for k, v in summary.items()), style="dim")
    banner_body: list[Any]
    if report.mode == "staged":
        title.append("· staged files ", style="bold white on green" if go else "bold white on red")
        banner_body = [Text("Only the files staged for commit were judged; the five questions need a full audit.", style="dim"), counts]
    else:
        banner_body = [_questions(report), Text(""), counts]
    banner_body += [Text(clean(n), style="dim") for n in report.notes]
    if not go:
        banner_body.insert(0, Text(clean(report.verdict_reason) + "\n", style="red"))
    elif "suppressed" in report.verdict_reason:  # GO, but only thanks to accepted findings: say so
        banner_body.insert(0, Text(clean(report.verdict_reason) + "\n", style="yellow"))
    console.print(header)
    console.print(Panel(Group(*banner_body), title=title, title_align="left", border_style="green" if go else "red"))

    for phase, phase_title in PHASES:
        items = [i for i in ITEMS if i.phase == phase]
        blocks: list[Any] = []
        for item in items:
            results = [r for r in report.results if r.spec.item == item.number]
            if quiet:
                results = [r for r in results if r.status in (Status.FAIL, Status.ERROR)]
            if not results:
                continue
            blocks.append(Text(f"  {item.number}. {item.title}", style="bold"))
            for r in results:
                blocks.extend(_result_block(r, verbose=False))
        if blocks:
            console.print(Text(phase_title, style="bold underline"))
            for b in blocks:
                if isinstance(b, Text) and b.no_wrap:
                    console.print(b, no_wrap=True, overflow="ellipsis")
                else:
                    console.print(b)
            console.print()
    if report.skipped and not quiet:
        reasons: dict[str, int] = {}
        for s in report.skipped:
            reasons[s.reason] = reasons.get(s.reason, 0) + 1
        console.print(Text("Skipped files: " + ", ".join(f"{n} {clean(r)}" for r, n in sorted(reasons.items())), style="dim"))
        shown = report.skipped[:_SKIPPED_SHOWN]
        for s in shown:
            console.print(Text(f"  {clean(s.path)}: {clean(s.reason)}", style="dim"))
        if len(report.skipped) > len(shown):
            console.print(Text(f"  ... and {len(report.skipped) - len(shown)} more (the JSON report lists up to {SKIPPED_LISTED})", style="dim"))
    return buf.getvalue()
