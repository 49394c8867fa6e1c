"""Generic detectors: a check written in YAML alone.

- `file-exists`: files matching globs must exist, optionally with required headings (synonyms).
- `pattern`: a regular expression must, or must not, appear in files matching globs.
- `config-key`: a key path in YAML/JSON/TOML files must be set, optionally within bounds.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.errors import CheckSpecError
from readycheck.index import SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.markdown import normalise

__all__ = ["file_exists", "pattern", "config_key", "match_sections"]


def _status(value: Any, default: Status) -> Status:
    try:
        return Status(value) if value else default
    except ValueError:
        raise CheckSpecError(f"unknown status '{value}' in check params") from None


def _files(ctx: Context, kinds: Sequence[str] = ()) -> list[SourceFile]:
    globs = ctx.param("globs") or ctx.param("files")
    if not globs:
        raise CheckSpecError(f"{ctx.spec.id}: params.globs is required")
    files = ctx.index.glob([globs] if isinstance(globs, str) else globs)
    if kinds:
        files = [f for f in files if f.kind in kinds]
    return files


def _synonym_regex(words: Iterable[str]) -> re.Pattern[str]:
    parts = [normalise(w) for w in words if normalise(w)]
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in parts) + r")", re.I)


def match_sections(files: Sequence[SourceFile], sections: Mapping[str, Sequence[str]]) -> tuple[dict[str, Evidence], list[str]]:
    """For each required section (name -> synonyms), the first heading that names it, across files."""
    found: dict[str, Evidence] = {}
    regexes = {name: _synonym_regex([name, *syns]) for name, syns in sections.items()}
    for f in files:
        for h in f.headings:
            for name, rx in regexes.items():
                if name not in found and rx.search(h.normalised):
                    found[name] = evidence_at(f, h.line, f"section '{name}'")
    missing = [name for name in sections if name not in found]
    return found, missing


def file_exists(ctx: Context) -> Outcome:
    what = ctx.param("what", "required file")
    kinds = ctx.param("kinds", ())
    files = _files(ctx, kinds)
    sections: Mapping[str, Sequence[str]] = ctx.param("headings", {}) or {}
    if not files:
        globs = list(ctx.param("globs") or [])
        where = ", ".join(globs[:3]) + (f" and {len(globs) - 3} more patterns" if len(globs) > 3 else "")
        return outcome(_status(ctx.param("missing_status"), Status.FAIL), f"no {what} found (looked for {where})")
    if not sections:
        return outcome(Status.PASS, f"{what} found", [Evidence(f.path, 1, None, what) for f in files[:10]])
    found, missing = match_sections(files, sections)
    evidence = list(found.values())
    if not missing:
        return outcome(Status.PASS, f"{what} covers {', '.join(sections)}", evidence)
    if not found:
        return outcome(
            _status(ctx.param("missing_status"), Status.FAIL),
            f"{what} found but has none of the required sections ({', '.join(missing)})",
            [Evidence(f.path, 1, None, f"{what} without required sections") for f in files[:5]],
        )
    return outcome(
        _status(ctx.param("partial_status"), Status.WARN),
        f"{what} is missing {plural(len(missing), 'section')}: {', '.join(missing)}",
        evidence,
    )


def pattern(ctx: Context) -> Outcome:
    what = ctx.param("what", "pattern")
    files = _files(ctx, ctx.param("kinds", ()))
    must = ctx.param("must")
    must_not = ctx.param("must_not")
    if not must and not must_not:
        raise CheckSpecError(f"{ctx.spec.id}: params needs 'must' or 'must_not'")
    try:
        flags = re.I if ctx.param("ignore_case", False) else 0
        rx_must = re.compile(must, flags) if must else None
        rx_not = re.compile(must_not, flags) if must_not else None
    except re.error as exc:
        raise CheckSpecError(f"{ctx.spec.id}: invalid regular expression: {exc}") from None
    bad: list[Evidence] = []
    good: list[Evidence] = []
    for f in files:
        for i, line in enumerate(f.lines, 1):
            if len(line) > 4000:
                continue
            if rx_not is not None and rx_not.search(line):
                bad.append(evidence_at(f, i, f"forbidden {what}"))
            if rx_must is not None and rx_must.search(line):
                good.append(evidence_at(f, i, what))
    if bad:
        return outcome(_status(ctx.param("violation_status"), Status.FAIL), f"{plural(len(bad), 'line')} with forbidden {what}", bad)
    if rx_must is not None and not good:
        return outcome(_status(ctx.param("missing_status"), Status.FAIL), f"no {what} found in {plural(len(files), 'file')}")
    if rx_must is None and not files:
        return outcome(Status.SKIP, f"no files match {ctx.param('globs')}")
    if good:
        return outcome(Status.PASS, f"{what} found", good[:20])
    return outcome(Status.PASS, f"no forbidden {what} in {plural(len(files), 'file')}", [Evidence(f.path, None, None, "checked") for f in files[:10]])


def _key_matches(path: tuple[Any, ...], key: Sequence[str]) -> bool:
    if len(path) < len(key):
        return False
    tail = path[len(path) - len(key):]
    return all(k == "*" or str(p) == k for p, k in zip(tail, key))


def config_key(ctx: Context) -> Outcome:
    what = ctx.param("what", "setting")
    key_param = ctx.param("key")
    if not key_param:
        raise CheckSpecError(f"{ctx.spec.id}: params.key is required")
    keys = [key_param] if isinstance(key_param, str) else list(key_param)
    lo, hi, equals = ctx.param("min"), ctx.param("max"), ctx.param("equals")
    files = _files(ctx, ("yaml", "json", "toml"))
    inside: list[Evidence] = []
    outside: list[Evidence] = []
    for f in files:
        for doc in f.documents:
            for path, value in doc.walk():
                if not path or not any(_key_matches(path, k.split(".")) for k in keys):
                    continue
                dotted = ".".join(str(p) for p in path)
                ev = evidence_at(f, doc.line_of(path), f"{dotted} = {value!r}"[:120])
                ok = True
                if equals is not None and value != equals:
                    ok = False
                if lo is not None or hi is not None:
                    if isinstance(value, bool) or not isinstance(value, (int, float)):
                        ok = False
                    else:
                        ok = ok and (lo is None or value >= lo) and (hi is None or value <= hi)
                (inside if ok else outside).append(ev)
    if inside and not outside:
        return outcome(Status.PASS, f"{what} set", inside)
    if outside:
        bounds = " ".join(x for x in (f">= {lo}" if lo is not None else "", f"<= {hi}" if hi is not None else "", f"== {equals!r}" if equals is not None else "") if x)
        return outcome(_status(ctx.param("violation_status"), Status.WARN), f"{what} set outside bounds ({bounds})", outside + inside)
    return outcome(_status(ctx.param("missing_status"), Status.FAIL), f"{what} not set ({', '.join(keys)})")
