"""Check documentation for people: `checks list`, `checks explain`, the README reference, `init`."""

from __future__ import annotations

import json
from typing import Sequence

from readycheck.model import ITEMS, PHASES, CheckSpec
from readycheck.standards import STANDARDS, framework

__all__ = [
    "checks_text", "checks_markdown", "checks_json", "checks_by_framework", "framework_json", "explain",
    "starter_config",
]


def _by_item(specs: Sequence[CheckSpec]) -> list[tuple[int, str, list[CheckSpec]]]:
    out = []
    for item in ITEMS:
        chosen = sorted((s for s in specs if s.item == item.number), key=lambda s: s.id)
        if chosen:
            out.append((item.number, item.title, chosen))
    return out


def checks_text(specs: Sequence[CheckSpec]) -> str:
    lines = []
    for number, title, chosen in _by_item(specs):
        lines.append(f"{number:>2}. {title}")
        for s in chosen:
            flags = [s.severity.value] + (["blocking"] if s.blocking else [])
            q = f" -> {', '.join(s.questions)}" if s.questions else ""
            src = "" if s.source == "builtin" else f" (from {s.source})"
            lines.append(f"    {s.id}  {s.slug}  [{', '.join(flags)}]{q}{src}")
            lines.append(f"            {s.title}")
    covered = sorted({s.item for s in specs})
    lines.append("")
    lines.append(f"{len(specs)} checks covering checklist items {', '.join(map(str, covered))}")
    return "\n".join(lines) + "\n"


def checks_markdown(specs: Sequence[CheckSpec]) -> str:
    lines = ["| id | slug | item | severity | blocking | answers | what it checks |", "|---|---|---|---|---|---|---|"]
    for number, title, chosen in _by_item(specs):
        for s in chosen:
            what = s.title.replace("|", "\\|")
            lines.append(
                f"| {s.id} | `{s.slug}` | {number}. {title} | {s.severity.value} | {'yes' if s.blocking else 'no'} | "
                f"{', '.join(s.questions) or '—'} | {what} |"
            )
    return "\n".join(lines) + "\n"


def checks_json(specs: Sequence[CheckSpec]) -> str:
    data = [
        {
            "id": s.id, "slug": s.slug, "title": s.title, "item": s.item, "item_slug": s.item_slug,
            "phase": s.phase, "questions": list(s.questions), "severity": s.severity.value,
            "confidence": s.confidence, "blocking": s.blocking, "tags": list(s.tags),
            "detector": s.detector, "source": s.source,
        }
        for s in sorted(specs, key=lambda s: s.id)
    ]
    return json.dumps(data, indent=2) + "\n"


def _serving(specs: Sequence[CheckSpec], key: str) -> dict[str, list[CheckSpec]]:
    """Each entry of the framework `key`, in the table's order, with the checks that serve it."""
    entries = STANDARDS.get(key, {})
    out: dict[str, list[CheckSpec]] = {entry: [] for entry in entries}
    for s in sorted(specs, key=lambda s: s.id):
        for entry in s.standards.get(key, ()):
            out.setdefault(entry, []).append(s)
    return out


def checks_by_framework(specs: Sequence[CheckSpec], key: str) -> str:
    """`checks list --framework KEY`: each entry of the framework, the checks serving it, coverage.

    ValueError when `key` is not a known framework (the message lists the known ones).
    """
    fw = framework(key)
    titles = STANDARDS[key]
    serving = _serving(specs, key)
    lines = [fw.name, fw.url, ""]
    for entry, chosen in serving.items():
        lines.append(f"{entry}  {titles.get(entry, '(not in the table)')}")
        if chosen:
            lines += [f"    {s.id}  {s.slug}" for s in chosen]
        else:
            lines.append("    not covered")
    covered = sum(1 for entry in titles if serving[entry])
    lines.append("")
    lines.append(f"{covered} of {len(titles)} entries covered")
    return "\n".join(lines) + "\n"


def framework_json(specs: Sequence[CheckSpec], key: str) -> str:
    """`checks list --framework KEY --format json`: the same coverage as data."""
    fw = framework(key)
    titles = STANDARDS[key]
    serving = _serving(specs, key)
    data = {
        "framework": fw.key, "name": fw.name, "url": fw.url,
        "entries": [
            {"id": entry, "title": titles.get(entry), "checks": [{"id": s.id, "slug": s.slug} for s in chosen]}
            for entry, chosen in serving.items()
        ],
        "covered": sum(1 for entry in titles if serving[entry]),
        "total": len(titles),
    }
    return json.dumps(data, indent=2) + "\n"


def _standards_line(spec: CheckSpec) -> str:
    parts = []
    for key, entries in spec.standards.items():
        titles = STANDARDS.get(key, {})
        named = ", ".join(f"{e} {titles[e]}" if e in titles else e for e in entries)
        name = framework(key).name if key in STANDARDS else key
        parts.append(f"{name}: {named}")
    return "Standards: " + "; ".join(parts) + "."


def explain(spec: CheckSpec) -> str:
    phase = dict(PHASES)[spec.phase]
    parts = [
        f"{spec.id} {spec.slug}: {spec.title}",
        f"Checklist item {spec.item} ({spec.item_info.title}), {phase}. Severity {spec.severity.value}, "
        f"confidence {spec.confidence}, {'blocking' if spec.blocking else 'not blocking'}."
        + (f" Answers: {', '.join(spec.questions)}." if spec.questions else ""),
        *([_standards_line(spec)] if any(spec.standards.values()) else []),
        "",
        "## What it checks", spec.docs.what, "",
        "## Why it matters", spec.docs.why, "",
        "## How to fix", spec.docs.fix, "",
        "## Example", spec.docs.example, "",
    ]
    if spec.docs.options:
        parts += ["## Options", spec.docs.options, ""]
    if spec.docs.limits:
        parts += ["## Known limits", spec.docs.limits, ""]
    return "\n".join(parts)


def starter_config() -> str:
    return """\
# readycheck configuration. Every key is optional; `readycheck schema config` prints the full schema.

# Which checks run. Selectors are ids (RC0601), id prefixes (RC06), slugs (retry-policy),
# checklist item slugs (retries) or tags (card). The more specific selector wins.
# select: [ALL]
# extend_select: []
# ignore: []

# When `readycheck audit` exits 1: on NO-GO (default), on any warning, or never.
fail_on: no-go

# Extra gitignore-style patterns of files to leave out (vendored folders are always skipped).
exclude:
  - "tests/fixtures/**"

# Files larger than this (bytes) are skipped and counted in the report.
max_file_size: 2000000

# Seconds one check may run before it is reported as an error.
check_timeout: 30

# Folders of your own checks, written in YAML (see `readycheck schema check`).
# checks_dirs: [.readycheck/checks]

# Per-check overrides, by id or slug.
# severity: {RC0501: medium}
# blocking: {RC1101: true}
# params: {RC0102: {max_uncapped: 0}}

# The checklist's numbers, which the retry check holds code to.
policy:
  retries:
    initial_delay_min: 0.5   # seconds
    initial_delay_max: 2.0
    max_delay_max: 60.0
    attempts_min: 3
    attempts_max: 5
    require_jitter: true
"""
