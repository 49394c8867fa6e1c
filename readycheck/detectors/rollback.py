"""Item 12 in depth: reversible migrations, a rollback procedure that states a time within the
budget, and feature flags that switch a feature off without a rollback."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.project import is_test_path
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.markdown import Heading, section_spans
from readycheck.parsers.migrations import migrations

__all__ = [
    "irreversible_migration", "rollback_procedure_time", "feature_flags",
    "rollback_sections", "stated_minutes", "StatedTime",
]


# --- RC1202: migrations can be reversed --------------------------------------------------------
def irreversible_migration(ctx: Context) -> Outcome:
    migs = migrations(ctx.index)
    if not migs:
        return outcome(Status.SKIP, "no database migrations in the repository (Alembic, Django, Knex, Flyway, golang-migrate, Prisma, Drizzle)")
    bad = [m for m in migs if m.reversible is False]
    good = [m for m in migs if m.reversible is True]
    prisma = [m for m in migs if m.framework == "prisma"]
    broken = [m for m in migs if m.error]

    def ev(m: Any, note: str) -> Evidence:
        f = ctx.index.get(m.path)
        return evidence_at(f, m.line, note) if f is not None else Evidence(m.path, m.line, None, note)

    broken_ev = [ev(m, f"{m.framework} migration {m.name} could not be read: {m.error}") for m in broken]
    tail = f"; {plural(len(broken), 'migration')} could not be read" if broken else ""
    if bad:
        names = ", ".join(f"{m.name} ({m.reason})" for m in bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        evidence = [ev(m, f"{m.framework} migration {m.name}: {m.reason}") for m in bad]
        return outcome(Status.FAIL, f"{plural(len(bad), 'migration')} cannot be reversed: {names}{tail}", evidence + broken_ev)
    drizzle = [m for m in migs if m.framework == "drizzle"]
    if drizzle and not prisma:
        return outcome(
            Status.WARN,
            f"Drizzle Kit has no down migrations: {plural(len(drizzle), 'migration')} can only be undone by hand-written SQL{tail}",
            [ev(drizzle[-1], f"latest Drizzle migration {drizzle[-1].name}: no way down")] + broken_ev,
        )
    if prisma:
        procedure = _prisma_down_procedure(ctx.index)
        if procedure:
            return outcome(
                Status.PASS,
                f"Prisma Migrate has no down migrations; a `prisma migrate diff` rollback procedure is documented ({plural(len(prisma), 'migration')}){tail}",
                procedure + [ev(prisma[-1], f"latest Prisma migration {prisma[-1].name}")] + broken_ev,
            )
        return outcome(
            Status.WARN,
            f"Prisma Migrate has no down migrations and no `prisma migrate diff` rollback procedure is documented ({plural(len(prisma), 'migration')}){tail}",
            [ev(prisma[-1], f"latest Prisma migration {prisma[-1].name}: no way down")] + broken_ev,
        )
    if good:
        frameworks = sorted({m.framework for m in good})
        evidence = [ev(m, f"{m.framework} migration {m.name}: {m.reason}") for m in good[-5:]]
        status = Status.WARN if broken else Status.PASS
        return outcome(status, f"every one of {plural(len(good), 'migration')} ({', '.join(frameworks)}) can be reversed{tail}", evidence + broken_ev)
    return outcome(Status.WARN, f"{plural(len(broken), 'migration')} could not be read, so reversibility is unknown", broken_ev)


def _prisma_down_procedure(index: RepoIndex) -> list[Evidence]:
    for f in index.by_kind("markdown", "text", "shell", "yaml", "json", "makefile"):
        for i, line in enumerate(f.lines, 1):
            if re.search(r"prisma\s+migrate\s+diff\b", line) and ("--script" in line or "down" in line.lower() or "rollback" in f.text.lower()):
                return [evidence_at(f, i, "down migration generated with `prisma migrate diff`")]
    return []


# --- RC1203: the procedure states a time within the budget ---------------------------------------
_ROLLBACK_HEADING = re.compile(r"\b(roll ?back|rolling back|revert|downgrade|restore previous|previous version|undo (a |the )?(deploy|release))", re.I)
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"`[^`]*`")
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "sixty": 60, "a few": 3, "a couple of": 2,
}
_NUM = r"(?P<num>\d+(?:\.\d+)?|" + "|".join(re.escape(w) for w in sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")"
_RANGE = r"(?:\s{0,8}(?:-|–|to)\s{0,8}(?P<hi>\d+(?:\.\d+)?))?"
_UNIT = r"\s{0,8}(?P<unit>seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b"
_CUE = (
    r"(?P<cue>under|within|in(?:\s+(?:about|around|roughly|less\s+than|under))?|less\s+than|at\s+most|no\s+more\s+than|"
    r"takes?(?:\s+(?:about|around|roughly|approximately|under|less\s+than))?|took|about|around|roughly|approximately|~|≈|<|"
    r"(?:time|duration|target|rto|budget|sla|slo|expected|estimate[d]?)\s{0,8}(?:\([^)]*\))?\s{0,8}[:=]?\s{0,8}(?:is\s+)?(?:about|around|under|~|<)?)"
)
_TIME = re.compile(r"(?<![\w-])" + _CUE + r"\s{0,8}" + _NUM + _RANGE + _UNIT, re.I)
_SPECIAL = re.compile(r"\b(under|within|in)\s+(half\s+an\s+hour|an\s+hour|a\s+minute)\b", re.I)


@dataclass(frozen=True, slots=True)
class StatedTime:
    minutes: float
    text: str
    line: int


def _to_minutes(num: str, hi: str | None, unit: str) -> float:
    value = float(hi) if hi else float(_WORD_NUMBERS.get(num.lower(), 0) if not re.match(r"\d", num) else num)
    u = unit.lower()
    if u.startswith("h"):
        return value * 60
    if u.startswith("s"):
        return value / 60
    return value


def stated_minutes(line: str, number: int) -> list[StatedTime]:
    """Times a line of prose states for the rollback ("in under 5 minutes", "~3 min",
    "RTO: 10 minutes", "takes 2-4 minutes"); code spans are ignored."""
    text = _INLINE_CODE.sub(" ", line)
    out: list[StatedTime] = []
    for m in _TIME.finditer(text):
        unit = m.group("unit")
        if unit.lower() in ("m", "s", "h") and not re.match(r"\d", m.group("num")):
            continue
        out.append(StatedTime(_to_minutes(m.group("num"), m.group("hi"), unit), m.group(0).strip(), number))
    for m in _SPECIAL.finditer(text):
        what = m.group(2).lower()
        out.append(StatedTime(30.0 if "half" in what else 60.0 if "hour" in what else 1.0, m.group(0), number))
    return out


def rollback_spans(index: RepoIndex) -> list[tuple[SourceFile, Heading, int]]:
    """(file, heading, end line) of every Markdown / text section about rolling back; a section
    runs to the next heading of the same or a higher level, so sub-sections count. Computed once
    per audit, shared by RC1201 and RC1203."""

    def build() -> list[tuple[SourceFile, Heading, int]]:
        out: list[tuple[SourceFile, Heading, int]] = []
        for f in index.by_kind("markdown", "text"):
            for h, last in section_spans(f.headings, len(f.lines)):
                if _ROLLBACK_HEADING.search(h.normalised):
                    out.append((f, h, last + 1))  # end is exclusive
        return out

    spans: list[tuple[SourceFile, Heading, int]] = index.memo("rollback-sections", build)
    return spans


def rollback_sections(index: RepoIndex) -> list[tuple[SourceFile, Heading, list[tuple[int, str]]]]:
    """(file, heading, prose lines) of every rollback section, fenced code excluded."""
    out: list[tuple[SourceFile, Heading, list[tuple[int, str]]]] = []
    for f, h, end in rollback_spans(index):
        prose: list[tuple[int, str]] = []
        fence = False
        for n in range(h.line, end):
            line = f.line(n)
            if _FENCE.match(line):
                fence = not fence
                continue
            if not fence:
                prose.append((n, line))
        out.append((f, h, prose))
    return out


def rollback_procedure_time(ctx: Context) -> Outcome:
    budget = float(ctx.param("max_minutes", 5))
    sections = rollback_sections(ctx.index)
    jobs = _rollback_job_bounds(ctx.index)
    if not sections:
        if not jobs:
            return outcome(Status.SKIP, "no documented rollback procedure to time (RC1201 reports a missing procedure)")
        return _judge_jobs(jobs, budget, "no rollback document")
    stated: list[tuple[SourceFile, StatedTime]] = []
    seen: set[tuple[str, int]] = set()
    for f, _h, prose in sections:
        for n, line in prose:
            if (f.path, n) in seen:
                continue
            seen.add((f.path, n))
            stated += [(f, t) for t in stated_minutes(line, n)]
    heads = [evidence_at(f, h.line, "rollback section") for f, h, _ in sections[:3]]
    if not stated and jobs:
        return _judge_jobs(jobs, budget, "the rollback document states no time", heads)
    if not stated:
        return outcome(
            Status.WARN,
            f"the rollback procedure states no time: say how long it takes (e.g. 'Rollback takes under {budget:g} minutes')",
            heads,
        )
    # a statement about the rollback itself ("rollback takes ~3 min", "target: under 5 minutes")
    # is the one judged; "check again in 10 minutes" is not
    about = re.compile(r"roll|back|revert|restore|previous|target|rto|takes|time|duration|budget|sla|slo", re.I)
    stated.sort(key=lambda ft: 0 if about.search(ft[0].line(ft[1].line)) else 1)
    f, first = stated[0]
    ev = [evidence_at(g, t.line, f"stated rollback time: {t.text} ({t.minutes:g} min)") for g, t in stated[:5]]
    if first.minutes > budget:
        return outcome(Status.FAIL, f"the rollback procedure states {first.text!r} ({first.minutes:g} min), over the {budget:g}-minute budget", ev)
    return outcome(Status.PASS, f"the rollback procedure states {first.text!r} ({first.minutes:g} min), within {budget:g} minutes", ev + heads[:1])


def _rollback_job_bounds(index: RepoIndex) -> list[tuple[Evidence, int | None]]:
    """(evidence, timeout in minutes) of every CI rollback job."""
    from readycheck.detectors.operations import rollback_jobs

    out: list[tuple[Evidence, int | None]] = []
    for wf, job, why in rollback_jobs(index):
        f = index.get(wf.path)
        if f is not None:
            bound = f", bounded at {job.timeout_minutes} min" if job.timeout_minutes is not None else ", no timeout"
            out.append((evidence_at(f, job.line, f"rollback job '{job.name}' {why}{bound}"), job.timeout_minutes))
    return out


def _judge_jobs(jobs: list[tuple[Evidence, int | None]], budget: float, why: str, extra: Sequence[Evidence] = ()) -> Outcome:
    """A CI rollback job's timeout is a stated, enforced bound on the rollback."""
    bounded = [(e, t) for e, t in jobs if t is not None]
    evidence = [e for e, _ in jobs] + list(extra)
    if bounded and all(t <= budget for _, t in bounded):
        worst = max(t for _, t in bounded)
        return outcome(Status.PASS, f"{why}, but the CI rollback job is bounded at {worst} min (timeout), within {budget:g} minutes", evidence)
    if bounded:
        worst = max(t for _, t in bounded)
        return outcome(Status.FAIL, f"{why}, and the CI rollback job may take up to {worst} min (timeout), over the {budget:g}-minute budget", evidence)
    return outcome(Status.WARN, f"{why}, and the CI rollback job sets no timeout: state how long a rollback takes", evidence)


# --- RC1204: feature flags ---------------------------------------------------------------------
_PY_FLAG_SDKS = (
    "ldclient", "launchdarkly_server_sdk", "UnleashClient", "unleash", "flagsmith", "openfeature", "growthbook",
    "configcatclient", "splitio", "statsig", "flipt", "waffle",
)
_JS_FLAG_SDKS = re.compile(
    r"^(launchdarkly-.*|@launchdarkly/.*|unleash-client|@unleash/.*|unleash-proxy-client|flagsmith(-nodejs)?|@openfeature/.*|"
    r"@growthbook/.*|configcat-.*|@vercel/flags|flags/next|@splitsoftware/.*|statsig-.*|@statsig/.*|@flipt-io/.*)$"
)
_FLAG_FILE = re.compile(r"(^|/)(feature[-_]?)?(flags?|toggles?|features)\.(ya?ml|json|toml)$", re.I)
_FLAG_ENV = re.compile(r"^(FEATURE_|FF_|ENABLE_|KILL_SWITCH|FLAG_)|_(ENABLED|DISABLED|FLAG|KILL_SWITCH)$")
_TF_FLAGS = ("launchdarkly_feature_flag", "unleash_feature", "flagsmith_feature", "aws_appconfig_configuration_profile", "configcat_setting", "growthbook_feature")


_PY_HINT = re.compile(r"\b(" + "|".join(_PY_FLAG_SDKS) + r")\b|getenv|environ")
_JS_HINT = re.compile(r"launchdarkly|unleash|flagsmith|openfeature|growthbook|configcat|flags|splitsoftware|statsig|flipt")


def _py_flag_evidence(f: SourceFile) -> list[Evidence]:
    if not _PY_HINT.search(f.text):  # only files that could hold a flag are parsed
        return []
    facts = f.python
    if facts is None:
        return []
    out: list[Evidence] = []
    for imp in facts.imports:
        root = imp.module.split(".")[0]
        if root in _PY_FLAG_SDKS:
            out.append(evidence_at(f, imp.line, f"feature flag SDK {imp.module}"))
            return out
    for call in facts.calls:
        if call.qualname.split("(")[0] in ("os.getenv", "os.environ.get") and call.args and isinstance(call.args[0], str) and _FLAG_ENV.search(call.args[0]):
            out.append(evidence_at(f, call.line, f"environment-driven flag {call.args[0]}"))
            return out
    return out


def _js_flag_evidence(f: SourceFile) -> list[Evidence]:
    if not _JS_HINT.search(f.text):
        return []
    facts = f.js
    if facts is None:
        return []
    for imp in facts.imports:
        if _JS_FLAG_SDKS.match(imp.module):
            return [evidence_at(f, imp.line, f"feature flag SDK {imp.module}")]
    return []


def _flag_files(index: RepoIndex) -> list[Evidence]:
    out: list[Evidence] = []
    for f in index.files:
        if not _FLAG_FILE.search(f.path) or f.path.startswith((".github/", "node_modules/")):
            continue
        docs = f.documents
        if f.kind in ("yaml", "json", "toml") and not docs:
            continue  # unreadable: recorded by the index, not evidence
        bools = sum(1 for d in docs for _p, v in d.walk() if isinstance(v, bool))
        if bools:
            out.append(Evidence(f.path, 1, None, f"flags file with {plural(bools, 'switch', 'switches')}"))
    return out


def feature_flags(ctx: Context) -> Outcome:
    index = ctx.index
    found: list[Evidence] = _flag_files(index)
    for f in index.by_kind("python"):
        if is_test_path(f.path):
            continue
        found += _py_flag_evidence(f)
        if len(found) >= 8:
            break
    for f in index.by_kind("javascript", "typescript"):
        if is_test_path(f.path):
            continue
        found += _js_flag_evidence(f)
        if len(found) >= 8:
            break
    for f in index.by_kind("terraform"):
        tf = f.terraform
        if tf is not None:
            for b in tf.resources(*_TF_FLAGS):
                found.append(evidence_at(f, b.line, f"{b.type}.{b.name}: managed feature flags"))
    if found:
        labels = {"feature flag SDK": "flag SDK", "flags file": "flags file", "environment-driven": "environment switch"}
        kinds = sorted({next((v for k, v in labels.items() if (e.note or "").startswith(k)), "flags in Terraform") for e in found})
        return outcome(Status.PASS, f"features can be switched off without a rollback ({plural(len(found), 'place')}: {', '.join(kinds)})", found[:10])
    return outcome(
        Status.WARN,
        "no feature flags found: every bad feature needs a full rollback (no LaunchDarkly, Unleash, Flagsmith, OpenFeature, "
        "GrowthBook, ConfigCat SDK, flags file or FEATURE_* switch)",
    )
