"""Load tests read, not just found: scale against the stated load, a sustained phase, pass
criteria, and whether something runs them (see parsers.loadtest for the readers)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.index import RepoIndex
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.loadtest import LoadPlan, locust_run_params, parse_duration, read_plans

__all__ = ["load_testing", "stated_load", "StatedLoad"]

_USERS_UNIT = r"(?:concurrent\s+|simultaneous\s+|active\s+|virtual\s+)?(?:users?|conversations?|sessions?|vus|connections|clients)"
_RPS_UNIT = r"(?:rps|qps|req(?:uest)?s?\s*/\s*s(?:ec(?:ond)?)?|(?:requests?|questions?|messages?|calls?|queries)\s*(?:/|per)\s*s(?:ec(?:ond)?)?)"
_RPM_UNIT = r"(?:rpm|req(?:uest)?s?\s*/\s*min(?:ute)?|(?:requests?|questions?|messages?|calls?)\s*(?:/|per)\s*min(?:ute)?|/\s*min\b)"
_QTY = re.compile(
    r"(?<![\d,.])(\d[\d,]{0,15}(?:\.\d{1,6})?)\s{0,4}(?:[a-z]+\s{1,4})?(?:(?P<rps>" + _RPS_UNIT + r")|(?P<rpm>" + _RPM_UNIT + r")|(?P<users>" + _USERS_UNIT + r"))\b",
    re.I,
)
_EXPECTED = re.compile(r"\b(expected|typical|normal|production|baseline)\s+(peak|load|traffic|concurrency|usage)\b|\bexpected\s*[:=]|\bpeak\s+(load|traffic)\s*[:=]", re.I)
_RUNNERS = re.compile(
    r"\bk6\s+(run|cloud)\b|grafana/(setup-|run-)?k6-action|\blocust\s+(-f|--|\S+\.py)|\blocust\b.*--headless|\bartillery\s+run\b"
    r"|\bgatling(:test|run)\b|gatlingRun|\bjmeter\s+-n\b|\bautocannon\s+-|\bmolotov\s",
    re.I,
)
_CI_GLOBS = [".github/workflows/*.yml", ".github/workflows/*.yaml", ".gitlab-ci.yml", "**/.gitlab-ci.yml", "Jenkinsfile", ".circleci/config.yml", "azure-pipelines.yml", "bitbucket-pipelines.yml"]


@dataclass(frozen=True, slots=True)
class StatedLoad:
    value: float
    unit: str  # users or rps
    evidence: Evidence


def stated_load(index: RepoIndex) -> list[StatedLoad]:
    """Expected load stated in docs, config or load-test comments: "expected peak: ~5 requests/second
    (~150 concurrent conversations)". A number counts when the sentence says it is the expected,
    typical or production load."""
    out: list[StatedLoad] = []
    for f in index.files:
        if f.kind not in ("markdown", "text", "yaml", "toml", "python", "javascript", "typescript"):
            continue
        if f.size > 500_000 or not _EXPECTED.search(f.text):
            continue
        for i, line in enumerate(f.lines, 1):
            m = _EXPECTED.search(line)
            if not m or len(line) > 2000:
                continue
            window = line[m.start():] + " " + (f.lines[i] if i < len(f.lines) else "")
            for q in _QTY.finditer(window):
                try:
                    n = float(q.group(1).replace(",", ""))
                except ValueError:
                    continue
                if q.group("rps"):
                    out.append(StatedLoad(n, "rps", evidence_at(f, i, f"stated load {n:g} rps")))
                elif q.group("rpm"):
                    out.append(StatedLoad(n / 60.0, "rps", evidence_at(f, i, f"stated load {n:g}/min")))
                else:
                    out.append(StatedLoad(n, "users", evidence_at(f, i, f"stated load {n:g} users")))
    return out


def _fmt(n: float) -> str:
    return f"{n:,.0f}" if n >= 10 else f"{n:g}"


def _runs(ctx: Context) -> list[Evidence]:
    """A CI step, script or Makefile target running a load-test tool, else a documented command."""
    ci: list[Evidence] = []
    docs: list[Evidence] = []
    ci_files = {f.path for f in ctx.index.glob(_CI_GLOBS)}
    for f in ctx.index.files:
        if f.kind not in ("yaml", "markdown", "text", "shell", "makefile", "json", "other") or f.size > 1_000_000:
            continue
        if f.path in ci_files:
            target, note = ci, "CI runs the load test"
        elif f.kind in ("shell", "makefile") or f.name == "package.json":
            target, note = ci, "a script runs the load test"
        elif f.kind in ("markdown", "text"):
            target, note = docs, "documented load-test command"
        else:
            continue
        for i, line in enumerate(f.lines, 1):
            if f.kind == "yaml" and line.lstrip().startswith("#"):
                continue
            if len(line) < 2000 and _RUNNERS.search(line):
                target.append(evidence_at(f, i, note))
                break
    return ci or docs


def load_testing(ctx: Context) -> Outcome:
    plans = read_plans(ctx.index)
    if not plans:
        return outcome(Status.FAIL, "no load test found (locust, k6, Artillery, Gatling, JMeter, autocannon)")
    read = [p for p in plans if not p.error]
    broken = [Evidence(p.path, None, None, p.error) for p in plans if p.error]
    if not read:
        return outcome(Status.WARN, f"{plural(len(broken), 'load-test file')} found but none could be read", broken)
    evidence: list[Evidence] = [Evidence(p.path, p.line, None, f"{p.tool} load test") for p in read[:10]]
    missing: list[str] = []
    multiplier = float(ctx.param("multiplier", 10))
    min_minutes = float(ctx.param("min_sustained_minutes", 10))

    # peak: from the plans, then Locust run parameters given outside the file
    peaks: dict[str, tuple[float, Evidence]] = {}

    def add_peak(value: float, unit: str, ev: Evidence) -> None:
        if unit not in peaks or value > peaks[unit][0]:
            peaks[unit] = (value, ev)

    # scale: 10x a stated expected load, compared in the same unit
    stated: dict[str, StatedLoad] = {}
    for unit, key in (("users", "expected_users"), ("rps", "expected_rps")):
        if ctx.param(key) is not None:
            stated[unit] = StatedLoad(float(ctx.param(key)), unit, Evidence("readycheck.yaml", None, None, f"{key} param"))
    if not stated:
        for s in stated_load(ctx.index):
            stated.setdefault(s.unit, s)

    def big_enough(value: float | None, unit: str) -> bool:
        want = stated.get(unit)
        return value is None or want is None or value >= multiplier * want.value

    sustained: tuple[float, Evidence] | None = None
    for p in read:
        if p.peak is not None:
            add_peak(p.peak, p.unit, Evidence(p.path, p.peak_line, None, f"{p.tool} peak {_fmt(p.peak)} {p.unit}"))
        # a long soak at a small load is not a sustained phase at 10x
        if p.sustained_s is not None and big_enough(p.peak, p.unit) and (sustained is None or p.sustained_s > sustained[0]):
            sustained = (p.sustained_s, Evidence(p.path, p.sustained_line, None, f"held at peak {p.sustained_s / 60:g} min"))
    if any(p.tool == "locust" for p in read):
        for path, line, name, value in locust_run_params(ctx.index):
            if name == "users":
                try:
                    add_peak(float(value), "users", Evidence(path, line, None, f"locust -u {value}"))
                except (TypeError, ValueError):
                    pass
            else:
                secs = parse_duration(value)
                if secs is not None and (sustained is None or secs > sustained[0]):
                    sustained = (secs, Evidence(path, line, None, f"locust run time {value}"))

    if not peaks:
        missing.append("no peak load stated in the load test (stages, users, VUs or -u)")
    else:
        for unit, (value, ev) in peaks.items():
            evidence.append(ev)
            want = stated.get(unit)
            if want is None:
                continue
            evidence.append(want.evidence)
            if value < multiplier * want.value:
                missing.append(
                    f"peak {_fmt(value)} {unit} is below {multiplier:g}x the stated expected load "
                    f"({_fmt(want.value)} {unit}: want {_fmt(multiplier * want.value)})"
                )
    # sustained phase
    if sustained is not None and sustained[0] >= min_minutes * 60:
        evidence.append(sustained[1])
    else:
        held = f"longest hold {sustained[0] / 60:g} min" if sustained else "no duration at peak"
        missing.append(f"no sustained phase of {min_minutes:g}+ minutes at peak ({held})")
    # pass criteria
    criteria = [Evidence(p.path, c.line, None, c.text) for p in read for c in p.criteria]
    if criteria:
        evidence.extend(criteria[:5])
    else:
        missing.append("no pass criteria (k6 thresholds, Artillery ensure, Gatling assertions, locust failure checks)")
    # something runs it
    runs = _runs(ctx)
    if runs:
        evidence.extend(runs[:3])
    else:
        missing.append("neither CI nor a documented procedure runs the load test")

    evidence.extend(broken)
    tools = ", ".join(sorted({p.tool for p in read})) + ("" if len(read) == 1 else f", {len(read)} files")
    if missing:
        return outcome(Status.WARN, f"load test found ({tools}) but: " + "; ".join(missing), evidence)
    return outcome(Status.PASS, f"load test ({tools}) at scale, sustained, with pass criteria, and run", evidence)
