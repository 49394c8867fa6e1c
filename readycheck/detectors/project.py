"""Project-level facts shared by detectors: which files are tests, which packages a project
declares (requirements files, pyproject.toml, package.json)."""

from __future__ import annotations

import re
from typing import Iterable

from readycheck.index import SourceFile

__all__ = ["is_test_path", "declared_dependencies", "normalise_package"]

_TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec|specs|testing)/|(^|/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py|[^/]*\.(test|spec)\.[cm]?[jt]sx?)$"
)
_REQ_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(?:[<>=!~;@ ]|$)")
_PKG_JSON_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def is_test_path(path: str) -> bool:
    return bool(_TEST_PATH.search(path))


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
