"""Item 4, graceful degradation: a tool call that fails must not take the whole agent run with it.

Where tools run, and what isolates their failures:

- hand-written dispatch: a call through a tool registry (`TOOLS[name](**args)`,
  `tool_map[name].invoke(args)`, `getattr(tools, name)(...)`, `REGISTRY.get(name)(...)`) or a
  dispatcher by name (`run_tool`, `execute_tool`, `call_tool`, `dispatch_tool`, `runTool`,
  `handleToolCall`, an MCP client's `call_tool` / `callTool`), in Python and JS/TS. Isolated when
  the call sits in a `try` that has a handler, when the dispatcher it calls catches inside, or,
  for a per-tool helper outside the loop, when every call of that helper does;
- LangGraph `ToolNode` and the agents built on it (`create_react_agent`, `create_agent`):
  `handle_tool_errors` truthy; left to the default, isolated only where the project pins LangGraph
  below 1.0 (from langgraph-prebuilt 1.0.1 the default re-raises a tool's own exceptions);
  LangGraph.js `ToolNode` / `createReactAgent` catch by default (`handleToolErrors: false` turns it
  off);
- LangChain tools run without a `ToolNode` (`@tool`, `StructuredTool.from_function`, `Tool(...)`):
  `handle_tool_error` set, or a body that catches;
- OpenAI Agents SDK `@function_tool` (Python) and `tool({...})` (JS): the SDK reports a failure to
  the model unless `failure_error_function=None` / `errorFunction: null`, then the body must catch;
- Pydantic AI `@agent.tool` / `@agent.tool_plain`: an exception other than `ModelRetry` ends the
  run, so the body must catch;
- MCP server tools (`@mcp.tool()`, `server.tool(...)`, `server.registerTool(...)`): the server turns
  a raised error into an `isError` result;
- Vercel AI SDK `tool({ execute })`: AI SDK 5 and later report a throwing `execute` to the model as
  a tool-error part; earlier versions throw, so the `execute` body must catch.

Read from the AST, never from text: a comment or a docstring that mentions `try` is not a handler.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.llm import llm_calls
from readycheck.detectors.project import declared_dependencies, imports_any, is_test_path, matches_any
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.js_facts import JsCall, JsFacts
from readycheck.parsers.python_facts import CallFact, CallValue, FunctionFact, PythonFacts, Unknown, first_match

__all__ = ["tool_failure_isolation", "ToolSite", "ToolScopes", "tool_sites", "tool_scopes", "declared_version"]

_MAX_EVIDENCE = 40  # the engine keeps 50; a warning keeps room for every unprotected site

# --- names ----------------------------------------------------------------------------------------
# A dispatcher by name: run_tool, execute_tool_call, dispatch_tool, callTool, handleToolUse...
_DISPATCHER = re.compile(
    r"^_*(?:(?:run|execute|exec|call|invoke|dispatch|handle|process|perform|use|apply)_?(?:one_?|single_?)?"
    r"(?:tool|function|action)(?:_?(?:call|use|request)s?)?s?)$",
    re.I,
)
_BARE_DISPATCH = frozenset({"dispatch", "_dispatch", "dispatch_call"})
_STRONG_RECEIVER = re.compile(r"tool", re.I)
_WEAK_RECEIVER = re.compile(r"(function|func|fns|handler|action|skill|registry|dispatch|capabilit)", re.I)
_NOT_A_TOOL = re.compile(r"(llm|model|chain|agent|client|bind_tools)", re.I)
_RUN_METHODS = frozenset({"invoke", "ainvoke", "run", "arun", "call", "acall", "execute", "aexecute", "__call__", "func", "fn", "handler", "coroutine"})
# Argument text that speaks of a model's tool call (`tc.function.arguments`, `block.input`, `toolCall.args`).
_TOOL_CALL_TEXT = re.compile(
    r"tool_?calls?|tool_?use|tool_?name|tool_?input|tool_?args|toolCall|toolName|toolInput|function\.(name|arguments)|\.input\b|\barguments\b",
    re.I,
)
_LOGGING_ROOTS = frozenset({"print", "console", "logging", "logger", "log", "structlog", "loguru"})

# Modules whose presence marks a file as agent code.
_PY_AGENT_MODULES = (
    "openai", "anthropic", "litellm", "google.genai", "google.generativeai", "mistralai", "groq", "cohere", "mcp",
    "fastmcp", "langchain", "langchain_core", "langgraph", "agents", "pydantic_ai", "smolagents", "llama_index",
)
_JS_AGENT_MODULES = ("openai", "@anthropic-ai/sdk", "ai", "@ai-sdk", "@modelcontextprotocol/sdk", "@langchain", "langchain", "@openai/agents", "@google/genai")

# --- frameworks (Python) --------------------------------------------------------------------------
_LC_TOOL_DECORATORS = ("langchain_core.tools.tool", "langchain_core.tools.convert.tool", "langchain.tools.tool", "langchain.agents.tool", "langchain.tools.convert.tool")
_LC_TOOL_BUILDERS = (
    "langchain_core.tools.StructuredTool.from_function", "langchain_core.tools.structured.StructuredTool.from_function",
    "langchain.tools.StructuredTool.from_function", "langchain_core.tools.Tool", "langchain_core.tools.Tool.from_function",
    "langchain.tools.Tool", "langchain.agents.Tool", "langchain_core.tools.simple.Tool",
)
_TOOL_NODES = ("langgraph.prebuilt.ToolNode", "langgraph.prebuilt.tool_node.ToolNode", "langchain.agents.tool_node.ToolNode", "langchain.agents.ToolNode")
_LG_AGENTS = ("langgraph.prebuilt.create_react_agent", "langgraph.prebuilt.chat_agent_executor.create_react_agent", "langchain.agents.create_agent")
_OPENAI_AGENTS_TOOL = ("agents.function_tool", "agents.tool.function_tool")
_PYDANTIC_AI_TOOL = ("pydantic_ai.Agent.tool", "pydantic_ai.Agent.tool_plain", "pydantic_ai.agent.Agent.tool", "pydantic_ai.agent.Agent.tool_plain")
_MCP_TOOL = ("mcp.server.fastmcp.FastMCP.tool", "mcp.server.fastmcp.server.FastMCP.tool", "mcp.server.FastMCP.tool", "fastmcp.FastMCP.tool", "fastmcp.server.FastMCP.tool")
_WRAP_TOOL_CALL = ("langchain.agents.middleware.wrap_tool_call",)

# --- frameworks (JS/TS) ---------------------------------------------------------------------------
_JS_AI_TOOLS = ("ai.tool", "ai.dynamicTool")
_JS_OPENAI_AGENTS_TOOL = ("@openai/agents.tool",)
_JS_TOOL_NODE = ("@langchain/langgraph/prebuilt.ToolNode",)
_JS_LG_AGENT = ("@langchain/langgraph/prebuilt.createReactAgent",)
_JS_TOOL_BUILDERS = _JS_AI_TOOLS + _JS_OPENAI_AGENTS_TOOL


@dataclass(frozen=True, slots=True)
class ToolSite:
    """One place where the agent runs tools, and whether a failure there stays contained."""

    file: SourceFile
    line: int
    kind: str
    isolated: bool
    note: str

    def evidence(self) -> Evidence:
        return evidence_at(self.file, self.line, f"{self.kind}: {self.note}")


@dataclass
class ToolScopes:
    """Code that runs as a tool: Python functions by (path, name), JS/TS functions by name and the
    line ranges of inline tool bodies. Idempotency uses it to judge only writes made by tools."""

    py_functions: dict[str, set[str]] = field(default_factory=dict)
    js_functions: dict[str, set[str]] = field(default_factory=dict)
    js_ranges: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def python(self, path: str, function: str | None) -> bool:
        return function is not None and function in self.py_functions.get(path, set())

    def js(self, path: str, function: str | None, line: int) -> bool:
        if function is not None and function in self.js_functions.get(path, set()):
            return True
        for lo, hi in self.js_ranges.get(path, ()):
            if lo <= line <= hi:
                return True
        return False


# --- small helpers --------------------------------------------------------------------------------
def _q(qualname: str) -> str:
    return qualname.replace("()", "")


@lru_cache(maxsize=65536)  # a pure function of the name: memoised
def _tail(qualname: str) -> str:
    return _q(qualname).rsplit(".", 1)[-1]


def _matches(qualname: str, patterns: tuple[str, ...]) -> bool:
    return matches_any(qualname, patterns)


def _source(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, CallValue):
        return value.source
    source = getattr(value, "source", None)
    return source if isinstance(source, str) else ""


def _sources(values: Iterable[Any], depth: int = 0) -> Iterator[str]:
    """The code of the non-literal parts of call arguments."""
    if depth > 4:
        return
    for value in values:
        if isinstance(value, dict):
            yield from _sources(value.values(), depth + 1)
        elif isinstance(value, (list, tuple)):
            yield from _sources(value, depth + 1)
        elif not isinstance(value, (str, int, float, bool)) and value is not None:
            text = _source(value)
            if text:
                yield text


def _truthy(value: Any) -> bool:
    """A setting that turns error handling on: True, a message, a handler or a tuple of types."""
    if value is None or value is False:
        return False
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0
    return True


def _names_in(value: Any, single: bool = False) -> list[str]:
    """Plain names in a literal list argument: `[search, lookup_order]` -> ["search", "lookup_order"];
    with `single`, a lone name counts too (`func=search`)."""
    if isinstance(value, (list, tuple)):
        items = list(value)
    elif single:
        items = [value]
    else:
        return []
    out = []
    for v in items:
        if isinstance(v, Unknown) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", v.source):
            out.append(v.source.rsplit(".", 1)[-1])
    return out


@lru_cache(maxsize=65536)  # a pure function of the name: memoised
def _receiver(qualname: str) -> tuple[str, str] | None:
    """For a registry call, (registry name, how it is written): `TOOLS[]` -> ("TOOLS", "TOOLS[...]()"),
    `self.tool_map[].invoke` -> ("tool_map", "self.tool_map[...].invoke()"), `TOOLS.get()` -> ("TOOLS", ...)."""
    q = qualname
    method = ""
    head, _, last = q.rpartition(".")
    if head.endswith("[]") and last.replace("()", "") in _RUN_METHODS:
        q, method = head, "." + last.replace("()", "")
    if q.endswith("[]"):
        base, shape = q[:-2], "{}[...]" + method + "()"
    elif q.endswith(".get()") and not method:
        base, shape = q[: -len(".get()")], "{}.get(...)()"
    else:
        return None
    name = base.replace("()", "").rsplit(".", 1)[-1]
    if not name or name.startswith("?"):
        return None
    return name, shape.format((base.split(".", 1)[0] + "." if base.startswith(("self.", "this.")) else "") + name)


@lru_cache(maxsize=65536)  # a pure function of the name: memoised
def _tool_object_call(func: str, qualname: str) -> bool:
    """`tool.invoke(args)`, `selected_tool.run(...)`, `tool.handler(ctx, args)`: a tool object run
    directly (not a model bound to tools: `llm_with_tools.invoke(...)`)."""
    parts = func.split(".")
    if len(parts) < 2 or parts[-1] not in _RUN_METHODS or parts[0] in ("self", "this") and len(parts) < 3:
        return False
    receiver = parts[-2]
    return bool(_STRONG_RECEIVER.search(receiver)) and not _NOT_A_TOOL.search(receiver) and not _NOT_A_TOOL.search(qualname)


def _pinned_majors(spec: str) -> tuple[int | None, int | None]:
    """The lowest and highest major version a requirement allows: `==0.2.60` -> (0, 0),
    `^4.3.0` -> (4, 4), `>=5` -> (5, None), `<1.0` -> (None, 0)."""
    s = spec.split(";", 1)[0].strip().strip("\"',:= ").replace(" ", "")
    lo: int | None = None
    hi: int | None = None
    for op, major, rest in re.findall(r"(===|==|~=|\^|~|>=|>|<=|<|!=)?v?(\d+)((?:\.[\d*x]+)*)", s):
        n = int(major)
        if op in ("==", "===", "~=", "^", "~", ""):
            lo = n if lo is None else max(lo, n)
            hi = n if hi is None else min(hi, n)
        elif op in (">=", ">"):
            lo = n if lo is None else max(lo, n)
        elif op == "<":
            zero = all(c in ".0" for c in rest)
            top = n - 1 if zero else n
            hi = top if hi is None else min(hi, top)
        elif op == "<=":
            hi = n if hi is None else min(hi, n)
    return lo, hi


_MANIFESTS = ("**/requirements*.txt", "**/requirements/*.txt", "**/requirements*.in", "**/pyproject.toml", "**/package.json")


def declared_version(index: RepoIndex, names: Iterable[str]) -> tuple[int | None, int | None] | None:
    """The major versions a dependency manifest allows for the first of `names` it declares, read
    from the manifest line itself (`langgraph==0.2.60`, `"ai": "^4.3.0"`); None when undeclared."""
    wanted = tuple(names)
    memo: dict[str, tuple[str, SourceFile, int | None]] = index.memo(
        "declared-dependency-lines", lambda: {n: (n, f, line) for n, f, line in reversed(declared_dependencies(index.glob(_MANIFESTS)))}
    )
    for name in wanted:
        hit = memo.get(name)
        if hit is None or hit[2] is None:
            continue
        text = hit[1].line(hit[2])
        pos = text.lower().replace("_", "-").find(name)
        if pos < 0:
            continue
        rest = text[pos + len(name):]
        rest = rest.split("#", 1)[0]
        return _pinned_majors(rest)
    return None


# --- per-language facts ----------------------------------------------------------------------------
@dataclass
class _Candidate:
    """A hand-written dispatch call site."""

    file: SourceFile
    line: int
    function: str | None
    shown: str  # the call as a reviewer would write it
    named: str | None  # a dispatcher called by name: its name
    in_try: bool
    in_loop: bool

    @property
    def handler(self) -> str:
        return "try/except" if self.file.kind == "python" else "try/catch"


def _python_agent_file(f: SourceFile, facts: PythonFacts, llm_files: set[str]) -> bool:
    if f.path in llm_files:
        return True
    return bool(imports_any(facts, _PY_AGENT_MODULES))


def _js_agent_file(f: SourceFile, js: JsFacts, llm_files: set[str]) -> bool:
    if f.path in llm_files:
        return True
    return any(i.module == m or i.module.startswith(m + "/") for i in js.imports for m in _JS_AGENT_MODULES)


def _line_mentions_tool_call(calls_on_line: list[Any]) -> bool:
    for c in calls_on_line:
        args = list(c.args) + list((c.kwargs if isinstance(c, CallFact) else c.options).values())
        if any(_TOOL_CALL_TEXT.search(s) for s in _sources(args)):
            return True
    return False


def _python_candidates(f: SourceFile, facts: PythonFacts, agent_file: bool) -> list[_Candidate]:
    by_line: dict[int, list[CallFact]] = {}
    for c in facts.calls:
        by_line.setdefault(c.line, []).append(c)
    out: list[_Candidate] = []
    for c in facts.calls:
        if c.is_decorator:
            continue
        tail = _tail(c.qualname) if not c.qualname.endswith("()") else ""
        written_tail = c.func.rsplit(".", 1)[-1]
        if c.qualname == "getattr()":
            inner = next((g for g in by_line.get(c.line, []) if g.col == c.col and g.qualname == "getattr"), None)
            if inner is None or not agent_file:
                continue
            target = " ".join(_sources(inner.args[:2]))
            if _STRONG_RECEIVER.search(target) or (_WEAK_RECEIVER.search(target) and (c.in_loop or _line_mentions_tool_call(by_line[c.line]))):
                out.append(_Candidate(f, c.line, c.function, f"getattr({_source(inner.args[0]) if inner.args else '?'}, ...)()", None, c.in_try, c.in_loop))
            continue
        registry = _receiver(c.qualname)
        if registry is not None:
            name, shown = registry
            if not agent_file:
                continue
            if _STRONG_RECEIVER.search(name) or (_WEAK_RECEIVER.search(name) and (c.in_loop or _line_mentions_tool_call(by_line[c.line]))):
                out.append(_Candidate(f, c.line, c.function, shown, None, c.in_try, c.in_loop))
            continue
        if _tool_object_call(c.func, c.qualname) and agent_file:
            out.append(_Candidate(f, c.line, c.function, f"{c.func}()", None, c.in_try, c.in_loop))
            continue
        name = written_tail if written_tail and written_tail != "?" else tail
        if _DISPATCHER.match(name) and (agent_file or "tool" in name.lower()):
            out.append(_Candidate(f, c.line, c.function, f"{c.func}()", name, c.in_try, c.in_loop))
        elif name in _BARE_DISPATCH and agent_file and (c.in_loop or _line_mentions_tool_call(by_line[c.line])):
            out.append(_Candidate(f, c.line, c.function, f"{c.func}()", name, c.in_try, c.in_loop))
    return out


def _js_candidates(f: SourceFile, js: JsFacts, agent_file: bool) -> list[_Candidate]:
    by_line: dict[int, list[JsCall]] = {}
    for jc in js.calls:
        by_line.setdefault(jc.line, []).append(jc)
    out: list[_Candidate] = []
    for jc in js.calls:
        if jc.is_new:
            continue
        guarded = jc.in_try
        registry = _receiver(jc.qualname)
        if registry is not None:
            name, shown = registry
            if agent_file and (_STRONG_RECEIVER.search(name) or (_WEAK_RECEIVER.search(name) and (jc.in_loop or _line_mentions_tool_call(by_line[jc.line])))):
                out.append(_Candidate(f, jc.line, jc.function, shown, None, guarded, jc.in_loop))
            continue
        if _tool_object_call(jc.func, jc.qualname) and agent_file:
            out.append(_Candidate(f, jc.line, jc.function, f"{jc.func}()", None, guarded, jc.in_loop))
            continue
        written_tail = jc.func.rsplit(".", 1)[-1]
        if written_tail and written_tail != "?" and _DISPATCHER.match(written_tail) and (agent_file or "tool" in written_tail.lower()):
            out.append(_Candidate(f, jc.line, jc.function, f"{jc.func}()", written_tail, guarded, jc.in_loop))
        elif written_tail in _BARE_DISPATCH and agent_file and (jc.in_loop or _line_mentions_tool_call(by_line[jc.line])):
            out.append(_Candidate(f, jc.line, jc.function, f"{jc.func}()", written_tail, guarded, jc.in_loop))
    return out


@dataclass
class _Body:
    """One function (by name, in one file): how many of its calls, logging aside, sit in a try."""

    in_try: int = 0


def _work(root: str) -> bool:
    return root not in _LOGGING_ROOTS


def _python_bodies(facts: PythonFacts) -> dict[str, _Body]:
    out: dict[str, _Body] = {}
    for c in facts.calls:
        if c.function is None or c.is_decorator:
            continue
        body = out.setdefault(c.function, _Body())
        if c.in_try and _work(c.func.split(".")[0]):
            body.in_try += 1
    return out


def _js_bodies(js: JsFacts) -> dict[str, _Body]:
    out: dict[str, _Body] = {}
    for jc in js.calls:
        if jc.function is None:
            continue
        body = out.setdefault(jc.function, _Body())
        if jc.in_try and _work(jc.func.split(".")[0]):
            body.in_try += 1
    return out


# --- the repository-wide pass ------------------------------------------------------------------------
@dataclass
class _Repo:
    index: RepoIndex
    llm_files: set[str]
    candidates: list[_Candidate] = field(default_factory=list)
    py_bodies: dict[str, dict[str, _Body]] = field(default_factory=dict)  # path -> function -> body
    js_bodies: dict[str, dict[str, _Body]] = field(default_factory=dict)
    callers: dict[str, list[tuple[str, bool, bool]]] = field(default_factory=dict)  # callee name -> (path, in_try, in_loop)

    def body(self, path: str, name: str) -> _Body | None:
        return self.py_bodies.get(path, {}).get(name) or self.js_bodies.get(path, {}).get(name)

    def bodies_named(self, path: str, name: str) -> list[tuple[str, _Body]]:
        """The function `name` as defined in `path`, else wherever the repository defines it."""
        own = self.body(path, name)
        if own is not None:
            return [(path, own)]
        out = []
        for p, table in (*self.py_bodies.items(), *self.js_bodies.items()):
            if name in table:
                out.append((p, table[name]))
        return out


def _build(index: RepoIndex) -> _Repo:
    llm_files = {c.file.path for c in llm_calls(index)}
    repo = _Repo(index, llm_files)
    for f in index.by_kind("python"):
        facts = f.python
        if is_test_path(f.path) or facts is None:
            continue
        repo.py_bodies[f.path] = _python_bodies(facts)
        for c in facts.calls:
            tail = c.func.rsplit(".", 1)[-1]
            repo.callers.setdefault(tail, []).append((f.path, c.in_try, c.in_loop))
        repo.candidates.extend(_python_candidates(f, facts, _python_agent_file(f, facts, llm_files)))
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if is_test_path(f.path) or js is None:
            continue
        repo.js_bodies[f.path] = _js_bodies(js)
        for jc in js.calls:
            tail = jc.func.rsplit(".", 1)[-1]
            repo.callers.setdefault(tail, []).append((f.path, jc.in_try, jc.in_loop))
        repo.candidates.extend(_js_candidates(f, js, _js_agent_file(f, js, llm_files)))
    return repo


def _dispatch_sites(repo: _Repo) -> list[ToolSite]:
    by_function: dict[tuple[str, str], list[_Candidate]] = {}
    for cand in repo.candidates:
        if cand.function is not None:
            by_function.setdefault((cand.file.path, cand.function), []).append(cand)
    verdicts: dict[int, tuple[bool, str]] = {}

    def inner_of(cand: _Candidate) -> tuple[list[tuple[str, _Body]], list[_Candidate]]:
        """A dispatcher called by name, and the dispatch calls inside it: those are part of it,
        not sites of their own."""
        assert cand.named is not None
        defined = repo.bodies_named(cand.file.path, cand.named)
        return defined, [c for path, _ in defined for c in by_function.get((path, cand.named), []) if c is not cand]

    def verdict(cand: _Candidate, depth: int = 0) -> tuple[bool, str]:
        hit = verdicts.get(id(cand))
        if hit is not None:
            return hit
        result: tuple[bool, str]
        if cand.in_try:
            result = (True, f"inside {cand.handler}: a failure becomes a result the loop can hand back")
        elif cand.named is not None:
            defined, inner = inner_of(cand)
            judged = [(c, verdict(c, depth + 1)) for c in inner] if depth < 4 else []
            if judged:
                bare = next(((c, v) for c, v in judged if not v[0]), None)
                if bare is None:
                    first = judged[0][0]
                    result = (True, f"{cand.named}() catches tool errors around {first.shown} (line {first.line})")
                else:
                    result = (False, f"{cand.named}() runs {bare[0].shown} (line {bare[0].line}) with no {cand.handler}, and this call is not wrapped either")
            elif defined and all(b.in_try for _, b in defined):
                result = (True, f"{cand.named}() runs its work inside {cand.handler}")
            else:
                result = (False, f"called {'in a loop ' if cand.in_loop else ''}with no {cand.handler}: one tool error ends the run")
        else:
            callers = repo.callers.get(cand.function or "", []) if cand.function and not cand.in_loop else []
            if callers and all(in_try for _, in_try, _ in callers):
                result = (True, f"every call of {cand.function}() is inside {cand.handler}")
            elif cand.in_loop:
                result = (False, f"runs tools in a loop with no {cand.handler}: one tool error ends the run")
            else:
                result = (False, f"no {cand.handler} around the tool call: its error ends the run")
        verdicts[id(cand)] = result
        return result

    absorbed: set[int] = set()
    for cand in repo.candidates:
        if cand.named is not None:
            absorbed.update(id(c) for c in inner_of(cand)[1])
    sites: list[ToolSite] = []
    for cand in repo.candidates:
        if id(cand) in absorbed:
            continue
        isolated, note = verdict(cand)
        sites.append(ToolSite(cand.file, cand.line, f"tool dispatch {cand.shown}", isolated, note))
    return sites


# --- frameworks: Python -------------------------------------------------------------------------------
def _decorator_call(facts: PythonFacts, fn: FunctionFact, patterns: tuple[str, ...]) -> CallFact | None:
    for c in facts.calls:
        if c.is_decorator and c.decorates == fn.name and c.line <= fn.line and _matches(c.qualname, patterns):
            return c
    return None


def _handle_tool_error_set(index: RepoIndex, name: str) -> bool:
    """`lookup.handle_tool_error = True` (or a message, or a handler) anywhere in the repository."""
    names: set[str] = index.memo("langchain-handle-tool-error", lambda: _handle_tool_error_names(index))
    return name in names


def _handle_tool_error_names(index: RepoIndex) -> set[str]:
    out: set[str] = set()
    for f in index.by_kind("python"):
        facts = f.python
        if facts is None:
            continue
        for target, value, _ in facts.assignments:
            if target.endswith(".handle_tool_error") and _truthy(value):
                out.add(target[: -len(".handle_tool_error")].rsplit(".", 1)[-1])
        for key, bound in facts.bindings.items():
            if key.endswith(".handle_tool_error") and bound not in ("False", "None"):
                out.add(key[: -len(".handle_tool_error")].rsplit(".", 1)[-1])
    return out


def _body_catches(repo: _Repo, path: str, name: str) -> bool:
    body = repo.body(path, name)
    return body is not None and body.in_try > 0


@dataclass
class _LangChainTool:
    file: SourceFile
    line: int
    name: str
    isolated: bool
    note: str


_PY_TOOL_NAMES: dict[str, tuple[bool, bool, bool]] = {}


def _py_tool_names(q: str) -> tuple[bool, bool, bool]:
    """(a LangChain tool builder, a ToolNode, a LangGraph agent) for a Python call's name; memoised."""
    try:
        return _PY_TOOL_NAMES[q]
    except KeyError:
        pass
    names = (_matches(q, _LC_TOOL_BUILDERS), _matches(q, _TOOL_NODES), _matches(q, _LG_AGENTS))
    if len(_PY_TOOL_NAMES) > 200_000:
        _PY_TOOL_NAMES.clear()
    _PY_TOOL_NAMES[q] = names
    return names


def _python_framework_sites(repo: _Repo) -> tuple[list[ToolSite], list[_LangChainTool], list[tuple[SourceFile, CallFact, str]]]:
    sites: list[ToolSite] = []
    lc_tools: list[_LangChainTool] = []
    nodes: list[tuple[SourceFile, CallFact, str]] = []
    index = repo.index
    for f in index.by_kind("python"):
        facts = f.python
        if is_test_path(f.path) or facts is None:
            continue
        for fn in facts.functions:
            decos = fn.decorators
            if any(_matches(d, _LC_TOOL_DECORATORS) for d in decos):
                if _handle_tool_error_set(index, fn.name):
                    lc_tools.append(_LangChainTool(f, fn.line, fn.name, True, "handle_tool_error is set: a ToolException comes back as a message"))
                elif _body_catches(repo, f.path, fn.name):
                    lc_tools.append(_LangChainTool(f, fn.line, fn.name, True, "the body catches its own errors"))
                else:
                    lc_tools.append(_LangChainTool(f, fn.line, fn.name, False, "no handle_tool_error and no try/except in the body: an error ends the run"))
            elif any(_matches(d, _OPENAI_AGENTS_TOOL) for d in decos):
                deco = _decorator_call(facts, fn, _OPENAI_AGENTS_TOOL)
                off = deco is not None and "failure_error_function" in deco.kwargs and deco.kwargs["failure_error_function"] is None
                kind = f"@function_tool {fn.name}()"
                if not off:
                    custom = deco is not None and "failure_error_function" in deco.kwargs
                    note = "failure_error_function reports errors to the model" if custom else "the SDK's default failure_error_function reports errors to the model"
                    sites.append(ToolSite(f, fn.line, kind, True, note))
                elif _body_catches(repo, f.path, fn.name):
                    sites.append(ToolSite(f, fn.line, kind, True, "failure_error_function=None, but the body catches its own errors"))
                else:
                    sites.append(ToolSite(f, fn.line, kind, False, "failure_error_function=None re-raises tool errors and the body does not catch them"))
            elif any(_matches(d, _PYDANTIC_AI_TOOL) for d in decos):
                kind = f"Pydantic AI tool {fn.name}()"
                if _body_catches(repo, f.path, fn.name):
                    sites.append(ToolSite(f, fn.line, kind, True, "the body catches its own errors"))
                else:
                    sites.append(ToolSite(f, fn.line, kind, False, "an exception other than ModelRetry ends the run, and the body does not catch"))
            elif any(_matches(d, _MCP_TOOL) for d in decos):
                sites.append(ToolSite(f, fn.line, f"MCP tool {fn.name}()", True, "the MCP server returns a raised error to the client as an isError result"))
        for c in facts.calls:
            q = c.qualname
            builder, tool_node, lg_agent = _py_tool_names(q)
            if builder:
                func = c.kwargs.get("func", c.args[0] if c.args else None)
                fname = _names_in(func, single=True)
                label = fname[0] if fname else str(c.kwargs.get("name", "?"))
                if _truthy(c.kwargs.get("handle_tool_error")):
                    lc_tools.append(_LangChainTool(f, c.line, label, True, "handle_tool_error is set: a ToolException comes back as a message"))
                elif fname and _body_catches(repo, f.path, fname[0]):
                    lc_tools.append(_LangChainTool(f, c.line, label, True, "the function it wraps catches its own errors"))
                else:
                    lc_tools.append(_LangChainTool(f, c.line, label, False, "no handle_tool_error: an error in the tool ends the run"))
            elif tool_node:
                nodes.append((f, c, "ToolNode"))
            elif lg_agent:
                tools_arg = c.kwargs.get("tools", c.args[1] if len(c.args) > 1 else None)
                if isinstance(tools_arg, CallValue) and _matches(tools_arg.qualname, _TOOL_NODES):
                    continue  # the ToolNode is its own site
                nodes.append((f, c, f"{_tail(q)}()"))
    return sites, lc_tools, nodes


def _middleware_catches(repo: _Repo, value: Any) -> bool:
    text = " ".join(_sources([value]))
    if "ToolRetryMiddleware" in text:
        return True
    for f in repo.index.by_kind("python"):
        facts = f.python
        if facts is None:
            continue
        for fn in facts.functions:
            if fn.name in text and any(_matches(d, _WRAP_TOOL_CALL) for d in fn.decorators) and _body_catches(repo, f.path, fn.name):
                return True
    return False


def _node_sites(repo: _Repo, nodes: list[tuple[SourceFile, CallFact, str]], lc_tools: list[_LangChainTool]) -> list[ToolSite]:
    sites: list[ToolSite] = []
    majors = declared_version(repo.index, ("langgraph-prebuilt", "langgraph"))
    old_default = majors is not None and majors[1] is not None and majors[1] < 1
    by_name = {t.name: t for t in lc_tools}
    for f, c, label in nodes:
        setting = "handle_tool_errors"
        if setting in c.kwargs:
            if _truthy(c.kwargs[setting]):
                sites.append(ToolSite(f, c.line, label, True, f"{setting}={_source(c.kwargs[setting]) or c.kwargs[setting]!r}: tool errors come back to the model as messages"))
            else:
                sites.append(ToolSite(f, c.line, label, False, f"{setting}=False: a tool error ends the run"))
            continue
        if label != "ToolNode" and "middleware" in c.kwargs and _middleware_catches(repo, c.kwargs["middleware"]):
            sites.append(ToolSite(f, c.line, label, True, "tool-call middleware catches tool errors"))
            continue
        if old_default:
            sites.append(ToolSite(f, c.line, label, True, "LangGraph is pinned below 1.0, whose default handle_tool_errors catches every tool error"))
            continue
        tools_arg = c.args[0] if label == "ToolNode" and c.args else c.kwargs.get("tools", c.args[1] if len(c.args) > 1 else None)
        names = _names_in(tools_arg)
        own = [by_name[n] for n in names if n in by_name]
        if own and len(own) == len(names) and all(t.isolated for t in own):
            sites.append(ToolSite(f, c.line, label, True, f"every tool it runs handles its own errors ({', '.join(t.name for t in own)})"))
            continue
        sites.append(ToolSite(
            f, c.line, label, False,
            "handle_tool_errors left to its default, which re-raises a tool's own exceptions from langgraph-prebuilt 1.0.1: one tool error ends the run",
        ))
    return sites


# --- frameworks: JS/TS -------------------------------------------------------------------------------
_JS_TOOL_NAMES: dict[str, tuple[bool, bool, bool, bool, bool]] = {}


def _js_tool_names(q: str) -> tuple[bool, bool, bool, bool, bool]:
    """Which of _js_framework_sites' name tests a JS/TS call's name passes: (AI SDK tool(), Agents
    SDK tool(), ToolNode, createReactAgent, MCP server tool); memoised by name."""
    try:
        return _JS_TOOL_NAMES[q]
    except KeyError:
        pass
    names = (
        _matches(q, _JS_AI_TOOLS),
        _matches(q, _JS_OPENAI_AGENTS_TOOL),
        _matches(q, _JS_TOOL_NODE),
        _matches(q, _JS_LG_AGENT),
        _q(q).startswith("@modelcontextprotocol/sdk") and "McpServer" in q and _tail(q) in ("tool", "registerTool"),
    )
    if len(_JS_TOOL_NAMES) > 200_000:
        _JS_TOOL_NAMES.clear()
    _JS_TOOL_NAMES[q] = names
    return names


def _js_framework_sites(repo: _Repo) -> list[ToolSite]:
    sites: list[ToolSite] = []
    index = repo.index
    ai = declared_version(index, ("ai",))
    ai_reports_errors = ai is not None and ai[0] is not None and ai[0] >= 5
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if is_test_path(f.path) or js is None:
            continue
        for jc in js.calls:
            q = jc.qualname
            ai_tool, agents_tool, tool_node, lg_agent, mcp_tool = _js_tool_names(q)
            if not (ai_tool or agents_tool or tool_node or lg_agent or mcp_tool):
                continue
            options = jc.options if isinstance(jc.options, dict) else {}
            if ai_tool and "execute" in options:
                kind = "AI SDK tool()"
                if _js_range_catches(js, jc) or _js_named_catches(repo, f, options.get("execute")):
                    sites.append(ToolSite(f, jc.line, kind, True, "execute catches its errors (try/catch): the model gets a result"))
                elif ai_reports_errors:
                    sites.append(ToolSite(f, jc.line, kind, True, "AI SDK 5 or later reports a throwing execute to the model as a tool-error part"))
                else:
                    sites.append(ToolSite(f, jc.line, kind, False, "execute has no try/catch: before AI SDK 5 a throw ends generateText/streamText"))
            elif agents_tool:
                kind = "Agents SDK tool()"
                if "errorFunction" in options and options["errorFunction"] is None:
                    if _js_range_catches(js, jc) or _js_named_catches(repo, f, options.get("execute")):
                        sites.append(ToolSite(f, jc.line, kind, True, "errorFunction: null, but execute catches its own errors"))
                    else:
                        sites.append(ToolSite(f, jc.line, kind, False, "errorFunction: null re-throws tool errors and execute does not catch them"))
                else:
                    sites.append(ToolSite(f, jc.line, kind, True, "the SDK's default errorFunction reports errors to the model"))
            elif jc.is_new and tool_node:
                if options.get("handleToolErrors") is False:
                    sites.append(ToolSite(f, jc.line, "ToolNode", False, "handleToolErrors: false: a tool error ends the run"))
                else:
                    sites.append(ToolSite(f, jc.line, "ToolNode", True, "LangGraph.js ToolNode returns tool errors to the model by default"))
            elif lg_agent:
                sites.append(ToolSite(f, jc.line, "createReactAgent()", True, "its ToolNode returns tool errors to the model by default"))
            elif mcp_tool:
                sites.append(ToolSite(f, jc.line, f"MCP tool {jc.args[0] if jc.args and isinstance(jc.args[0], str) else ''}".rstrip(), True,
                                      "the MCP server returns a thrown error to the client as an isError result"))
    return sites


def _js_range_catches(js: JsFacts, call: JsCall) -> bool:
    """Whether code written inside a call's arguments (an inline `execute`) has a try/catch."""
    return any(
        call.line <= other.line <= call.end_line and other is not call and other.in_try and not call.in_try
        for other in js.calls
    )


def _js_named_catches(repo: _Repo, f: SourceFile, execute: Any) -> bool:
    """`execute: searchDocs`: whether the named function catches."""
    name = _source(execute)
    if not re.fullmatch(r"[A-Za-z_$][\w$]*", name or ""):
        return False
    return any(b.in_try > 0 for _, b in repo.bodies_named(f.path, name))


# --- public API ------------------------------------------------------------------------------------------
def tool_sites(index: RepoIndex) -> list[ToolSite]:
    """Every place the repository runs tools, judged; sorted by file and line."""
    cached: list[ToolSite] = index.memo("tool-sites", lambda: _tool_sites(index))
    return cached


def _tool_sites(index: RepoIndex) -> list[ToolSite]:
    repo = _build(index)
    sites = _dispatch_sites(repo)
    py_sites, lc_tools, nodes = _python_framework_sites(repo)
    sites.extend(py_sites)
    if nodes:
        sites.extend(_node_sites(repo, nodes, lc_tools))
    else:  # no ToolNode: each LangChain tool decides for itself (AgentExecutor, a hand-written loop)
        sites.extend(ToolSite(t.file, t.line, f"LangChain tool {t.name}", t.isolated, t.note) for t in lc_tools)
    sites.extend(_js_framework_sites(repo))
    unique: dict[tuple[str, int, str], ToolSite] = {}
    for s in sites:
        unique.setdefault((s.file.path, s.line, s.kind), s)
    return sorted(unique.values(), key=lambda s: (s.file.path, s.line, s.kind))


def tool_scopes(index: RepoIndex) -> ToolScopes:
    """The code that runs as a tool: decorated tool functions, functions handed to agents, ToolNodes
    and tool builders, dispatchers' targets, and (one hop) the module's functions they call; in JS/TS,
    inline tool bodies and the functions they name."""
    cached: ToolScopes = index.memo("tool-scopes", lambda: _tool_scopes(index))
    return cached


_PY_TOOL_DECORATORS = _LC_TOOL_DECORATORS + _OPENAI_AGENTS_TOOL + _PYDANTIC_AI_TOOL + _MCP_TOOL
_PY_TOOL_LISTS = _TOOL_NODES + _LG_AGENTS + _LC_TOOL_BUILDERS + (
    "agents.Agent", "pydantic_ai.Agent", "smolagents.CodeAgent", "smolagents.ToolCallingAgent", "crewai.Agent",
    "langchain.agents.AgentExecutor", "langchain.agents.initialize_agent",
)


# A module of tools: `tools/refunds.py`, `agent/tools.py`, `src/tools/index.ts`.
_TOOLS_MODULE = re.compile(r"(^|/)(agent_?|llm_?)?tools(/|\.py$|\.[cm]?[jt]sx?$)", re.I)


def _tool_scopes(index: RepoIndex) -> ToolScopes:
    scopes = ToolScopes()
    agent_repo = any(True for _ in llm_calls(index)) or bool(tool_sites(index))
    for f in index.by_kind("python"):
        facts = f.python
        if is_test_path(f.path) or facts is None:
            continue
        names: set[str] = set()
        if agent_repo and _TOOLS_MODULE.search(f.path):
            names.update(fn.name for fn in facts.functions)
        for fn in facts.functions:
            if any(_matches(d, _PY_TOOL_DECORATORS) for d in fn.decorators):
                names.add(fn.name)
        for c in facts.calls:
            if _matches(c.qualname, _LC_TOOL_BUILDERS):
                names.update(_names_in(c.kwargs.get("func", c.args[0] if c.args else None), single=True))
                names.update(_names_in(c.kwargs.get("coroutine"), single=True))
            elif _matches(c.qualname, _PY_TOOL_LISTS):
                for value in [*c.args, *c.kwargs.values()]:
                    names.update(_names_in(value))
            if _DISPATCHER.match(c.function or "") and c.function:
                # `def run_tool(name, args): if name == "refund": return refund(**args)`
                names.update(n for n in facts.calls_by_function.get(c.function, set()) if n and n != "?")
        defined = {fn.name for fn in facts.functions}
        reached = set(names)
        for name in names:
            reached.update(n for n in facts.calls_by_function.get(name, set()) if n in defined)
        scopes.py_functions[f.path] = {n for n in reached if n in defined}
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if is_test_path(f.path) or js is None:
            continue
        ranges: list[tuple[int, int]] = []
        fnames: set[str] = set()
        if agent_repo and _TOOLS_MODULE.search(f.path):
            ranges.append((1, max(1, len(f.lines))))
        for jc in js.calls:
            q = jc.qualname
            options = jc.options if isinstance(jc.options, dict) else {}
            if _matches(q, _JS_TOOL_BUILDERS) or (
                _q(q).startswith("@modelcontextprotocol/sdk") and _tail(q) in ("tool", "registerTool")
            ):
                ranges.append((jc.line, jc.end_line))
                name = _source(options.get("execute"))
                if re.fullmatch(r"[A-Za-z_$][\w$]*", name or ""):
                    fnames.add(name)
            if _DISPATCHER.match(jc.function or ""):
                fnames.add(jc.function or "")
        if ranges:
            scopes.js_ranges[f.path] = ranges
        if fnames:
            scopes.js_functions[f.path] = fnames
    return scopes


def tool_failure_isolation(ctx: Context) -> Outcome:
    sites = tool_sites(ctx.index)
    if not sites:
        return outcome(Status.SKIP, "no tool execution found: the agent calls no tools, so no tool failure can end a run")
    isolated = [s for s in sites if s.isolated]
    bare = [s for s in sites if not s.isolated]
    k, n = len(isolated), len(sites)
    coverage = f"{k} of {n} tool dispatch sites {'isolates' if k == 1 else 'isolate'} failures"
    if not bare:
        return outcome(Status.PASS, f"{coverage}: a failing tool becomes a message to the model", [s.evidence() for s in isolated][:_MAX_EVIDENCE])
    if not isolated:
        return outcome(Status.FAIL, f"{coverage}: one tool exception ends the whole run", [s.evidence() for s in bare])
    room = max(0, _MAX_EVIDENCE - len(bare))
    return outcome(
        Status.WARN,
        f"{coverage}: a failing tool at the other {plural(len(bare), 'site')} ends the whole run",
        [s.evidence() for s in bare] + [s.evidence() for s in isolated][:room],
    )
