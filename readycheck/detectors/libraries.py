"""Is this kind of safeguard actually used? One parameterised detector behind many checks.

A check names what counts as use, and the detector looks for it in parsed facts only:

- `python_imports` / `js_imports`: module prefixes (`presidio_analyzer`, `k6`);
- `python_calls` / `js_calls`: call qualnames in `qualname_matches` syntax
  (`openai.*.moderations.create`, `zod.**`), resolved through aliases, bound instances and the
  project's own wrapper functions; a bare decorator (`@task`) counts as a call. A leading `**.`
  matches a method on any receiver (`**.normalize` is `text.normalize(...)` whatever `text` is);
  give such a pattern a filter, it says little alone;
- `python_call_kwargs` / `js_call_options`: for some call patterns, the keyword arguments (or
  object-literal options) one of which must be present for the call to count
  (`pydantic.Field: [max_length, ...]`, `boto3.client.converse: [guardrailConfig]`). An entry
  `name=value` also wants that literal value, compared case-insensitively with `*` and `?`
  wildcards (`source=INPUT`, `model=*Prompt-Guard*`); a number names a positional argument
  (`0=NFKC`). Values are looked for in nested dicts and config objects too; a string's control
  characters compare as their escapes (`\\x00`), and a JS regex literal as its text;
- `python_guards`: hand-written checks, an `if` that compares and then stops; each entry is a
  regex (or a list of regexes that must all match) over the names the comparison uses;
- `files`: gitignore-style globs of files whose presence is evidence (`**/*.jmx`);
- `config_keys`: dotted key paths in YAML/JSON/TOML, from the document root (`config.phases`); a
  leading `**.` matches at any depth, `*` matches one key or list item; a key that holds dots
  is quoted (`**.annotations."nginx.ingress.kubernetes.io/limit-rps"`); `path=value` also wants
  that value, as above (`**.plugins.*.name=rate-limiting*`);
- `terraform_attributes`: the same paths in Terraform resources, from the resource type
  (`aws_api_gateway_method_settings.settings.throttling_rate_limit`, `*` for any type); nested
  blocks are transparent, so a path never names a list position;
- `dependencies`: package names in requirements files, pyproject.toml and package.json. A declared
  dependency alone is weak evidence: it gives a warning, "declared but not used".

Any of the lists above except `dependencies` may instead be a mapping from a label to a list
(`python_calls: {schema validation: [...], injection screening: [...]}`): the message then
names the labels evidence was found for, in the order the spec declares them, after `prefer`'s
(`input validation in use (length limits, schema validation, injection screening): ...`).

Calls, guards and (when a check names no calls) imports are code evidence; files are evidence of
their own kind, config keys and Terraform attributes of another. PASS needs `min_kinds` distinct
kinds (default 1); imports without a call, or dependencies without code, warn; nothing at all
gives `missing_status` (default fail). Test files do not count unless `include_tests` is true
(load tests live next to tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any, Iterable, Iterator, Mapping, Sequence

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.llm import has_kw_deep, project_qualname
from readycheck.detectors.project import declared_dependencies, imports_any, is_test_path, normalise_package as _norm
from readycheck.errors import CheckSpecError
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.python_facts import CallValue, Unknown, qualname_matches
from readycheck.parsers.structured import StructuredDoc
from readycheck.parsers.terraform import TfBlock

__all__ = ["library_evidence"]

_NOT_CONFIG_FILES = re.compile(r"(^|/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|composer\.lock|Cargo\.lock|uv\.lock)$")
_REQUIREMENTS = ("**/requirements*.txt", "**/requirements/*.txt", "**/requirements*.in", "**/requirements/*.in")
_KINDS = ("code", "file", "config")
_MAX_EVIDENCE = 40
_LABELLED = ("python_imports", "python_calls", "python_guards", "js_imports", "js_calls", "files", "config_keys", "terraform_attributes")


# --- params ---------------------------------------------------------------------------------------
def _entries(ctx: Context, name: str) -> list[tuple[Any, str | None]]:
    """A list param's entries with their labels: a plain list has none; a mapping labels the
    entries of each of its lists."""
    value = ctx.param(name) or []
    groups: Iterable[tuple[Any, Any]] = value.items() if isinstance(value, Mapping) else [(None, value)]
    out: list[tuple[Any, str | None]] = []
    for label, items in groups:
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, (list, tuple)):
            raise CheckSpecError(f"{ctx.spec.id}: params.{name} must be a list, or a mapping of labels to lists")
        out.extend((item, None if label is None else str(label)) for item in items)
    return out


def _list(ctx: Context, name: str) -> list[str]:
    items = [entry for entry, _ in _entries(ctx, name)]
    if not all(isinstance(v, str) for v in items):
        raise CheckSpecError(f"{ctx.spec.id}: params.{name} must be a list of strings")
    return items


def _labels(ctx: Context, name: str) -> dict[str, str]:
    """entry -> its label; where an entry is listed under two labels, the first wins."""
    out: dict[str, str] = {}
    for entry, label in _entries(ctx, name):
        if label is not None and isinstance(entry, str):
            out.setdefault(entry, label)
    return out


def _label_order(ctx: Context) -> list[str]:
    order: list[str] = []
    for name, value in ctx.params.items():
        if name in _LABELLED and isinstance(value, Mapping):
            for label in map(str, value):
                if label not in order:
                    order.append(label)
    return order


def _parse_key(ctx: Context, name: str, entry: str) -> tuple[tuple[str, ...], str | None]:
    """`a.*."b.c"=v*` -> (("a", "*", "b.c"), "v*"): dots inside quotes belong to the key."""
    parts: list[str] = []
    cur: list[str] = []
    quoted = False
    glob: str | None = None
    for i, ch in enumerate(entry):
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append("".join(cur))
            cur = []
        elif ch == "=" and not quoted:
            glob = entry[i + 1:]
            break
        else:
            cur.append(ch)
    parts.append("".join(cur))
    if quoted or not all(parts):
        raise CheckSpecError(f"{ctx.spec.id}: params.{name}: malformed key path {entry!r}")
    return tuple(parts), glob


def _status(ctx: Context) -> Status:
    value = str(ctx.param("missing_status", "fail")).lower()
    if value not in ("fail", "warn"):
        raise CheckSpecError(f"{ctx.spec.id}: params.missing_status must be 'fail' or 'warn'")
    return Status(value)


# --- literal values -------------------------------------------------------------------------------
def _escaped(text: str) -> str:
    """Control and format characters as their escapes: "\\x00", "\\u202e"."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _value_matches(value: Any, glob: str) -> bool:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (str, int, float)):
        text = str(value)
    elif isinstance(value, Unknown) and value.source.startswith("/"):
        text = value.source  # a JS regex literal
    else:
        return False
    g = glob.lower()
    return fnmatchcase(text.lower(), g) or fnmatchcase(_escaped(text).lower(), g)


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = _escaped(value)
        return '"' + (text if len(text) <= 60 else text[:59] + "…") + '"'
    if isinstance(value, Unknown):
        return value.source if len(value.source) <= 60 else value.source[:59] + "…"
    return repr(value)


def _deep_values(value: Any, key: str, depth: int = 0) -> Iterator[Any]:
    """Every value given to `key` in a call's arguments, nested dicts and config objects included."""
    if depth > 6:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                yield v
            yield from _deep_values(v, key, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _deep_values(v, key, depth + 1)
    elif isinstance(value, CallValue):
        yield from _deep_values(value.kwargs, key, depth + 1)
        for a in value.args:
            yield from _deep_values(a, key, depth + 1)


# --- call patterns and their filters --------------------------------------------------------------
class _Patterns:
    """A check's call patterns: `plain` ones in `qualname_matches` syntax, and `**.` ones that name
    a method on any receiver. Answers are memoised per qualname (a project calls the same names
    thousands of times), and plain patterns are indexed by their first segment, so a name is
    compared only with the patterns that could match it, in their declared order."""

    __slots__ = ("plain", "anywhere", "_by_first", "_any_first", "_memo")

    def __init__(self, plain: tuple[str, ...], anywhere: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        self.plain = plain
        self.anywhere = anywhere  # `**.normalize` -> ("normalize",)
        by_first: dict[str, list[int]] = {}
        any_first: list[int] = []
        for i, pattern in enumerate(plain):
            parts = pattern.replace("()", "").split(".")
            head = parts[0]
            if head in ("*", "**") or (len(parts) == 1 and head == ""):
                any_first.append(i)
            else:
                by_first.setdefault(head, []).append(i)
        self._any_first = tuple(any_first)
        self._by_first = {k: tuple(sorted(v + any_first)) for k, v in by_first.items()}
        self._memo: dict[str, str | None] = {}

    @classmethod
    def of(cls, patterns: Sequence[str]) -> _Patterns:
        return cls(
            tuple(p for p in patterns if not p.startswith("**.")),
            tuple((p, tuple(p[3:].replace("()", "").split("."))) for p in patterns if p.startswith("**.")),
        )

    def __bool__(self) -> bool:
        return bool(self.plain or self.anywhere)

    def match(self, qualname: str) -> str | None:
        try:
            return self._memo[qualname]
        except KeyError:
            pass
        hit = self._match(qualname)
        self._memo[qualname] = hit
        return hit

    def _first_plain(self, qualname: str) -> str | None:
        """What `first_match(qualname, self.plain)` answers: the first plain pattern it matches."""
        head = qualname.replace("()", "").split(".", 1)[0]
        for i in self._by_first.get(head, self._any_first):
            if qualname_matches(qualname, self.plain[i]):
                return self.plain[i]
        return None

    def _match(self, qualname: str) -> str | None:
        hit = self._first_plain(qualname) if self.plain else None
        if hit is None and self.anywhere:
            segs = qualname.replace("()", "").split(".")
            for pattern, tail in self.anywhere:
                if len(segs) > len(tail) and all(t == "*" or t == s for t, s in zip(tail, segs[-len(tail):])):
                    return pattern
        return hit


@dataclass(frozen=True, slots=True)
class _Need:
    key: str  # a keyword or option name, or an argument position ("0")
    glob: str | None  # the value it must hold; None: any value


def _needs(ctx: Context, name: str, patterns: Sequence[str]) -> dict[str, tuple[_Need, ...]]:
    """pattern -> what the call must pass, one of which is enough; a plain list applies to every pattern."""
    value = ctx.param(name) or {}
    if isinstance(value, (list, tuple)):
        value = {p: list(value) for p in patterns}
    if not isinstance(value, Mapping):
        raise CheckSpecError(f"{ctx.spec.id}: params.{name} must map call patterns to lists of keyword names")
    out: dict[str, tuple[_Need, ...]] = {}
    for pattern, entries in value.items():
        items = [entries] if isinstance(entries, str) else entries
        if not isinstance(items, (list, tuple)) or not all(isinstance(e, str) for e in items):
            raise CheckSpecError(f"{ctx.spec.id}: params.{name}.{pattern} must be a list of keyword names")
        needs = []
        for entry in items:
            key, sep, glob = entry.partition("=")
            needs.append(_Need(key.strip(), glob if sep else None))
        out[str(pattern)] = tuple(needs)
    return out


def _hits(needs: Sequence[_Need], args: Sequence[Any], kwargs: Mapping[str, Any], js: bool) -> tuple[list[str], list[str]]:
    """The needs a call meets, as shown in a note: (positional arguments, keywords or options)."""
    positional: dict[int, str] = {}
    named: set[str] = set()
    for need in needs:
        if need.key.isdigit():
            i = int(need.key)
            if i not in positional and i < len(args) and (need.glob is None or _value_matches(args[i], need.glob)):
                positional[i] = _show(args[i])
        elif need.glob is None:
            if has_kw_deep(kwargs, frozenset({need.key}), trust_source=False):
                named.add(need.key if js else f"{need.key}=...")
        else:
            for v in _deep_values(dict(kwargs), need.key):
                if _value_matches(v, need.glob):
                    named.add(f"{need.key}: {_show(v)}" if js else f"{need.key}={_show(v)}")
                    break
    return [positional[i] for i in sorted(positional)], sorted(named)


@dataclass
class _Found:
    prefer: frozenset[str] = frozenset()
    prefer_what: str = "preferred"
    # kind -> (path, line) -> (evidence, preferred); one piece of evidence per line, so a chain
    # of calls on one line (`z.string().trim().max(200)`) counts once, by its preferred link.
    strong: dict[str, dict[tuple[str, int | None], tuple[Evidence, bool]]] = field(default_factory=lambda: {k: {} for k in _KINDS})
    names: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in _KINDS})
    labels: set[str] = field(default_factory=set)
    imports: list[Evidence] = field(default_factory=list)
    imported: set[str] = field(default_factory=set)
    deps: list[Evidence] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)

    def add(self, kind: str, name: str, ev: Evidence, preferred: bool = False, label: str | None = None) -> None:
        self.names[kind].add(name)
        if label is not None:
            self.labels.add(label)
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


def _call_note(qualname: str, positional: Sequence[str] = (), named: Sequence[str] = ()) -> str:
    inner = ", ".join([*positional, *named]) if positional or named else "..."
    return f"`{qualname}({inner})`"


def _root(pattern_or_name: str) -> str:
    return pattern_or_name.replace("()", "").split(".")[0]


def _name(pattern: str, qualname: str) -> str:
    """What a call is listed as in the message: its library, or the method a `**.` pattern names."""
    return pattern[3:] if pattern.startswith("**.") else _root(qualname)


@lru_cache(maxsize=4096)
def _segments(pattern: str) -> list[str]:
    """A pattern's segments, `()` dropped (read only: the list is shared)."""
    return pattern.replace("()", "").split(".")


def _receiver_match(qualname: str, patterns: Sequence[str], imported_roots: set[str]) -> str | None:
    """A method called on a client the code did not build itself (a parameter, an attribute set
    from one): `self._client.moderations.create` matches `openai.*.moderations.create` when the
    file imports `openai` and the call's receiver resolves to nothing imported. Only distinctive
    tails (two segments or more after the client) are matched this way."""
    segs = qualname.replace("()", "").split(".")
    if len(segs) < 3 or segs[0] in imported_roots:
        return None
    for p in patterns:
        ps = _segments(p)
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
    import_labels = _labels(ctx, "python_imports")
    call_list = _list(ctx, "python_calls")
    calls = _Patterns.of(call_list)
    labels = _labels(ctx, "python_calls")
    needs = _needs(ctx, "python_call_kwargs", call_list)
    guard_rx: list[tuple[list[re.Pattern[str]], str | None]] = []
    for entry, label in _entries(ctx, "python_guards"):
        try:
            guard_rx.append(([re.compile(rx) for rx in ([entry] if isinstance(entry, str) else list(entry))], label))
        except (re.error, TypeError) as exc:
            raise CheckSpecError(f"{ctx.spec.id}: invalid regular expression in params.python_guards: {exc}") from None
    if not (imports or calls or guard_rx):
        return
    for f in ctx.index.by_kind("python"):
        if not include_tests and is_test_path(f.path):
            continue
        facts = f.python
        if facts is None:
            continue
        for imp in imports_any(facts, imports) if imports else []:
            mod = imp.qualname
            if calls:
                found.add_import(f, imp.line, imp.module or mod, mod)
            else:
                label = next((import_labels[p] for p in import_labels if mod == p or mod.startswith(p + ".") or imp.module == p or imp.module.startswith(p + ".")), None)
                found.add("code", _root(mod), evidence_at(f, imp.line, f"`{mod}` imported"), label=label)
        if calls:
            roots = {i.module.split(".")[0] for i in facts.imports if i.module and not i.module.startswith(".")}
            for call in facts.calls:
                qn = call.qualname
                pattern = calls.match(qn)
                if pattern is None and "." in qn and not qn.startswith(("self.", "?")):
                    qn = project_qualname(ctx.index, qn)
                    pattern = calls.match(qn)
                inferred = False
                if pattern is None:
                    pattern = _receiver_match(qn, calls.plain, roots)
                    inferred = pattern is not None
                if pattern is None:
                    continue
                positional: list[str] = []
                named: list[str] = []
                if pattern in needs:
                    positional, named = _hits(needs[pattern], call.args, call.kwargs, js=False)
                    if not (positional or named):
                        continue
                note = _call_note(qn, positional, named)
                if inferred:
                    note += f", called on a client passed in (the file imports `{_root(pattern)}`)"
                name = _root(pattern) if inferred else _name(pattern, qn)
                found.add("code", name, evidence_at(f, call.line, note), found.preferred_call(qn, call.kwargs), labels.get(pattern))
            for fn in facts.functions:
                for dec in fn.decorators:
                    pattern = calls.match(dec)
                    if pattern is None or pattern in needs:
                        continue  # a bare decorator passes no argument a filter could want
                    if not any(c.is_decorator and c.decorates == fn.name and c.qualname == dec for c in facts.calls):
                        found.add("code", _name(pattern, dec), evidence_at(f, fn.line, f"`@{dec}` on {fn.name}()"), found.preferred_call(dec, {}), labels.get(pattern))
        for guard in facts.guards:
            for rxs, label in guard_rx:
                if all(any(rx.search(n) for n in guard.names) for rx in rxs):
                    names = sorted({n for n in guard.names if any(rx.search(n) for rx in rxs)})
                    preferred = bool(found.prefer & set(guard.names))
                    found.add("code", "hand-written check", evidence_at(f, guard.line, f"hand-written check on {', '.join(names)}"), preferred, label)
                    break


# --- JavaScript / TypeScript ----------------------------------------------------------------------
def _js_module_matches(module: str, prefixes: Sequence[str]) -> bool:
    return any(module == p or module.startswith(p + "/") for p in prefixes)


def _js(ctx: Context, found: _Found, include_tests: bool) -> None:
    imports = _list(ctx, "js_imports")
    import_labels = _labels(ctx, "js_imports")
    call_list = _list(ctx, "js_calls")
    calls = _Patterns.of(call_list)
    labels = _labels(ctx, "js_calls")
    needs = _needs(ctx, "js_call_options", call_list)
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
                    label = next((import_labels[p] for p in import_labels if _js_module_matches(imp.module, [p])), None)
                    found.add("code", imp.module, evidence_at(f, imp.line, f"`{imp.module}` imported"), label=label)
        for call in js.calls if calls else []:
            pattern = calls.match(call.qualname)
            if pattern is None:
                continue
            positional: list[str] = []
            named: list[str] = []
            if pattern in needs:
                positional, named = _hits(needs[pattern], call.args, call.options, js=True)
                if not (positional or named):
                    continue
            inner = [*positional, *([f"{{ {', '.join(named)} }}"] if named else [])]
            note = ("new " if call.is_new else "") + (f"`{call.qualname}({', '.join(inner)})`" if inner else _call_note(call.qualname))
            found.add("code", _name(pattern, call.qualname), evidence_at(f, call.line, note), found.preferred_call(call.qualname, call.options), labels.get(pattern))


# --- files and configuration ----------------------------------------------------------------------
def _files(ctx: Context, found: _Found) -> None:
    groups: dict[str | None, list[str]] = {}
    for glob, label in _entries(ctx, "files"):
        if not isinstance(glob, str):
            raise CheckSpecError(f"{ctx.spec.id}: params.files must be a list of strings")
        groups.setdefault(label, []).append(glob)
    seen: set[str] = set()
    for label, globs in groups.items():
        for f in ctx.index.glob(globs):
            if f.path not in seen:
                seen.add(f.path)
                found.add("file", f.name, evidence_at(f, 1, f"{f.kind if f.kind != 'other' else 'file'} `{f.name}` present"), label=label)


def _key_matches(path: tuple[Any, ...], pattern: Sequence[str]) -> bool:
    if pattern and pattern[0] == "**":
        rest = pattern[1:]
        return len(path) >= len(rest) and _key_matches(path[len(path) - len(rest):], rest)
    return len(path) == len(pattern) and all(p == "*" or str(k) == p for k, p in zip(path, pattern))


_Key = tuple[tuple[str, ...], str | None, str | None]  # path pattern, value glob, label


def _keys(ctx: Context, name: str) -> list[_Key]:
    out: list[_Key] = []
    for entry, label in _entries(ctx, name):
        if not isinstance(entry, str):
            raise CheckSpecError(f"{ctx.spec.id}: params.{name} must be a list of strings")
        parts, glob = _parse_key(ctx, name, entry)
        out.append((parts, glob, label))
    return out


def _first_key(path: tuple[Any, ...], value: Any, keys: Sequence[_Key]) -> _Key | None:
    for key in keys:
        if _key_matches(path, key[0]) and (key[1] is None or _value_matches(value, key[1])):
            return key
    return None


class _KeyIndex:
    """`_first_key` over many paths: a key whose pattern ends in a plain segment can only match a
    path ending in that segment (leading `**` only ever align the pattern with the path's end), so
    each path is compared with those keys and the wildcard-ended ones, in the declared order."""

    __slots__ = ("keys", "by_last", "wild")

    def __init__(self, keys: Sequence[_Key]) -> None:
        self.keys = keys
        by_last: dict[str, list[int]] = {}
        wild: list[int] = []
        for i, (pattern, _, _) in enumerate(keys):
            rest = list(pattern)
            while rest and rest[0] == "**":
                rest = rest[1:]
            if not rest or rest[-1] == "*":
                wild.append(i)
            else:
                by_last.setdefault(rest[-1], []).append(i)
        self.wild = tuple(wild)
        self.by_last = {k: tuple(sorted(v + wild)) for k, v in by_last.items()}

    def first(self, path: tuple[Any, ...], value: Any) -> _Key | None:
        for i in self.by_last.get(str(path[-1]), self.wild):
            key = self.keys[i]
            if _key_matches(path, key[0]) and (key[1] is None or _value_matches(value, key[1])):
                return key
        return None


_ConfigItem = tuple[SourceFile, StructuredDoc, tuple[Any, ...], Any]


def _config_items(index: RepoIndex) -> list[_ConfigItem]:
    """Every set value (path not empty, value not empty) of the configuration files' documents, in
    walk order; computed once per audit and shared by every check built on this detector."""

    def build() -> list[_ConfigItem]:
        out: list[_ConfigItem] = []
        for f in index.by_kind("yaml", "json", "toml"):
            if _NOT_CONFIG_FILES.search(f.path):
                continue
            for doc in f.documents:
                for path, value in doc.walk():
                    if not path or value in (None, "", [], {}):
                        continue
                    out.append((f, doc, path, value))
        return out

    items: list[_ConfigItem] = index.memo("library-evidence-config-items", build)
    return items


def _dotted(path: Iterable[Any]) -> str:
    return ".".join(f'"{p}"' if isinstance(p, str) and "." in p else str(p) for p in path)


def _config(ctx: Context, found: _Found) -> None:
    keys = _keys(ctx, "config_keys")
    if not keys:
        return
    indexed = _KeyIndex(keys)
    for f, doc, path, value in _config_items(ctx.index):
        key = indexed.first(path, value)
        if key is not None:
            dotted = _dotted(path)
            shown = f" = {_show(value)}" if key[1] is not None else ""
            found.add("config", dotted, evidence_at(f, doc.line_of(path), f"`{dotted}{shown}` set in {f.name}"), label=key[2])


def _tf_walk(body: Any, path: tuple[str, ...] = (), depth: int = 0) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(attribute path, value) pairs of a resource body; nested blocks (lists of objects) are transparent."""
    if depth > 20 or not isinstance(body, dict):
        return
    for k, v in body.items():
        yield path + (str(k),), v
        if isinstance(v, dict):
            yield from _tf_walk(v, path + (str(k),), depth + 1)
        elif isinstance(v, list):
            for item in v:
                yield from _tf_walk(item, path + (str(k),), depth + 1)


def _tf_line(f: SourceFile, block: TfBlock, path: Sequence[str]) -> int:
    """The line an attribute is set on: each segment looked for after the one before it, from the
    block's header (the parser keeps no positions); the header's line when one is not found."""
    lines = f.lines
    at = block.line
    for i, seg in enumerate(path):
        rx = re.compile(r'(^|[\s{,])"?' + re.escape(seg) + r'"?\s*[={]')
        for n in range(at + (1 if i == 0 else 0), len(lines) + 1):
            text = lines[n - 1]
            if text.lstrip().startswith(("#", "//")):
                continue
            if rx.search(text):
                at = n
                break
        else:
            return at
    return at


def _terraform(ctx: Context, found: _Found) -> None:
    keys = _keys(ctx, "terraform_attributes")
    if not keys:
        return
    for f in ctx.index.by_kind("terraform"):
        tf = f.terraform
        if tf is None:
            continue
        for block in tf.resources():
            seen: set[tuple[str, ...]] = set()
            for path, value in _tf_walk(block.body):
                if value in (None, "", [], {}) or path in seen:
                    continue
                key = _first_key((block.type, *path), value, keys)
                if key is None:
                    continue
                seen.add(path)
                attr = _dotted(path)
                shown = f" = {_show(value)}" if not isinstance(value, (dict, list)) else ""
                found.add(
                    "config",
                    _dotted((block.type, *path)),
                    evidence_at(f, _tf_line(f, block, path), f"`{attr}{shown}` set on {block.type}.{block.name}"),
                    label=key[2],
                )


# --- dependencies ---------------------------------------------------------------------------------
def _dependencies(ctx: Context, found: _Found) -> None:
    wanted = {_norm(n) for n in _list(ctx, "dependencies")}
    if not wanted:
        return
    index = ctx.index
    deps = index.memo("declared-dependencies", lambda: declared_dependencies(index.glob([*_REQUIREMENTS, "**/pyproject.toml", "**/package.json"])))
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
    _terraform(ctx, found)
    _dependencies(ctx, found)

    kinds = found.kinds()
    strong, preferred = found.evidence(kinds)
    summary = "; ".join(
        f"{plural(len(found.strong[k]), {'code': 'code site', 'file': 'file', 'config': 'config key'}[k])} ({_names(found.names[k])})"
        for k in kinds
    )
    if found.prefer and kinds:
        summary += f"; {plural(preferred, found.prefer_what)}" if preferred else f"; no {found.prefer_what} found"
    order = _label_order(ctx)
    shown = [label for label in order if label in found.labels]
    if order and preferred:
        shown.insert(0, found.prefer_what if found.prefer_what.endswith("s") else found.prefer_what + "s")
    labels = f" ({', '.join(shown)})" if shown else ""
    if kinds and len(kinds) >= min_kinds:
        return outcome(Status.PASS, f"{what} in use{labels}: {summary}", strong)
    if kinds:
        return outcome(Status.WARN, f"{what} found{labels} in {plural(len(kinds), 'kind')} of evidence, {min_kinds} wanted: {summary}", strong)
    if found.imports:
        return outcome(
            Status.WARN,
            f"{what} library imported but never applied ({_names(found.imported)}): no call that uses it was found",
            found.imports + found.deps,
        )
    if found.deps:
        return outcome(Status.WARN, f"{what} declared but not used ({_names(found.declared)}): no import or call in the code", found.deps)
    return outcome(_status(ctx), f"no {what} found in code, configuration or files")
