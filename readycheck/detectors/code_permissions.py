"""Item 9, permission boundaries, in the agent's own code: what the model writes and the arguments
it calls tools with must not reach a shell, `eval`, raw SQL or an unpickler; tools must not hand
the model a shell or the whole file system; tools that delete, pay or send email need a human
approval step.

The flows are traced when each file is parsed (`readycheck.parsers.python_flows` and
`readycheck.parsers.js_flows`) and read here from the facts: no file is read or parsed again.

- FAIL: a flow from LLM output, a tool argument or request input into a shell, eval, SQL or
  deserialisation sink;
- WARN: such a flow into a file path or a URL with no allow-list check; a tool that exposes a
  shell or code interpreter, or the whole file system; a tool that deletes, pays or sends email
  with no approval step (and no approval gate such as LangGraph's `interrupt_before` or
  `HumanInTheLoopMiddleware` anywhere in the project);
- PASS: tools or LLM calls exist and none of the above was found (the evidence lists the tools
  and LLM call sites examined);
- SKIP: the project defines no tools and calls no LLM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.llm import llm_calls
from readycheck.detectors.project import is_test_path
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.js_facts import JsFacts
from readycheck.parsers.python_facts import PythonFacts
from readycheck.parsers.python_flows import FAIL_KINDS, Flow, describe_source

__all__ = ["unsafe_tool_execution", "CodeFindings", "code_findings"]

_MAX_EVIDENCE = 20
_MAX_PASS_EVIDENCE = 12
# Approval gates that cover a graph's or an agent's tools, wherever they are written.
_PY_GATE_KWARGS = frozenset({"interrupt_before", "interrupt_after"})
_PY_GATE_CALLS = re.compile(r"(^|\.)(HumanInTheLoopMiddleware|HumanApprovalCallbackHandler|HumanInterrupt)$")
_JS_GATE_OPTIONS = frozenset({"interruptBefore", "interruptAfter"})
_MCP_CONFIG_KEYS = ("mcpServers", "servers", "mcp_servers", "context_servers")
_WHOLE_FS = re.compile(r"^(/|~|~/|\$HOME|\$\{HOME\}|\$\{env:HOME\}|[A-Za-z]:[\\/]?)$")


# Warning categories, in the order the message names them: (key, singular, plural).
_CATEGORIES = (
    ("unchecked", "unchecked path or URL", "unchecked paths or URLs"),
    ("shell", "tool exposing a shell", "tools exposing a shell"),
    ("filesystem", "tool exposing the whole file system", "tools exposing the whole file system"),
    ("destructive", "destructive tool with no approval step", "destructive tools with no approval step"),
)
_CATEGORY_OF = {"path": "unchecked", "url": "unchecked", "exposed-shell": "shell", "exposed-filesystem": "filesystem", "destructive": "destructive"}


@dataclass
class CodeFindings:
    """What the traced flows and tool records say about one repository."""

    fails: list[Evidence] = field(default_factory=list)
    warns: list[Evidence] = field(default_factory=list)
    categories: dict[str, int] = field(default_factory=dict)  # warning category -> count
    tools: list[Evidence] = field(default_factory=list)
    gates: list[Evidence] = field(default_factory=list)
    ungated: list[Evidence] = field(default_factory=list)  # unconfirmed destructive tools, before gates are weighed
    llm_sites: list[Evidence] = field(default_factory=list)


def _note(fl: Flow) -> str:
    where = f" in {fl.function}()" if fl.function else ""
    if fl.source == "tool":
        return fl.detail
    tail = "" if fl.kind in FAIL_KINDS else " with no allow-list check"
    return f"{describe_source(fl)} reaches {fl.detail}{where}{tail}"


def _gate_in_python(f: SourceFile) -> Evidence | None:
    facts = f.python
    if facts is None:
        return None
    for c in facts.calls:
        key = next((k for k in c.kwargs if k in _PY_GATE_KWARGS and c.kwargs[k] not in (None, [], ())), None)
        if key is not None:
            return evidence_at(f, c.line, f"approval gate: {key} pauses the graph before its tools run")
        if _PY_GATE_CALLS.search(c.qualname.replace("()", "")):
            return evidence_at(f, c.line, f"approval gate: {c.func}()")
        if c.kwargs.get("human_input_mode") == "ALWAYS":
            return evidence_at(f, c.line, "approval gate: human_input_mode='ALWAYS'")
    return None


def _gate_in_js(f: SourceFile) -> Evidence | None:
    js = f.js
    if js is None:
        return None
    for c in js.calls:
        key = next((k for k in c.options if k in _JS_GATE_OPTIONS and c.options[k] not in (None, False, [])), None)
        if key is not None:
            return evidence_at(f, c.line, f"approval gate: {key} pauses the graph before its tools run")
    return None


def _mcp_configs(f: SourceFile) -> Iterable[Evidence]:
    """`"filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/"]}`."""
    for doc in f.documents:
        data = doc.data
        if not isinstance(data, dict):
            continue
        for key in _MCP_CONFIG_KEYS:
            servers = data.get(key)
            if not isinstance(servers, dict):
                continue
            for name, server in servers.items():
                if not isinstance(server, dict):
                    continue
                args = server.get("args")
                if not isinstance(args, list):
                    continue
                words = [a for a in args if isinstance(a, str)]
                marks = [i for i, a in enumerate(words) if "server-filesystem" in a]
                if not marks:
                    continue
                wide = [a for a in words[marks[0] + 1:] if _WHOLE_FS.match(a.strip())]
                if wide:
                    line = doc.line_of((key, name, "args")) or doc.line_of((key, name))
                    yield evidence_at(f, line, f"MCP server {name!r} serves the file system from {wide[0]!r}: the model can reach every file; list the project folders it needs")


def _module_names(path: str) -> tuple[str, ...]:
    """The dotted names a file may be imported by, last segment first: `src/tools/reports.py` ->
    ("reports", "tools"...); a package's `__init__.py` is its folder."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return tuple(reversed(parts))


def _resolve_candidates(located: list[tuple[SourceFile, Flow]]) -> list[tuple[SourceFile, Flow]]:
    """A module-level function's traced parameters (`source="parameter"`) and records
    (`source="candidate"`) count once some module registers the function as a tool (`tool-ref`):
    matched by module and name (`tools.reports.run_report` for tools/reports.py), or by name alone
    when only one function in the repository has that name. The rest are dropped, and so are
    registrations of functions already known as tools where they are defined (counted once)."""
    defined: dict[str, set[str]] = {}  # function name -> files defining it (tools and candidates)
    tools: set[tuple[str, str]] = set()
    for f, fl in located:
        if fl.kind == "tool" or fl.source in ("parameter", "candidate"):
            defined.setdefault(fl.function or "", set()).add(f.path)
        if fl.kind == "tool":
            tools.add((f.path, fl.function or ""))
    registered: set[tuple[str, str]] = set()
    out: list[tuple[SourceFile, Flow]] = []
    for f, fl in located:
        if fl.kind != "tool-ref":
            continue
        segs = fl.detail.lstrip(".").split(".")
        name = segs[-1]
        paths = defined.get(name, set())
        exact = {p for p in paths if len(segs) >= 2 and segs[-2] == _module_names(p)[0]}
        targets = exact or (paths if len(paths) == 1 else set())
        registered.update((p, name) for p in targets)
        if not any((p, name) in tools for p in targets):
            out.append((f, fl))  # a tool defined as a plain function: this registration is where it shows
    for f, fl in located:
        if fl.kind == "tool-ref":
            continue
        if fl.source not in ("parameter", "candidate"):
            out.append((f, fl))
        elif (f.path, fl.function or "") in registered:
            promoted = "tool-argument" if fl.source == "parameter" else "tool"
            origin = fl.origin.replace(f"of {fl.function}()", f"of tool {fl.function}()") if fl.source == "parameter" else fl.origin
            out.append((f, replace(fl, source=promoted, origin=origin)))
    return out


def _collect(index: RepoIndex) -> CodeFindings:
    out = CodeFindings()
    located: list[tuple[SourceFile, Flow]] = []
    for f in index.by_kind("python", "javascript", "typescript"):
        if is_test_path(f.path):
            continue
        facts: PythonFacts | JsFacts | None = f.python if f.kind == "python" else f.js
        if facts is None:
            continue
        located.extend((f, fl) for fl in facts.flows if isinstance(fl, Flow))  # traced when the file was parsed
        gate = _gate_in_python(f) if f.kind == "python" else _gate_in_js(f)
        if gate is not None:
            out.gates.append(gate)
    located = _resolve_candidates(located)
    configs: list[Evidence] = []
    for f in index.by_kind("json", "yaml"):
        if not is_test_path(f.path) and re.search(r"mcp|claude|cursor|settings|config", f.name, re.I):
            configs.extend(_mcp_configs(f))
    merged: dict[tuple[str, int, str], list[str]] = {}
    order: list[tuple[str, int, str, SourceFile]] = []
    for f, fl in sorted(located, key=lambda x: (x[0].path, x[1].line, x[1].kind)):
        if fl.kind == "tool":
            out.tools.append(evidence_at(f, fl.line, f"tool {fl.detail}: arguments traced, no dangerous call reached"))
            continue
        if fl.kind == "tool-ref":
            out.tools.append(evidence_at(f, fl.line, f"tool {fl.origin}, defined in {fl.detail}: arguments traced, no dangerous call reached"))
            continue
        if fl.kind == "destructive":
            out.ungated.append(evidence_at(f, fl.line, _note(fl)))
            continue
        if fl.kind in FAIL_KINDS and fl.source != "tool":
            bucket = "fail"
        elif fl.kind in _CATEGORY_OF:
            bucket = _CATEGORY_OF[fl.kind]
        else:
            continue
        key = (f.path, fl.line, "fail" if bucket == "fail" else "warn")
        if key not in merged:
            merged[key] = []
            order.append((f.path, fl.line, bucket, f))
        note = _note(fl)
        if note not in merged[key]:
            merged[key].append(note)
    for path, line, bucket, f in order:
        ev = evidence_at(f, line, "; ".join(merged[(path, line, "fail" if bucket == "fail" else "warn")]))
        if bucket == "fail":
            out.fails.append(ev)
        else:
            out.warns.append(ev)
            out.categories[bucket] = out.categories.get(bucket, 0) + 1
    for ev in configs:
        out.warns.append(ev)
        out.categories["filesystem"] = out.categories.get("filesystem", 0) + 1
    if not out.gates:
        out.warns.extend(out.ungated)
        if out.ungated:
            out.categories["destructive"] = out.categories.get("destructive", 0) + len(out.ungated)
    for call in llm_calls(index):
        if not is_test_path(call.file.path):
            out.llm_sites.append(evidence_at(call.file, call.line, f"LLM call {call.qualname.replace('()', '')}: output traced, no dangerous call reached"))
    return out


def code_findings(index: RepoIndex) -> CodeFindings:
    cached: CodeFindings = index.memo("code-permission-findings", lambda: _collect(index))
    return cached


def _weak(found: CodeFindings) -> str:
    parts = [f"{n} {one if n == 1 else many}" for key, one, many in _CATEGORIES if (n := found.categories.get(key, 0))]
    return ", ".join(parts)


def unsafe_tool_execution(ctx: Context) -> Outcome:
    found = code_findings(ctx.index)
    fails, warns = found.fails, found.warns
    if fails:
        more = f"; also {_weak(found)}" if warns else ""
        return outcome(
            Status.FAIL,
            f"untrusted text reaches a shell, eval, SQL or an unpickler in {plural(len(fails), 'place')}{more}",
            (fails + warns)[:_MAX_EVIDENCE],
        )
    if warns:
        return outcome(Status.WARN, f"weak permission boundaries: {_weak(found)}", warns[:_MAX_EVIDENCE])
    if found.tools or found.llm_sites:
        examined = " and ".join(
            p for p in (plural(len(found.tools), "tool") if found.tools else "", plural(len(found.llm_sites), "LLM call site") if found.llm_sites else "") if p
        )
        gated = f"; {plural(len(found.ungated), 'destructive tool')} behind an approval gate" if found.ungated and found.gates else ""
        evidence = (found.tools + found.llm_sites)[:_MAX_PASS_EVIDENCE] + (found.gates[:2] if found.ungated else [])
        return outcome(
            Status.PASS,
            f"{examined} checked: no LLM output or tool argument reaches a shell, eval, SQL or deserialisation sink{gated}",
            evidence,
        )
    return outcome(Status.SKIP, "no tools and no LLM calls: there is no model output or tool argument to trace")
