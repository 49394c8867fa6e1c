"""The HTML report: one self-contained page (inline CSS and JS, nothing fetched), readable offline and
in print. The verdict and the five questions first, then every checklist item by phase with its
checks, their evidence and how to fix them; checkboxes filter the checks by status and severity.

Everything that comes from the audited repository (paths, snippets, messages) is escaped, and a
Content-Security-Policy forbids the page from loading or sending anything.
"""

from __future__ import annotations

import html
import re
from typing import Iterable, Mapping, Sequence

from readycheck.model import ITEMS, PHASES, Answer, Evidence, Item, Report, Result, Severity, Status, Verdict

__all__ = ["render", "CSP"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MAX_EVIDENCE = 12  # shown at once; the rest sit in a collapsed list

_STATUS_LABEL = {
    Status.PASS: "✔ PASS",
    Status.WARN: "! WARN",
    Status.FAIL: "✘ FAIL",
    Status.SKIP: "– SKIP",
    Status.ERROR: "? ERROR",
}
# The status an item shows is the worst of its checks: this order, first is worst.
_WORST_FIRST = (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.SKIP)
_ANSWER_LABEL = {Answer.YES: "✔ yes", Answer.NO: "✘ no", Answer.UNKNOWN: "? unknown"}
_STANDARD_LABEL = {"owasp-llm": "OWASP", "aws-genai-lens": "AWS GenAI Lens", "nist-ai-rmf": "NIST AI RMF"}

_CSS = """
:root{--go:#1a7f37;--nogo:#c21f2b;--warn:#8a5a00;--skip:#57606a;--err:#8250df;--fg:#1f2328;
--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
html{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
body{margin:0 auto;max-width:72rem;padding:1rem 1.5rem 3rem}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.3rem;margin:2rem 0 .75rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1.1rem;margin:1.25rem 0 .5rem;display:flex;gap:.6rem;align-items:center;flex-wrap:wrap}
h4{font-size:1rem;margin:0 0 .25rem;display:flex;gap:.5rem;align-items:baseline;flex-wrap:wrap;font-weight:600}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.9em}
pre{white-space:pre-wrap;word-break:break-word;background:var(--soft);padding:.5rem;border-radius:4px;margin:.25rem 0}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0;color:var(--muted)}
.meta dt{font-weight:600}.meta dd{margin:0;word-break:break-all}
.verdict{border:3px solid;border-radius:8px;padding:1rem 1.25rem;margin:1.25rem 0}
.verdict h2{border:0;margin:0;padding:0;font-size:1.2rem}
.verdict-word{display:inline-block;font-size:2.2rem;font-weight:800;letter-spacing:.04em;color:#fff;
padding:.1rem .9rem;border-radius:6px;margin-left:.4rem;vertical-align:middle}
.verdict-go{border-color:var(--go)}.verdict-go .verdict-word{background:var(--go)}
.verdict-nogo{border-color:var(--nogo)}.verdict-nogo .verdict-word{background:var(--nogo)}
.verdict-reason{font-size:1.05rem;margin:.6rem 0 .2rem}
.counts{margin:.5rem 0 0;padding:0;list-style:none;display:flex;gap:.5rem;flex-wrap:wrap}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid var(--line)}
th{background:var(--soft)}
.badge{display:inline-block;font-size:.8rem;font-weight:700;padding:.05rem .5rem;border-radius:1rem;
border:1px solid currentColor;white-space:nowrap;font-family:inherit}
.s-pass,.a-yes{color:var(--go)}.s-fail,.a-no{color:var(--nogo)}.s-warn,.a-unknown{color:var(--warn)}
.s-skip,.s-none{color:var(--skip)}.s-error{color:var(--err)}
.sev{color:var(--muted);font-size:.85rem}
.sev-critical,.sev-high{font-weight:700;color:var(--fg)}
.filters{display:flex;gap:1rem;flex-wrap:wrap;align-items:flex-start;background:var(--soft);
border:1px solid var(--line);border-radius:6px;padding:.5rem 1rem;position:sticky;top:0;z-index:1}
.filters fieldset{border:0;margin:0;padding:0;display:flex;gap:.75rem;flex-wrap:wrap;align-items:center}
.filters legend{font-weight:700;float:left;margin-right:.5rem}
.filters label{cursor:pointer;white-space:nowrap}
.filters p{margin:0}
#shown-count{color:var(--muted);flex-basis:100%}
.item{border-left:4px solid var(--line);padding-left:1rem;margin:1rem 0}
.item.s-fail{border-left-color:var(--nogo)}.item.s-warn{border-left-color:var(--warn)}
.item.s-pass{border-left-color:var(--go)}.item.s-error{border-left-color:var(--err)}
.item>h3{color:var(--fg)}
.check{border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;margin:.5rem 0;color:var(--fg);break-inside:avoid}
.check.s-fail{border-left:4px solid var(--nogo)}.check.s-warn{border-left:4px solid var(--warn)}
.check.s-error{border-left:4px solid var(--err)}
.check p{margin:.25rem 0}
.slug{color:var(--muted)}
.message{white-space:pre-wrap;word-break:break-word}
.evidence{margin:.25rem 0;padding-left:1.25rem}
.evidence li{margin:.15rem 0;word-break:break-word}
.evidence .note{font-style:italic}
.evidence .snippet{background:var(--soft);padding:0 .25rem;border-radius:3px}
.suppressed{color:var(--muted);font-style:italic}
.fix{background:#fff8c5;border-radius:4px;padding:.25rem .5rem}
.standards{color:var(--muted);font-size:.9rem}
.empty{color:var(--muted);font-style:italic}
details summary{cursor:pointer;color:var(--muted)}
.is-hidden{display:none!important}
footer{margin-top:3rem;color:var(--muted);font-size:.85rem}
@media print{
 html{font-size:11pt}body{max-width:none;padding:0}
 .filters{display:none}
 .verdict-word,.badge,.check,.item{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 h2,h3{break-after:avoid}
}
"""

_JS = """
(function(){
  "use strict";
  var form=document.getElementById("filters");
  if(!form){return;}
  form.classList.remove("is-hidden");
  var checks=Array.prototype.slice.call(document.querySelectorAll(".check"));
  var items=Array.prototype.slice.call(document.querySelectorAll(".item"));
  var shown=document.getElementById("shown-count");
  function wanted(kind){
    var out={};
    var boxes=form.querySelectorAll("input[data-filter='"+kind+"']");
    for(var i=0;i<boxes.length;i++){out[boxes[i].value]=boxes[i].checked;}
    return out;
  }
  function apply(){
    var st=wanted("status"),sev=wanted("severity"),n=0;
    checks.forEach(function(c){
      var on=st[c.getAttribute("data-status")]!==false&&sev[c.getAttribute("data-severity")]!==false;
      c.classList.toggle("is-hidden",!on);
      if(on){n++;}
    });
    items.forEach(function(it){
      var own=it.querySelectorAll(".check");
      if(!own.length){return;}
      var hidden=it.querySelectorAll(".check.is-hidden").length;
      it.classList.toggle("is-hidden",hidden===own.length);
    });
    if(shown){shown.textContent="Showing "+n+" of "+checks.length+" checks.";}
  }
  form.addEventListener("change",apply);
  form.addEventListener("submit",function(ev){ev.preventDefault();});
  window.addEventListener("beforeprint",function(){
    var more=document.querySelectorAll("details.more");
    for(var i=0;i<more.length;i++){more[i].open=true;}
  });
  apply();
})();
"""


def _clean(text: str) -> str:
    """Neutralise control and bidi characters from repository content, then escape it."""
    return html.escape(_CONTROL.sub("\ufffd", text), quote=True)


def _e(value: object) -> str:
    return _clean(str(value))


def _badge(status: Status) -> str:
    return f'<span class="badge s-{status.value}">{_STATUS_LABEL[status]}</span>'


def _worst(results: Sequence[Result]) -> Status:
    counting = [r for r in results if r.suppressed is None] or list(results)
    statuses = {r.status for r in counting}
    return next(s for s in _WORST_FIRST if s in statuses)


def _standards(standards: Mapping[str, tuple[str, ...]]) -> str:
    entries = [
        f"{_STANDARD_LABEL.get(framework, framework)} {entry}"
        for framework, values in sorted(standards.items())
        for entry in values
    ]
    return ", ".join(_e(e) for e in entries)


def _evidence_item(ev: Evidence) -> str:
    loc = ev.path + (f":{ev.line}" if ev.line else "")
    parts = [f'<code class="loc">{_e(loc)}</code>']
    if ev.note:
        parts.append(f'<span class="note">{_e(ev.note)}</span>')
    if ev.snippet:
        parts.append(f'<code class="snippet">{_e(ev.snippet)}</code>')
    if ev.suppressed:
        parts.append(f'<span class="suppressed">(suppressed: {_e(ev.suppressed)})</span>')
    return "<li>" + " ".join(parts) + "</li>"


def _evidence(evidence: Sequence[Evidence]) -> str:
    if not evidence:
        return ""
    first = "".join(_evidence_item(ev) for ev in evidence[:_MAX_EVIDENCE])
    out = f'<ul class="evidence" aria-label="Evidence">{first}</ul>'
    rest = evidence[_MAX_EVIDENCE:]
    if rest:
        more = "".join(_evidence_item(ev) for ev in rest)
        out += f'<details class="more"><summary>{len(rest)} more</summary><ul class="evidence">{more}</ul></details>'
    return out


def _docs(r: Result) -> str:
    d = r.spec.docs
    sections = [("What it checks", d.what), ("Why it matters", d.why), ("How to fix", d.fix), ("Example", d.example)]
    if d.limits:
        sections.append(("Known limits", d.limits))
    body = "".join(f"<p><strong>{title}</strong></p><pre>{_e(text.strip())}</pre>" for title, text in sections if text and text.strip())
    if not body:
        return ""
    return f"<details><summary>About {_e(r.spec.id)}</summary>{body}</details>"


def _check(r: Result) -> str:
    s = r.spec
    sev = r.effective_severity.value
    tags = [f'<span class="sev sev-{sev}">severity: {sev}</span>']
    tags.append('<span class="sev">blocking</span>' if r.effective_blocking else '<span class="sev">not blocking</span>')
    head = (
        f"<h4>{_badge(r.status)} <code>{_e(s.id)}</code> <span class=\"slug mono\">{_e(s.slug)}</span>"
        f" <span class=\"title\">{_e(s.title)}</span></h4>"
    )
    parts = [head, f'<p class="tags">{" · ".join(tags)}</p>', f'<p class="message">{_e(r.message)}</p>']
    if r.suppressed is not None:
        parts.append(f'<p class="suppressed">Suppressed, does not count: {_e(r.suppressed)}</p>')
    parts.append(_evidence(r.evidence))
    if r.status in (Status.FAIL, Status.WARN) and s.remediation:
        parts.append(f'<p class="fix"><strong>Fix:</strong> {_e(s.remediation)}</p>')
    if s.standards:
        parts.append(f'<p class="standards">Standards: {_standards(s.standards)}</p>')
    parts.append(_docs(r))
    return (
        f'<article class="check s-{r.status.value}" id="check-{_e(s.id)}" data-status="{r.status.value}"'
        f' data-severity="{sev}">' + "".join(parts) + "</article>"
    )


def _item(item: Item, results: Sequence[Result]) -> str:
    if not results:
        return (
            f'<section class="item s-none" aria-labelledby="item-{item.number}">'
            f'<h3 id="item-{item.number}">{item.number}. {_e(item.title)} '
            '<span class="badge s-none">not checked</span></h3>'
            '<p class="empty">No check of this item was selected or run.</p></section>'
        )
    worst = _worst(results)
    checks = "".join(_check(r) for r in results)
    return (
        f'<section class="item s-{worst.value}" data-status="{worst.value}" aria-labelledby="item-{item.number}">'
        f'<h3 id="item-{item.number}">{item.number}. {_e(item.title)} {_badge(worst)}</h3>{checks}</section>'
    )


def _phases(report: Report) -> str:
    out = []
    for phase, title in PHASES:
        items = [i for i in ITEMS if i.phase == phase]
        body = "".join(_item(i, [r for r in report.results if r.spec.item == i.number]) for i in items)
        out.append(f'<section class="phase" id="phase-{phase}" aria-labelledby="h-{phase}"><h2 id="h-{phase}">{_e(title)}</h2>{body}</section>')
    return "".join(out)


def _meta(report: Report) -> str:
    rows: list[tuple[str, str]] = [("Tool", f"readycheck {report.tool_version}"), ("Target", report.target_path)]
    git = report.git or {}
    if git.get("commit"):
        rows.append(("Commit", str(git["commit"]) + (" (uncommitted changes)" if git.get("dirty") else "")))
    if git.get("branch"):
        rows.append(("Branch", str(git["branch"])))
    rows.append(("Date", report.started_at))
    files = f"{report.files_scanned} scanned" + (f", {len(report.skipped)} skipped" if report.skipped else "")
    rows.append(("Files", files))
    rows.append(("Duration", f"{report.duration_ms / 1000:.2f} s"))
    if report.mode == "staged":
        rows.append(("Mode", "staged files only"))
    # Newer report fields, read defensively so this reporter renders any Report it is given.
    profile = getattr(report, "profile", None)
    if profile:
        rows.append(("Profile", str(profile)))
    diff = getattr(report, "diff", None)
    if isinstance(diff, Mapping) and diff.get("ref"):
        changed = diff.get("files")
        count = f" ({len(changed)} changed file{'' if len(changed) == 1 else 's'})" if isinstance(changed, (list, tuple)) else ""
        rows.append(("Changes since", f"{diff['ref']}{count}"))
    return '<dl class="meta">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows) + "</dl>"


def _counts(summary: Mapping[str, int]) -> str:
    items = "".join(
        f'<li><span class="badge s-{s.value}">{_STATUS_LABEL[s]} {summary.get(s.value, 0)}</span></li>' for s in Status
    )
    return f'<ul class="counts" aria-label="Checks by status">{items}</ul>'


def _verdict(report: Report) -> str:
    go = report.verdict is Verdict.GO
    cls = "verdict-go" if go else "verdict-nogo"
    staged = ""
    if report.mode == "staged":
        staged = '<p>Only the files staged for commit were judged; the five questions need a full audit.</p>'
    suppressed = getattr(report, "suppressed_count", 0)
    if isinstance(suppressed, int) and suppressed > 0:
        in_results = getattr(report, "suppressed_results", 0)
        where = f" in {in_results} check(s)" if isinstance(in_results, int) and in_results else ""
        staged += f'<p class="suppressed">{suppressed} suppressed finding(s){_e(where)} do not count towards the verdict.</p>'
    return (
        f'<section class="verdict {cls}" id="verdict" aria-labelledby="verdict-h">'
        f'<h2 id="verdict-h">Verdict: <span class="verdict-word">{_e(report.verdict.value)}</span></h2>'
        f'<p class="verdict-reason">{_e(report.verdict_reason)}</p>{staged}{_counts(report.summary())}</section>'
    )


def _questions(report: Report) -> str:
    rows = "".join(
        f'<tr><th scope="row">{_e(qa.question.text)}</th>'
        f'<td><span class="badge a-{qa.answer.value}">{_ANSWER_LABEL[qa.answer]}</span></td>'
        f"<td>{_e(qa.reason)}</td></tr>"
        for qa in report.questions
    )
    return (
        '<section id="questions" aria-labelledby="questions-h"><h2 id="questions-h">The five go/no-go questions</h2>'
        '<table><thead><tr><th scope="col">Question</th><th scope="col">Answer</th><th scope="col">Why</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
    )


def _checkbox(kind: str, value: str, label: str, count: int) -> str:
    ident = f"f-{kind}-{value}"
    return (
        f'<label for="{ident}"><input type="checkbox" id="{ident}" data-filter="{kind}" value="{value}" checked> '
        f"{label} ({count})</label>"
    )


def _filters(results: Sequence[Result]) -> str:
    by_status = {s: sum(1 for r in results if r.status is s) for s in Status}
    by_sev = {s: sum(1 for r in results if r.effective_severity is s) for s in Severity}
    statuses = "".join(_checkbox("status", s.value, _STATUS_LABEL[s], n) for s, n in by_status.items())
    sevs = "".join(_checkbox("severity", s.value, s.value, n) for s, n in by_sev.items())
    # Hidden until the script runs: without it, every check is shown and the boxes would do nothing.
    return (
        '<form id="filters" class="filters is-hidden" aria-labelledby="filters-h">'
        '<p id="filters-h"><strong>Show checks</strong></p>'
        f"<fieldset><legend>Status</legend>{statuses}</fieldset>"
        f"<fieldset><legend>Severity</legend>{sevs}</fieldset>"
        '<p id="shown-count" aria-live="polite"></p></form>'
    )


def _notes(report: Report) -> str:
    lines = list(report.notes)
    if report.skipped:
        reasons: dict[str, int] = {}
        for s in report.skipped:
            reasons[s.reason] = reasons.get(s.reason, 0) + 1
        lines.append("Skipped files: " + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())))
    if not lines:
        return ""
    items = "".join(f"<li>{_e(n)}</li>" for n in lines)
    return f'<section id="notes" aria-labelledby="notes-h"><h2 id="notes-h">Notes</h2><ul>{items}</ul></section>'


def _join(parts: Iterable[str]) -> str:
    return "\n".join(p for p in parts if p)


def render(report: Report) -> str:
    """The report as one self-contained HTML5 document."""
    title = f"readycheck: {report.verdict.value} — {report.target_path}"
    body = _join(
        [
            f"<header><h1>readycheck report</h1>{_meta(report)}</header>",
            "<main>",
            _verdict(report),
            _questions(report),
            _filters(report.results),
            _phases(report),
            _notes(report),
            "</main>",
            f"<footer>Generated by readycheck {_e(report.tool_version)} on {_e(report.started_at)}.</footer>",
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n"
        f"<script>{_JS}</script>\n</body>\n</html>\n"
    )
