"""YAML, JSON and TOML documents with line numbers.

YAML is read through PyYAML's composer (safe: no tag ever constructs a Python object) and turned into
plain data here, so CloudFormation's intrinsic tags (`!Ref`, `!Sub`...) read as their values and every
mapping key keeps the line it stands on. Alias expansion is bounded, which defuses "billion laughs".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import yaml
from yaml.constructor import SafeConstructor

__all__ = ["StructuredDoc", "ParseError", "load_yaml_docs", "load_json_doc", "load_toml_doc", "MAX_NODES"]

MAX_NODES = 200_000
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's composer is ~10x faster
_BIG_LIST = 1000  # walk() does not descend into longer lists: they are data, not settings

Path_ = tuple[Any, ...]


class ParseError(ValueError):
    pass


@dataclass(slots=True)
class StructuredDoc:
    """One parsed document: its data, and the 1-based line of every path that has one.

    Formats whose parser keeps no positions (JSON, TOML) compute lines on first use, so a large
    data file that no check points into costs one parse and nothing more."""

    data: Any
    _lines: dict[Path_, int] | None = None
    index: int = 0  # position in a multi-document YAML stream
    _line_source: Callable[[], dict[Path_, int]] | None = None

    @property
    def lines(self) -> dict[Path_, int]:
        if self._lines is None:
            self._lines = self._line_source() if self._line_source is not None else {}
            self._line_source = None
        return self._lines

    def line_of(self, path: Path_) -> int | None:
        """Line of `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)

    def get(self, path: Path_) -> Any:
        cur = self.data
        for part in path:
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
                cur = cur[part]
            else:
                raise KeyError(path)
        return cur

    def walk(self) -> Iterator[tuple[Path_, Any]]:
        """Every (path, value) pair, depth first, the root included."""
        stack: list[tuple[Path_, Any]] = [((), self.data)]
        while stack:
            path, value = stack.pop()
            yield path, value
            if isinstance(value, dict):
                for k in reversed(list(value)):
                    stack.append((path + (k,), value[k]))
            elif isinstance(value, list) and len(value) <= _BIG_LIST:
                for i in range(len(value) - 1, -1, -1):
                    stack.append((path + (i,), value[i]))


class _Constructor(SafeConstructor):
    pass


def _scalar(constructor: _Constructor, node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag.startswith("tag:yaml.org,2002:") and tag in constructor.yaml_constructors:
        try:
            return constructor.construct_object(node, deep=False)
        except Exception:  # a bad timestamp or number reads as its text
            return node.value
    return node.value  # unknown or local tags (!Ref, !Sub, !GetAtt...) read as their text


def _to_data(root: yaml.Node, lines: dict[Path_, int]) -> Any:
    constructor = _Constructor()
    budget = [MAX_NODES]
    in_progress: set[int] = set()

    def build(node: yaml.Node, path: Path_, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise ParseError(f"document expands to more than {MAX_NODES} nodes (alias bomb?)")
        if depth > 200:
            raise ParseError("document nests deeper than 200 levels")
        if isinstance(node, yaml.ScalarNode):
            return _scalar(constructor, node)
        if id(node) in in_progress:
            raise ParseError("recursive alias")
        in_progress.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                out_list: list[Any] = []
                for i, child in enumerate(node.value):
                    lines.setdefault(path + (i,), child.start_mark.line + 1)
                    out_list.append(build(child, path + (i,), depth + 1))
                return out_list
            if isinstance(node, yaml.MappingNode):
                out: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge" and isinstance(value_node, (yaml.MappingNode, yaml.SequenceNode)):
                        merged = build(value_node, path, depth + 1)
                        for m in merged if isinstance(merged, list) else [merged]:
                            if isinstance(m, dict):
                                for mk, mv in m.items():
                                    out.setdefault(mk, mv)
                        continue
                    key = build(key_node, path, depth + 1)
                    if isinstance(key, (list, dict)):
                        key = str(key)
                    lines.setdefault(path + (key,), key_node.start_mark.line + 1)
                    out[key] = build(value_node, path + (key,), depth + 1)
                return out
        finally:
            in_progress.discard(id(node))
        return None

    lines[()] = root.start_mark.line + 1
    return build(root, (), 0)


def load_yaml_docs(text: str) -> list[StructuredDoc]:
    """All documents of a YAML stream. Raises ParseError on malformed or hostile input."""
    docs: list[StructuredDoc] = []
    try:
        for i, node in enumerate(yaml.compose_all(text, Loader=_LOADER)):
            if node is None:
                continue
            lines: dict[Path_, int] = {}
            docs.append(StructuredDoc(_to_data(node, lines), lines, i))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParseError(f"invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise ParseError("YAML nests too deeply") from None
    return docs


def load_json_doc(text: str) -> StructuredDoc:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"invalid JSON: {str(exc)[:200]}") from None

    def lines() -> dict[Path_, int]:
        # JSON is (nearly) YAML: its composer gives exact key lines. Where it cannot (tabs,
        # duplicate keys), the first textual occurrence of each key is right for pretty-printed files.
        out: dict[Path_, int] = {}
        try:
            node = yaml.compose(text, Loader=_LOADER)
            if node is not None:
                _to_data(node, out)
                return out
        except Exception:
            out.clear()
        return _lines_by_key(text, data)

    return StructuredDoc(data, None, 0, lines)
def load_toml_doc(text: str) -> StructuredDoc:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ParseError(f"invalid TOML: {exc}") from None
    return StructuredDoc(data, None, 0, lambda: _lines_by_key(text, data, toml=True))


def _lines_by_key(text: str, data: Any, toml: bool = False) -> dict[Path_, int]:
    """Best-effort key lines for formats whose parser keeps none: the first line naming the key
    after its parent's line (tables `[a.b]` in TOML are matched by their header)."""
    lines = text.splitlines()
    out: dict[Path_, int] = {(): 1}

    def find(key: str, start: int, path: Path_) -> int | None:
        if toml:
            header = re.compile(r"^\s*\[\[?\s*" + re.escape(".".join(str(p) for p in path)) + r"\s*\]\]?\s*$")
            for i in range(len(lines)):
                if header.match(lines[i]):
                    return i + 1
        pat = re.compile(r"""(^|[\s{,"'])""" + re.escape(key) + r"""["']?\s*[:=]""")
        for i in range(max(start - 1, 0), len(lines)):
            if pat.search(lines[i]):
                return i + 1
        return None

    def visit(value: Any, path: Path_, start: int, depth: int) -> None:
        if depth > 50 or not isinstance(value, dict):
            return
        for k, v in value.items():
            ln = find(str(k), start, path + (k,))
            if ln is not None:
                out[path + (k,)] = ln
            visit(v, path + (k,), ln or start, depth + 1)

    visit(data, (), 1, 0)
    return out
