"""Load-test plans read from the files that define them.

One `LoadPlan` per load-test file: the tool, the peak it drives (concurrent users or arrivals per
second), the longest phase held at that peak, its pass criteria (thresholds, assertions, checks),
each with a line number. Readers:

- Locust (Python AST): `HttpUser` / `FastHttpUser` / `User` subclasses, `wait_time`, `@task`,
  `LoadTestShape.stages`, `catch_response` checks; run parameters (`-u`, `-t`) are read from
  locust.conf, `[tool.locust]` and command lines by `locust_run_params`.
- k6 (JS/TS, tree-sitter): `export const options = {vus, duration, stages, thresholds, scenarios}`.
- Artillery (YAML/JSON documents): `config.phases` (`arrivalRate`, `rampTo`, `duration`), `ensure`.
- Gatling (Scala/Java/Kotlin): regular expressions on the simulation (no parser is available):
  `constantUsersPerSec(n).during(...)`, `rampUsers`, `constantConcurrentUsers`, `assertions`.
- JMeter (.jmx XML): `ThreadGroup.num_threads`, `ThreadGroup.duration`, assertions. Documents
  that declare a DOCTYPE or entities are refused, and so are oversize ones.
- autocannon (JS facts): `autocannon({connections, duration})`.

A file that cannot be read gives a plan with `error` set, so the audit names it and goes on.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from readycheck.index import RepoIndex, SourceFile

__all__ = [
    "LoadPlan", "Criterion", "parse_duration", "read_plans", "locust_run_params",
    "parse_locust", "parse_k6", "parse_artillery", "parse_gatling", "parse_jmeter",
]

MAX_JMX_BYTES = 5_000_000


@dataclass(frozen=True, slots=True)
class Criterion:
    line: int
    text: str


@dataclass(slots=True)
class LoadPlan:
    tool: str  # locust, k6, artillery, gatling, jmeter, autocannon
    path: str
    line: int = 1
    peak: float | None = None
    unit: str = "users"  # "users" (concurrent) or "rps" (arrivals per second)
    peak_line: int | None = None
    sustained_s: float | None = None  # longest time held at peak
    sustained_line: int | None = None
    criteria: list[Criterion] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def set_peak(self, value: float | None, unit: str, line: int | None) -> None:
        if value is None:
            return
        if self.peak is None or (unit == self.unit and value > self.peak):
            self.peak, self.unit, self.peak_line = float(value), unit, line

    def set_sustained(self, seconds: float | None, line: int | None) -> None:
        if seconds is not None and (self.sustained_s is None or seconds > self.sustained_s):
            self.sustained_s, self.sustained_line = float(seconds), line


# --- durations ------------------------------------------------------------------------------------

_DUR_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s|d)?", re.I)
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "": 1.0}


_ENV_DEFAULT = re.compile(r"""(?:\|\||\?\?)\s*['"`]?(\d+(?:\.\d+)?[a-z]*)['"`]?\s*\)*\s*$""")


def _env_default(value: Any) -> Any:
    """The fallback of an expression read at run time: `__ENV.VUS || '10'` gives "10"."""
    source = getattr(value, "source", None)
    if isinstance(source, str):
        m = _ENV_DEFAULT.search(source)
        if m:
            return m.group(1)
    return value


def parse_duration(value: Any, default_unit: str = "s") -> float | None:
    """Seconds from 90, "90s", "10m", "1h30m", "500ms" (a bare number is in `default_unit`)."""
    value = _env_default(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) * _UNIT_S[default_unit]
    if not isinstance(value, str):
        return None
    text = value.strip().lower().replace(" ", "")
    if not text or not re.fullmatch(r"(\d+(\.\d+)?(ms|h|m|s|d)?)+", text):
        return None
    total = 0.0
    for num, unit in _DUR_PART.findall(text):
        total += float(num) * _UNIT_S[(unit or default_unit).lower()]
    return total


def _num(value: Any) -> float | None:
    value = _env_default(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*", value)
        if m:
            return float(m.group(1))
    return None


def _held(stages: list[tuple[float, float]], start: float = 0.0) -> tuple[float | None, float, int]:
    """(peak, longest time held at the peak, index of the stage that starts the hold) from
    sequential (duration seconds, target level) stages, levels moving linearly."""
    if not stages:
        return None, 0.0, -1
    peak = max(t for _, t in stages)
    best, run, best_i, run_i = 0.0, 0.0, -1, -1
    level = start
    for i, (dur, target) in enumerate(stages):
        if level == peak and target == peak:
            if run == 0.0:
                run_i = i
            run += dur
            if run > best:
                best, best_i = run, run_i
        else:
            run = 0.0
        level = target
    return peak, best, best_i


# --- locust ---------------------------------------------------------------------------------------

_USER_BASES = {"HttpUser", "FastHttpUser", "User", "HttpLocust", "Locust"}


def _fold(node: ast.AST, consts: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return consts.get(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _fold(node.operand, consts)
        return -v if isinstance(v, (int, float)) else None
    if isinstance(node, ast.BinOp):
        a, b = _fold(node.left, consts), _fold(node.right, consts)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            try:
                if isinstance(node.op, ast.Add):
                    return a + b
                if isinstance(node.op, ast.Sub):
                    return a - b
                if isinstance(node.op, ast.Mult):
                    return a * b
                if isinstance(node.op, ast.Div):
                    return a / b
                if isinstance(node.op, ast.FloorDiv):
                    return a // b
            except ArithmeticError:
                return None
        return None
    if isinstance(node, (ast.Tuple, ast.List)):
        return [_fold(e, consts) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {
            (_fold(k, consts) if k is not None else None): _fold(v, consts) for k, v in zip(node.keys, node.values)
        }
    return None


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def parse_locust(text: str, path: str) -> LoadPlan | None:
    """A plan when the module defines Locust users; None when it is not a locustfile."""
    if "locust" not in text:
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        if re.search(r"^\s*(from|import)\s+locust\b", text, re.M):
            return LoadPlan("locust", path, error=f"cannot parse locustfile: {type(exc).__name__}")
        return None
    consts: dict[str, Any] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = _fold(stmt.value, consts)
            if value is not None:
                consts[stmt.targets[0].id] = value
    plan: LoadPlan | None = None
    shapes: list[ast.ClassDef] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {_base_name(b) for b in node.bases}
        if "LoadTestShape" in bases:
            shapes.append(node)
        if bases & _USER_BASES:
            plan = plan or LoadPlan("locust", path, node.lineno)
            for item in node.body:
                if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "wait_time" for t in item.targets):
                    plan.notes.append(f"wait_time at line {item.lineno}")
    if plan is None:
        return None
    for shape in shapes:
        for item in shape.body:
            if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "stages" for t in item.targets):
                _locust_stages(plan, _fold(item.value, consts), item.lineno)
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "catch_response":
            if isinstance(node.value, ast.Constant) and node.value.value is True and "failure(" in text:
                plan.criteria.append(Criterion(node.value.lineno, "catch_response with failure() checks"))
                break
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "process_exit_code" and isinstance(node.ctx, ast.Store):
            plan.criteria.append(Criterion(node.lineno, "process_exit_code set on failure ratio or latency"))
            break
    return plan


def _locust_stages(plan: LoadPlan, stages: Any, line: int) -> None:
    """LoadTestShape stages: (end_time, users, ...) tuples or {"duration": end, "users": n} dicts,
    end times cumulative."""
    if not isinstance(stages, list):
        return
    seq: list[tuple[float, float]] = []
    prev_end = 0.0
    for st in stages:
        if isinstance(st, list) and len(st) >= 2:
            end, users = _num(st[0]), _num(st[1])
        elif isinstance(st, dict):
            end, users = _num(st.get("duration")), _num(st.get("users"))
        else:
            continue
        if end is None or users is None:
            continue
        seq.append((max(end - prev_end, 0.0), users))
        prev_end = end
    # Locust jumps to each stage's user count (at the spawn rate) when the stage starts.
    peak = max((u for _, u in seq), default=None)
    if peak is None:
        return
    best = run = 0.0
    for dur, users in seq:
        run = run + dur if users == peak else 0.0
        best = max(best, run)
    plan.set_peak(peak, "users", line)
    plan.set_sustained(best, line)


_LOCUST_CMD = re.compile(r"\blocust\b[^\n]*")
_FLAG = {
    "users": re.compile(r"(?:^|\s)(?:-u|--users)[ =](\d+)"),
    "run_time": re.compile(r"(?:^|\s)(?:-t|--run-time)[ =]([0-9hms.]+)"),
}


def locust_run_params(index: RepoIndex) -> list[tuple[str, int, str, Any]]:
    """Run parameters for Locust given outside the locustfile: (path, line, name, value) with name
    "users" or "run_time", from locust.conf, `[tool.locust]` in pyproject.toml, and `locust ...`
    command lines in workflows, scripts, Makefiles and docs."""
    out: list[tuple[str, int, str, Any]] = []
    for f in index.files:
        name = f.name.lower()
        if name in ("locust.conf", ".locust.conf"):
            for i, line in enumerate(f.lines, 1):
                m = re.match(r"\s*(users|run-time)\s*=\s*(\S+)", line)
                if m:
                    out.append((f.path, i, "users" if m.group(1) == "users" else "run_time", m.group(2)))
        elif name == "pyproject.toml":
            for doc in f.documents:
                try:
                    tool = doc.get(("tool", "locust"))
                except (KeyError, IndexError, TypeError):
                    continue
                if isinstance(tool, dict):
                    for key, label in (("users", "users"), ("run-time", "run_time")):
                        if key in tool:
                            out.append((f.path, doc.line_of(("tool", "locust", key)) or 1, label, tool[key]))
        elif f.kind in ("yaml", "shell", "makefile", "markdown", "text", "toml", "other") and "locust" in f.text:
            for i, line in enumerate(f.lines, 1):
                m = _LOCUST_CMD.search(line)
                if not m or len(line) > 2000:
                    continue
                for label, rx in _FLAG.items():
                    fm = rx.search(m.group(0))
                    if fm:
                        out.append((f.path, i, label, fm.group(1)))
    return out


# --- k6 and autocannon --------------------------------------------------------------------------


def _k6_scenario(plan: LoadPlan, sc: dict[str, Any], line: int) -> None:
    executor = str(sc.get("executor", ""))
    if executor in ("constant-arrival-rate", "ramping-arrival-rate"):
        unit_s = parse_duration(sc.get("timeUnit", "1s")) or 1.0
        if executor == "constant-arrival-rate":
            rate = _num(sc.get("rate"))
            if rate is not None:
                plan.set_peak(rate / unit_s, "rps", line)
                plan.set_sustained(parse_duration(sc.get("duration")), line)
        else:
            _k6_stages(plan, sc.get("stages"), line, "rps", _num(sc.get("startRate")) or 0.0, unit_s)
    elif executor == "ramping-vus" or "stages" in sc:
        _k6_stages(plan, sc.get("stages"), line, "users", _num(sc.get("startVUs")) or 0.0)
    else:  # constant-vus, per-vu-iterations, shared-iterations, externally-controlled
        vus = _num(sc.get("vus"))
        if vus is not None:
            plan.set_peak(vus, "users", line)
            if executor in ("constant-vus", "") and "duration" in sc:
                plan.set_sustained(parse_duration(sc.get("duration")), line)


def _k6_stages(plan: LoadPlan, stages: Any, line: int, unit: str, start: float, per_s: float = 1.0) -> None:
    if not isinstance(stages, list):
        return
    seq: list[tuple[float, float]] = []
    for st in stages:
        if isinstance(st, dict):
            dur, target = parse_duration(st.get("duration")), _num(st.get("target"))
            if dur is not None and target is not None:
                seq.append((dur, target / per_s))
    peak, held, _ = _held(seq, start / per_s)
    if peak is not None:
        plan.set_peak(peak, unit, line)
        plan.set_sustained(held, line)


def parse_k6(f: SourceFile) -> LoadPlan | None:
    """A plan when the module imports k6 (or autocannon and calls it)."""
    facts = f.js
    if facts is None:
        return None
    modules = facts.imported_modules()
    if any(m == "autocannon" for m in modules):
        plan = None
        for call in facts.calls_matching(["autocannon", "autocannon.**"]):
            plan = plan or LoadPlan("autocannon", f.path, call.line)
            conns = _num(call.opt("connections"))
            plan.set_peak(conns if conns is not None else 10.0, "users", call.line)
            plan.set_sustained(parse_duration(call.opt("duration", 10)), call.line)
        if plan is not None:
            return plan
    if not any(m == "k6" or m.startswith("k6/") for m in modules):
        return None
    plan = LoadPlan("k6", f.path)
    try:
        options, lines = _k6_options(f.text, f.path)
    except Exception as exc:  # noqa: BLE001 - one odd script costs its own plan only
        plan.error = f"cannot read k6 options: {type(exc).__name__}"
        return plan
    if options is None:
        plan.notes.append("no `options` export: k6 defaults (1 VU) unless given on the command line")
        return plan
    plan.line = lines.get("options", 1)
    base = lines.get("options", 1)
    if "vus" in options:
        plan.set_peak(_num(options.get("vus")), "users", lines.get("vus", base))
        if "duration" in options:
            plan.set_sustained(parse_duration(options.get("duration")), lines.get("duration", base))
    if "stages" in options:
        _k6_stages(plan, options.get("stages"), lines.get("stages", base), "users", 0.0)
    scenarios = options.get("scenarios")
    if isinstance(scenarios, dict):
        for name, sc in scenarios.items():
            if isinstance(sc, dict):
                _k6_scenario(plan, sc, lines.get(f"scenarios.{name}", lines.get("scenarios", base)))
    thresholds = options.get("thresholds")
    if isinstance(thresholds, dict) and thresholds:
        plan.criteria.append(Criterion(lines.get("thresholds", base), "thresholds: " + ", ".join(map(str, thresholds))[:100]))
    return plan


def _k6_options(text: str, path: str) -> tuple[dict[str, Any] | None, dict[str, int]]:
    from tree_sitter import Parser

    from readycheck.parsers.js_facts import JsFacts, _Collector, _grammars_for, _language

    src = text.encode("utf-8", "replace")
    tree = Parser(_language(_grammars_for(path)[0])).parse(src)
    root = tree.root_node
    collector = _Collector(src, JsFacts())
    collector.walk(root)  # module constants, so `target: PEAK_VUS` resolves
    for stmt in root.named_children:
        decl = stmt
        if stmt.type == "export_statement":
            inner = stmt.child_by_field_name("declaration")
            if inner is None:
                continue
            decl = inner
        if decl.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for d in decl.named_children:
            name, value = d.child_by_field_name("name"), d.child_by_field_name("value")
            if d.type != "variable_declarator" or name is None or value is None:
                continue
            if collector.text(name) != "options":
                continue
            lit = collector.literal(value)
            lines: dict[str, int] = {"options": d.start_point.row + 1}
            _key_lines(collector, value, "", lines)
            return (lit if isinstance(lit, dict) else None), lines
    return None, {}


def _key_lines(collector: Any, node: Any, prefix: str, out: dict[str, int], depth: int = 0) -> None:
    if depth > 2:
        return
    while node.type in ("parenthesized_expression", "as_expression", "satisfies_expression"):
        node = node.named_children[0]
    if node.type != "object":
        return
    for pair in node.named_children:
        if pair.type != "pair":
            continue
        key = collector.key(pair.child_by_field_name("key"))
        value = pair.child_by_field_name("value")
        if key is None:
            continue
        dotted = f"{prefix}{key}"
        out.setdefault(dotted, pair.start_point.row + 1)
        if value is not None:
            _key_lines(collector, value, dotted + ".", out, depth + 1)


# --- artillery ------------------------------------------------------------------------------------


def parse_artillery(f: SourceFile) -> list[LoadPlan]:
    plans: list[LoadPlan] = []
    docs = f.documents
    if not docs:
        if f.parse_errors and re.search(r"^\s*phases\s*:", f.text, re.M):
            plans.append(LoadPlan("artillery", f.path, error="cannot parse Artillery script: " + f.parse_errors[-1][:120]))
        return plans
    for doc in docs:
        try:
            config = doc.get(("config",))
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(config, dict) or not isinstance(config.get("phases"), list):
            continue
        plan = LoadPlan("artillery", f.path, doc.line_of(("config", "phases")) or 1)
        seq: list[tuple[float, float]] = []
        for i, ph in enumerate(config["phases"]):
            if not isinstance(ph, dict):
                continue
            line = doc.line_of(("config", "phases", i)) or plan.line
            dur = parse_duration(ph.get("duration", ph.get("pause")))
            rate, ramp = _num(ph.get("arrivalRate")), _num(ph.get("rampTo"))
            if rate is None and _num(ph.get("arrivalCount")) is not None and dur:
                rate = (_num(ph.get("arrivalCount")) or 0.0) / dur
            if dur is None:
                continue
            if rate is None:
                rate = 0.0
            if ramp is not None and ramp != rate:
                plan.set_peak(max(rate, ramp), "rps", line)
                seq.append((0.0, ramp))  # a ramp holds nothing; the level it reaches counts from the next phase
            else:
                plan.set_peak(rate, "rps", line)
                seq.append((dur, rate))
        peak = max((r for _, r in seq), default=None)
        if peak is not None:
            best = run = 0.0
            start_line = plan.line
            for i, (dur, rate) in enumerate(seq):
                run = run + dur if rate == peak else 0.0
                if run > best:
                    best, start_line = run, doc.line_of(("config", "phases", i)) or plan.line
            plan.set_sustained(best, start_line)
        for key in ("ensure", "thresholds"):
            where: tuple[Any, ...] | None = None
            if config.get(key):
                where = ("config", key)
            elif isinstance(config.get("plugins"), dict) and config["plugins"].get(key):
                where = ("config", "plugins", key)
            if where is not None:
                plan.criteria.append(Criterion(doc.line_of(where) or plan.line, f"Artillery {key}"))
        plans.append(plan)
    return plans


# --- gatling --------------------------------------------------------------------------------------

_G_NUM = r"(\d+(?:\.\d+)?)"
_G_DUR = r"(?:\.?\s*during\s*\(\s*(?:Duration\.of(Seconds|Minutes|Hours)\(\s*(\d+)\s*\)|(\d+)\s*(?:\.\s*|\s+)?(seconds?|minutes?|hours?)?\b))"
_G_RULES = [
    (re.compile(r"constantUsersPerSec\s*\(\s*" + _G_NUM + r"\s*\)\s*" + _G_DUR), "rps"),
    (re.compile(r"rampUsersPerSec\s*\(\s*" + _G_NUM + r"\s*\)\s*\.?\s*to\s*\(\s*" + _G_NUM + r"\s*\)\s*" + _G_DUR), "rps-ramp"),
    (re.compile(r"constantConcurrentUsers\s*\(\s*" + _G_NUM + r"\s*\)\s*" + _G_DUR), "users"),
    (re.compile(r"rampConcurrentUsers\s*\(\s*" + _G_NUM + r"\s*\)\s*\.?\s*to\s*\(\s*" + _G_NUM + r"\s*\)\s*" + _G_DUR), "users-ramp"),
    (re.compile(r"\b(?:atOnceUsers|rampUsers)\s*\(\s*" + _G_NUM + r"\s*\)"), "burst"),
]


def _g_seconds(groups: tuple[str | None, ...]) -> float | None:
    java_unit, java_n, n, unit = groups[-4:]
    if java_unit and java_n:
        return float(java_n) * {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}[java_unit.lower()]
    if n:
        u = (unit or "seconds").lower().rstrip("s")
        return float(n) * {"second": 1.0, "minute": 60.0, "hour": 3600.0}.get(u, 1.0)
    return None


def parse_gatling(f: SourceFile) -> LoadPlan | None:
    text = f.text
    if "gatling" not in text.lower() or "Simulation" not in text:
        return None
    plan = LoadPlan("gatling", f.path)
    m = re.search(r"class\s+\w+", text)
    if m:
        plan.line = text.count("\n", 0, m.start()) + 1
    for rx, kind in _G_RULES:
        for m in rx.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            g = m.groups()
            if kind == "burst":
                plan.set_peak(float(g[0]), "users", line)
                continue
            secs = _g_seconds(g)
            unit = "rps" if kind.startswith("rps") else "users"
            if kind.endswith("-ramp"):
                plan.set_peak(max(float(g[0]), float(g[1])), unit, line)
            else:
                plan.set_peak(float(g[0]), unit, line)
                if plan.unit == unit and plan.peak == float(g[0]):
                    plan.set_sustained(secs, line)
    for m in re.finditer(r"\bassertions?\s*\(", text):
        plan.criteria.append(Criterion(text.count("\n", 0, m.start()) + 1, "Gatling assertions"))
        break
    return plan


# --- jmeter ---------------------------------------------------------------------------------------


def _jmx_value(raw: str | None) -> float | None:
    """A number, or the default of a property function (`${__P(threads,50)}`)."""
    if raw is None:
        return None
    raw = raw.strip()
    m = re.fullmatch(r"\$\{__P(?:roperty)?\([^,()]+,\s*(\d+(?:\.\d+)?)\s*\)\}", raw)
    return float(m.group(1)) if m else _num(raw)


def parse_jmeter(f: SourceFile) -> LoadPlan:
    plan = LoadPlan("jmeter", f.path)
    text = f.text
    if f.size > MAX_JMX_BYTES:
        plan.error = "JMeter plan too large to read"
        return plan
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.I):
        plan.error = "JMeter plan declares a DOCTYPE or entities: not read"
        return plan
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        plan.error = f"cannot parse JMeter plan: {exc}"
        return plan
    lines = text.splitlines()

    def line_of(needle: str) -> int:
        for i, line in enumerate(lines, 1):
            if needle in line:
                return i
        return 1

    for tg in root.iter():
        if not tg.tag.endswith("ThreadGroup") or tg.get("enabled") == "false":
            continue
        props = {p.get("name", ""): (p.text or "") for p in tg.iter() if p.tag in ("stringProp", "intProp", "longProp", "boolProp")}
        threads = _jmx_value(props.get("ThreadGroup.num_threads") or props.get("TargetLevel"))
        line = line_of(f'testname="{tg.get("testname", "")}"') if tg.get("testname") else line_of("ThreadGroup")
        plan.line = line if plan.line == 1 else plan.line
        plan.set_peak(threads, "users", line)
        duration = _jmx_value(props.get("ThreadGroup.duration"))
        if duration is None and props.get("Hold"):
            duration = _jmx_value(props.get("Hold"))
            unit = (props.get("Unit") or "S").upper()
            duration = duration * (60.0 if unit == "M" else 1.0) if duration is not None else None
        if props.get("ThreadGroup.scheduler", "true") != "false" or "Hold" in props:
            plan.set_sustained(duration, line)
    for el in root.iter():
        if el.tag.endswith("Assertion") and el.get("enabled") != "false":
            plan.criteria.append(Criterion(line_of(f"<{el.tag}"), f"JMeter {el.tag}"))
            break
    return plan


# --- all of it ------------------------------------------------------------------------------------

_GATLING_EXT = (".scala", ".java", ".kt")


def read_plans(index: RepoIndex) -> list[LoadPlan]:
    """Every load-test plan in the repository, in path order (computed once per audit)."""

    def compute() -> list[LoadPlan]:
        plans: list[LoadPlan] = []
        for f in index.files:
            lower = f.path.lower()
            try:
                if f.kind == "python":
                    plan = parse_locust(f.text, f.path)
                    if plan:
                        plans.append(plan)
                elif f.kind in ("javascript", "typescript"):
                    if "k6" in f.text or "autocannon" in f.text:
                        plan = parse_k6(f)
                        if plan:
                            plans.append(plan)
                elif f.kind in ("yaml", "json") and ("phases" in f.text):
                    plans.extend(parse_artillery(f))
                elif lower.endswith(".jmx"):
                    plans.append(parse_jmeter(f))
                elif lower.endswith(_GATLING_EXT) and "simulation" in lower:
                    plan = parse_gatling(f)
                    if plan:
                        plans.append(plan)
            except Exception as exc:  # noqa: BLE001 - one odd file costs its own plan only
                plans.append(LoadPlan("unknown", f.path, error=f"cannot read: {type(exc).__name__}"))
        return plans

    result: list[LoadPlan] = index.memo("loadtest.plans", compute)
    return result


def iter_errors(plans: Iterable[LoadPlan]) -> list[LoadPlan]:
    return [p for p in plans if p.error]
