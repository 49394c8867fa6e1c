"""Where untrusted values go in one JavaScript or TypeScript module, read from its tree-sitter syntax
tree: the same questions as `python_flows`, with the same `Flow` records.

    export const shell = tool({                      // Vercel AI SDK tool: its arguments are untrusted
      execute: async ({ command }) => {
        const { stdout } = await run(`sh -c ${command}`)   // run = promisify(exec)
      },                                             // Flow(kind="shell", source="tool-argument")
    })

Scopes: a named function (declaration, method, a function bound to a name) and a tool handler
each start their own scope; an anonymous callback belongs to the scope it is written in, and
`items.map(x => ...)` / `forEach` give the callback's first parameter the receiver's taint.
Within a scope the tracing is flow-insensitive: a name is tainted when any assignment gives it a
tainted value (declarations and destructuring, assignments, `+=`, `for ... of`, template strings,
`+`, member and index access, `JSON.parse`, `await`, casts).

Sources: results of model calls (`readycheck.detectors.llm.JS_LLM_CALLS`, and an SDK method path
such as `.chat.completions.create` called with a `model`), a response's tool calls (`.tool_calls`,
`.function.arguments`, a tool call's `.args` / `.input`); the parameters of tool handlers (Vercel
AI SDK and OpenAI Agents SDK `tool({ execute })`, MCP `server.tool(name, ..., handler)` and
`server.registerTool`, LangChain.js `tool(fn, ...)` and `DynamicStructuredTool({ func })`,
dispatchers named like `runTool`); Express-style `req.body`, `req.query`, `req.params`. Parameters
typed `number` or `boolean`, and fields a zod schema declares as numbers, booleans or enums, are not
sources.

Sinks: `eval`, `new Function`, `vm.runIn*Context` (eval); `child_process.exec`/`execSync` (and
`promisify(exec)`), `spawn`/`execFile` with `shell: true` or a program chosen at run time,
`["sh", "-c", ...]`, `execa`'s `execaCommand` (shell); `.query()`, `.execute()`, `.raw()`,
`$queryRawUnsafe` with a template literal or concatenation (a tagged template such as
``sql`...${x}` `` is parameterised and fine) (sql); `fs` operations (path); `fetch`, axios, got,
`http.get` with a URL whose host is not fixed (url); `node-serialize`'s `unserialize`
(deserialize). Checks before the sink (`ALLOWED.includes(x)`, `set.has(x)`, `===`,
`x.startsWith(root)`, `/re/.test(x)`, `isAllowed(x)`) suppress a flow as in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

from tree_sitter import Node

from readycheck.parsers.js_facts import Flat, flatten
from readycheck.parsers.python_flows import FAIL_KINDS, Flow, _covers, ancestors
from readycheck.parsers.qualnames import first_match

__all__ = ["extract_js_flows"]

_Taint = tuple[str, int, str]
_Resolve = Callable[[Node], str]
# The `if` statements around a node, innermost first, as a linked list shared between siblings:
# copying a tuple per level would make deeply nested code quadratic.
_Conds = tuple[int, "_Conds"] | None


def _within(conds: _Conds, node_id: int) -> bool:
    while conds is not None:
        if conds[0] == node_id:
            return True
        conds = conds[1]
    return False

_FUNCTIONS = frozenset({
    "function_declaration", "generator_function_declaration", "function_expression", "generator_function",
    "arrow_function", "method_definition",
})
_TRANSPARENT = frozenset({
    "parenthesized_expression", "await_expression", "non_null_expression", "as_expression", "satisfies_expression",
    "type_assertion",
})
_SKIP = frozenset({
    "comment", "string", "number", "regex", "type_annotation", "type_arguments", "type_parameters",
    "interface_declaration", "type_alias_declaration", "import_statement", "hash_bang_line", "html_comment",
})
# Node kinds `_Module.visit` does something with; the walk just descends into the others.
_VISITED = _SKIP | _FUNCTIONS | frozenset({
    "variable_declarator", "assignment_expression", "augmented_assignment_expression", "for_in_statement", "pair",
    "call_expression", "new_expression", "if_statement", "expression_statement", "member_expression",
})

# --- tables ---------------------------------------------------------------------------------------------
_JS_TOOL_CALLS = ("ai.tool", "ai.dynamicTool", "@openai/agents.tool", "@langchain/core/tools.tool", "langchain/tools.tool")
_JS_TOOL_CLASSES = (
    "@langchain/core/tools.DynamicStructuredTool", "@langchain/core/tools.DynamicTool",
    "langchain/tools.DynamicStructuredTool", "langchain/tools.DynamicTool",
)
_MCP_REGISTER = frozenset({"tool", "registerTool"})
_DISPATCHER = re.compile(r"^_*(?:run|execute|exec|call|invoke|dispatch|handle|perform)_?(?:tool|function)(?:_?(?:call|use|request)s?)?$", re.I)
_SOURCE_PROPS = frozenset({"tool_calls", "toolCalls", "arguments", "args", "input", "body", "query", "params"})
_SDK_TAILS = (
    ".chat.completions.create", ".chat.completions.parse", ".responses.create", ".messages.create", ".messages.stream",
    ".models.generateContent",
)
_ITERATORS = frozenset({"map", "forEach", "filter", "flatMap", "find", "some", "every", "findLast"})
_PROPAGATORS = frozenset({
    "JSON.parse", "String", "path.join", "path.resolve", "path.normalize", "path.dirname", "node:path.join", "node:path.resolve",
    "Buffer.from", "decodeURIComponent", "decodeURI", "atob", "Object.values", "Object.entries", "Array.from", "structuredClone",
    "url.resolve", "util.format",
})
_PROPAGATING_TAILS = frozenset({"parse", "safeParse", "parseAsync", "join", "concat", "resolve"})
_SANITIZERS = frozenset({
    "Number", "parseInt", "parseFloat", "Boolean", "Math.floor", "Math.round", "Math.abs", "path.basename", "node:path.basename",
    "encodeURIComponent", "encodeURI", "shell-quote.quote", "shescape.quote", "escape-string-regexp", "sqlstring.escape",
    "mysql.escape", "pg-format", "validator.escape",
})
_SANITIZER_NAME = re.compile(r"^_?(sanitize|sanitise|escape|quote|clean|safe)", re.I)
_BOOL_METHODS = frozenset({
    "includes", "startsWith", "endsWith", "test", "has", "indexOf", "lastIndexOf", "match", "some", "every",
    "localeCompare", "exec", "length",
})
_EVAL = frozenset({
    "eval", "vm.runInNewContext", "vm.runInThisContext", "vm.runInContext", "vm.compileFunction", "vm.Script",
    "node:vm.runInNewContext", "node:vm.runInThisContext", "node:vm.Script",
})
_SHELL_ALWAYS = frozenset({"child_process.exec", "child_process.execSync", "execa.execaCommand", "execa.execaCommandSync", "shelljs.exec"})
_SHELL_MAYBE = frozenset({
    "child_process.spawn", "child_process.spawnSync", "child_process.execFile", "child_process.execFileSync",
    "child_process.fork", "execa.execa", "execa.execaSync", "execa", "cross-spawn",
})
_SHELLS = frozenset({"sh", "bash", "zsh", "/bin/sh", "/bin/bash", "cmd", "cmd.exe", "powershell", "pwsh", "node", "python", "python3"})
_SHELL_FLAGS = frozenset({"-c", "/c", "-e", "-Command", "-lc", "--eval"})
_SQL_METHODS = frozenset({"query", "execute", "raw", "$queryRawUnsafe", "$executeRawUnsafe", "unsafe", "prepare", "exec", "run", "all", "get", "sql"})
_SQL_ALWAYS = frozenset({"$queryRawUnsafe", "$executeRawUnsafe", "unsafe", "raw"})
_DB_RECEIVER = re.compile(r"(^|[._])(db|pool|client|conn|connection|knex|sequelize|prisma|pg|mysql|database|tx|trx|sqlite|sql|cursor)s?($|[._\d])", re.I)
_DB_MODULES = (
    "pg", "mysql", "mysql2", "better-sqlite3", "sqlite3", "@prisma/client", "knex", "postgres", "@neondatabase",
    "@vercel/postgres", "@planetscale", "duckdb", "sequelize", "kysely",
)
_SQL_TEXT = re.compile(r"\b(select\s+.+\s+from|insert\s+into|update\s+\S+\s+set|delete\s+from|drop\s+table|create\s+table|where\s+\S+\s*(=|like|in))", re.I | re.S)
_FS_MODULES = ("fs", "fs/promises", "fs.promises", "fs-extra", "graceful-fs")
_FS_TAILS = frozenset({
    "readFile", "readFileSync", "writeFile", "writeFileSync", "appendFile", "appendFileSync", "unlink", "unlinkSync", "rm", "rmSync",
    "rmdir", "rmdirSync", "readdir", "readdirSync", "createReadStream", "createWriteStream", "rename", "renameSync", "copyFile",
    "copyFileSync", "cp", "cpSync", "mkdir", "mkdirSync", "open", "openSync", "opendir", "remove", "removeSync", "outputFile",
    "readJson", "writeJson", "emptyDir", "move", "copy", "symlink", "chmod", "truncate",
})
_FS_TWO = frozenset({"rename", "renameSync", "copyFile", "copyFileSync", "cp", "cpSync", "move", "copy", "symlink"})
_FS_DELETE = frozenset({"unlink", "unlinkSync", "rm", "rmSync", "rmdir", "rmdirSync", "remove", "removeSync", "emptyDir"})
_HTTP = (
    "fetch", "node-fetch", "undici.fetch", "undici.request", "cross-fetch", "axios", "got", "ky", "http.get",
    "http.request", "https.get", "https.request", "superagent",
)
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "request", "options"})
_FIXED_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://[^/?#]+[/?#]|/)", re.I)
_DESERIALIZE = frozenset({"node-serialize.unserialize", "serialize-to-js.deserialize", "v8.deserialize", "funcster.deepDeserialize"})
_SHELL_TOOL_NAME = re.compile(
    r"(^|[_\-\s]|(?<=[a-z])(?=[A-Z]))(shell|bash|terminal|powershell|(run|exec|execute)[_\-]?(command|cmd|shell|bash|script|code|python|sh)s?|"
    r"(command|shell|code|python)[_\-]?(exec|execute|executor|run|runner)|repl)($|[_\-\s]|(?=[A-Z]))",
    re.I,
)
_APPROVAL_CALL = re.compile(r"confirm|approv|askHuman|ask_human|askUser|humanReview|interrupt|authori[sz]e|consent|requireApproval|promptUser", re.I)
_PAYMENT = re.compile(r"^stripe(\(\))?\.(paymentIntents|refunds|charges|payouts|transfers|subscriptions|invoices)\.(create|confirm|capture|pay|cancel|del)$")
_EMAIL_TAILS = frozenset({"sendMail", "sendEmail", "send_email"})


# Text any module with a source must contain (a model SDK, a tool, an MCP server, a web request):
# a module without it is skipped before its tree is walked.
_SOURCE_HINT = re.compile(
    rb"openai|anthropic|[\"']ai[\"']|@ai-sdk|@google/genai|generative-ai|modelcontextprotocol|langchain|[Tt]ool|"
    rb"\breq\b|[Rr]equest|completions|generateText|streamText"
)
# Its literal alternatives, which `in` finds much faster than the pattern scans a large bundle.
_SOURCE_WORDS = (
    b"openai", b"anthropic", b"@ai-sdk", b"@google/genai", b"generative-ai", b"modelcontextprotocol", b"langchain",
    b"Tool", b"tool", b"Request", b"request", b"completions", b"generateText", b"streamText",
)
_LLM: tuple[str, ...] | None = None


def _may_hold_source(src: bytes) -> bool:
    """`_SOURCE_HINT.search(src)`, answered by the literal words where they decide it."""
    if any(word in src for word in _SOURCE_WORDS):
        return True
    # What is left of the pattern, `["']ai["']` and `\breq\b`, needs "ai" or "req".
    return (b"ai" in src or b"req" in src) and _SOURCE_HINT.search(src) is not None


def _llm_patterns(qualname: str) -> bool:
    """Whether a call is a model call (JS_LLM_CALLS of readycheck.detectors.llm, imported on first use)."""
    global _LLM
    if _LLM is None:
        from readycheck.detectors.llm import JS_LLM_CALLS

        _LLM = tuple(JS_LLM_CALLS)
    return first_match(qualname, _LLM) is not None


def _row(node: Node) -> int:
    return node.start_point.row + 1


def _unwrap(node: Node) -> Node:
    while node.type in _TRANSPARENT:
        inner = next((c for c in node.named_children if c.type not in ("type_arguments", "comment", "type_annotation")), None)
        if inner is None:
            break
        node = inner
    return node


def _plain(q: str) -> str:
    q = q.replace("()", "")
    return q[5:] if q.startswith("node:") else q


@dataclass
class _Guard:
    line: int
    paths: set[str]
    exact: bool
    node: Node | None  # an `if` that guards what it contains


@dataclass
class _Scope:
    name: str | None
    node: Node | None  # the function, or None for the module
    tool: str | None = None  # how it is a tool ("AI SDK tool()"), when it is one
    tool_name: str = ""
    tool_line: int = 0
    tool_sink: str = ""
    approved: bool = False
    safe: set[str] = field(default_factory=set)  # schema fields that admit no text
    maybe_source: bool = False  # holds a model call, a tool-call read or a request read
    events: list[tuple[str, Node, Node, int]] = field(default_factory=list)  # (how, target, value, line)
    calls: list[tuple[Node, _Conds]] = field(default_factory=list)  # (call, the ifs around it)
    guards: list[_Guard] = field(default_factory=list)
    params: dict[str, _Taint] = field(default_factory=dict)
    tainted: dict[str, _Taint] = field(default_factory=dict)
    deps: dict[str, set[str]] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)


class _Module:
    def __init__(self, root: Node, src: bytes, resolve: _Resolve) -> None:
        self.root = root
        self.src = src
        self._resolve = resolve
        self.memo: dict[int, str] = {}
        self.scopes: list[_Scope] = []
        self.handlers: dict[int, tuple[str, str, int, str, bool, set[str]]] = {}  # function id -> tool facts
        self.named_fns: dict[str, Node] = {}
        self.named_refs: list[tuple[str, tuple[str, str, int, str, bool, set[str]]]] = []  # `execute: runShell`
        self.shell_aliases: dict[str, str] = {}  # `const run = promisify(exec)`
        self.consts: dict[str, str] = {}  # `const NAME = "run_shell"`
        self.llm_ids: set[int] = set()  # calls that ask a model
        self.records: list[Flow] = []

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def short(self, node: Node, limit: int = 50) -> str:
        s = " ".join(self.text(node)[: limit * 4].split())
        return s if len(s) <= limit else s[: limit - 3] + "..."

    def q(self, node: Node) -> str:
        hit = self.memo.get(node.id)
        if hit is None:
            try:
                hit = self._resolve(node)
            except Exception:  # pragma: no cover - resolve never raises on a parsed tree
                hit = "?"
            self.memo[node.id] = hit
        return hit

    def string(self, node: Node | None) -> str | None:
        if node is None:
            return None
        node = _unwrap(node)
        if node.type == "string":
            return self.text(node)[1:-1]
        if node.type == "template_string" and not any(c.type == "template_substitution" for c in node.named_children):
            return self.text(node)[1:-1]
        return None

    # --- the walk ------------------------------------------------------------------------------------
    def walk(self, flat: Flat | None = None) -> None:
        module = _Scope(None, None)
        self.scopes.append(module)
        if flat is None or not flat.nodes or flat.nodes[0].id != self.root.id:
            flat = flatten(self.root)
        nodes, types, named, ends = flat.nodes, flat.types, flat.named, flat.ends
        # Pre-order over the named nodes that have children (leaves hold nothing to trace);
        # states holds (end of a subtree, (scope, the ifs around, name hint) inside it).
        states: list[tuple[int, tuple[_Scope, _Conds, str | None]]] = []
        inner = self.visit(nodes[0], module, None, None, True)
        if inner is None:
            return
        states.append((ends[0], inner))
        i, stop = 1, ends[0]
        while i < stop:
            while i >= states[-1][0]:
                states.pop()
            if not named[i]:
                i = ends[i]
                continue
            state = states[-1][1]
            if types[i] not in _VISITED:  # the common case: descend, without a name hint
                if state[2] is not None:
                    states.append((ends[i], (state[0], state[1], None)))
                i += 1
                continue
            inner = self.visit(nodes[i], *state, False)
            if inner is None:
                i = ends[i]
            else:
                states.append((ends[i], inner))
                i += 1

    def visit(self, node: Node, scope: _Scope, conds: _Conds, hint: str | None, root: bool) -> tuple[_Scope, _Conds, str | None] | None:
        """Events, calls and checks at one node: the state for its children, or None to skip them."""
        t = node.type
        if t in _SKIP:
            return None
        if t in _FUNCTIONS and not root:
            scope = self.function(node, scope, hint)
            return scope, None if scope.node is node else conds, None
        hint_for_children: str | None = None
        if t == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None:
                scope.events.append(("assign", name, value, _row(node)))
                if name.type == "identifier":
                    hint_for_children = self.text(name)
                    literal = self.string(value)
                    if literal is not None:
                        self.consts.setdefault(hint_for_children, literal)
                    if _unwrap(value).type in _FUNCTIONS:
                        self.named_fns[self.text(name)] = _unwrap(value)
                    self.promisified(self.text(name), value)
        elif t in ("assignment_expression", "augmented_assignment_expression"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                scope.events.append(("assign", left, right, _row(node)))
                if left.type in ("identifier", "member_expression"):
                    hint_for_children = self.text(left).rsplit(".", 1)[-1]
        elif t == "for_in_statement":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                scope.events.append(("iter", left, right, _row(node)))
        elif t == "pair":
            key = node.child_by_field_name("key")
            hint_for_children = self.text(key) if key is not None else None
        elif t in ("call_expression", "new_expression"):
            scope.calls.append((node, conds))
            self.call(node, scope)
        elif t == "if_statement":
            cond = node.child_by_field_name("condition")
            if cond is not None:
                body = node.child_by_field_name("consequence")
                self.check(scope, cond, _row(node), node)
                if body is not None and self.stops(body) and self.negative(cond):
                    self.check(scope, cond, _row(node), None)
            conds = (node.id, conds)
        elif t == "expression_statement":
            inner = node.named_children[0] if node.named_children else None
            if inner is not None and _unwrap(inner).type == "call_expression":
                self.validator(scope, _unwrap(inner))
        elif t == "member_expression":
            prop = node.child_by_field_name("property")
            if prop is not None and self.text(prop) in _SOURCE_PROPS:
                scope.maybe_source = True
        return scope, conds, hint_for_children

    def function(self, node: Node, outer: _Scope, hint: str | None) -> _Scope:
        tool = self.handlers.get(node.id)
        name: str | None = None
        if node.type in ("function_declaration", "generator_function_declaration"):
            n = node.child_by_field_name("name")
            name = self.text(n) if n is not None else None
            if name:
                self.named_fns.setdefault(name, node)
        elif node.type == "method_definition":
            name = self.text(node.child_by_field_name("name")) or None
        elif hint is not None and tool is None:
            name = hint
        if tool is None and name is None:
            own = node.child_by_field_name("name")
            if own is not None:
                name = self.text(own)
        if tool is None and name is None:
            return outer  # an anonymous callback: part of the scope it is written in
        scope = _Scope(name or (tool[1] if tool else None), node)
        if tool is not None:
            scope.tool, scope.tool_name, scope.tool_line, scope.tool_sink, scope.approved, scope.safe = tool
        elif name and _DISPATCHER.match(name):
            scope.tool, scope.tool_name, scope.tool_line, scope.tool_sink = "a tool dispatcher", name, _row(node), name
        self.scopes.append(scope)
        return scope

    def promisified(self, name: str, value: Node) -> None:
        value = _unwrap(value)
        if value.type != "call_expression":
            return
        func, args = value.child_by_field_name("function"), value.child_by_field_name("arguments")
        if func is None or args is None or _plain(self.q(func)).rsplit(".", 1)[-1] != "promisify":
            return
        inner = next((a for a in args.named_children if a.type != "comment"), None)
        if inner is not None and _plain(self.q(inner)) in _SHELL_ALWAYS | _SHELL_MAYBE:
            self.shell_aliases[name] = _plain(self.q(inner))

    # --- tool registrations ------------------------------------------------------------------------
    def llm_call(self, q: str, args: Node | None) -> bool:
        if _llm_patterns(q):
            return True
        if q.endswith(_SDK_TAILS) and args is not None:
            first = next((a for a in args.named_children if a.type == "object"), None)
            return first is not None and re.search(r"\bmodel\s*:", self.text(first)) is not None
        return False

    def call(self, node: Node, scope: _Scope) -> None:
        is_new = node.type == "new_expression"
        func = node.child_by_field_name("constructor" if is_new else "function")
        args_node = node.child_by_field_name("arguments")
        if func is None or args_node is None or args_node.type != "arguments":
            return
        args = [a for a in args_node.named_children if a.type != "comment"]
        q = _plain(self.q(func))
        if self.llm_call(q, args_node):
            self.llm_ids.add(node.id)
            scope.maybe_source = True
        tail = q.rsplit(".", 1)[-1]
        options = next((_unwrap(a) for a in args if _unwrap(a).type == "object"), None)
        handler: Node | None = None
        label = ""
        name = ""
        if any(q == p for p in _JS_TOOL_CALLS) and options is not None and args and _unwrap(args[0]).type == "object":
            handler = self.prop(options, "execute")
            label = "AI SDK tool()" if q.startswith("ai.") else "Agents SDK tool()"
            name = self.string(self.prop(options, "name")) or self.owner_name(node)
        elif q.startswith(("@langchain/core/tools.tool", "langchain/tools.tool")) and args and _unwrap(args[0]).type in _FUNCTIONS:
            handler = _unwrap(args[0])
            label = "LangChain tool()"
            name = (self.string(self.prop(options, "name")) if options is not None else None) or self.owner_name(node)
        elif is_new and any(q == p for p in _JS_TOOL_CLASSES) and options is not None:
            handler = self.prop(options, "func")
            label = f"{tail}()"
            name = self.string(self.prop(options, "name")) or self.owner_name(node)
        elif tail in _MCP_REGISTER and len(args) >= 2 and (
            "McpServer" in q or "@modelcontextprotocol" in q or re.search(r"server|mcp", self.text(func).rsplit(".", 1)[0], re.I)
        ):
            last = _unwrap(args[-1])
            if last.type in _FUNCTIONS or last.type == "identifier":
                handler = last
                label = f"MCP {self.text(func)}()"
                first = _unwrap(args[0])
                name = self.string(first) or (self.consts.get(self.text(first), "") if first.type == "identifier" else "")
        if handler is None:
            self.exposed_filesystem(node, q, args)
            return
        handler = _unwrap(handler)
        approved = options is not None and self.truthy(self.prop(options, "needsApproval"))
        safe = self.safe_fields(options) if options is not None else set()
        facts = (label, name, _row(node), q, approved, safe)
        if handler.type in _FUNCTIONS:
            self.handlers[handler.id] = facts
        elif handler.type == "identifier":
            self.named_refs.append((self.text(handler), facts))

    def prop(self, obj: Node, key: str) -> Node | None:
        for child in obj.named_children:
            if child.type == "pair":
                k = child.child_by_field_name("key")
                if k is not None and self.text(k).strip("\"'") == key:
                    return child.child_by_field_name("value")
            elif child.type == "shorthand_property_identifier" and self.text(child) == key:
                return child
            elif child.type == "method_definition":
                k = child.child_by_field_name("name")
                if k is not None and self.text(k) == key:
                    return child
        return None

    def truthy(self, node: Node | None) -> bool:
        if node is None:
            return False
        node = _unwrap(node)
        return node.type not in ("false", "null", "undefined")

    def owner_name(self, node: Node) -> str:
        """The name a tool is bound to: `const runShell = tool(...)`, `{ runShell: tool(...) }`."""
        parent = node.parent
        while parent is not None and parent.type in _TRANSPARENT:
            parent = parent.parent
        if parent is None:
            return ""
        if parent.type == "variable_declarator":
            return self.text(parent.child_by_field_name("name"))
        if parent.type == "pair":
            return self.text(parent.child_by_field_name("key")).strip("\"'")
        return ""

    def safe_fields(self, options: Node) -> set[str]:
        """Fields a zod schema types as numbers, booleans or enums: `z.object({ n: z.number() })`."""
        out: set[str] = set()
        schema = self.prop(options, "parameters") or self.prop(options, "inputSchema") or self.prop(options, "schema")
        if schema is None:
            return out
        stack = [schema]
        while stack:
            cur = stack.pop()
            if cur.type == "pair":
                key, value = cur.child_by_field_name("key"), cur.child_by_field_name("value")
                if key is not None and value is not None and re.search(r"\bz\.(number|boolean|enum|literal|nativeEnum|bigint|date)\(", self.text(value)) and not re.search(r"z\.(string|any|unknown|object|array|record)\(", self.text(value)):
                    out.add(self.text(key).strip("\"'"))
                continue
            stack.extend(cur.named_children)
        return out

    def exposed_filesystem(self, node: Node, q: str, args: list[Node]) -> None:
        """An MCP file-system server started with `/` or `~` as its root."""
        if "StdioClientTransport" not in q and "StdioServerParameters" not in q and "MCPServerStdio" not in q:
            return
        text = self.text(node)
        if "server-filesystem" not in text:
            return
        m = re.search(r"server-filesystem[\"']\s*,\s*[\"'](/|~|~/|\$HOME)[\"']\s*[,\]]", text)
        if m:
            self.records.append(Flow("exposed-filesystem", q, _row(node), "tool", _row(node), None,
                                     f"MCP file-system server rooted at {m.group(1)!r}: the model can reach the whole file system"))

    # --- checks ------------------------------------------------------------------------------------------
    @staticmethod
    def stops(body: Node) -> bool:
        """The branch leaves: a `return`, `throw`, `continue` or `break` among its own statements."""
        exits = ("return_statement", "throw_statement", "continue_statement", "break_statement")
        if body.type in exits:
            return True
        return body.type == "statement_block" and any(c.type in exits for c in body.named_children)

    def negative(self, cond: Node) -> bool:
        cond = _unwrap(cond)
        if cond.type == "unary_expression" and self.text(cond.child_by_field_name("operator")) == "!":
            return True
        if cond.type == "binary_expression":
            op = self.text(cond.child_by_field_name("operator"))
            if op in ("!==", "!="):
                return True
            if op in ("||", "&&"):
                return any(self.negative(c) for c in (cond.child_by_field_name("left"), cond.child_by_field_name("right")) if c is not None)
        return False

    def check(self, scope: _Scope, cond: Node, line: int, node: Node | None) -> None:
        stack = [cond]
        while stack:
            cur = stack.pop()
            t = cur.type
            if t == "binary_expression":
                op = self.text(cur.child_by_field_name("operator"))
                left, right = cur.child_by_field_name("left"), cur.child_by_field_name("right")
                if op in ("===", "!==", "==", "!=") and left is not None and right is not None:
                    for side in (left, right):
                        if _unwrap(side).type not in ("string", "number", "null", "undefined", "true", "false", "template_string"):
                            scope.guards.append(_Guard(line, self.paths(side), True, node))
                elif op == "in" and left is not None:
                    scope.guards.append(_Guard(line, self.paths(left), True, node))
            elif t == "call_expression":
                func = cur.child_by_field_name("function")
                args = cur.child_by_field_name("arguments")
                arg_nodes = [a for a in (args.named_children if args is not None else []) if a.type != "comment"]
                if func is not None and func.type == "member_expression":
                    prop = self.text(func.child_by_field_name("property"))
                    obj = func.child_by_field_name("object")
                    if prop in ("includes", "has") and arg_nodes and obj is not None and _unwrap(obj).type != "string":
                        scope.guards.append(_Guard(line, self.paths(arg_nodes[0]), True, node))
                    elif prop == "startsWith" and obj is not None:
                        scope.guards.append(_Guard(line, self.paths(obj), False, node))
                    elif prop == "test" and arg_nodes:
                        anchored = obj is not None and self.text(obj).startswith("/^") and self.text(obj).rstrip("gimsuy").endswith("$/")
                        scope.guards.append(_Guard(line, self.paths(arg_nodes[0]), anchored, node))
                name = self.text(func).rsplit(".", 1)[-1] if func is not None else ""
                if re.search(r"allow|permit|valid|safe|trusted|whitelist|allowlist", name, re.I) and arg_nodes:
                    scope.guards.append(_Guard(line, set().union(*(self.paths(a) for a in arg_nodes)), False, node))
            if t in _FUNCTIONS:
                continue
            stack.extend(cur.named_children)

    def validator(self, scope: _Scope, call: Node) -> None:
        func = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        if func is None or args is None:
            return
        name = self.text(func).rsplit(".", 1)[-1]
        if re.match(r"^_?(validate|check|ensure|assert|verify|require|guard|enforce)", name, re.I) or re.search(r"allow|permit|safe|trusted", name, re.I):
            paths: set[str] = set()
            for a in args.named_children:
                paths |= self.paths(a)
            if paths:
                scope.guards.append(_Guard(_row(call), paths, bool(re.search(r"allow|whitelist|allowlist", name, re.I)), None))

    # --- access paths ---------------------------------------------------------------------------------
    def access(self, node: Node) -> str | None:
        node = _unwrap(node)
        t = node.type
        if t in ("identifier", "this", "shorthand_property_identifier", "shorthand_property_identifier_pattern"):
            return self.text(node)
        if t == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            base = self.access(obj) if obj is not None else None
            return f"{base}.{self.text(prop)}" if base is not None and prop is not None else None
        if t == "subscript_expression":
            obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
            base = self.access(obj) if obj is not None else None
            if base is None:
                return None
            key = self.string(index) if index is not None else None
            if key is not None:
                return f"{base}[{key!r}]"
            if index is not None and index.type == "number":
                return f"{base}[{self.text(index)}]"
            return base
        return None

    def paths(self, node: Node | None) -> set[str]:
        out: set[str] = set()
        if node is None:
            return out
        stack = [node]
        while stack:
            cur = _unwrap(stack.pop())
            if cur.type in ("identifier", "member_expression", "subscript_expression", "this"):
                path = self.access(cur)
                if path is not None:
                    out.add(path)
                    if cur.type == "subscript_expression":
                        index = cur.child_by_field_name("index")
                        if index is not None:
                            stack.append(index)
                    continue
            if cur.type in _FUNCTIONS:
                continue
            if cur.type == "call_expression":
                func = cur.child_by_field_name("function")
                if func is not None and func.type == "member_expression":
                    obj = func.child_by_field_name("object")
                    if obj is not None:
                        stack.append(obj)
                args = cur.child_by_field_name("arguments")
                if args is not None:
                    stack.extend(args.named_children)
                continue
            stack.extend(cur.named_children)
        return out

    # --- the per-scope analysis ------------------------------------------------------------------------
    def analyse(self) -> list[Flow]:
        for name, facts in self.named_refs:
            fn = self.named_fns.get(name)
            if fn is not None:
                scope = next((s for s in self.scopes if s.node is not None and s.node.id == fn.id), None)
                if scope is not None and scope.tool is None:
                    scope.tool, scope.tool_name, scope.tool_line, scope.tool_sink, scope.approved, scope.safe = facts
                    scope.tool_name = scope.tool_name or name
        flows: list[Flow] = list(self.records)
        for scope in self.scopes:
            _Analysis(self, scope).run()
            flows.extend(scope.flows)
        return flows


class _Analysis:
    def __init__(self, m: _Module, scope: _Scope) -> None:
        self.m = m
        self.s = scope

    def run(self) -> None:
        self.params()
        if self.s.params or self.s.maybe_source:  # otherwise nothing here can be tainted
            self.events()
            self.propagate()
            self.sinks()
        self.records()

    # --- sources ------------------------------------------------------------------------------------------
    def params(self) -> None:
        s = self.s
        if s.tool is None or s.node is None:
            return
        params = s.node.child_by_field_name("parameters") or s.node.child_by_field_name("parameter")
        if params is None:
            return
        nodes = [params] if params.type == "identifier" else [p for p in params.named_children if p.type != "comment"]
        if s.tool.startswith("MCP") and len(nodes) > 1:
            nodes = nodes[:1]  # (args, extra): the second is the request context
        for p in nodes:
            pattern = p.child_by_field_name("pattern") if p.type in ("required_parameter", "optional_parameter") else p
            if pattern is None:
                continue
            ann = p.child_by_field_name("type")
            if ann is not None and re.fullmatch(r":\s*(number|boolean|bigint)", self.m.text(ann).strip()):
                continue
            for local in self.pattern_names(pattern):
                if local in s.safe:
                    continue
                s.params[local] = ("tool-argument", _row(p), f"parameter `{local}` of tool {s.tool_name or s.name or 'handler'}")
        s.tainted.update(s.params)

    def pattern_names(self, pattern: Node) -> list[str]:
        t = pattern.type
        if t in ("identifier", "shorthand_property_identifier_pattern"):
            return [self.m.text(pattern)]
        if t == "assignment_pattern":
            left = pattern.child_by_field_name("left")
            return self.pattern_names(left) if left is not None else []
        if t == "object_assignment_pattern":
            left = pattern.child_by_field_name("left")
            return self.pattern_names(left) if left is not None else []
        if t == "pair_pattern":
            value = pattern.child_by_field_name("value")
            return self.pattern_names(value) if value is not None else []
        if t in ("object_pattern", "array_pattern", "rest_pattern"):
            return [n for c in pattern.named_children for n in self.pattern_names(c)]
        return []

    def events(self) -> None:
        """Callbacks of `xs.map(x => ...)` and `forEach` iterate the receiver."""
        s = self.s
        for call, _ in s.calls:
            func = call.child_by_field_name("function")
            args = call.child_by_field_name("arguments")
            if func is None or args is None or func.type != "member_expression":
                continue
            if self.m.text(func.child_by_field_name("property")) not in _ITERATORS:
                continue
            cb = next((a for a in args.named_children if a.type in _FUNCTIONS), None)
            obj = func.child_by_field_name("object")
            if cb is None or obj is None:
                continue
            params = cb.child_by_field_name("parameters") or cb.child_by_field_name("parameter")
            if params is None:
                continue
            first = params if params.type == "identifier" else next((p for p in params.named_children if p.type != "comment"), None)
            if first is not None:
                pattern = first.child_by_field_name("pattern") if first.type in ("required_parameter", "optional_parameter") else first
                if pattern is not None:
                    s.events.append(("iter", pattern, obj, _row(call)))

    def target_keys(self, target: Node) -> list[str]:
        t = target.type
        if t in ("object_pattern", "array_pattern"):
            return self.pattern_names(target)
        if t == "subscript_expression":
            obj = target.child_by_field_name("object")
            key = self.m.access(obj) if obj is not None else None
            return [key] if key else []
        if t == "lexical_declaration":
            return [k for c in target.named_children for k in self.target_keys(c.child_by_field_name("name") or c)]
        key = self.m.access(target)
        return [key] if key else []

    def propagate(self) -> None:
        s = self.s
        for how, target, value, _ in s.events:
            deps = self.m.paths(value)
            for key in self.target_keys(target):
                s.deps.setdefault(key, set()).update(deps)
        for _ in range(8):
            changed = False
            for how, target, value, line in s.events:
                taint = self.taint(value)
                if taint is None:
                    continue
                for key in self.target_keys(target):
                    if key not in s.tainted or taint[1] < s.tainted[key][1]:  # the earliest entry point wins
                        s.tainted[key] = taint
                        changed = True
            if not changed:
                break

    def taint(self, node: Node, depth: int = 0) -> _Taint | None:
        if depth > 40:
            return None
        d = depth + 1
        node = _unwrap(node)
        t = node.type
        s = self.s
        if t in ("identifier", "shorthand_property_identifier"):
            return s.tainted.get(self.m.text(node))
        if t in ("member_expression", "subscript_expression"):
            key = self.m.access(node)
            if key is not None and key in s.tainted:
                return s.tainted[key]
            obj = node.child_by_field_name("object")
            inner = self.taint(obj, d) if obj is not None else None
            return inner or self.attr_source(node)
        if t in ("call_expression", "new_expression"):
            return self.call_taint(node, d)
        if t == "template_string":
            for c in node.named_children:
                if c.type == "template_substitution":
                    for e in c.named_children:
                        hit = self.taint(e, d)
                        if hit is not None:
                            return hit
            return None
        if t == "binary_expression":
            op = self.m.text(node.child_by_field_name("operator"))
            if op in ("+", "||", "??", "&&"):
                for side in ("left", "right"):
                    operand = node.child_by_field_name(side)
                    hit = self.taint(operand, d) if operand is not None else None
                    if hit is not None:
                        return hit
            return None
        if t == "ternary_expression":
            for side in ("consequence", "alternative"):
                branch = node.child_by_field_name(side)
                hit = self.taint(branch, d) if branch is not None else None
                if hit is not None:
                    return hit
            return None
        if t in ("object", "array", "spread_element", "pair", "arguments"):
            for c in node.named_children:
                item = (c.child_by_field_name("value") or c) if c.type == "pair" else c
                hit = self.taint(item, d)
                if hit is not None:
                    return hit
        return None

    def attr_source(self, node: Node) -> _Taint | None:
        if node.type == "member_expression":
            prop = self.m.text(node.child_by_field_name("property"))
            obj = node.child_by_field_name("object")
            base = self.m.text(obj) if obj is not None else ""
            last = re.split(r"[.\]]", base)[-1] if base else ""
            if prop in ("tool_calls", "toolCalls") or (prop == "arguments" and base.endswith("function")):
                return ("llm-output", _row(node), self.m.short(node))
            if prop in ("args", "input", "arguments") and re.search(r"tool|block|call|^tc$", last, re.I):
                return ("llm-output", _row(node), self.m.short(node))
            if prop in ("body", "query", "params") and last in ("req", "request", "ctx.request"):
                return ("request-input", _row(node), self.m.short(node))
        return None

    def call_taint(self, node: Node, depth: int) -> _Taint | None:
        is_new = node.type == "new_expression"
        func = node.child_by_field_name("constructor" if is_new else "function")
        args_node = node.child_by_field_name("arguments")
        if func is None:
            return None
        q = _plain(self.m.q(func))
        if node.id in self.m.llm_ids:
            return ("llm-output", _row(node), self.m.short(func) + "()")
        if q in _SANITIZERS or _SANITIZER_NAME.match(self.m.text(func).rsplit(".", 1)[-1]):
            return None
        args = [a for a in (args_node.named_children if args_node is not None else []) if a.type != "comment"]
        if func.type == "member_expression":
            method = self.m.text(func.child_by_field_name("property"))
            if method in _BOOL_METHODS:
                return None
            obj = func.child_by_field_name("object")
            hit = self.taint(obj, depth) if obj is not None else None
            if hit is not None:
                return hit
        tail = q.rsplit(".", 1)[-1]
        if q in _PROPAGATORS or tail in _PROPAGATING_TAILS or (is_new and tail in ("URL", "Request")):
            for a in args:
                hit = self.taint(a, depth)
                if hit is not None:
                    return hit
        return None

    # --- guards ------------------------------------------------------------------------------------------
    def ancestors(self, path: str) -> set[str]:
        """What a value was made from, transitively (bounded): `args['cmd']` <- `tc.function.arguments`."""
        return ancestors(self.s.deps, path)

    def guarded(self, arg: Node, call: Node, conds: _Conds, exact_only: bool) -> bool:
        sink = self.m.paths(arg)
        if not sink:
            return False
        related = set(sink)
        for p in sink:
            related |= self.ancestors(p)
        for g in self.s.guards:
            if exact_only and not g.exact:
                continue
            if g.node is not None and not _within(conds, g.node.id):
                continue
            if g.node is None and g.line > _row(call):
                continue
            for gp in g.paths:
                if any(_covers(gp, p) for p in related) or any(_covers(a, p) for a in self.ancestors(gp) for p in sink):
                    return True
        return False

    # --- sinks -------------------------------------------------------------------------------------------
    def sinks(self) -> None:
        for call, conds in self.s.calls:
            for kind, arg, detail, sink in self.sink_of(call):
                taint = self.taint(arg)
                if taint is None:
                    continue
                if kind == "url" and self.fixed_host(arg):
                    continue
                if self.guarded(arg, call, conds, exact_only=kind in FAIL_KINDS):
                    continue
                self.s.flows.append(Flow(kind, sink, _row(call), taint[0], taint[1], self.s.name, detail, taint[2]))
                break

    def fixed_host(self, arg: Node, depth: int = 0) -> bool:
        arg = _unwrap(arg)
        if arg.type == "identifier":
            name = self.m.text(arg)
            values = [v for how, t, v, _ in self.s.events if how == "assign" and t.type == "identifier" and self.m.text(t) == name]
            return depth < 4 and bool(values) and all(self.fixed_host(v, depth + 1) for v in values)
        if arg.type == "template_string":
            pieces = [c for c in arg.named_children if c.type != "escape_sequence"]
            lead = ""
            for c in pieces:
                if c.type == "string_fragment":
                    lead += self.m.text(c)
                else:
                    break
            if _FIXED_HOST.match(lead):
                return True
            if len(pieces) >= 2 and pieces[0].type == "template_substitution" and pieces[1].type == "string_fragment":
                inner = pieces[0].named_children
                return bool(inner) and self.taint(inner[0]) is None and self.m.text(pieces[1]).startswith("/")
            return False
        if arg.type == "binary_expression":
            left = arg.child_by_field_name("left")
            while left is not None and left.type == "binary_expression":
                left = left.child_by_field_name("left")
            value = self.m.string(left) if left is not None else None
            return value is not None and bool(_FIXED_HOST.match(value))
        if arg.type == "new_expression":  # new URL(path, BASE)
            args = arg.child_by_field_name("arguments")
            items = [a for a in (args.named_children if args is not None else []) if a.type != "comment"]
            return len(items) >= 2 and self.taint(items[1]) is None and (self.m.string(items[0]) or "").startswith("/")
        return False

    def sink_of(self, call: Node) -> Iterator[tuple[str, Node, str, str]]:
        is_new = call.type == "new_expression"
        func = call.child_by_field_name("constructor" if is_new else "function")
        args_node = call.child_by_field_name("arguments")
        if func is None or args_node is None or args_node.type != "arguments":
            return  # a tagged template (sql`...${x}`) is parameterised
        args = [a for a in args_node.named_children if a.type != "comment"]
        if not args:
            return
        written = self.m.text(func)
        q = _plain(self.m.q(func))
        if func.type == "identifier" and written in self.m.shell_aliases:
            q = self.m.shell_aliases[written]
        tail = q.rsplit(".", 1)[-1]
        first = args[0]
        if (q in _EVAL and not is_new) or (is_new and q in ("Function", "vm.Script")):
            for a in (args if q == "Function" else args[:1]):
                yield "eval", a, f"new {q}()" if is_new else f"{q}()", q
            return
        if q in _SHELL_ALWAYS:
            how = f"promisify({q.rsplit('.', 1)[-1]}): " if func.type == "identifier" and written in self.m.shell_aliases else ""
            yield "shell", first, f"{written}() ({how}{q} runs a shell)", q
            return
        if q in _SHELL_MAYBE:
            options = next((_unwrap(a) for a in args[1:] if _unwrap(a).type == "object"), None)
            shell = options is not None and self.m.truthy(self.m.prop(options, "shell"))
            if shell:
                for a in args[:2]:
                    yield "shell", a, f"{written}(..., {{ shell: true }})", q
                return
            program = self.m.string(first)
            if program is None:
                yield "shell", first, f"{written}() with the program chosen at run time", q
                return
            if program.rsplit("/", 1)[-1] in _SHELLS and len(args) > 1 and _unwrap(args[1]).type == "array":
                items = [c for c in _unwrap(args[1]).named_children if c.type != "comment"]
                if any(self.m.string(c) in _SHELL_FLAGS for c in items):
                    for c in items:
                        if self.m.string(c) is None:
                            yield "shell", c, f"{written}({program!r}, ['-c', ...])", q
            return
        if func.type == "member_expression" and tail in _SQL_METHODS:
            obj = func.child_by_field_name("object")
            receiver = self.m.text(obj) if obj is not None else ""
            query = _unwrap(first)
            built = query.type in ("template_string", "binary_expression")
            text = self.m.text(query) if built else self.assigned_text(query)
            db = obj is not None and (bool(_DB_RECEIVER.search(receiver)) or _plain(self.m.q(obj)).startswith(_DB_MODULES))
            sql_text = bool(text) and _SQL_TEXT.search(text) is not None
            if tail in _SQL_ALWAYS or (db and (tail in ("query", "execute", "raw") or sql_text)) or (sql_text and tail in ("query", "execute", "prepare")):
                how = "a template literal" if query.type == "template_string" else "a concatenated string" if built else "it"
                yield "sql", query, f"{written}() with {how} as the query", q
            return
        if q in _DESERIALIZE:
            yield "deserialize", first, f"{q}()", q
            return
        root, _, fs_tail = q.rpartition(".")
        if root in _FS_MODULES and fs_tail in _FS_TAILS:
            yield "path", first, f"{written}()", q
            if fs_tail in _FS_TWO and len(args) > 1:
                yield "path", args[1], f"{written}()", q
            return
        if q in _HTTP or (root in ("axios", "got", "ky", "superagent", "undici") and tail in _HTTP_VERBS):
            url = first
            if _unwrap(first).type == "object":
                url = self.m.prop(_unwrap(first), "url") or first
            yield "url", url, f"{written}()", q

    def assigned_text(self, node: Node) -> str:
        if node.type != "identifier":
            return ""
        name = self.m.text(node)
        return " ".join(self.m.text(v) for how, t, v, _ in self.s.events if how == "assign" and t.type == "identifier" and self.m.text(t) == name)

    # --- tool records ----------------------------------------------------------------------------------
    def records(self) -> None:
        s = self.s
        if s.tool is None or s.node is None:
            return
        line = s.tool_line or _row(s.node)
        public = s.tool_name or s.name or "handler"
        s.flows.append(Flow("tool", s.tool_sink, line, "tool", line, s.name, f"{public} ({s.tool})"))
        shell_flow = any(f.kind in ("shell", "eval") for f in s.flows)
        shell_calls = [(c, a, cd, dt) for c, cd in s.calls for kind, a, dt, _ in self.sink_of(c) if kind in ("shell", "eval") and self.m.string(a) is None]
        if not shell_flow:
            untraced = [(c, dt) for c, a, cd, dt in shell_calls if self.involves(a) and not self.guarded(a, c, cd, exact_only=True)]
            if untraced:
                call, detail = untraced[0]
                s.flows.append(Flow("exposed-shell", _plain(self.m.q(call.child_by_field_name("function") or call)), _row(call), "tool", line, s.name,
                                    f"tool {public} runs {detail} with a command made from its arguments"))
            elif _SHELL_TOOL_NAME.search(public) and not shell_calls:
                s.flows.append(Flow("exposed-shell", s.tool_sink, line, "tool", line, s.name, f"tool {public} is named as a shell or code runner"))
        approved = s.approved or any(
            _APPROVAL_CALL.search(self.m.text(c.child_by_field_name("function") or c).rsplit(".", 1)[-1]) for c, _ in s.calls
        )
        if approved:
            return
        for call, _ in s.calls:
            what = self.destructive(call)
            if what:
                s.flows.append(Flow("destructive", _plain(self.m.q(call.child_by_field_name("function") or call)), _row(call), "tool", line, s.name,
                                    f"tool {public} {what} with no approval step"))
                break

    def involves(self, node: Node) -> bool:
        """Whether a value is made from the tool's parameters, through any call, but not through a
        lookup key (`COMMANDS[name]` picks a fixed command)."""
        seen: set[str] = set()
        stack = [node]
        while stack:
            cur = _unwrap(stack.pop())
            if cur.type == "subscript_expression":
                obj = cur.child_by_field_name("object")
                if obj is not None:
                    stack.append(obj)
                continue
            if cur.type in ("identifier", "shorthand_property_identifier"):
                name = self.m.text(cur)
                if name in self.s.params:
                    return True
                if name not in seen:
                    seen.add(name)
                    stack.extend(v for how, t, v, _ in self.s.events if name in self.target_keys(t))
                continue
            stack.extend(cur.named_children)
        return False

    def destructive(self, call: Node) -> str | None:
        func = call.child_by_field_name("function")
        if func is None:
            return None
        q = _plain(self.m.q(func))
        root, _, tail = q.rpartition(".")
        if root in _FS_MODULES and tail in _FS_DELETE:
            return f"deletes files ({q})"
        if _PAYMENT.match(self.m.q(func)) or _PAYMENT.match(q) or (q.startswith("stripe") and re.search(r"\.(paymentIntents|refunds|charges|payouts|transfers)\.(create|confirm|capture)$", q)):
            return f"moves money ({self.m.text(func)})"
        if tail in _EMAIL_TAILS or q in ("resend.Resend.emails.send", "@sendgrid/mail.send", "nodemailer.createTransport.sendMail"):
            return f"sends email ({self.m.text(func)})"
        if root in ("axios", "got", "ky") and tail == "delete":
            return f"sends an HTTP DELETE ({self.m.text(func)})"
        return None


def extract_js_flows(
    root_node: Node,
    src_bytes: bytes,
    resolve: Callable[[Node], str],
    flat: Flat | None = None,
    names: dict[int, str] | None = None,
) -> list[Flow]:
    """Every flow from an untrusted source to a dangerous sink in a JS/TS module, traced within each
    function, plus records about the module's tools; sorted by line. `resolve` is the facts
    collector's name resolution, called once its bindings are settled."""
    if not _may_hold_source(src_bytes):
        return []  # no model SDK, tool, MCP server or request in the text: nothing can be a source
    m = _Module(root_node, src_bytes, resolve)
    if names:
        m.memo.update(names)  # what `resolve` already said of the callees
    m.walk(flat)
    flows = m.analyse()
    unique: dict[tuple[str, int, str], Flow] = {}
    for f in sorted(flows, key=lambda f: (f.line, f.kind, f.source_line, f.sink)):
        unique.setdefault((f.kind, f.line, f.function or ""), f)
    return list(unique.values())
