"""Facts about one JavaScript or TypeScript module, read from its tree-sitter syntax tree: imports
with aliases, call sites with their arguments and options objects, try/catch and loop context,
`while (true)` loops, and names bound to client objects.

Names are resolved within the module, flow-insensitively, the way a reviewer reads it:

    import { OpenAI as C } from "openai"          // C      -> "openai.OpenAI"
    const client = new C({ maxRetries: 0 })       // client -> "openai.OpenAI()"
    await client.chat.completions.create({...})   // call   -> "openai.OpenAI().chat.completions.create"

Default imports, namespace imports and plain `require` name the module itself:

    import OpenAI from "openai"                   // OpenAI -> "openai"
    const Anthropic = require("@anthropic-ai/sdk")  // Anthropic -> "@anthropic-ai/sdk"
    const { Anthropic } = require("@anthropic-ai/sdk")  // -> "@anthropic-ai/sdk.Anthropic"
    const ai = await import("ai")                 // ai -> "ai"

`new X(...)` and `X(...)` are both calls whose qualname is the resolved callee (`new OpenAI()` is
"openai" with `is_new` set); a name bound to either resolves to the callee plus "()". Assignments
to members bind the member as written, so `this.client = new Anthropic()` makes
`this.client.messages.create(...)` resolve to "@anthropic-ai/sdk().messages.create". `await`,
parentheses, `!` and TypeScript casts are transparent.

A `const` bound to a literal stands for its value wherever it is used as an argument or an
option (`const RETRY = { retries: 5 }; pRetry(run, RETRY)` has `options["retries"] == 5`).

A module-level function whose every return is one resolvable call counts as a wrapper:
`function makeClient() { return new OpenAI() }` makes `makeClient()` resolve to "openai()";
an arrow function with an expression body returns that expression.

Context flags follow the code, not the runtime: `in_try` is the body of a `try` that has a
`catch`, `in_catch` the `catch` block. A promise's `.catch(...)` counts too: its callback is
`in_catch` and the call chain it hangs on is `in_try`. A named function (declaration, method,
or function expression bound to a name) starts a fresh context; an anonymous callback inherits
the context it is written in.

`while (true)`, `while (1)`, `for (;;)` and `do ... while (true)` loops are listed with whether
a `break`, `return` or `throw` can leave them; a `break` that only leaves an inner loop or a
`switch`, or a `return` inside a callback, does not count.

The tree is walked once, with an explicit stack, so deeply nested input cannot exhaust the
Python stack; a module with syntax errors still yields the facts around them, and `error` says
where parsing first went wrong.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

from tree_sitter import Language, Node, Parser

from readycheck.parsers.pickling import compact_pickle
from readycheck.parsers.python_facts import Unknown
from readycheck.parsers.qualnames import qualname_matches

__all__ = ["JsImport", "JsCall", "JsFacts", "parse_js"]


@compact_pickle
@dataclass(frozen=True, slots=True)
class JsImport:
    module: str  # "openai", "@anthropic-ai/sdk", "p-retry"
    name: str | None  # "default", "OpenAI" for `{ OpenAI }`, None for `* as x` and plain require
    alias: str  # the local name bound; "" for side-effect imports such as `import "dotenv/config"`
    line: int

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}" if self.name and self.name != "default" else self.module


@compact_pickle
@dataclass(frozen=True, slots=True)
class JsCall:
    func: str  # as written, dotted: "client.chat.completions.create"
    qualname: str  # resolved: "openai().chat.completions.create"
    line: int
    end_line: int
    col: int
    args: tuple[Any, ...]  # literal values, or Unknown
    options: dict[str, Any]  # properties of the object-literal arguments, first wins
    is_new: bool
    function: str | None  # enclosing named function, method or function-valued const
    in_try: bool  # inside the body of a try that has a catch
    in_catch: bool  # inside a catch block or a `.catch(...)` callback
    in_loop: bool

    def opt(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


@dataclass(slots=True)
class JsFacts:
    imports: list[JsImport] = field(default_factory=list)
    calls: list[JsCall] = field(default_factory=list)
    bindings: dict[str, str] = field(default_factory=dict)  # local name -> resolved expression
    while_true_lines: list[tuple[int, int, bool]] = field(default_factory=list)  # (line, end, has_exit)
    error: str | None = None
    flows: list[Any] = field(default_factory=list)  # python_flows.Flow: untrusted data reaching sinks

    def imported_modules(self) -> set[str]:
        return {i.module for i in self.imports}

    def imports_any(self, prefixes: Iterable[str]) -> list[JsImport]:
        """Imports whose module is one of `prefixes` or a subpath of one ("ai" matches "ai/rsc")."""
        pre = tuple(prefixes)
        return [i for i in self.imports if any(i.module == p or i.module.startswith(p + "/") for p in pre)]

    def calls_matching(self, patterns: Iterable[str]) -> list[JsCall]:
        """Calls whose resolved qualname matches one of `patterns` (see `qualname_matches`)."""
        pats = tuple(patterns)
        return [c for c in self.calls if any(qualname_matches(c.qualname, p) for p in pats)]


# --- grammars -------------------------------------------------------------------------------------

_LANGUAGES: dict[str, Language] = {}

_GRAMMAR_BY_EXT = {
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
}


def _language(name: str) -> Language:
    lang = _LANGUAGES.get(name)
    if lang is None:
        if name == "javascript":
            import tree_sitter_javascript

            lang = Language(tree_sitter_javascript.language())
        else:
            import tree_sitter_typescript

            lang = Language(
                tree_sitter_typescript.language_tsx() if name == "tsx" else tree_sitter_typescript.language_typescript()
            )
        _LANGUAGES[name] = lang
    return lang


def _grammars_for(filename: str) -> tuple[str, ...]:
    lower = filename.lower()
    dot = lower.rfind(".")
    ext = lower[dot:] if dot > max(lower.rfind("/"), lower.rfind("\\")) else ""
    known = _GRAMMAR_BY_EXT.get(ext)
    # Unknown extension: JavaScript first, TypeScript when JavaScript does not parse.
    return (known,) if known else ("javascript", "typescript")


# --- node kinds ---------------------------------------------------------------------------------

_FUNCTIONS = frozenset({
    "function_declaration", "generator_function_declaration", "function_expression",
    "generator_function", "arrow_function", "method_definition", "class_static_block",
})
_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
_CALLS = frozenset({"call_expression", "new_expression"})
# Expressions that only wrap another for the type checker or the scheduler.
_TRANSPARENT = frozenset({
    "parenthesized_expression", "await_expression", "non_null_expression", "as_expression",
    "satisfies_expression", "type_assertion",
})
_LITERAL_TRANSPARENT = _TRANSPARENT - {"await_expression"}
# Subtrees that cannot hold a call, a binding or a loop.
_SKIP = frozenset({
    "comment", "string", "number", "regex", "type_annotation", "type_arguments",
    "type_parameters", "interface_declaration", "type_alias_declaration", "predefined_type",
    "type_identifier", "hash_bang_line", "html_comment",
})
_HANDLED = _CALLS | _FUNCTIONS | _LOOPS | frozenset({
    "import_statement", "lexical_declaration", "variable_declaration", "assignment_expression",
    "public_field_definition", "field_definition", "switch_statement", "labeled_statement",
    "try_statement", "return_statement", "throw_statement", "break_statement", "required_parameter",
    "optional_parameter", "assignment_pattern",
})
_LITERAL_DEPTH = 32
_RESOLVE_DEPTH = 64
_SHORT = 120
_MAX_NAME = 240
_LONG_CHAIN = 2 * _MAX_NAME  # member chains longer than this resolve from their tail only

_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")
_SIMPLE_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0",
    # a backslash before a line break continues the string
    "\n": "", "\r\n": "", "\r": "", "\u2028": "", "\u2029": "",
}
_SURROGATE = re.compile("[\ud800-\udfff]")
_LEGACY_OCTAL = re.compile(r"0[0-7]+")


def _unescape_one(m: re.Match[str]) -> str:
    esc = m.group(1)
    if esc in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[esc]
    if len(esc) > 1 and esc[0] in "ux":
        code = int(esc.strip("u{}x") if esc[0] == "u" else esc[1:], 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"
    return esc


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    s = _ESCAPE.sub(_unescape_one, raw)
    if _SURROGATE.search(s):  # "\uD83D\uDE00" is one character; a lone half is not text
        s = s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return s


def _number(text: str) -> int | float | None:
    s = text.replace("_", "").lower()
    try:
        if s.endswith("n"):  # BigInt
            s = s[:-1]
        if s.startswith("0x"):
            return int(s[2:], 16)
        if s.startswith("0o"):
            return int(s[2:], 8)
        if s.startswith("0b"):
            return int(s[2:], 2)
        if _LEGACY_OCTAL.fullmatch(s):
            return int(s, 8)
        if "." in s or "e" in s:
            return float(s)
        return int(s)
    except ValueError:
        return None


def _clip(name: str) -> str:
    """Names from absurdly long chains keep their last segments: "?.b().c().d"."""
    if len(name) <= _MAX_NAME:
        return name
    tail = name[-_MAX_NAME:]
    dot = tail.find(".")
    return "?" + (tail[dot:] if dot >= 0 else "")


def _is_await_call(node: Node) -> bool:
    """The JavaScript grammar reads `await (x).y()` as a call to a function named `await`."""
    if node.type != "call_expression":
        return False
    func = node.child_by_field_name("function")
    return func is not None and func.type == "identifier" and func.text == b"await"


def _unwrap(node: Node, kinds: frozenset[str] = _TRANSPARENT) -> Node:
    """The expression inside parentheses, `await`, `!` and casts (iteratively: nesting may be deep)."""
    while True:
        t = node.type
        if t in kinds:
            inner = None
            for child in node.named_children:
                if child.type not in ("type_arguments", "comment"):
                    inner = child
                    break
        elif t == "call_expression" and kinds is _TRANSPARENT and _is_await_call(node):
            args = node.child_by_field_name("arguments")
            inner = args.named_children[0] if args is not None and args.named_child_count == 1 else None
        else:
            break
        if inner is None:
            break
        node = inner
    return node


class Flat(NamedTuple):
    """The nodes of a tree that have children, in pre-order (the root first, whatever it has):
    `ends[i]` is the index just past the subtree of `nodes[i]`. Leaves hold no facts, so the walks
    here and in js_flows run over these lists instead of asking the tree node by node."""

    nodes: list[Node]
    types: list[str]
    named: list[bool]
    ends: list[int]


def flatten(root: Node) -> Flat:
    nodes, types, named, ends = [root], [root.type], [root.is_named], [1]
    flat = Flat(nodes, types, named, ends)
    cursor = root.walk()
    down, up, right = cursor.goto_first_child, cursor.goto_parent, cursor.goto_next_sibling
    if not down():
        return flat
    add_node, add_type, add_named, add_end = nodes.append, types.append, named.append, ends.append
    open_ = [0]  # the ancestors of the cursor's node, as indices
    push, pop = open_.append, open_.pop
    while True:
        if down():  # a node with children (a leaf costs no Node object)
            up()
            node: Node = cursor.node  # type: ignore[assignment]  # (never None on a node of a tree)
            push(len(nodes))
            add_node(node)
            add_type(node.type)
            add_named(node.is_named)
            add_end(0)
            down()
            continue
        while not right():
            up()
            ends[pop()] = len(nodes)
            if not open_:
                return flat


# --- the walk -------------------------------------------------------------------------------------


class _Frame:
    """A function body: the values it returns (an arrow's expression body counts as one)."""

    __slots__ = ("returns",)

    def __init__(self) -> None:
        self.returns: list[Node | None] = []


class _Target:
    """Something a `break` can leave: a loop, a switch, or a labeled block."""

    __slots__ = ("kind", "label", "infinite")

    def __init__(self, kind: str, label: str | None, infinite: int | None) -> None:
        self.kind = kind
        self.label = label
        self.infinite = infinite  # index into the `while (true)` list


class _Ctx(NamedTuple):
    function: str | None
    in_try: bool
    in_catch: bool
    in_loop: bool
    frame: _Frame | None  # innermost function, named or not; None at module level
    targets: tuple[_Target, ...]  # break targets in the current function, innermost last
    label: str | None  # label of the statement this context was pushed with


class _Collector:
    def __init__(self, src: bytes, facts: JsFacts) -> None:
        self.src = src
        self.f = facts
        self.aliases: dict[str, str] = {}
        self.modules: set[str] = set()
        self.constants: dict[str, Any] = {}
        self.wrappers: dict[str, str] = {}
        self.candidates: list[tuple[str, Node, str | None]] = []  # (key, value, destructured property)
        self.typed: list[tuple[str, str]] = []  # (parameter, type name as written)
        self.frames: list[tuple[str, _Frame]] = []  # module-level functions that may be wrappers
        self.call_nodes: list[tuple[Node, _Ctx]] = []
        self.handled_imports: set[int] = set()  # start bytes of require()/import() already recorded
        self.loops: list[tuple[int, int]] = []
        self.exits: list[bool] = []
        # Memos by node id keep long call chains linear. Resolved names depend on the bindings,
        # so theirs is used only once the bindings are settled.
        self.resolved: dict[int, str] | None = None
        self.written_memo: dict[int, str] = {}
        # Node ids (Node.parent is slow on deep trees, so facts about parents are passed down).
        self.top_ids: set[int] = set()  # module-level statements
        self.fn_names: dict[int, tuple[str, bool]] = {}  # function value -> (name, module-level)
        self.flat = Flat([], [], [], [])
        # What name resolution reads from the tree, by node id: settling the bindings resolves
        # the same expressions in several rounds.
        self.plans: dict[int, tuple[Any, ...]] = {}
        self.callees: dict[int, tuple[str | None, Node | None]] = {}
        self.names: dict[int, str] = {}  # callee id -> its resolved name, once the bindings settled
        self.import_calls: dict[int, str | None] = {}  # call id -> the module of `require("m")`/`import("m")`

    # --- text helpers ------------------------------------------------------------------------
    def text(self, node: Node) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def short(self, node: Node) -> str:
        end = min(node.end_byte, node.start_byte + 4 * _SHORT)
        s = " ".join(self.src[node.start_byte:end].decode("utf-8", "replace").split())
        if len(s) <= _SHORT and end == node.end_byte:
            return s
        return s[: _SHORT - 3] + "..."

    def string_value(self, node: Node) -> str | None:
        """The value of a string literal, or of a template string without substitutions."""
        if node.type == "string":
            return _unescape(self.text(node)[1:-1])
        if node.type == "template_string":
            if any(c.type == "template_substitution" for c in node.named_children):
                return None
            return _unescape(self.text(node)[1:-1])
        return None

    def key(self, node: Node | None) -> str | None:
        """A property key as a string: `model`, `"max-tokens"`, `3`, `["x"]`."""
        if node is None:
            return None
        t = node.type
        if t in ("property_identifier", "identifier", "private_property_identifier"):
            return self.text(node)
        if t in ("string", "template_string"):
            return self.string_value(node)
        if t == "number":
            n = _number(self.text(node))
            if n is None:
                return self.text(node)
            return str(int(n)) if isinstance(n, float) and n.is_integer() else str(n)
        if t == "computed_property_name":
            inner = node.named_children
            return self.key(inner[0]) if inner and inner[0].type in ("string", "number", "template_string") else None
        return None

    # --- literals ------------------------------------------------------------------------------
    def literal(self, node: Node, depth: int = 0) -> Any:
        node = _unwrap(node, _LITERAL_TRANSPARENT)
        t = node.type
        if t in ("string", "template_string"):
            s = self.string_value(node)
            return s if s is not None else Unknown(self.short(node))
        if t == "number":
            n = _number(self.text(node))
            return n if n is not None else Unknown(self.short(node))
        if t == "true":
            return True
        if t == "false":
            return False
        if t in ("null", "undefined"):
            return None
        if t == "identifier":
            name = self.text(node)
            if name == "undefined":
                return None
            return self.constants.get(name, Unknown(name))
        if depth >= _LITERAL_DEPTH:
            return Unknown(self.short(node))
        if t == "unary_expression":
            return self._unary(node, depth)
        if t == "binary_expression":
            return self._binary(node, depth)
        if t == "object":
            return self._object(node, depth)
        if t == "array":
            out: list[Any] = []
            for child in node.named_children:
                if child.type == "comment":
                    continue
                if child.type == "spread_element":
                    inner = child.named_children
                    value = self.literal(inner[0], depth + 1) if inner else None
                    if isinstance(value, list):
                        out.extend(value)
                        continue
                    out.append(Unknown(self.short(child)))
                else:
                    out.append(self.literal(child, depth + 1))
            return out
        return Unknown(self.short(node))

    def _unary(self, node: Node, depth: int) -> Any:
        op_node = node.child_by_field_name("operator")
        arg = node.child_by_field_name("argument")
        if op_node is None or arg is None:
            return Unknown(self.short(node))
        op = self.text(op_node)
        value = self.literal(arg, depth + 1)
        if op in ("-", "+") and isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if op == "-" else value
        if op == "!" and isinstance(value, bool):
            return not value
        if op == "!" and isinstance(value, (int, float)):
            return value == 0
        return Unknown(self.short(node))

    def _binary(self, node: Node, depth: int) -> Any:
        """Numbers fold (`60 * 1000`), strings concatenate (`"gpt-" + "4o"`)."""
        op_node = node.child_by_field_name("operator")
        left_node, right_node = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op_node is None or left_node is None or right_node is None:
            return Unknown(self.short(node))
        op = self.text(op_node)
        if op in ("+", "-", "*", "/", "**"):
            left, right = self.literal(left_node, depth + 1), self.literal(right_node, depth + 1)
            if op == "+" and isinstance(left, str) and isinstance(right, str):
                return left + right
            numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
            if numbers:
                try:
                    if op == "+":
                        return left + right
                    if op == "-":
                        return left - right
                    if op == "*":
                        return left * right
                    if op == "/":
                        return left / right
                    big = isinstance(left, int) and abs(left) > 1 and left.bit_length() * abs(right) > 4096
                    if abs(right) < 64 and not big:
                        power = left**right
                        if not isinstance(power, complex):
                            return power
                except (ArithmeticError, ValueError):
                    pass
        return Unknown(self.short(node))

    def _object(self, node: Node, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in node.named_children:
            t = child.type
            if t == "pair":
                key = self.key(child.child_by_field_name("key"))
                value = child.child_by_field_name("value")
                if key is not None and value is not None:
                    out[key] = self.literal(value, depth + 1)
            elif t == "shorthand_property_identifier":
                name = self.text(child)
                out[name] = self.constants.get(name, Unknown(name))
            elif t == "method_definition":
                key = self.key(child.child_by_field_name("name"))
                if key is not None:
                    out[key] = Unknown(self.short(child))
            elif t == "spread_element":  # `...DEFAULTS` when DEFAULTS is a literal const
                inner = child.named_children
                value = self.literal(inner[0], depth + 1) if inner else None
                if isinstance(value, dict):
                    out.update(value)
        return out

    # --- names ---------------------------------------------------------------------------------
    def module_of(self, node: Node) -> tuple[str, list[str], Node] | None:
        """`require("m")`, `import("m")` or a member chain on one: (module, properties, call)."""
        props: list[str] = []
        cur = _unwrap(node)
        while cur.type == "member_expression":
            prop = cur.child_by_field_name("property")
            obj = cur.child_by_field_name("object")
            if prop is None or obj is None:
                return None
            props.append(self.text(prop))
            cur = _unwrap(obj)
        if cur.type != "call_expression":
            return None
        module = self.import_call_module(cur)
        if module is None:
            return None
        props.reverse()
        return module, props, cur

    def import_call_module(self, call: Node) -> str | None:
        key = call.id
        if key in self.import_calls:
            return self.import_calls[key]
        module = self.import_calls[key] = self._import_call_module(call)
        return module

    def _import_call_module(self, call: Node) -> str | None:
        func = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        if func is None or args is None:
            return None
        if func.type == "import" or (func.type == "identifier" and self.text(func) == "require"):
            first = next((a for a in args.named_children if a.type != "comment"), None)
            if first is not None:
                return self.string_value(first)
        return None

    def plan(self, node: Node) -> tuple[Any, ...]:
        """What `resolve` needs from the tree (which does not change while the bindings do):
        ("?",), or (kind, member chain, base) with kind "name" (base: its text), "import", or
        "call" (base: the call node)."""
        key = node.id
        plan = self.plans.get(key)
        if plan is not None:
            return plan
        # Collect the member chain from the outside in; it is resolved from the base outwards.
        chain: list[str] = []  # property names, or "[]" for a subscript
        cur = _unwrap(node)
        while True:
            t = cur.type
            if t == "member_expression":
                prop = cur.child_by_field_name("property")
                chain.append(self.text(prop) if prop is not None else "?")
            elif t == "subscript_expression":
                chain.append("[]")
            else:
                break
            obj = cur.child_by_field_name("object")
            if obj is None:
                plan = ("?",)
                break
            cur = _unwrap(obj)
        if plan is None:
            chain.reverse()
            t = cur.type
            if t in ("identifier", "this", "super"):
                plan = ("name", chain, self.text(cur))
            elif t == "import":
                plan = ("import", chain, None)
            elif t in _CALLS:
                plan = ("call", chain, cur)
            else:
                plan = ("?",)
        self.plans[key] = plan
        return plan

    def resolve(self, node: Node, depth: int = 0) -> str:
        if depth > _RESOLVE_DEPTH:
            return "?"
        plan = self.plan(node)
        kind = plan[0]
        if kind == "?":
            return "?"
        written: str | None = None  # the chain as written, while it is plain names
        bindings = self.f.bindings
        if kind == "name":
            written = plan[2]
            value = bindings.get(written) or self.aliases.get(written, written)
        elif kind == "import":
            value = "import"
        else:
            value = self.resolve_call(plan[2], depth + 1)
        chain = plan[1]
        if len(chain) > _LONG_CHAIN:
            # `a.b.b.b...` 100,000 times: building each prefix costs quadratic time, and the name
            # is clipped to its last segments anyway (_clip), so only those are built.
            value, written, chain = "?", None, chain[-_LONG_CHAIN:]
        for part in chain:
            if part == "[]":
                value += "[]"
                written = None
                continue
            if written is not None:
                written = f"{written}.{part}"
                bound = bindings.get(written)
                if bound is not None:
                    value = bound
                    continue
            if part == "default" and value in self.modules:
                continue  # `m.default` of `import * as m` is the default export
            value = f"{value}.{part}"
        return _clip(value)

    def resolve_call(self, node: Node, depth: int) -> str:
        key = node.id
        memo = self.resolved
        if memo is not None:
            hit = memo.get(key)
            if hit is not None:
                return hit
        callee = self.callees.get(key)
        if callee is None:
            if node.type == "call_expression":
                callee = (self.import_call_module(node), node.child_by_field_name("function"))
            else:
                callee = (None, node.child_by_field_name("constructor"))
            self.callees[key] = callee
        module, func = callee
        if module is not None:
            value = module
        elif func is None:
            value = "?"
        else:
            inner = self.resolve(func, depth)
            value = self.wrappers[inner] if inner in self.wrappers else _clip(inner + "()")
        if memo is not None:
            memo[key] = value
        return value

    def written(self, node: Node, depth: int = 0) -> str:
        memo = self.written_memo
        hit = memo.get(node.id)
        if hit is not None:
            return hit
        parts: list[str] = []
        cur = _unwrap(node)
        while cur.type == "member_expression":
            prop = cur.child_by_field_name("property")
            obj = cur.child_by_field_name("object")
            parts.append(self.text(prop) if prop is not None else "?")
            if obj is None:
                break
            cur = _unwrap(obj)
        t = cur.type
        if t in ("identifier", "this", "super", "import"):
            parts.append(self.text(cur))
        elif t in _CALLS and depth < _RESOLVE_DEPTH:
            callee = cur.child_by_field_name("function" if t == "call_expression" else "constructor")
            parts.append((self.written(callee, depth + 1) if callee is not None else "?") + "()")
        else:
            parts.append("?")
        value = _clip(".".join(reversed(parts)))
        if t in _CALLS:
            memo[node.id] = value
        return value

    # --- imports and bindings --------------------------------------------------------------------
    def add_import(self, module: str, name: str | None, alias: str, line: int) -> None:
        imp = JsImport(module, name, alias, line)
        self.f.imports.append(imp)
        self.modules.add(module)
        if alias:
            self.aliases.setdefault(alias, imp.qualname)

    def import_statement(self, node: Node) -> None:
        line = node.start_point.row + 1
        source = node.child_by_field_name("source")
        module = self.string_value(source) if source is not None else None
        clause = None
        for child in node.named_children:
            if child.type == "import_require_clause":  # TS: import x = require("m")
                ident = next((c for c in child.named_children if c.type == "identifier"), None)
                src = child.child_by_field_name("source")
                mod = self.string_value(src) if src is not None else None
                if ident is not None and mod is not None:
                    self.add_import(mod, None, self.text(ident), line)
                return
            if child.type == "import_clause":
                clause = child
        if module is None:
            return
        if clause is None:
            self.add_import(module, None, "", line)  # import "dotenv/config"
            return
        for part in clause.named_children:
            if part.type == "identifier":
                self.add_import(module, "default", self.text(part), line)
            elif part.type == "namespace_import":
                ident = next((c for c in part.named_children if c.type == "identifier"), None)
                if ident is not None:
                    self.add_import(module, None, self.text(ident), line)
            elif part.type == "named_imports":
                for spec in part.named_children:
                    if spec.type != "import_specifier":
                        continue
                    name_node = spec.child_by_field_name("name")
                    alias_node = spec.child_by_field_name("alias")
                    name = self.key(name_node)
                    if name is None:
                        continue
                    alias = self.text(alias_node) if alias_node is not None else name
                    self.add_import(module, name, alias, line)

    def pattern_names(self, pattern: Node) -> list[tuple[str, str]]:
        """(property, local name) pairs of an object pattern `{ a, b: c, d = 1 }`."""
        out: list[tuple[str, str]] = []
        for child in pattern.named_children:
            t = child.type
            if t == "shorthand_property_identifier_pattern":
                name = self.text(child)
                out.append((name, name))
            elif t == "object_assignment_pattern":
                left = child.child_by_field_name("left")
                if left is not None and left.type == "shorthand_property_identifier_pattern":
                    name = self.text(left)
                    out.append((name, name))
            elif t == "pair_pattern":
                key = self.key(child.child_by_field_name("key"))
                value = child.child_by_field_name("value")
                if value is not None and value.type == "assignment_pattern":
                    value = value.child_by_field_name("left")
                if key is not None and value is not None and value.type == "identifier":
                    out.append((key, self.text(value)))
        return out

    def declaration(self, node: Node) -> None:
        """`const a = ..., b = ...` (also `let` and `var`)."""
        kind = node.child_by_field_name("kind")
        const = kind is not None and self.text(kind) == "const"
        top = node.id in self.top_ids
        for child in node.named_children:
            if child.type == "variable_declarator":
                self.declarator(child, const, top)

    def declarator(self, node: Node, const: bool, top: bool) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is None or value is None:
            return
        line = node.start_point.row + 1
        imported = self.module_of(value)
        if imported is not None:
            module, props, call = imported
            self.handled_imports.add(call.start_byte)
            if name.type == "identifier":
                self.add_import(module, ".".join(props) or None, self.text(name), line)
            elif name.type == "object_pattern":
                prefix = [p for p in props if p != "default"]
                for prop, local in self.pattern_names(name):
                    self.add_import(module, ".".join([*prefix, prop]), local, line)
            return
        if name.type == "identifier":
            local = self.text(name)
            if value.type in _FUNCTIONS:
                self.fn_names[value.id] = (local, top)
            if const and local not in self.constants:
                lit = self.literal(value)
                if not isinstance(lit, Unknown):
                    self.constants[local] = lit
            self.candidate(local, value, None)
        elif name.type == "object_pattern":
            for prop, local in self.pattern_names(name):
                self.candidate(local, value, prop)

    def parameter(self, node: Node) -> None:
        """A default value binds the parameter; for a TypeScript parameter property
        (`constructor(private readonly client = createClient())`) it binds `this.client`."""
        if node.type == "assignment_pattern":
            name, value = node.child_by_field_name("left"), node.child_by_field_name("right")
        else:
            name, value = node.child_by_field_name("pattern"), node.child_by_field_name("value")
        if name is not None and name.type == "identifier" and value is None:
            self.typed_parameter(node, self.text(name))
        if name is None or value is None or name.type != "identifier":
            return
        local = self.text(name)
        if any(c.type in ("accessibility_modifier", "readonly", "override_modifier") for c in node.children):
            self.candidate(f"this.{local}", value, None)
        else:
            self.candidate(local, value, None)

    def typed_parameter(self, node: Node, local: str) -> None:
        """`client: OpenAI` (or `OpenAI | undefined`) binds the parameter to an instance of the
        imported class, as a reviewer reads it."""
        ann = node.child_by_field_name("type")
        if ann is None:
            return
        names = [c for c in ann.children if c.type in ("type_identifier", "nested_type_identifier")]
        if not names:
            for c in ann.children:
                if c.type == "union_type":
                    names = [g for g in c.children if g.type in ("type_identifier", "nested_type_identifier")]
        if names:
            written = self.text(names[0])
            self.typed.append((local, written))

    def candidate(self, key: str, value: Node, prop: str | None) -> None:
        if _unwrap(value).type in ("call_expression", "new_expression", "identifier", "member_expression"):
            self.candidates.append((key, value, prop))

    def settle(self) -> None:
        """Bindings need aliases; wrappers need bindings. Two rounds settle chains such as
        `const C = OpenAI; const client = C()`."""
        wrappers: list[tuple[str, list[Node]]] = []  # functions whose every return is a call
        for name, frame in self.frames:
            returns = frame.returns
            if not returns or any(r is None or _unwrap(r).type not in _CALLS for r in returns):
                continue
            wrappers.append((name, [_unwrap(r) for r in returns if r is not None]))
        for _ in range(2):
            self.f.bindings.clear()
            for key, type_name in self.typed:
                head, _, rest = type_name.partition(".")
                if head in self.aliases:
                    cls = self.aliases[head] + (f".{rest}" if rest else "")
                    self.f.bindings.setdefault(key, cls + "()")
            for key, node, prop in self.candidates:
                value = self.resolve(node)
                if value.startswith("?"):
                    continue
                if prop is not None:
                    value = f"{value}.{prop}"
                if key != value:
                    self.f.bindings.setdefault(key, value)
            for name, calls in wrappers:
                targets = {self.resolve_call(call, 0) for call in calls}
                if len(targets) == 1:
                    target = targets.pop()
                    if not target.startswith("?"):
                        self.wrappers[name] = target

    # --- functions -----------------------------------------------------------------------------
    def function_name(self, node: Node) -> tuple[str | None, bool]:
        """The function's name and whether it is declared at module level."""
        t = node.type
        if t in ("function_declaration", "generator_function_declaration"):
            name = node.child_by_field_name("name")
            return (self.text(name) if name is not None else None), node.id in self.top_ids
        if t == "method_definition":
            return self.key(node.child_by_field_name("name")), False
        if t == "class_static_block":
            return None, False
        named = self.fn_names.get(node.id)  # the const, field or member it is assigned to
        if named is not None:
            return named
        own = node.child_by_field_name("name")
        return (self.text(own) if own is not None else None), False

    def mark_exits(self, targets: Iterable[_Target]) -> None:
        for target in targets:
            if target.infinite is not None:
                self.exits[target.infinite] = True

    def infinite(self, node: Node) -> bool:
        cond = node.child_by_field_name("condition")
        if node.type == "for_statement":
            if cond is None or cond.type in ("empty_statement", ";"):
                return True
        elif cond is None:
            return False
        value = self.literal(cond)
        return value is True or (isinstance(value, (int, float)) and value == 1)

    # --- the single walk -------------------------------------------------------------------------
    def walk(self, root: Node) -> None:
        for child in root.named_children:  # module-level statements, exported or not
            self.top_ids.add(child.id)
            if child.type == "export_statement":
                self.top_ids.update(c.id for c in child.named_children)
        flat = self.flat = flatten(root)
        nodes, types, ends = flat.nodes, flat.types, flat.ends
        # Each entry walks a range of the flat list: (next index, end, contexts) where contexts
        # holds (end of a subtree, context inside it), innermost last. Statements whose parts get
        # different contexts (`try`, `.catch(...)`, labels) suspend their entry and push one per
        # part, so the parts run before the rest of the enclosing subtree.
        work: list[tuple[int, int, list[tuple[int, _Ctx]]]] = [
            (0, ends[0], [(ends[0], _Ctx(None, False, False, False, None, (), None))])
        ]
        while work:
            i, stop, scopes = work.pop()
            while i < stop:
                while i >= scopes[-1][0]:
                    scopes.pop()
                ctx = scopes[-1][1]
                t = types[i]
                if t not in _HANDLED and ctx.label is None:  # the common case: just descend
                    i = ends[i] if t in _SKIP else i + 1
                    continue
                descend, children = self.visit(nodes[i], t, ctx)
                if descend is not None:
                    if descend is not ctx:
                        scopes.append((ends[i], descend))
                    i += 1
                    continue
                k, i = i, ends[i]
                if children:
                    if i < stop:
                        work.append((i, stop, scopes))
                    for child, child_ctx in reversed(children):
                        j = self.index_of(k, child)  # (a part without children holds no facts)
                        if j is not None:
                            work.append((j, ends[j], [(ends[j], child_ctx)]))
                    break

    def index_of(self, parent: int, node: Node) -> int | None:
        """The index of `node`, a descendant of the node at `parent`; None for a leaf."""
        if not node.child_count:
            return None
        nodes, ends = self.flat.nodes, self.flat.ends
        target, start, end = node.id, node.start_byte, node.end_byte
        j, stop = parent + 1, ends[parent]
        while j < stop:  # pre-order, skipping the subtrees that cannot hold it
            other = nodes[j]
            if other.id == target:
                return j
            j = j + 1 if other.start_byte <= start and end <= other.end_byte else ends[j]
        return None

    def visit(self, node: Node, t: str, ctx: _Ctx) -> tuple[_Ctx | None, list[tuple[Node, _Ctx]] | None]:
        """Facts from a node of a kind in _HANDLED (or carrying a label): the context for all its
        children, or a list of (child, context) for some of them."""
        label = ctx.label
        if label is not None:
            ctx = ctx._replace(label=None)
        children: list[tuple[Node, _Ctx]] | None = None
        if t in _CALLS:
            if not _is_await_call(node):
                self.call_nodes.append((node, ctx))
            if t == "call_expression":
                if node.start_byte not in self.handled_imports:
                    module = self.import_call_module(node)
                    if module is not None:
                        self.add_import(module, None, "", node.start_point.row + 1)
                children = self.promise_catch(node, ctx)
        elif t == "import_statement":
            self.import_statement(node)
            return None, None
        elif t in ("lexical_declaration", "variable_declaration"):
            self.declaration(node)
        elif t == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and left.type in ("identifier", "member_expression"):
                key = self.written(left)
                if not key.startswith("?") and self.module_of(right) is None:
                    self.candidate(key, right, None)
                    if right.type in _FUNCTIONS:
                        self.fn_names[right.id] = (key.rsplit(".", 1)[-1], False)
        elif t in ("public_field_definition", "field_definition"):
            field_name = node.child_by_field_name("name") or node.child_by_field_name("property")
            value = node.child_by_field_name("value")
            field_key = self.key(field_name)
            if field_key is not None and value is not None:
                self.candidate(f"this.{field_key}", value, None)
                if value.type in _FUNCTIONS:
                    self.fn_names[value.id] = (field_key, False)
        elif t in ("required_parameter", "optional_parameter", "assignment_pattern"):
            self.parameter(node)
        elif t in _FUNCTIONS:
            name, top = self.function_name(node)
            frame = _Frame()
            if name is not None and top:
                self.frames.append((name, frame))
            if name is not None:
                ctx = _Ctx(name, False, False, False, frame, (), None)
            else:
                ctx = ctx._replace(frame=frame, targets=())
            if t == "arrow_function":
                body = node.child_by_field_name("body")
                if body is not None and body.type != "statement_block":
                    frame.returns.append(body)
        elif t in _LOOPS:
            index = None
            if t != "for_in_statement" and self.infinite(node):
                index = len(self.loops)
                self.loops.append((node.start_point.row + 1, node.end_point.row + 1))
                self.exits.append(False)
            ctx = ctx._replace(in_loop=True, targets=(*ctx.targets, _Target("loop", label, index)))
        elif t == "switch_statement":
            ctx = ctx._replace(targets=(*ctx.targets, _Target("switch", label, None)))
        elif t == "labeled_statement":
            body = node.child_by_field_name("body")
            lab = node.child_by_field_name("label")
            if body is not None:
                return None, [(body, ctx._replace(label=self.text(lab) if lab is not None else None))]
            return None, None
        elif t == "try_statement":
            children = self.try_children(node, ctx)
        elif t == "return_statement":
            if ctx.frame is not None:
                value = next((c for c in node.named_children if c.type != "comment"), None)
                ctx.frame.returns.append(value)
            self.mark_exits(ctx.targets)
        elif t == "throw_statement":
            self.mark_exits(ctx.targets)
        elif t == "break_statement":
            self.break_exits(node, ctx)
            return None, None
        elif t in _SKIP:
            return None, None
        if label is not None and t not in _LOOPS and t != "switch_statement":
            ctx = ctx._replace(targets=(*ctx.targets, _Target("block", label, None)))
        if children is not None:
            return None, children
        return ctx, None

    def promise_catch(self, node: Node, ctx: _Ctx) -> list[tuple[Node, _Ctx]] | None:
        """`p.catch(handler)`: the chain before `.catch` is guarded, the handler is a catch block."""
        func = node.child_by_field_name("function")
        if func is None or func.type != "member_expression":
            return None
        prop = func.child_by_field_name("property")
        obj = func.child_by_field_name("object")
        if prop is None or obj is None or self.text(prop) != "catch":
            return None
        out = [(obj, ctx._replace(in_try=True))]
        args = node.child_by_field_name("arguments")
        if args is not None:
            out.append((args, ctx._replace(in_catch=True)))
        return out

    @staticmethod
    def try_children(node: Node, ctx: _Ctx) -> list[tuple[Node, _Ctx]]:
        handler = node.child_by_field_name("handler")
        out: list[tuple[Node, _Ctx]] = []
        body = node.child_by_field_name("body")
        if body is not None:
            out.append((body, ctx._replace(in_try=True) if handler is not None else ctx))
        if handler is not None:
            out.append((handler, ctx._replace(in_catch=True)))
        finalizer = node.child_by_field_name("finalizer")
        if finalizer is not None:
            out.append((finalizer, ctx))
        return out

    def break_exits(self, node: Node, ctx: _Ctx) -> None:
        lab = node.child_by_field_name("label")
        targets = ctx.targets
        if lab is None:
            for target in reversed(targets):
                if target.kind != "block":
                    self.mark_exits([target])
                    return
            return
        label = self.text(lab)
        for i in range(len(targets) - 1, -1, -1):
            if targets[i].label == label:
                self.mark_exits(targets[i:])  # leaving the labeled statement leaves every loop inside it
                return

    # --- facts -----------------------------------------------------------------------------------
    def call_fact(self, node: Node, ctx: _Ctx) -> JsCall:
        is_new = node.type == "new_expression"
        callee = node.child_by_field_name("constructor" if is_new else "function")
        args_node = node.child_by_field_name("arguments")
        args: list[Any] = []
        options: dict[str, Any] = {}
        if args_node is not None:
            if args_node.type == "arguments":
                for arg in args_node.named_children:
                    if arg.type == "comment":
                        continue
                    if arg.type == "spread_element":
                        args.append(Unknown(self.short(arg)))
                        continue
                    value = self.literal(arg)
                    args.append(value)
                    if isinstance(value, dict):
                        for k, v in value.items():
                            options.setdefault(k, v)
            else:  # tagged template: tag`...`
                args.append(self.literal(args_node))
        if callee is None:
            func, qualname = "?", "?"
        else:
            func = self.written(callee)
            qualname = self.names[callee.id] = self.resolve(callee)
        return JsCall(  # the same names recur in thousands of files: one string each
            func=sys.intern(func),
            qualname=sys.intern(qualname),
            line=node.start_point.row + 1,
            end_line=node.end_point.row + 1,
            col=node.start_point.column,
            args=tuple(args),
            options=options,
            is_new=is_new,
            function=ctx.function,
            in_try=ctx.in_try,
            in_catch=ctx.in_catch,
            in_loop=ctx.in_loop,
        )

    def finish(self) -> None:
        self.settle()
        self.f.while_true_lines = [(start, end, exit_) for (start, end), exit_ in zip(self.loops, self.exits)]
        self.resolved = {}
        # Innermost calls first, so a chain `a.b().c().d()` reuses the names of its inner calls.
        calls = [self.call_fact(node, ctx) for node, ctx in reversed(self.call_nodes)]
        calls.sort(key=lambda c: (c.line, c.col))
        self.f.calls = calls


def _first_error_line(root: Node) -> int:
    node = root
    while not (node.is_error or node.is_missing):
        nxt = next((c for c in node.children if c.has_error or c.is_missing), None)
        if nxt is None:
            break
        node = nxt
    return node.start_point.row + 1


def parse_js(text: str, filename: str = "<file>") -> JsFacts:
    """Facts for one module; a module with syntax errors gets the facts around them and an `error`."""
    facts = JsFacts()
    try:
        src = text.encode("utf-8", "replace")
        first, *others = _grammars_for(str(filename))
        tree = Parser(_language(first)).parse(src)
        for grammar in others if tree.root_node.has_error else ():
            retry = Parser(_language(grammar)).parse(src)
            if not retry.root_node.has_error:
                tree = retry
                break
        root = tree.root_node
        collector = _Collector(src, facts)
        try:
            collector.walk(root)
        finally:
            collector.finish()
        try:
            from readycheck.parsers.js_flows import extract_js_flows

            facts.flows = extract_js_flows(root, src, collector.resolve, collector.flat, collector.names)
        except Exception:  # noqa: BLE001 - a tracing bug costs the flows of one file, not its facts
            facts.flows = []
        if root.has_error:
            facts.error = f"parse error near line {_first_error_line(root)}"
    except Exception as exc:  # never let one odd file stop an audit
        facts.error = facts.error or f"cannot parse: {type(exc).__name__}"
    return facts
