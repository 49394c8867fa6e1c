"""Facts about one Python module, read from its AST: imports with aliases, call sites with keyword
arguments and literal values, decorators, try/except context, and names bound to client objects.

Names are resolved within the module, flow-insensitively, the way a reviewer reads it:

    from openai import OpenAI as C       # C      -> "openai.OpenAI"
    client = C(max_retries=0)            # client -> "openai.OpenAI()"
    client.chat.completions.create(...)  # call   -> "openai.OpenAI().chat.completions.create"

A module-level function whose every return is one resolvable call counts as a wrapper:
`def make_client(): return OpenAI()` makes `make_client()` resolve to `openai.OpenAI()`.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, cast

from readycheck.parsers.pickling import compact_pickle
from readycheck.parsers.qualnames import first_match, qualname_matches

__all__ = ["Unknown", "CallValue", "Combination", "Guard", "RetryLoop", "qualname_matches", "first_match", "ImportFact", "CallFact", "FunctionFact", "PythonFacts", "parse_python"]


@compact_pickle
@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that is not a literal; `source` is its code, shortened."""

    source: str

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<{self.source}>"




@compact_pickle
@dataclass(frozen=True, slots=True)
class CallValue:
    """A call used as a value, e.g. `stop=stop_after_attempt(4)`: its resolved name and arguments."""

    qualname: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    source: str

    def kw(self, name: str, default: Any = None) -> Any:
        return self.kwargs.get(name, default)


@compact_pickle
@dataclass(frozen=True, slots=True)
class Combination:
    """Values joined by an operator, e.g. `wait_exponential(...) + wait_random(0, 1)`."""

    op: str
    items: tuple[Any, ...]
    source: str


@compact_pickle
@dataclass(frozen=True, slots=True)
class Guard:
    """An `if` whose test compares names and whose body stops (raise, return, break)."""

    line: int
    names: tuple[str, ...]


@compact_pickle
@dataclass(frozen=True, slots=True)
class RetryLoop:
    """A hand-written retry loop: a loop whose body catches an exception and sleeps."""

    line: int
    end_line: int
    attempts: int | None  # from `range(N)` when literal
    sleep_source: str
    jitter: bool  # the loop draws a random number
    backoff: bool  # the sleep grows (`**`, `*=`, `<<`)


@compact_pickle
@dataclass(frozen=True, slots=True)
class ImportFact:
    module: str  # "openai" for both `import openai` and `from openai import OpenAI`
    name: str | None  # "OpenAI" for `from openai import OpenAI`, None for `import openai`
    alias: str  # the local name bound
    line: int

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}" if self.name else self.module


@compact_pickle
@dataclass(frozen=True, slots=True)
class CallFact:
    func: str  # as written, dotted: "client.chat.completions.create"
    qualname: str  # resolved: "openai.OpenAI().chat.completions.create"
    line: int
    end_line: int
    col: int
    args: tuple[Any, ...]  # literal values, or Unknown
    kwargs: dict[str, Any]  # keyword -> literal value, or Unknown
    has_star_kwargs: bool
    function: str | None  # enclosing function's name
    in_try: bool  # inside the body of a try that has handlers
    in_except: bool  # inside an except handler
    in_loop: bool
    is_decorator: bool = False
    decorates: str | None = None

    def kw(self, name: str, default: Any = None) -> Any:
        return self.kwargs.get(name, default)


@compact_pickle
@dataclass(frozen=True, slots=True)
class FunctionFact:
    name: str
    line: int
    end_line: int
    decorators: tuple[str, ...]  # resolved qualnames ("tenacity.retry")
    is_async: bool


@dataclass(slots=True)
class PythonFacts:
    imports: list[ImportFact] = field(default_factory=list)
    calls: list[CallFact] = field(default_factory=list)
    functions: list[FunctionFact] = field(default_factory=list)
    bindings: dict[str, str] = field(default_factory=dict)  # local name -> resolved expression
    while_true_lines: list[tuple[int, int, bool]] = field(default_factory=list)  # (line, end, has_break)
    guards: list[Guard] = field(default_factory=list)
    retry_loops: list[RetryLoop] = field(default_factory=list)
    calls_by_function: dict[str, set[str]] = field(default_factory=dict)  # function -> simple names it calls
    assignments: list[tuple[str, Any, int]] = field(default_factory=list)  # (target as written, literal value, line)
    wrappers: dict[str, str] = field(default_factory=dict)  # module-level function -> what every return resolves to
    flows: list[Any] = field(default_factory=list)  # python_flows.Flow: untrusted data reaching sinks
    error: str | None = None

    def imported_modules(self) -> set[str]:
        return {i.module for i in self.imports}

    def imports_any(self, prefixes: Iterable[str]) -> list[ImportFact]:
        """Imports whose module or qualified name starts with one of the dotted prefixes."""
        out = []
        pre = tuple(prefixes)
        for imp in self.imports:
            q = imp.qualname
            if any(q == p or q.startswith(p + ".") or imp.module == p or imp.module.startswith(p + ".") for p in pre):
                out.append(imp)
        return out

    def calls_matching(self, patterns: Iterable[str]) -> list[CallFact]:
        """Calls whose resolved qualname matches one of `patterns` (see `qualname_matches`)."""
        pats = tuple(patterns)
        return [c for c in self.calls if first_match(c.qualname, pats) is not None]


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


_PLAIN_CONSTANTS = (str, int, bool, bytes, type(None))


def _unparse_into(node: ast.AST, out: list[str], depth: int) -> bool:
    """`ast.unparse` for the plain shapes most values take (names, attribute chains, calls,
    literals, lists and dicts of those), appended to `out`; False for anything else, which
    `ast.unparse` itself must spell. Output is exactly what `ast.unparse` writes: none of these
    shapes takes parentheses, whatever the precedence around it."""
    if depth > 40:
        return False
    t = type(node)
    if t is ast.Name:
        out.append(node.id)  # type: ignore[attr-defined]
        return True
    if t is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        if node.kind is not None or type(value) not in _PLAIN_CONSTANTS:  # type: ignore[attr-defined]
            return False
        out.append(repr(value))
        return True
    if t is ast.Attribute:
        value_node = node.value  # type: ignore[attr-defined]
        vt = type(value_node)
        if vt is not ast.Name and vt is not ast.Attribute and vt is not ast.Call:
            return False
        if not _unparse_into(value_node, out, depth + 1):
            return False
        out.append(".")
        out.append(node.attr)  # type: ignore[attr-defined]
        return True
    if t is ast.Call:
        call = cast(ast.Call, node)
        ft = type(call.func)
        if ft is not ast.Name and ft is not ast.Attribute and ft is not ast.Call:
            return False
        if not _unparse_into(call.func, out, depth + 1):
            return False
        out.append("(")
        comma = False
        for arg in call.args:
            if comma:
                out.append(", ")
            comma = True
            if type(arg) is ast.Starred:
                out.append("*")
                if not _unparse_into(arg.value, out, depth + 1):
                    return False
            elif not _unparse_into(arg, out, depth + 1):
                return False
        for kw in call.keywords:
            if comma:
                out.append(", ")
            comma = True
            if kw.arg is None:
                out.append("**")
            else:
                out.append(kw.arg)
                out.append("=")
            if not _unparse_into(kw.value, out, depth + 1):
                return False
        out.append(")")
        return True
    if t is ast.List:
        out.append("[")
        first = True
        for elt in node.elts:  # type: ignore[attr-defined]
            if not first:
                out.append(", ")
            first = False
            if type(elt) is ast.Starred or not _unparse_into(elt, out, depth + 1):
                return False
        out.append("]")
        return True
    if t is ast.Dict:
        out.append("{")
        first = True
        for k, v in zip(node.keys, node.values):  # type: ignore[attr-defined]
            if not first:
                out.append(", ")
            first = False
            if k is None:
                out.append("**")
            else:
                if not _unparse_into(k, out, depth + 1):
                    return False
                out.append(": ")
            if not _unparse_into(v, out, depth + 1):
                return False
        out.append("}")
        return True
    return False


def _unparse(node: ast.AST) -> str:
    """`ast.unparse(node)`, with a quick path for plain shapes."""
    out: list[str] = []
    try:
        if _unparse_into(node, out, 0):
            return "".join(out)
    except Exception:  # noqa: BLE001 - e.g. an int too long to print: let ast.unparse decide
        pass
    return ast.unparse(node)


def _short(node: ast.AST) -> str:
    """Source of a value for messages and matching; plain names are spelled without unparsing."""
    dotted = _dotted(node)
    if dotted is not None:
        return dotted
    try:
        src = _unparse(node)
    except Exception:
        return "?"
    return src if len(src) <= 120 else src[:117] + "..."


_LITERAL_NODES = (ast.Constant, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.UnaryOp, ast.BinOp)


def _fold(node: ast.AST, depth: int = 0) -> int | float | None:
    """Numeric expressions such as 2**10 or 60 * 5, folded; None for anything else. Bounded, so a
    900-term `a + a + ...` costs a few steps, not a quadratic walk."""
    if depth > 16:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _fold(node.operand, depth + 1)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add, ast.Sub, ast.Pow, ast.Div)):
        left = _fold(node.left, depth + 1)
        right = _fold(node.right, depth + 1) if left is not None else None
        if left is None or right is None:
            return None
        try:
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Div):
                return left / right
            if abs(right) < 64:
                return left**right
        except (ArithmeticError, ValueError):
            return None
    return None


def _literal(node: ast.AST) -> Any:
    if type(node) is ast.Constant:
        return node.value  # what `ast.literal_eval` gives a constant
    if isinstance(node, ast.BinOp):
        folded = _fold(node)
        return folded if folded is not None else Unknown(_short(node))
    if not isinstance(node, _LITERAL_NODES):
        return Unknown(_short(node))  # literal_eval would only raise
    try:
        return ast.literal_eval(node)
    except Exception:
        return Unknown(_short(node))


# Fields that never hold code: expression contexts (Load, Store) and operators are nodes too.
_NOT_CODE = frozenset({"ctx", "op", "ops", "type_comment", "kind", "type_ignores"})
_CODE_FIELDS: dict[type, tuple[str, ...]] = {}
_REVERSED_FIELDS: dict[type, tuple[str, ...]] = {}


def _code_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node type that can hold code (no contexts or operators), computed once."""
    fields = _CODE_FIELDS.get(cls)
    if fields is None:
        fields = _CODE_FIELDS[cls] = tuple(f for f in getattr(cls, "_fields", ()) if f not in _NOT_CODE)
    return fields


def _depth_of(item: tuple[int, ast.stmt]) -> int:
    return item[0]


_TRY_STAR: type = getattr(ast, "TryStar", ast.Try)  # `try ... except*` (Python 3.11+)
# What a scanned subtree holds: a statement that stops (raise, return, break), a try with handlers.
_M_STOP = 1
_M_TRY = 2
# Events of the second pass, recorded by the walk in visiting order.
_EV_CALL, _EV_DECORATOR, _EV_FUNCTION, _EV_IF, _EV_LOOP = range(5)
# Binding steps of the prepass rounds.
_P_ANNOTATION, _P_DOTTED, _P_VALUE, _P_WITH = range(4)


class _Collector:
    def __init__(self, facts: PythonFacts) -> None:
        self.f = facts
        self.aliases: dict[str, str] = {}
        self.wrappers: dict[str, str] = facts.wrappers
        self.constants: dict[str, Any] = {}
        self.exprs: dict[str, ast.expr | None] = {}  # names assigned exactly once -> their expression
        self.dict_items: dict[str, dict[str, ast.expr]] = {}  # params["key"] = value, by name
        self._bound = False  # a binding was made (in this round of the prepass)
        self._events: list[Any] = []
        # Answers of `resolve`, once the prepass has settled every binding (it binds nothing after).
        self._resolved: dict[int, tuple[ast.AST, str]] | None = None

    # --- name resolution -------------------------------------------------------------------
    def resolve(self, node: ast.AST, depth: int = 0) -> str:
        """What a name, attribute chain or call names, through imports, bindings and wrappers."""
        cache = self._resolved
        if cache is None or depth:
            return self._resolve(node, depth)
        hit = cache.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
        value = self._resolve(node, 0)
        cache[id(node)] = (node, value)  # the node is kept: its id stays its own
        return value

    def _resolve(self, node: ast.AST, depth: int) -> str:
        if depth > 30:
            return "?"
        if isinstance(node, ast.Name):
            if node.id in self.f.bindings:
                return self.f.bindings[node.id]
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self._resolve(node.value, depth + 1)
            full = f"{base}.{node.attr}"
            # `self.client = OpenAI()` binds "self.client"
            if isinstance(node.value, ast.Name):
                key = f"{node.value.id}.{node.attr}"
                if key in self.f.bindings:
                    return self.f.bindings[key]
            return full
        if isinstance(node, ast.Call):
            inner = self._resolve(node.func, depth + 1)
            if inner in self.wrappers:
                return self.wrappers[inner]
            return inner + "()"
        if isinstance(node, ast.Subscript):
            return self._resolve(node.value, depth + 1) + "[]"
        if isinstance(node, ast.Await):
            return self._resolve(node.value, depth + 1)
        if isinstance(node, (ast.BoolOp, ast.IfExp)):
            # `client or make_client()`, `a if cond else b`: the operand that names something known
            options = node.values if isinstance(node, ast.BoolOp) else [node.body, node.orelse]
            resolved = [self._resolve(v, depth + 1) for v in options]
            known = [r for r, v in zip(resolved, options) if r != "?" and r != self.written(v) and "." in r]
            return known[0] if known else "?"
        return "?"

    def annotation(self, node: ast.AST | None) -> str | None:
        """The class an annotation names (`OpenAI`, `Optional[OpenAI]`, `OpenAI | None`), resolved."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.annotation(node.left) or self.annotation(node.right)
        if isinstance(node, ast.Subscript) and self.written(node.value).split(".")[-1] in ("Optional", "Union"):
            inner = node.slice
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            for part in parts:
                found = self.annotation(part)
                if found:
                    return found
            return None
        if isinstance(node, (ast.Name, ast.Attribute)):
            resolved = self.resolve(node)
            return resolved if "." in resolved and resolved != self.written(node) else None
        return None

    @staticmethod
    def written(node: ast.AST) -> str:
        parts: list[str] = []
        cur = node
        while isinstance(cur, ast.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name):
            parts.append(cur.id)
        elif isinstance(cur, ast.Call):
            parts.append(_Collector.written(cur.func) + "()")
        else:
            parts.append("?")
        return ".".join(reversed(parts))

    # --- first pass: imports, bindings and wrappers (flow-insensitive) ------------------------
    def bind(self, key: str, value: str) -> None:
        """First resolved binding wins; a later round may replace one that did not resolve yet
        (`self.client = client` seen before `client = OpenAI()`)."""
        old = self.f.bindings.get(key)
        if old is None or ("." not in old.replace("()", "") and "." in value):
            self.f.bindings[key] = value
            self._bound = True
    def prepass(self, tree: ast.Module) -> None:
        self._resolved = None
        # One walk of the tree (`_scan`), which also records, in visiting order, what the second
        # pass (`visit`) reads; the rounds below look only at the statements that bind names.
        self._scan(tree)
        # `_scan` walks depth first; a stable sort by depth gives breadth-first (`ast.walk`) order.
        for node in [n for _, n in sorted(self._imports, key=_depth_of)]:
            if isinstance(node, ast.Import):
                for a in node.names:
                    local = a.asname or a.name.split(".")[0]
                    self.aliases[local] = a.name if a.asname else a.name.split(".")[0]
                    self.f.imports.append(ImportFact(a.name, None, local, node.lineno))
            elif isinstance(node, ast.ImportFrom):
                mod = "." * node.level + (node.module or "")
                for a in node.names:
                    if a.name == "*":
                        continue
                    local = a.asname or a.name
                    self.aliases[local] = f"{mod}.{a.name}" if mod else a.name
                    self.f.imports.append(ImportFact(mod, a.name, local, node.lineno))
        binders = [n for _, n in sorted(self._binders, key=_depth_of)]
        # Bindings need aliases; wrappers need bindings. Two rounds settle chains like
        # `C = OpenAI; client = C()`. A round that changes nothing leaves the next one nothing to do.
        returns_of = self._returns_of
        plan: list[tuple[int, ast.AST, Any]] = []  # the binding steps of a round, in order
        for round_ in range(3):
            self._bound = False
            wrappers_before = dict(self.wrappers)
            if round_ == 0:
                for node in binders:
                    self._first_round(node, plan)
            else:
                # Later rounds repeat only the steps that may bind: the rest of the first round
                # (constants, single assignments, dict items) does not depend on bindings.
                step = self._step
                for kind, step_node, key in plan:
                    step(kind, step_node, key)
            for name, returns in returns_of.items():
                if returns and all(r.value is not None for r in returns):
                    targets_ = {self.resolve(r.value) for r in returns if r.value is not None}
                    if len(targets_) == 1:
                        target = targets_.pop()
                        if not target.startswith("?") and target.endswith("()"):
                            self.wrappers[name] = target
            # Bindings only grow (a key is replaced at most once, and never back); each wrapper is
            # set once a round. So a round that bound nothing and left the wrappers as they were
            # starts the next round from the same state, and that round would repeat it exactly.
            if not self._bound and self.wrappers == wrappers_before:
                break
        self._resolved = {}  # bindings and wrappers are settled: `resolve` answers stay true

    def _step(self, kind: int, node: ast.AST, key: Any) -> None:
        """One binding step of a prepass round (see `_first_round`)."""
        if kind == _P_ANNOTATION:
            cls = self.annotation(node)
            if cls:
                self.bind(key, cls + "()")
        elif kind == _P_DOTTED:
            value = self.resolve(node)
            if value != "?" and "." in value:
                self.bind(key, value)
        elif kind == _P_VALUE:
            value = self.resolve(node)
            if value != "?":
                for k in key:
                    if k != value:
                        self.bind(k, value)
        else:  # _P_WITH
            value = self.resolve(node)
            if value != "?":
                self.bind(key, value)

    def _first_round(self, node: ast.AST, plan: list[tuple[int, ast.AST, Any]]) -> None:
        """The first round's reading of one binder: its binding steps (run, and kept in `plan` for
        the later rounds), then what only the first round records."""
        steps: list[tuple[int, ast.AST, Any]] = []
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, (ast.Name, ast.Attribute)):
            steps.append((_P_ANNOTATION, node.annotation, self.written(node.target)))
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
                for t in node.targets:
                    if isinstance(t, ast.Tuple) and len(t.elts) == len(node.value.elts):
                        for te, ve in zip(t.elts, node.value.elts):
                            if isinstance(te, (ast.Name, ast.Attribute)):
                                steps.append((_P_DOTTED, ve, self.written(te)))
            if isinstance(node.value, (ast.Call, ast.Name, ast.Attribute, ast.Await, ast.BoolOp, ast.IfExp)):
                keys = []
                for t in targets:
                    key = self.written(t) if isinstance(t, (ast.Name, ast.Attribute)) else None
                    if key and not key.startswith("?"):
                        keys.append(key)
                if keys:
                    steps.append((_P_VALUE, node.value, tuple(keys)))
            for kind, step_node, key in steps:
                self._step(kind, step_node, key)
            plan.extend(steps)
            for t in targets:
                if isinstance(t, ast.Name):
                    self.exprs[t.id] = node.value if t.id not in self.exprs else None
                if (
                    isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                    and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str)
                ):
                    self.dict_items.setdefault(t.value.id, {})[t.slice.value] = node.value
                if isinstance(t, (ast.Name, ast.Attribute)) and isinstance(node.value, _LITERAL_NODES):
                    lit = _literal(node.value)
                    if not isinstance(lit, Unknown):
                        name = self.written(t)
                        if name not in self.constants:
                            self.constants[name] = lit
                            self.f.assignments.append((name, lit, node.lineno))
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for arg in node.args.args + node.args.kwonlyargs:
                if arg.annotation is not None and arg.arg not in ("self", "cls"):
                    steps.append((_P_ANNOTATION, arg.annotation, arg.arg))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    steps.append((_P_WITH, item.context_expr, item.optional_vars.id))
        for kind, step_node, key in steps:
            self._step(kind, step_node, key)
        plan.extend(steps)

    # --- the walk: binders, imports, returns, and the second pass's events, in one go ------------
    def _scan(self, tree: ast.Module) -> None:
        self._binders: list[tuple[int, ast.stmt]] = []
        self._imports: list[tuple[int, ast.stmt]] = []
        self._returns_of: dict[str, list[ast.Return]] = {}
        self._returns: list[ast.Return] | None = None
        self._events = []
        self._ctx: tuple[str | None, bool, bool, bool] = (None, False, False, False)
        self._block(tree.body, 1)

    def _block(self, stmts: list[ast.stmt], depth: int) -> int:
        """Scan statements at AST depth `depth`; the mask says what they hold (`_M_STOP`, `_M_TRY`)."""
        mask = 0
        stmt = self._stmt
        for st in stmts:
            mask |= stmt(st, depth)
        return mask

    def _stmt(self, st: ast.stmt, depth: int) -> int:
        t = type(st)
        if t is ast.Expr:
            self._expr(st.value)  # type: ignore[attr-defined]
            return 0
        if t is ast.Assign or t is ast.AnnAssign:
            self._binders.append((depth, st))
        elif t is ast.Return:
            if self._returns is not None:
                self._returns.append(st)  # type: ignore[arg-type]
            if st.value is not None:  # type: ignore[attr-defined]
                self._expr(st.value)  # type: ignore[attr-defined]
            return _M_STOP
        elif t is ast.If:
            return self._scan_if(st, depth)  # type: ignore[arg-type]
        elif t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            return self._scan_function(st, depth)  # type: ignore[arg-type]
        elif t is ast.For or t is ast.AsyncFor or t is ast.While:
            return self._scan_loop(st, depth)  # type: ignore[arg-type]
        elif t is ast.ClassDef:
            for dec in st.decorator_list:  # type: ignore[attr-defined]
                self._expr(dec)
            return self._block(st.body, depth + 1)  # type: ignore[attr-defined]
        elif t is ast.With or t is ast.AsyncWith:
            self._binders.append((depth, st))
            for item in st.items:  # type: ignore[attr-defined]
                self._expr(item.context_expr)
                if item.optional_vars is not None:
                    self._expr(item.optional_vars)
            return self._block(st.body, depth + 1)  # type: ignore[attr-defined]
        elif t is ast.Try or t is _TRY_STAR:
            return self._scan_try(st, depth)  # type: ignore[arg-type]
        elif t is ast.Match:
            self._expr(st.subject)  # type: ignore[attr-defined]
            mask = 0
            for case in st.cases:  # type: ignore[attr-defined]
                self._expr(case.pattern)
                if case.guard is not None:
                    self._expr(case.guard)
                mask |= self._block(case.body, depth + 2)
            return mask
        elif t is ast.Import or t is ast.ImportFrom:
            self._imports.append((depth, st))
            return 0
        elif t is ast.Break:
            return _M_STOP
        # any other statement holds expressions only
        for name in _code_fields(t):
            value = getattr(st, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        self._expr(item)
            elif isinstance(value, ast.AST):
                self._expr(value)
        return _M_STOP if t is ast.Raise else 0

    def _scan_if(self, st: ast.If, depth: int) -> int:
        event = [_EV_IF, st, 0]
        self._events.append(event)
        self._expr(st.test)
        body = self._block(st.body, depth + 1)
        event[2] = body
        return body | self._block(st.orelse, depth + 1)

    def _scan_loop(self, st: ast.For | ast.AsyncFor | ast.While, depth: int) -> int:
        event = [_EV_LOOP, st, 0]
        self._events.append(event)
        saved = self._ctx
        self._ctx = (saved[0], saved[1], saved[2], True)
        if isinstance(st, ast.While):
            self._expr(st.test)
        else:
            self._expr(st.target)
            self._expr(st.iter)
        mask = self._block(st.body, depth + 1) | self._block(st.orelse, depth + 1)
        self._ctx = saved
        event[2] = mask
        return mask

    def _scan_try(self, st: ast.Try | ast.TryStar, depth: int) -> int:
        saved = self._ctx
        if st.handlers:
            self._ctx = (saved[0], True, saved[2], saved[3])
        mask = self._block(st.body, depth + 1)
        self._ctx = (saved[0], saved[1], True, saved[3])
        for h in st.handlers:
            if h.type is not None:
                self._expr(h.type)
            mask |= self._block(h.body, depth + 2)
        self._ctx = saved
        mask |= self._block(st.orelse, depth + 1) | self._block(st.finalbody, depth + 1)
        if type(st) is ast.Try and st.handlers:
            mask |= _M_TRY
        return mask

    def _scan_function(self, st: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> int:
        self._binders.append((depth, st))
        for dec in st.decorator_list:
            if isinstance(dec, ast.Call):
                self._events.append((_EV_DECORATOR, dec, self._ctx, st.name))
                for arg in dec.args:
                    self._expr(arg)
                for k in dec.keywords:
                    self._expr(k.value)
        self._events.append((_EV_FUNCTION, st))
        # Defaults and annotations run at definition time: `q: str = Query(max_length=200)`,
        # `Annotated[str, Field(max_length=80)]` are call sites of the enclosing scope.
        args = st.args
        for default_value in args.defaults:
            self._expr(default_value)
        for kw_default in args.kw_defaults:
            if kw_default is not None:
                self._expr(kw_default)
        for parameter in [*args.posonlyargs, *args.args, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a)]:
            if parameter.annotation is not None:
                self._expr(parameter.annotation)
        if st.returns is not None:
            self._expr(st.returns)
        saved = self._ctx
        self._ctx = (st.name, False, False, False)
        if depth == 1:  # a module-level function: a wrapper if every return resolves alike
            returns: list[ast.Return] = []
            self._returns_of[st.name] = returns
            self._returns = returns
            mask = self._block(st.body, depth + 1)
            self._returns = None
        else:
            mask = self._block(st.body, depth + 1)
        self._ctx = saved
        return mask

    def _expr(self, node: ast.AST) -> None:
        """Record the calls in an expression, in the order a `NodeVisitor` visits them."""
        events = self._events
        ctx = self._ctx
        stack: list[Any] = [node]
        pop = stack.pop
        push = stack.append
        extend = stack.extend
        Name, Constant, Attribute, Call = ast.Name, ast.Constant, ast.Attribute, ast.Call
        while stack:
            cur = pop()
            t = type(cur)
            if t is Name or t is Constant:
                continue
            if t is Attribute:
                push(cur.value)
                continue
            if t is Call:
                events.append((_EV_CALL, cur, ctx))
                keywords = cur.keywords
                if keywords:
                    extend([k.value for k in reversed(keywords)])
                args = cur.args
                if args:
                    extend(reversed(args))
                push(cur.func)
                continue
            fields = _REVERSED_FIELDS.get(t)
            if fields is None:
                fields = _REVERSED_FIELDS[t] = tuple(reversed(_code_fields(t)))
            for name in fields:
                value = getattr(cur, name, None)
                if type(value) is list:
                    for item in reversed(value):
                        if isinstance(item, ast.AST):
                            push(item)
                elif isinstance(value, ast.AST):
                    push(value)

    # --- second pass: calls with context --------------------------------------------------------
    def _literal(self, node: ast.AST, depth: int = 0) -> Any:
        if type(node) is ast.Constant:
            return node.value
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.constants[node.id]
        if isinstance(node, ast.Name) and depth < 4 and self.exprs.get(node.id) is not None:
            value = self._literal(self.exprs[node.id], depth + 1)  # type: ignore[arg-type]
            if not isinstance(value, Unknown):
                return value
        if depth < 6 and isinstance(node, ast.Call):
            return CallValue(
                self.resolve(node.func),
                tuple(self._literal(a, depth + 1) for a in node.args),
                {k.arg: self._literal(k.value, depth + 1) for k in node.keywords if k.arg},
                _short(node),
            )
        if depth < 6 and isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.BitOr, ast.BitAnd)):
            lit = _literal(node)
            if not isinstance(lit, Unknown):
                return lit
            op = {ast.Add: "+", ast.BitOr: "|", ast.BitAnd: "&"}[type(node.op)]
            return Combination(op, (self._literal(node.left, depth + 1), self._literal(node.right, depth + 1)), _short(node))
        if depth < 6 and isinstance(node, ast.Dict) and not any(k is None for k in node.keys):
            lit = _literal(node)
            if not isinstance(lit, Unknown):
                return lit
            out: dict[Any, Any] = {}
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant):
                    out[k.value] = self._literal(v, depth + 1)
            return out
        return _literal(node)

    def _expand_star(self, value: ast.expr) -> dict[str, ast.expr] | None:
        """The keys of `**params` when they can be read: a dict literal, `dict(k=v)`, or a name
        bound once to one of those, plus `params["k"] = v` assignments anywhere in the module."""
        name = value.id if isinstance(value, ast.Name) else None
        if name is not None:
            bound = self.exprs.get(name)
            if bound is None:
                return None
            value = bound
        out: dict[str, ast.expr] = {}
        if isinstance(value, ast.Dict):
            for k, v in zip(value.keys, value.values):
                if k is None:
                    return None  # {**other, ...}
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    out[k.value] = v
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict" and not value.args:
            for kw in value.keywords:
                if kw.arg is None:
                    return None
                out[kw.arg] = kw.value
        else:
            return None
        if name is not None:
            out.update(self.dict_items.get(name, {}))
        return out

    def _call_fact(self, node: ast.Call, ctx: tuple[str | None, bool, bool, bool], decorates: str | None = None) -> CallFact:
        kwargs: dict[str, Any] = {}
        star = False
        for kw in node.keywords:
            if kw.arg is None:
                expanded = self._expand_star(kw.value)
                if expanded is None:
                    star = True
                else:
                    for k, v in expanded.items():
                        kwargs.setdefault(k, self._literal(v))
            else:
                kwargs[kw.arg] = self._literal(kw.value)
        return CallFact(  # the same names recur in thousands of files: one string each
            func=sys.intern(self.written(node.func)),
            qualname=sys.intern(self.resolve(node.func)),
            line=node.lineno,
            end_line=getattr(node, "end_lineno", None) or node.lineno,
            col=node.col_offset,
            args=tuple(self._literal(a) for a in node.args),
            kwargs=kwargs,
            has_star_kwargs=star,
            function=ctx[0],
            in_try=ctx[1],
            in_except=ctx[2],
            in_loop=ctx[3],
            is_decorator=decorates is not None,
            decorates=decorates,
        )

    def visit(self, tree: ast.Module) -> None:
        """The second pass: the events `prepass` recorded while walking `tree`, in the order an
        `ast.NodeVisitor` would meet them (calls with their context, functions, ifs, loops)."""
        facts = self.f
        calls = facts.calls
        calls_by_function = facts.calls_by_function
        for event in self._events:
            kind = event[0]
            if kind == _EV_CALL:
                node, ctx = event[1], event[2]
                fact = self._call_fact(node, ctx)
                calls.append(fact)
                if ctx[0] is not None:
                    callees = calls_by_function.setdefault(ctx[0], set())
                    callees.add(fact.func.split(".")[-1])
                    # A function handed to another call runs from here too: breaker.call(self._ask),
                    # executor.submit(work), asyncio.to_thread(fetch).
                    for arg in node.args:
                        if isinstance(arg, (ast.Name, ast.Attribute)):
                            ref = _dotted(arg)
                            if ref is not None:
                                callees.add(ref.rsplit(".", 1)[-1])
            elif kind == _EV_DECORATOR:
                calls.append(self._call_fact(event[1], event[2], decorates=event[3]))
            elif kind == _EV_FUNCTION:
                self._function(event[1])
            elif kind == _EV_IF:
                if event[2] & _M_STOP:
                    self._guard(event[1])
            else:
                self._loop(event[1], event[2])

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        names = [self.resolve(dec.func) if isinstance(dec, ast.Call) else self.resolve(dec) for dec in node.decorator_list]
        self.f.functions.append(
            FunctionFact(
                node.name,
                node.lineno,
                getattr(node, "end_lineno", None) or node.lineno,
                tuple(names),
                isinstance(node, ast.AsyncFunctionDef),
            )
        )

    def _guard(self, node: ast.If) -> None:
        """An `if` whose body stops (raise, return, break anywhere in it): a guard when it compares."""
        compares: list[ast.expr] = [n for n in ast.walk(node.test) if isinstance(n, ast.Compare)]
        test = node.test.operand if isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not) else node.test
        if not compares and isinstance(test, ast.Call):
            compares = [test]  # `if not store.claim(key): return`, `if already_sent(key): return`
        if compares:
            names: list[str] = []
            for c in compares:
                for n in ast.walk(c):
                    if isinstance(n, ast.Name):
                        names.append(n.id)
                    elif isinstance(n, ast.Attribute):
                        names.append(n.attr)
                    elif isinstance(n, ast.Constant) and isinstance(n.value, str):
                        names.append(n.value)
            self.f.guards.append(Guard(node.lineno, tuple(names)))

    def _retry_loop(self, node: ast.For | ast.AsyncFor | ast.While) -> None:
        tries = [n for n in ast.walk(node) if isinstance(n, ast.Try) and n.handlers]
        if not tries:
            return
        sleeps = [
            n for n in ast.walk(node)
            if isinstance(n, ast.Call) and "sleep" in self.resolve(n.func).rsplit(".", 1)[-1].lower()
        ]  # time.sleep, asyncio.sleep, anyio.sleep, or the project's own _sleep_for_retry
        if not sleeps:
            return
        attempts = None
        if isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.iter, ast.Call) and self.resolve(node.iter.func) == "range":
            bounds = [_literal(a) for a in node.iter.args]
            if bounds and all(isinstance(b, int) for b in bounds):
                attempts = bounds[0] if len(bounds) == 1 else bounds[1] - bounds[0]
        source = _short(sleeps[0])
        jitter = any(
            isinstance(n, ast.Call) and self.resolve(n.func).split(".")[0] in ("random", "secrets", "numpy")
            for n in ast.walk(node)
        )
        backoff = any(isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Pow, ast.LShift)) for n in ast.walk(node)) or any(
            isinstance(n, ast.AugAssign) and isinstance(n.op, (ast.Mult, ast.LShift)) for n in ast.walk(node)
        )
        self.f.retry_loops.append(RetryLoop(node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno, attempts, source, jitter, backoff))

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While, mask: int) -> None:
        if mask & _M_TRY:  # a retry loop catches something
            self._retry_loop(node)
        if isinstance(node, ast.While):
            cond = _literal(node.test)
            if cond is True or cond == 1:
                has_break = bool(mask & _M_STOP)
                self.f.while_true_lines.append((node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno, has_break))


def _syntax_error(exc: SyntaxError) -> str:
    if "null bytes" in (exc.msg or ""):
        return "cannot parse: NUL bytes in the source"
    where = f" at line {exc.lineno}" if exc.lineno else ""
    return f"syntax error{where}: {exc.msg}"


def parse_python(text: str, filename: str = "<file>") -> PythonFacts:
    """Facts for one module; a module that does not parse gets empty facts and an `error`."""
    facts = PythonFacts()
    limit = sys.getrecursionlimit()
    try:
        tree = ast.parse(text, filename=filename, type_comments=False)
        sys.setrecursionlimit(max(limit, 10_000))
        collector = _Collector(facts)
        collector.prepass(tree)
        collector.visit(tree)
        from readycheck.parsers.python_flows import extract_flows

        try:
            facts.flows = extract_flows(tree, collector.resolve)
        except Exception:  # noqa: BLE001 - a tracing bug costs the flows of one file, not its facts
            facts.flows = []
    except SyntaxError as exc:
        facts.error = _syntax_error(exc)
    except ValueError as exc:  # Python < 3.11.4 raises ValueError for NUL bytes
        facts.error = "cannot parse: NUL bytes in the source" if "null bytes" in str(exc) else f"cannot parse: {str(exc)[:160]}"
    except RecursionError:
        facts.error = "cannot parse: the code nests too deeply"
    except MemoryError:  # CPython's parser reports a too deeply nested expression as MemoryError
        facts.error = "cannot parse: the code is too deeply nested or too large for Python's parser"
    finally:
        sys.setrecursionlimit(limit)
    facts.calls.sort(key=lambda c: (c.line, c.col))
    return facts
