"""Findings a team has chosen not to count: inline comments, the config's `suppress` entries, the
baseline file, and, with ``--diff REF``, findings on lines unchanged since REF.

An inline comment on the finding's line or alone on the line above, ``# readycheck: ignore[RC0201]``
(or ``// ...``, or the check's slug, or a secret rule id, or a bare ``readycheck: ignore`` for every
check), suppresses it. A `suppress` entry of the configuration names a check, optionally paths, a
reason and an expiry date. A baseline file records the findings a team accepted when adopting
readycheck, by fingerprint and path, never by line number or value, so an audit gates on new
findings only.

Every check is covered: the engine hands each failed or warned result to ``Suppressions.apply``,
which gives each finding (an evidence item) a stable fingerprint when the detector did not, and
marks the suppressed ones with their reason. Secret detectors triage their own fingerprinted
findings (``Context.triage``, so an accepted secret does not fail the check at all); the engine then
only adds the config entries and ``--diff`` to those. Suppressed findings are never dropped: they
stay in the result's evidence with the reason. A failed or warned result whose every finding is
suppressed keeps its status, gets ``Result.suppressed``, and does not count towards the verdict.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from readycheck.errors import ConfigError
from readycheck.model import Evidence, Result, Status

if TYPE_CHECKING:
    import pathspec

    from readycheck.config import SuppressEntry
    from readycheck.index import RepoIndex, SourceFile
    from readycheck.model import CheckSpec, Report

__all__ = [
    "BASELINE_FILENAME",
    "JUDGED",
    "Baseline",
    "Suppressions",
    "finding_fingerprint",
    "inline_ignores",
    "suppression_kind",
]

BASELINE_FILENAME = ".readycheck-baseline.json"
# The results whose findings are judged (inline comments, config entries, the baseline, --diff)
# and fingerprinted: the others have no finding to suppress.
JUDGED = frozenset({Status.FAIL, Status.WARN})
# Checklist items about the repository as a whole, which --diff never narrows to changed lines.
_JUDGED_WHOLE = frozenset({10, 11, 12, 13})
# 2: findings of every check (path "" for a failed result without evidence); 1 (secrets only) is read.
BASELINE_VERSION = 2
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


def _inline_match(line: str) -> tuple[frozenset[str], str, bool] | None:
    """(what it ignores, the comment as written, whether it is alone on its line) or None."""
    ignored = inline_ignores(line)
    if ignored is None:
        return None
    match = _INLINE.search(line)
    assert match is not None
    written = match.group(0)
    written = written[written.lower().index("readycheck") :]
    return ignored, written, not line[: match.start()].strip()


def finding_fingerprint(check_id: str, ev: Evidence | None) -> str:
    """A stable key of a finding that has none from its detector: the check, the path and the
    whitespace-normalised snippet (or note), never the line number, so moved code keeps it. A
    failed result without evidence (no runbook) has the check's own key."""
    text = (ev.snippet or ev.note or "") if ev is not None else ""
    parts = (check_id, ev.path if ev is not None else "", " ".join(text.split()))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]


def suppression_kind(reason: str) -> str:
    """The short form of a suppression reason: ``inline``, ``baseline``, ``config: <reason>`` or
    ``unchanged since REF``."""
    for kind in ("inline", "baseline"):
        if reason.startswith(kind):
            return kind
    return reason


@dataclass(frozen=True, slots=True)
class Baseline:
    """Accepted findings: (check id, path, fingerprint) triples read from a baseline file."""

    path: Path | None
    entries: frozenset[tuple[str, str, str]]

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def accepts_result(self, check_id: str) -> bool:
        """Whether a failed result of ``check_id`` without evidence was accepted (path "")."""
        return any(check == check_id and not path for check, path, _ in self.entries)

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
        """The baseline of a report: every finding of every check that is not suppressed by an
        inline comment or a config entry (those govern themselves), and every failed or warned
        result without evidence (path ""), sorted, without line numbers or values."""
        findings: dict[tuple[str, str, str], dict[str, Any]] = {}
        for result in report.results:
            if result.status in (Status.FAIL, Status.WARN) and not result.evidence:
                if result.suppressed is None or suppression_kind(result.suppressed) == "baseline":
                    fp = finding_fingerprint(result.spec.id, None)
                    findings[(result.spec.id, "", fp)] = {"check": result.spec.id, "path": "", "fingerprint": fp}
                continue
            for ev in result.evidence:
                why = ev.suppressed or ""
                if ev.fingerprint is None or why.startswith("inline") or why.startswith("config"):
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
    """Decides, for one audit, whether a finding is suppressed and why.

    ``entries`` are the config's `suppress` entries with the id of the check each names;
    ``changed`` (with ``diff_ref``) the lines changed since the ``--diff`` reference, by path (None:
    the whole file); ``today`` decides which entries have expired."""

    def __init__(
        self,
        index: RepoIndex | None,
        baseline: Baseline | None = None,
        *,
        inline: bool = True,
        entries: Sequence[tuple[str, SuppressEntry]] = (),
        changed: Mapping[str, set[int] | None] | None = None,
        diff_ref: str | None = None,
        today: _dt.date | None = None,
    ) -> None:
        self.index = index
        self.baseline = baseline
        self.inline = inline
        self.entries = tuple(entries)
        self.changed = changed
        self.diff_ref = diff_ref
        self.today = today if today is not None else _dt.date.today()
        self._specs: dict[int, pathspec.GitIgnoreSpec] = {}
        self._mentioned: dict[str, bool] = {}

    def _mentions(self, source: SourceFile) -> bool:
        """Whether the file's text names readycheck anywhere (as every inline comment does),
        looked at once per file: most findings are in files without a single one."""
        known = self._mentioned.get(source.path)
        if known is None:
            known = self._mentioned[source.path] = "readycheck" in source.text.lower()
        return known

    # --- the detectors' own triage (fingerprinted findings: secrets) ---------------------------
    def reason(self, spec: CheckSpec, ev: Evidence, line_text: str | None = None) -> str | None:
        """Why ``ev`` (a finding of ``spec``) does not count by an inline comment or the baseline,
        or None when it does. The inline comment is looked for on ``line_text`` when given (a line
        of an old commit), else on the evidence's line in the audited files or alone on the line
        above it."""
        if ev.fingerprint is None:
            return None
        why = self._inline(spec, ev, line_text)
        if why is not None:
            return why
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

    def _inline(self, spec: CheckSpec, ev: Evidence, line_text: str | None = None) -> str | None:
        if not self.inline:
            return None
        if line_text is not None:
            candidates = [(ev.line, line_text, True)]
        elif ev.line and self.index is not None and (source := self.index.get(ev.path)) is not None:
            if not self._mentions(source):
                return None
            candidates = [(ev.line, source.line(ev.line), True), (ev.line - 1, source.line(ev.line - 1), False)]
        else:
            return None
        names = _names(spec, ev)
        for number, text, own in candidates:
            found = _inline_match(text) if text else None
            if found is None:
                continue
            ignored, written, alone = found
            if (own or alone) and (not ignored or ignored & names):
                return f"inline: {written} at {ev.path}:{number}" if number else f"inline: {written}"
        return None

    # --- every check, in the engine ---------------------------------------------------------
    def _config(self, spec: CheckSpec, ev: Evidence | None) -> tuple[str | None, list[SuppressEntry]]:
        """(the reason of the first live entry suppressing the finding, the expired entries that
        would have). ``ev`` None: a failed result without evidence, which only an entry without
        paths covers."""
        expired: list[SuppressEntry] = []
        for i, (check_id, entry) in enumerate(self.entries):
            if check_id != spec.id:
                continue
            if entry.paths:
                if ev is None or not ev.path or not self._pathspec(i, entry.paths).match_file(ev.path):
                    continue
            if entry.expired(self.today):
                expired.append(entry)
                continue
            return "config: " + entry.reason + (f" (until {entry.expires.isoformat()})" if entry.expires else ""), expired
        return None, expired

    def _pathspec(self, i: int, patterns: Sequence[str]) -> pathspec.GitIgnoreSpec:
        if i not in self._specs:
            import pathspec

            self._specs[i] = pathspec.GitIgnoreSpec.from_lines(list(patterns))
        return self._specs[i]

    def _unchanged(self, spec: CheckSpec, ev: Evidence) -> str | None:
        """``--diff``: a finding on a file or line unchanged since the reference does not count.
        What is a property of the repository as a whole is judged whole: the operations items
        (runbook, load testing, rollback, deploy awareness), a repository-level finding without a
        line (no structured logging anywhere), and the cloud account."""
        if self.changed is None or not ev.path or spec.item in _JUDGED_WHOLE or ev.path.startswith("arn:"):
            return None
        if spec.scope != "file" and not ev.line:
            return None
        lines = self.changed.get(ev.path, set())
        if ev.path in self.changed and (lines is None or not ev.line or ev.line in lines):
            return None
        return f"unchanged since {self.diff_ref}"

    def apply(self, result: Result) -> Result:
        """``result`` with its findings' suppressions: each evidence item of a failed or warned
        result gets a fingerprint and, when it does not count, the reason; the result gets
        ``suppressed`` when every finding is suppressed. A config entry that has expired no longer
        suppresses, and the message says so."""
        if result.status not in JUDGED:
            return result
        spec = result.spec
        expired: dict[tuple[str, str], SuppressEntry] = {}

        def note_expired(entries: Iterable[SuppressEntry]) -> None:
            for entry in entries:
                expired[(entry.describe(), entry.reason)] = entry

        if not result.evidence:
            why, gone = self._config(spec, None)
            note_expired(gone)
            if why is None and self.baseline is not None and self.baseline.accepts_result(spec.id):
                why = "baseline: accepted in " + (self.baseline.path.name if self.baseline.path else "the baseline")
            return dataclasses.replace(result, suppressed=why, message=result.message + _expired_tail(expired.values()))
        evidence: list[Evidence] = []
        newly = 0
        for ev in result.evidence:
            if ev.suppressed is not None:  # the detector's own triage (secrets)
                evidence.append(ev)
                continue
            triaged = ev.fingerprint is not None  # the detector has looked at inline comments and the baseline
            if not triaged:
                ev = ev.fingerprinted(finding_fingerprint(spec.id, ev))
            why = None if triaged else self._inline(spec, ev)
            if why is None:
                why, gone = self._config(spec, ev)
                note_expired(gone)
            if why is None and not triaged and self.baseline is not None and (spec.id, ev.path, ev.fingerprint) in self.baseline:
                why = "baseline: accepted in " + (self.baseline.path.name if self.baseline.path else "the baseline")
            if why is None:
                why = self._unchanged(spec, ev)
            if why is not None:
                newly += 1
                ev = dataclasses.replace(ev, suppressed=why)
            evidence.append(ev)
        suppressed = [e for e in evidence if e.suppressed is not None]
        message = result.message
        summary = None
        if len(suppressed) == len(evidence):
            summary = _summary(suppressed)
        elif newly:
            message += f" ({newly} of {len(evidence)} findings suppressed: {_kinds(suppressed)})"
        message += _expired_tail(expired.values())
        return dataclasses.replace(result, evidence=tuple(evidence), suppressed=summary, message=message)

    def expired_notes(self) -> list[str]:
        """One warning line per expired config entry: expired entries are reported, not ignored."""
        return [
            f"warning: the suppression of {entry.describe()} expired on {entry.expires.isoformat()} "
            f"({entry.reason}); its findings count again ({entry.where})"
            for _, entry in self.entries
            if entry.expires is not None and entry.expired(self.today)
        ]


def _kinds(suppressed: Sequence[Evidence]) -> str:
    counts: dict[str, int] = {}
    for ev in suppressed:
        kind = suppression_kind(ev.suppressed or "")
        counts[kind] = counts.get(kind, 0) + 1
    return "; ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def _summary(suppressed: Sequence[Evidence]) -> str:
    """Why a result does not count: the one finding's reason, or the reasons counted by kind."""
    if len(suppressed) == 1:
        return suppressed[0].suppressed or ""
    return f"{len(suppressed)} findings: {_kinds(suppressed)}"


def _expired_tail(entries: Iterable[SuppressEntry]) -> str:
    return "".join(
        f"; suppression expired on {e.expires.isoformat()} ({e.reason})" for e in entries if e.expires is not None
    )


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
