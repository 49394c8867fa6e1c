"""Project-level facts shared by detectors: which files are tests, which packages a project
declares (requirements files, pyproject.toml, package.json)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from readycheck.index import SourceFile
from readycheck.parsers.qualnames import first_match

if TYPE_CHECKING:
    from readycheck.parsers.python_facts import ImportFact, PythonFacts

__all__ = ["is_test_path", "imports_any", "matches_any", "declared_dependencies", "normalise_package"]

_TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec|specs|testing)/|(^|/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py|[^/]*\.(test|spec)\.[cm]?[jt]sx?)$"
)
_REQ_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(?:[<>=!~;@ ]|$)")
_PKG_JSON_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


_TEST_PATHS: dict[str, bool] = {}


def is_test_path(path: str) -> bool:
    """Whether `path` is a test file or under a test folder; memoised (every check asks of every file)."""
    try:
        return _TEST_PATHS[path]
    except KeyError:
        pass
    answer = bool(_TEST_PATH.search(path))
    if len(_TEST_PATHS) > 200_000:
        _TEST_PATHS.clear()
    _TEST_PATHS[path] = answer
    return answer


_DOT_PREFIXES: dict[str, tuple[str, ...]] = {}


def _dot_prefixes(name: str) -> tuple[str, ...]:
    """`a.b.c` -> ("a", "a.b", "a.b.c"): the names `p` for which `name == p or name.startswith(p + ".")`."""
    try:
        return _DOT_PREFIXES[name]
    except KeyError:
        pass
    out = [name[:i] for i, ch in enumerate(name) if ch == "."]
    out.append(name)
    found = tuple(out)
    if len(_DOT_PREFIXES) > 200_000:
        _DOT_PREFIXES.clear()
    _DOT_PREFIXES[name] = found
    return found


_HEADS: dict[int, tuple[object, frozenset[str] | None]] = {}


def _heads(patterns: Iterable[str]) -> frozenset[str] | None:
    """The first segments a name must start with to match one of `patterns` (in
    `qualname_matches` syntax); None when a pattern matches any first segment."""
    held = _HEADS.get(id(patterns))
    if held is not None and held[0] is patterns:
        return held[1]
    heads: set[str] | None = set()
    for pattern in patterns:
        parts = pattern.replace("()", "").split(".")
        if parts[-1] == "**":
            parts = parts[:-1]
        if not parts or parts[0] == "*":
            heads = None
            break
        assert heads is not None
        heads.add(parts[0])
    found = frozenset(heads) if heads is not None else None
    if len(_HEADS) > 4096:
        _HEADS.clear()
    _HEADS[id(patterns)] = (patterns, found)
    return found


def matches_any(qualname: str, patterns: tuple[str, ...]) -> bool:
    """`first_match(qualname, patterns) is not None`, with a name whose first segment no pattern
    starts with ruled out at once (most names of a project: its own functions). `patterns` should
    be a module constant, as for first_match."""
    heads = _heads(patterns)
    if heads is not None and qualname.replace("()", "").split(".", 1)[0] not in heads:
        return False
    return first_match(qualname, patterns) is not None


def imports_any(facts: PythonFacts, prefixes: Iterable[str]) -> list[ImportFact]:
    """What `facts.imports_any(prefixes)` answers (imports whose module or qualified name starts
    with one of the dotted prefixes), by set lookups of each name's dotted prefixes."""
    wanted = prefixes if isinstance(prefixes, (set, frozenset)) else frozenset(prefixes)
    out = []
    for imp in facts.imports:
        for name in (imp.qualname, imp.module):
            if not wanted.isdisjoint(_dot_prefixes(name)):
                out.append(imp)
                break
    return out


def normalise_package(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip().lower())


def _toml_line(f: SourceFile, start: int | None, text: str) -> int | None:
    """The line of a string item in a TOML array: TOML keeps no line for list items."""
    for n in range(start or 1, len(f.lines) + 1):
        line = f.line(n)
        if f'"{text}"' in line or f"'{text}'" in line:
            return n
    return start


def declared_dependencies(files: Iterable[SourceFile]) -> list[tuple[str, SourceFile, int | None]]:
    """(normalised name, manifest, line) for every dependency declared in requirements files,
    pyproject.toml (PEP 621, dependency groups, Poetry, uv, PDM) and package.json."""
    out: list[tuple[str, SourceFile, int | None]] = []
    for f in files:
        if f.kind == "text" or f.name.endswith(".in"):
            for n, line in enumerate(f.lines, 1):
                stripped = line.split(" #", 1)[0].strip()
                if not stripped or stripped.startswith(("#", "-")):
                    continue
                m = _REQ_LINE.match(stripped)
                if m:
                    out.append((normalise_package(m.group(1)), f, n))
        elif f.name == "package.json":
            for doc in f.documents:
                data = doc.data if isinstance(doc.data, dict) else {}
                for section in _PKG_JSON_SECTIONS:
                    deps = data.get(section)
                    if isinstance(deps, dict):
                        for name in deps:
                            out.append((normalise_package(str(name)), f, doc.line_of((section, name))))
        elif f.name == "pyproject.toml":
            for doc in f.documents:
                for path, value in doc.walk():
                    lists = (
                        path in (("project", "dependencies"), ("tool", "uv", "dev-dependencies"))
                        or (len(path) == 3 and path[:2] == ("project", "optional-dependencies"))
                        or (len(path) == 2 and path[0] == "dependency-groups")
                        or (len(path) == 4 and path[:3] == ("tool", "pdm", "dev-dependencies"))
                    )
                    if lists and isinstance(value, list):
                        for item in value:
                            if isinstance(item, str):
                                m = _REQ_LINE.match(item)
                                if m:
                                    out.append((normalise_package(m.group(1)), f, _toml_line(f, doc.line_of(path), item)))
                    tables = (
                        path in (("tool", "poetry", "dependencies"), ("tool", "poetry", "dev-dependencies"))
                        or (len(path) == 5 and path[:3] == ("tool", "poetry", "group") and path[4] == "dependencies")
                    )
                    if tables and isinstance(value, dict):
                        for name in value:
                            out.append((normalise_package(str(name)), f, doc.line_of(path + (name,))))
    return out
