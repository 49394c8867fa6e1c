"""The JUnit XML report, for CI test panels (GitLab, Jenkins, Azure DevOps, CircleCI...).

``<testsuites name="readycheck">`` holds one ``<testsuite>`` per checklist phase, and each suite one
``<testcase classname="readycheck.<item slug>" name="<ID> <slug>: <title>">`` per check:

- ``fail``: a ``<failure message=... type="<severity>">`` whose body lists the evidence
  (``path:line  note  snippet``) and the remediation;
- ``warn``: a passing test case; the warning and its evidence go to ``<system-out>`` (a warning is
  not a failure: ``--fail-on warn`` is what turns warnings into a failing exit code);
- ``error``: an ``<error>``;
- ``skip``: ``<skipped message="reason">``; a suppressed result: ``<skipped message="suppressed: reason">``.

Repository content (paths, snippets) may hold characters XML 1.0 cannot carry (control characters,
lone surrogates from undecodable file names): they are replaced with U+FFFD, so the file always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from readycheck.model import ITEMS_BY_NUMBER, PHASES, Evidence, Report, Result, Status

__all__ = ["render", "xml_safe"]

# Everything outside XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
# [#x10000-#x10FFFF]; lone surrogates included (they cannot be encoded as UTF-8).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAX_EVIDENCE = 50


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by U+FFFD."""
    return _ILLEGAL.sub("\ufffd", text)


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.3f}"


def _evidence_line(ev: Evidence) -> str:
    loc = ev.path + (f":{ev.line}" if ev.line is not None else "")
    parts = [loc]
    if ev.note:
        parts.append(ev.note)
    if ev.snippet:
        parts.append(ev.snippet)
    line = "  ".join(parts)
    if ev.suppressed:
        line += f"  (suppressed: {ev.suppressed})"
    return "  - " + line


def _body(r: Result, *, remediation: bool) -> str:
    lines = [r.message]
    if r.evidence:
        lines.append("")
        lines.append("Evidence:")
        lines += [_evidence_line(ev) for ev in r.evidence[:_MAX_EVIDENCE]]
        if len(r.evidence) > _MAX_EVIDENCE:
            lines.append(f"  ... and {len(r.evidence) - _MAX_EVIDENCE} more (see --format json)")
    if remediation and r.spec.remediation:
        lines += ["", f"How to fix: {r.spec.remediation}"]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _set(el: ET.Element, **attrs: str) -> None:
    for key, value in attrs.items():
        el.set(key, xml_safe(value))


def _testcase(parent: ET.Element, r: Result) -> None:
    s = r.spec
    case = ET.SubElement(parent, "testcase")
    _set(case, classname=f"readycheck.{s.item_slug}", name=f"{s.id} {s.slug}: {s.title}", time=_seconds(r.duration_ms))
    severity = r.effective_severity.value
    if r.suppressed is not None:
        skipped = ET.SubElement(case, "skipped")
        _set(skipped, message=_one_line(f"suppressed: {r.suppressed}"))
        skipped.text = xml_safe(_body(r, remediation=False))
    elif r.status is Status.FAIL:
        failure = ET.SubElement(case, "failure")
        _set(failure, message=_one_line(r.message), type=severity)
        failure.text = xml_safe(_body(r, remediation=True))
    elif r.status is Status.ERROR:
        error = ET.SubElement(case, "error")
        _set(error, message=_one_line(r.message), type="check-error")
        error.text = xml_safe(_body(r, remediation=False))
    elif r.status is Status.SKIP:
        skipped = ET.SubElement(case, "skipped")
        _set(skipped, message=_one_line(r.message))
    elif r.status is Status.WARN:
        out = ET.SubElement(case, "system-out")
        out.text = xml_safe(f"WARNING ({severity}): " + _body(r, remediation=True))
    elif r.evidence:  # a pass: what it stands on
        out = ET.SubElement(case, "system-out")
        out.text = xml_safe(_body(r, remediation=False))


def _counts(results: list[Result]) -> dict[str, str]:
    def n(pred: bool) -> int:
        return int(pred)

    failures = sum(n(r.suppressed is None and r.status is Status.FAIL) for r in results)
    errors = sum(n(r.suppressed is None and r.status is Status.ERROR) for r in results)
    skipped = sum(n(r.suppressed is not None or r.status is Status.SKIP) for r in results)
    return {
        "tests": str(len(results)),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": str(skipped),
        "time": _seconds(sum(r.duration_ms for r in results)),
    }


def render(report: Report) -> str:
    root = ET.Element("testsuites")
    _set(root, name="readycheck", **_counts(list(report.results)))
    root.set("time", _seconds(report.duration_ms))
    for phase, title in PHASES:
        results = [r for r in report.results if ITEMS_BY_NUMBER[r.spec.item].phase == phase]
        if not results:
            continue
        suite = ET.SubElement(root, "testsuite")
        _set(suite, name=f"readycheck: {title}", timestamp=report.started_at.removesuffix("Z"), **_counts(results))
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("verdict", report.verdict.value),
            ("verdict_reason", report.verdict_reason),
            ("phase", phase),
            ("target", report.target_path),
            ("mode", report.mode),
            ("readycheck_version", report.tool_version),
            *((f"question.{qa.question.id}", qa.answer.value) for qa in report.questions),
        ):
            prop = ET.SubElement(props, "property")
            _set(prop, name=name, value=value)
        for r in results:
            _testcase(suite, r)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
