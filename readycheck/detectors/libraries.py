"""Is this kind of safeguard actually used? One parameterised detector behind many checks.

A check names what counts as use, and the detector looks for it in parsed facts only:

- `python_imports` / `js_imports`: module prefixes (`presidio_analyzer`, `k6`);
- `python_calls` / `js_calls`: call qualnames in `qualname_matches` syntax
  (`openai.*.moderations.create`, `zod.**`), resolved through aliases, bound instances and the
  project's own wrapper functions; a bare decorator (`@task`) counts as a call;
- `python_call_kwargs` / `js_call_options`: for some call patterns, the keyword arguments (or
  object-literal options) that must be present for the call to count
  (`pydantic.Field: [max_length, ...]`, `boto3.client.converse: [guardrailConfig]`);
- `python_guards`: hand-written checks, an `if` that compares and then stops; each entry is a
  regex (or a list of regexes that must all match) over the names the comparison uses;
- `files`: gitignore-style globs of files whose presence is evidence (`**/*.jmx`);
- `config_keys`: dotted key paths in YAML/JSON/TOML, from the document root (`config.phases`); a
  leading `**.` matches at any depth, `*` matches one key;
- `dependencies`: package names in requirements files, pyproject.toml and package.json. A declared
  dependency alone is weak evidence: it gives a warning, "declared but not used".

Calls, guards and (when a check names no calls) imports are code evidence; files and config keys
are evidence of their own kinds. PASS needs `min_kinds` distinct kinds (default 1); imports without
a call, or dependencies without code, warn; nothing at all gives `missing_status` (default fail).
Test files do not count unless `include_tests` is true (load tests live next to tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.llm import has_kw_deep, project_qualname
from readycheck.detectors.project import declared_dependencies, is_test_path, normalise_package as _norm
from readycheck.errors import CheckSpecError
from readycheck.index import SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.python_facts import first_match

__all__ = ["library_evidence"]

_NOT_CONFIG_FILES = re.compile(r"(^|/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|composer\.lock|Cargo\.lock|uv\.lock)$")
_REQUIREMENTS = ("**/requirements*.txt", "**/requirements/*.txt", "**/requirements*.in", "**/requirements/*.in")
_KINDS = ("code", "file", "config")
_MAX_EVIDENCE = 40


def _list(ctx: Context, name: str) -> list[str]:
    value = ctx.param(name) or []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise CheckSpecError(f"{ctx.spec.id}: params.{name} must be a list of strings")
    return list(value)


def _filters(ctx: Context, name: str, patterns: Sequence[str]) -> dict[str, frozenset[str]]:
    """pattern -> keys one of which the call must pass; a plain list applies to every pattern."""
    value = ctx.param(name) or {}
    if isinstance(value, (list, tuple)):
        return {p: frozenset(value) for p in patterns}
    if not isinstance(value, Mapping):
        raise CheckSpecError(f"{ctx.spec.id}: params.{name} must map call patterns to lists of keyword names")
    return {str(k): frozenset([v] if isinstance(v, str) else v) for k, v in value.items()}


def _status(ctx: Context) -> Status:
    value = str(ctx.param("missing_status", "fail")).lower()
    if value not in ("fail", "warn"):
        raise CheckSpecError(f"{ctx.spec.id}: params.missing_status must be 'fail' or 'warn'")
    return Status(value)


@dataclass
class _Found:
    prefer: frozenset[str] = frozenset()
    prefer_what: str = "preferred"
    # kind -> (path, line) -> (evidence, preferred); one piece of evidence per line, so a chain
    # of calls on one line (`z.string().trim().max(200)`) counts once, by its preferred link.
    strong: dict[str, dict[tuple[str, int | None], tuple[Evidence, bool]]] = field(default_factory=lambda: {k: {} for k in _KINDS})
    names: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in _KINDS})
    imports: list[Evidence] = field(default_factory=list)
    imported: set[str] = field(default_factory=set)
    deps: list[Evidence] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)

    def add(self, kind: str, name: str, ev: Evidence, preferred: bool = False) -> None:
        self.names[kind].add(name)
        key = (ev.path, ev.line)
        held = self.strong[kind].get(key)
        if held is None or (preferred and not held[1]):
            if preferred:
                ev = Evidence(ev.path, ev.line, ev.snippet, f"{ev.note} ({self.prefer_what})")
            self.strong[kind][key] = (ev, preferred)

    def add_import(self, f: SourceFile, line: int, module: str, name: str) -> None:
        """An import that does not count alone; names imported on one line share one piece of evidence."""
        self.imported.add(module)
        for i, ev in enumerate(self.imports):
            if ev.path == f.path and ev.line == line:
                if f"`{name}`" not in (ev.note or ""):
                    self.imports[i] = Evidence(ev.path, ev.line, ev.snippet, (ev.note or "").replace(" imported", f", `{name}` imported"))
                return
        self.imports.append(evidence_at(f, line, f"`{name}` imported"))

    def kinds(self) -> list[str]:
        return [k for k in _KINDS if self.strong[k]]

    def evidence(self, kinds: Sequence[str]) -> tuple[list[Evidence], int]:
        """Evidence of the given kinds, preferred first and capped; and how many are preferred."""
        held = [pair for k in kinds for pair in self.strong[k].values()]
        held.sort(key=lambda pair: not pair[1])
        return [ev for ev, _ in held[:_MAX_EVIDENCE]], sum(1 for _, p in held if p)

    def preferred_call(self, qualname: str, keywords: Any) -> bool:
        """A call that carries a preferred keyword or option, or has one as a link of its chain."""
        if not self.prefer:
            return False
        links = {seg.replace("()", "") for seg in qualname.split(".")}
        return bool(links & self.prefer) or has_kw_deep(keywords, self.prefer, trust_source=False)


def _call_note(qualname: str, hits: Sequence[str] = ()) -> str:
    inner = ", ".join(f"{h}=..." for h in hits) if hits else "..."
    return f"`{qualname}({inner})`"


def _match(qualname: str, patterns: Sequence[str]) -> str | None:
    return first_match(qualname, patterns)


def _root(pattern_or_name: str) -> str:
    return pattern_or_name.replace("()", "").split(".")[0]


def _receiver_match(qualname: str, patterns: Sequence[str], imported_roots: set[str]) -> str | None:
    """A method called on a client the code did not build itself (a parameter, an attribute set
    from one): `self._client.moderations.create` matches `openai.*.moderations.create` when the
    file imports `openai` and the call's receiver resolves to nothing imported. Only distinctive
    tails (two segments or more after the client) are matched this way."""
    segs = qualname.replace("()", "").split(".")
    if len(segs) < 3 or segs[0] in imported_roots:
        return None
    for p in patterns:
        ps = p.replace("()", "").split(".")
        if ps[0] not in imported_roots or ps[-1] == "**":
            continue
        for k in range(1, len(ps) - 2):
            if ps[k] == "*" or ps[k][:1].isupper():
                tail = ps[k + 1:]
                if len(tail) >= 2 and segs[-len(tail):] == tail and len(segs) > len(tail):
                    return p
    return None


# --- Python ---------------------------------------------------------------------------------------
def _python(ctx: Context, found: _Found, include_tests: bool) -> None:
    imports = _list(ctx, "python_imports")
    calls = _list(ctx, "python_calls")
    kw_filters = _filters(ctx, "python_call_kwargs", calls)
    guards = [[g] if isinstance(g, str) else list(g) for g in (ctx.param("python_guards") or [])]
    try:
        guard_rx = [[re.compile(rx) for rx in entry] for entry in guards]
    except re.error as exc:
        raise CheckSpecError(f"{ctx.spec.id}: invalid regular expression in params.python_guards: {exc}") from None
    if not (imports or calls or guard_rx):
        return
    for f in ctx.index.by_kind("python"):
        if not include_tests and is_test_path(f.path):
            continue
        facts = f.python
        if facts is None:
            continue
        for imp in facts.imports_any(imports) if imports else []:
            mod = imp.qualname
            if calls:
                found.add_import(f, imp.line, imp.module or mod, mod)
            else:
                found.add("code", _root(mod), evidence_at(f, imp.line, f"`{mod}` imported"))
        if calls:
            roots = {i.module.split(".")[0] for i in facts.imports if i.module and not i.module.startswith(".")}
            for call in facts.calls:
                qn = call.qualname
                pattern = _match(qn, calls)
                if pattern is None and "." in qn and not qn.startswith(("self.", "?")):
                    qn = project_qualname(ctx.index, qn)
                    pattern = _match(qn, calls)
                inferred = False
                if pattern is None:
                    pattern = _receiver_match(qn, calls, roots)
                    inferred = pattern is not None
                if pattern is None:
                    continue
                keys = kw_filters.get(pattern)
                hits: list[str] = []
                if keys is not None:
                    hits = sorted(k for k in keys if has_kw_deep(call.kwargs, frozenset({k}), trust_source=False))
                    if not hits:
                        continue
                note = _call_note(qn, hits)
                if inferred:
                    note += f", called on a client passed in (the file imports `{_root(pattern)}`)"
                name = _root(pattern) if inferred else _root(qn)
                found.add("code", name, evidence_at(f, call.line, note), found.preferred_call(qn, call.kwargs))
            for fn in facts.functions:
                for dec in fn.decorators:
                    if _match(dec, calls) and not any(c.is_decorator and c.decorates == fn.name and c.qualname == dec for c in facts.calls):
                        found.add("code", _root(dec), evidence_at(f, fn.line, f"`@{dec}` on {fn.name}()"), found.preferred_call(dec, {}))
        for guard in facts.guards:
            for entry in guard_rx:
                if all(any(rx.search(n) for n in guard.names) for rx in entry):
                    names = sorted({n for n in guard.names if any(rx.search(n) for rx in entry)})
                    preferred = bool(found.prefer & set(guard.names))
                    found.add("code", "hand-written check", evidence_at(f, guard.line, f"hand-written check on {', '.join(names)}"), preferred)
                    break


# --- JavaScript / TypeScript ----------------------------------------------------------------------
def _js_module_matches(module: str, prefixes: Sequence[str]) -> bool:
    return any(module == p or module.startswith(p + "/") for p in prefixes)


def _js(ctx: Context, found: _Found, include_tests: bool) -> None:
    imports = _list(ctx, "js_imports")
    calls = _list(ctx, "js_calls")
    opt_filters = _filters(ctx, "js_call_options", calls)
    if not (imports or calls):
        return
    for f in ctx.index.by_kind("javascript", "typescript"):
        if not include_tests and is_test_path(f.path):
            continue
        js = f.js
        if js is None:
            continue
        for imp in js.imports:
            if imports and _js_module_matches(imp.module, imports):
                if calls:
                    found.add_import(f, imp.line, imp.module, imp.qualname)
                else:
                    found.add("code", imp.module, evidence_at(f, imp.line, f"`{imp.module}` imported"))
        for call in js.calls if calls else []:
            pattern = _match(call.qualname, calls)
            if pattern is None:
                continue
            keys = opt_filters.get(pattern)
            hits: list[str] = []
            if keys is not None:
                hits = sorted(k for k in keys if has_kw_deep(call.options, frozenset({k}), trust_source=False))
                if not hits:
                    continue
            note = ("new " if call.is_new else "") + (f"`{call.qualname}({{ {', '.join(hits)} }})`" if hits else _call_note(call.qualname))
            found.add("code", _root(call.qualname), evidence_at(f, call.line, note), found.preferred_call(call.qualname, call.options))


# --- files and configuration ----------------------------------------------------------------------
def _files(ctx: Context, found: _Found) -> None:
    globs = _list(ctx, "files")
    if not globs:
        return
    for f in ctx.index.glob(globs):
        found.add("file", f.name, evidence_at(f, 1, f"{f.kind if f.kind != 'other' else 'file'} `{f.name}` present"))


def _key_matches(path: tuple[Any, ...], pattern: Sequence[str]) -> bool:
    if pattern and pattern[0] == "**":
        rest = pattern[1:]
        return len(path) >= len(rest) and _key_matches(path[len(path) - len(rest):], rest)
    return len(path) == len(pattern) and all(p == "*" or str(k) == p for k, p in zip(path, pattern))


def _config(ctx: Context, found: _Found) -> None:
    keys = [k.split(".") for k in _list(ctx, "config_keys")]
    if not keys:
        return
    for f in ctx.index.by_kind("yaml", "json", "toml"):
        if _NOT_CONFIG_FILES.search(f.path):
            continue
        for doc in f.documents:
            for path, value in doc.walk():
                if not path or value in (None, "", [], {}):
                    continue
                if any(_key_matches(path, k) for k in keys):
                    dotted = ".".join(str(p) for p in path)
                    found.add("config", dotted, evidence_at(f, doc.line_of(path), f"`{dotted}` set in {f.name}"))


# --- dependencies ---------------------------------------------------------------------------------
def _dependencies(ctx: Context, found: _Found) -> None:
    wanted = {_norm(n) for n in _list(ctx, "dependencies")}
    if not wanted:
        return
    manifests = ctx.index.glob([*_REQUIREMENTS, "**/pyproject.toml", "**/package.json"])
    deps = ctx.index.memo("declared-dependencies", lambda: declared_dependencies(manifests))
    for name, f, line in deps:
        if name in wanted:
            found.deps.append(evidence_at(f, line, f"`{name}` declared in {f.name}"))
            found.declared.add(name)


# --- the detector ---------------------------------------------------------------------------------
def _names(values: Iterable[str], limit: int = 5) -> str:
    items = sorted(set(values))
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def library_evidence(ctx: Context) -> Outcome:
    what = str(ctx.param("what", "safeguard"))
    min_kinds = int(ctx.param("min_kinds", 1))
    include_tests = bool(ctx.param("include_tests", False))
    found = _Found(frozenset(_list(ctx, "prefer")), str(ctx.param("prefer_what", "preferred")))
    _python(ctx, found, include_tests)
    _js(ctx, found, include_tests)
    _files(ctx, found)
    _config(ctx, found)
    _dependencies(ctx, found)

    kinds = found.kinds()
    strong, preferred = found.evidence(kinds)
    summary = "; ".join(
        f"{plural(len(found.strong[k]), {'code': 'code site', 'file': 'file', 'config': 'config key'}[k])} ({_names(found.names[k])})"
        for k in kinds
    )
    if found.prefer and kinds:
        summary += f"; {plural(preferred, found.prefer_what)}" if preferred else f"; no {found.prefer_what} found"
    if kinds and len(kinds) >= min_kinds:
        return outcome(Status.PASS, f"{what} in use: {summary}", strong)
    if kinds:
        return outcome(Status.WARN, f"{what} found in {plural(len(kinds), 'kind')} of evidence, {min_kinds} wanted: {summary}", strong)
    if found.imports:
        return outcome(
            Status.WARN,
            f"{what} library imported but never applied ({_names(found.imported)}): no call that uses it was found",
            found.imports + found.deps,
        )
    if found.deps:
        return outcome(Status.WARN, f"{what} declared but not used ({_names(found.declared)}): no import or call in the code", found.deps)
    return outcome(_status(ctx), f"no {what} found in code, configuration or files")
