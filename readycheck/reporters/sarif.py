"""The SARIF 2.1.0 report, for GitHub and GitLab code scanning.

One run; one rule per check in the report (its docs become the rule's help); one result per finding:
each evidence item of a ``fail`` or ``warn`` result, and each suppressed evidence item of any result
(with ``suppressions``, so a code-scanning service shows it as dismissed rather than dropping it).
Passing and skipped checks are not results; checks that crashed are tool execution notifications.

Where a finding has no file to point at, the location is chosen so that GitHub accepts the file
(its upload rejects the whole SARIF file when one result has no location, or a location with only a
logical location):

- a check that judges the repository as a whole and has no evidence (no runbook, no load test) is
  located at the repository root: ``artifactLocation {"uri": ".", "uriBaseId": "%SRCROOT%"}``, no
  region;
- cloud evidence, whose path is an ARN, gets a ``logicalLocation`` (``kind: "resource"``,
  ``fullyQualifiedName``: the ARN) and, beside it in the same location, the same repository-root
  physical location (the account is not a file of the repository).

Fingerprints never use line numbers: ``partialFingerprints["readycheck/v1"]`` hashes the check id,
the path and the finding's own key (the evidence fingerprint when the detector gives one, else its
sub-rule and whitespace-normalised snippet or note), so an alert survives code moving around it.
Evidence snippets are already redacted by the engine; no file text is read here.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from readycheck.model import Evidence, Report, Result, Severity, Status

__all__ = ["render", "SCHEMA_URI", "FINGERPRINT_KEY", "ROOT_URI", "level_for"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/readycheck/readycheck"
FINGERPRINT_KEY = "readycheck/v1"
SRCROOT = "%SRCROOT%"
ROOT_URI = "."  # the repository root: where a finding without a file is located

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub reads "security-severity" (0.0-10.0) to rank alerts as critical (>= 9), high (>= 7),
# medium (>= 4) or low.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
_PRECISION = {"very-high": "very-high", "high": "high", "medium": "medium", "low": "low"}
_SPACE = re.compile(r"\s+")


def level_for(severity: Severity, status: Status) -> str:
    """A failure's level follows its severity; a warning is never more than ``warning``."""
    level = _LEVEL[severity]
    if status is Status.WARN and level == "error":
        return "warning"
    return level


def _pascal(slug: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", slug) if part)


def _standard_tag(framework: str, entry: str) -> str:
    """("owasp-llm", "LLM10") -> "OWASP-LLM10"; ("aws-genai-lens", "GENCOST02") -> "AWS-GENAI-LENS-GENCOST02"."""
    parts = framework.upper().split("-")
    if len(parts) > 1 and entry.upper().startswith(parts[-1]):
        parts = parts[:-1]
    return "-".join([*parts, entry])


def _help_text(r: Result) -> str:
    d = r.spec.docs
    parts = [f"What it checks: {d.what}", f"Why it matters: {d.why}", f"How to fix: {d.fix}", f"Example:\n{d.example}"]
    return "\n\n".join(p.strip() for p in parts)


def _help_markdown(r: Result) -> str:
    d = r.spec.docs
    parts = [
        f"## What it checks\n\n{d.what.strip()}",
        f"## Why it matters\n\n{d.why.strip()}",
        f"## How to fix\n\n{d.fix.strip()}",
        f"## Example\n\n{d.example.strip()}",
    ]
    if d.options:
        parts.append(f"## Options\n\n{d.options.strip()}")
    if d.limits:
        parts.append(f"## Known limits\n\n{d.limits.strip()}")
    return "\n\n".join(parts)


def _rule(r: Result) -> dict[str, Any]:
    s = r.spec
    severity = r.effective_severity
    tags = [s.item_slug, s.phase, *s.tags]
    for framework, entries in sorted(s.standards.items()):
        tags += [_standard_tag(framework, e) for e in entries]
    if s.phase == "security" or s.item_slug == "credentials":
        tags.append("security")  # GitHub ranks by security-severity only the rules tagged "security"
    properties: dict[str, Any] = {
        "tags": list(dict.fromkeys(tags)),
        "security-severity": _SECURITY_SEVERITY[severity],
        "precision": _PRECISION.get(s.confidence, "medium"),
        "checklist-item": s.item,
        "blocking": r.effective_blocking,
    }
    if s.questions:
        properties["questions"] = list(s.questions)
    if s.standards:
        properties["standards"] = {k: list(v) for k, v in sorted(s.standards.items())}
    return {
        "id": s.id,
        "name": _pascal(s.slug) or s.id,
        "shortDescription": {"text": s.title},
        "fullDescription": {"text": s.docs.what.strip() or s.title},
        "help": {"text": _help_text(r), "markdown": _help_markdown(r)},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": properties,
    }


def _uri(path: str) -> str:
    uri = quote(path.replace("\\", "/"), safe="/-._~!$&'()*+,;=:@")
    return uri or ROOT_URI


def _root_location() -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": ROOT_URI, "uriBaseId": SRCROOT}}}


def _location(ev: Evidence) -> dict[str, Any]:
    if ev.path.startswith("arn:"):
        name = re.split(r"[:/]", ev.path)[-1] or ev.path
        loc = _root_location()
        loc["logicalLocations"] = [{"name": name, "fullyQualifiedName": ev.path, "kind": "resource"}]
        return loc
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(ev.path), "uriBaseId": SRCROOT}}
    if ev.line is not None and ev.line >= 1:
        region: dict[str, Any] = {"startLine": ev.line}
        if ev.snippet:
            region["snippet"] = {"text": ev.snippet}
        physical["region"] = region
    return {"physicalLocation": physical}


def _fingerprint(check_id: str, ev: Evidence | None) -> str:
    if ev is None:
        key = [check_id, ROOT_URI, ""]
    elif ev.fingerprint:
        key = [check_id, ev.path, ev.rule or "", ev.fingerprint]
    else:
        text = ev.snippet if ev.snippet else (ev.note or "")
        key = [check_id, ev.path, ev.rule or "", _SPACE.sub(" ", text).strip()]
    return hashlib.sha256("\x1f".join(key).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _suppression(reason: str) -> dict[str, Any]:
    kind = "inSource" if reason.lower().startswith("inline") else "external"
    return {"kind": kind, "status": "accepted", "justification": reason}


def _finding(r: Result, ev: Evidence | None, suppressed: str | None) -> dict[str, Any]:
    status = r.status if r.status in (Status.FAIL, Status.WARN) else Status.FAIL
    text = r.message.strip()
    if ev is not None and ev.note:
        text = f"{text}: {ev.note.strip()}" if text else ev.note.strip()
    out: dict[str, Any] = {
        "ruleId": r.spec.id,
        "level": level_for(r.effective_severity, status),
        "message": {"text": text or r.spec.title},
        "locations": [_location(ev) if ev is not None else _root_location()],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(r.spec.id, ev)},
    }
    properties: dict[str, Any] = {"status": r.status.value, "severity": r.effective_severity.value}
    if ev is not None and ev.rule:
        properties["rule"] = ev.rule
    if ev is not None and ev.fingerprint:
        properties["fingerprint"] = ev.fingerprint
    if r.spec.remediation:
        properties["remediation"] = r.spec.remediation
    out["properties"] = properties
    if suppressed is not None:
        out["suppressions"] = [_suppression(suppressed)]
    return out


def _results_of(r: Result) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    if r.status in (Status.FAIL, Status.WARN):
        for ev in r.evidence:
            findings.append(_finding(r, ev, ev.suppressed or r.suppressed))
        if not r.evidence:
            findings.append(_finding(r, None, r.suppressed))
    else:  # a check that passes once its suppressed findings are set aside still reports them
        for ev in r.evidence:
            if ev.suppressed:
                findings.append(_finding(r, ev, ev.suppressed))
    return findings


def _root_uri(target: str) -> str:
    try:
        uri = Path(target).absolute().as_uri()
    except ValueError:
        return "file:///"
    return uri if uri.endswith("/") else uri + "/"


def render(report: Report) -> str:
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for r in report.results:
        if r.spec.id not in index:
            index[r.spec.id] = len(rules)
            rules.append(_rule(r))
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for r in report.results:
        for finding in _results_of(r):
            finding["ruleIndex"] = index[r.spec.id]
            # Two findings with the same key (the same line in two places of one file) stay two alerts.
            key = (r.spec.id, finding["partialFingerprints"][FINGERPRINT_KEY])
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                finding["partialFingerprints"][FINGERPRINT_KEY] += f":{seen[key]}"
            results.append(finding)
        if r.status is Status.ERROR:
            notifications.append({
                "level": "error",
                "message": {"text": r.message or "the check failed to run"},
                "associatedRule": {"id": r.spec.id, "index": index[r.spec.id]},
            })
    invocation: dict[str, Any] = {"executionSuccessful": True, "startTimeUtc": report.started_at}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "readycheck",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(report.target_path)}},
        "invocations": [invocation],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "verdict": report.verdict.value,
            "verdictReason": report.verdict_reason,
            "mode": report.mode,
            "questions": [
                {"id": qa.question.id, "question": qa.question.text, "answer": qa.answer.value, "reason": qa.reason}
                for qa in report.questions
            ],
            "summary": report.summary(),
            "passed": [r.spec.id for r in report.results if r.status is Status.PASS],
            "skipped": [r.spec.id for r in report.results if r.status is Status.SKIP],
        },
    }
    if report.git:
        run["properties"]["git"] = dict(report.git)
    if report.profile is not None:
        run["properties"]["profile"] = report.profile
    if report.diff is not None:
        run["properties"]["diff"] = dict(report.diff)
    doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
