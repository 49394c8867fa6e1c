"""Findings a team has chosen not to count: inline comments and the baseline file.

An inline comment on the finding's line, ``# readycheck: ignore[RC0201]`` (or ``// ...``, or the
check's slug, or a secret rule id, or a bare ``readycheck: ignore`` for every check), suppresses it.
A baseline file records the findings a team accepted when adopting readycheck, by fingerprint and
path, never by line number or value, so an audit gates on new findings only.

Suppressed findings are never dropped: they stay in the result's evidence with the reason, and the
detector judges the status on the others.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from readycheck.errors import ConfigError

if TYPE_CHECKING:
    from readycheck.index import RepoIndex
    from readycheck.model import CheckSpec, Evidence, Report

__all__ = ["BASELINE_FILENAME", "Baseline", "Suppressions", "inline_ignores"]

BASELINE_FILENAME = ".readycheck-baseline.json"
BASELINE_VERSION = 1
# After a comment opener of any common language: # // /* <!-- -- ; and a docstring-ish *.
_INLINE = re.compile(r"(?:#|//|/\*|<!--|--|;|^\s{0,64}\*)\s{0,8}readycheck:\s{0,8}ignore(?![\w-])(?:\[(?P<ids>[^\]\n]{0,400})\])?", re.I)


def inline_ignores(line: str) -> frozenset[str] | None:
    """What an inline comment on ``line`` ignores: None (no comment), an empty set (everything),
    or the lowercased ids, slugs and rule ids it names."""
    if "readycheck" not in line.lower():
        return None
    match = _INLINE.search(line)
    if match is None:
        return None
    ids = match["ids"]
    if ids is None:
        return frozenset()
    return frozenset(part.strip().lower() for part in ids.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Baseline:
    """Accepted findings: (check id, path, fingerprint) triples read from a baseline file."""

    path: Path | None
    entries: frozenset[tuple[str, str, str]]

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        """Read and validate a baseline file; any problem is one clear configuration error."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the baseline ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: the baseline is not UTF-8 text") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: the baseline is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        _validate(data, path)
        return cls(path, frozenset((f["check"], f["path"], f["fingerprint"]) for f in data["findings"]))

    @staticmethod
    def render(report: Report, *, tool_version: str) -> str:
        """The baseline of a report: every finding that counts now (not already suppressed inline),
        sorted, without line numbers or values."""
        findings: dict[tuple[str, str, str], dict[str, Any]] = {}
        for result in report.results:
            for ev in result.evidence:
                if ev.fingerprint is None or (ev.suppressed or "").startswith("inline"):
                    continue
                entry = {"check": result.spec.id, "path": ev.path, "fingerprint": ev.fingerprint}
                if ev.rule:
                    entry["rule"] = ev.rule
                findings[(result.spec.id, ev.path, ev.fingerprint)] = entry
        doc = {
            "version": BASELINE_VERSION,
            "generated_by": f"readycheck {tool_version}",
            "findings": [findings[k] for k in sorted(findings)],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _validate(data: Any, path: Path) -> None:
    import jsonschema

    from readycheck.config import schema_path

    schema = json.loads(schema_path("baseline").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise ConfigError(f"{path}: not a readycheck baseline: '{where}': {errors[0].message}")


class Suppressions:
    """Decides, for one audit, whether a finding is suppressed and why."""

    def __init__(self, index: RepoIndex | None, baseline: Baseline | None = None, *, inline: bool = True) -> None:
        self.index = index
        self.baseline = baseline
        self.inline = inline

    def reason(self, spec: CheckSpec, ev: Evidence, line_text: str | None = None) -> str | None:
        """Why ``ev`` (a finding of ``spec``) does not count, or None when it does. The inline
        comment is looked for on ``line_text`` when given (a line of an old commit), else on the
        evidence's line in the audited files."""
        if ev.fingerprint is None:
            return None
        if self.inline and line_text is None and ev.line and self.index is not None:
            source = self.index.get(ev.path)
            line_text = source.line(ev.line) if source is not None else None
        if self.inline and line_text:
            ignored = inline_ignores(line_text)
            if ignored is not None and (not ignored or ignored & _names(spec, ev)):
                return "inline: readycheck: ignore comment on the line"
        if self.baseline is not None and (spec.id, ev.path, ev.fingerprint) in self.baseline:
            return "baseline: accepted in " + (self.baseline.path.name if self.baseline.path else "the baseline")
        return None

    def triage(
        self, spec: CheckSpec, findings: Iterable[Evidence], line_of: Callable[[Evidence], str | None] | None = None
    ) -> tuple[list[Evidence], list[Evidence]]:
        """(findings that count, suppressed findings with their reason). ``line_of`` gives the
        text of a finding's line when it is not a line of the audited files."""
        counted: list[Evidence] = []
        suppressed: list[Evidence] = []
        for ev in findings:
            why = self.reason(spec, ev, line_of(ev) if line_of is not None else None)
            if why is None:
                counted.append(ev)
            else:
                suppressed.append(dataclasses.replace(ev, suppressed=why))
        return counted, suppressed


def _names(spec: CheckSpec, ev: Evidence) -> frozenset[str]:
    names = {spec.id.lower(), spec.slug.lower()}
    if ev.rule:
        names.add(ev.rule.lower())
    return frozenset(names)


def default_baseline(root: Path, configured: Path | None) -> Path | None:
    """The baseline to use: the configured one, or ``.readycheck-baseline.json`` at the root."""
    if configured is not None:
        return configured
    candidate = root / BASELINE_FILENAME
    return candidate if candidate.is_file() else None


def summarise(suppressed: Sequence[Evidence]) -> str:
    """`` (2 suppressed: 1 inline, 1 baseline)`` or an empty string."""
    if not suppressed:
        return ""
    inline = sum(1 for e in suppressed if (e.suppressed or "").startswith("inline"))
    base = len(suppressed) - inline
    parts = [f"{inline} inline"] if inline else []
    parts += [f"{base} in the baseline"] if base else []
    return f" ({len(suppressed)} suppressed: {', '.join(parts)})"
