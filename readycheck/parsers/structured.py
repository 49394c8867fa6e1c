"""YAML, JSON and TOML documents with line numbers.

YAML is read through PyYAML's composer (safe: no tag ever constructs a Python object) and turned into
plain data here, so CloudFormation's intrinsic tags (`!Ref`, `!Sub`...) read as their values and every
mapping key keeps the line it stands on. Alias expansion is bounded, which defuses "billion laughs".
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import yaml
from yaml.constructor import SafeConstructor

__all__ = ["StructuredDoc", "ParseError", "YamlFile", "load_yaml_docs", "parse_yaml_file", "load_json_doc", "load_toml_doc", "MAX_NODES"]

MAX_NODES = 200_000
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's composer is ~10x faster
_PYTHON_TAG = "tag:yaml.org,2002:python/"  # !!python/object/apply:..., !!python/name:...: never built
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


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _tree_size(root: yaml.Node, limit: int) -> int:
    """How many nodes the document has once its aliases are expanded, computed on the node graph
    (linear in the file, whatever the expansion), stopping past `limit`. An alias bomb is refused
    here in milliseconds instead of after building `MAX_NODES` objects."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size[key] = min(limit + 1, 1 + sum(size[id(c)] for c in _children(node)))
            continue
        if key in size:
            continue
        if key in on_path:
            raise ParseError(f"recursive YAML alias at line {node.start_mark.line + 1}")
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise ParseError(f"recursive YAML alias at line {child.start_mark.line + 1}")
            if id(child) not in size:
                stack.append((child, False))
    return size[id(root)]


def _to_data(root: yaml.Node, lines: dict[Path_, int], refuse_python: bool = False) -> Any:
    if _tree_size(root, 2 * MAX_NODES) > 2 * MAX_NODES:
        raise ParseError(f"document expands to more than {MAX_NODES} nodes (alias bomb?)")
    constructor = _Constructor()
    budget = [MAX_NODES]
    in_progress: set[int] = set()

    def build(node: yaml.Node, path: Path_, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise ParseError(f"document expands to more than {MAX_NODES} nodes (alias bomb?)")
        if depth > 200:
            raise ParseError("document nests deeper than 200 levels")
        if refuse_python and node.tag.startswith(_PYTHON_TAG):
            raise ParseError(
                f"YAML tag !!{node.tag[len('tag:yaml.org,2002:'):]} at line {node.start_mark.line + 1} refused:"
                " readycheck never constructs Python objects"
            )
        if isinstance(node, yaml.ScalarNode):
            return _scalar(constructor, node)
        if id(node) in in_progress:
            raise ParseError(f"recursive YAML alias at line {node.start_mark.line + 1}")
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


def load_yaml_docs(text: str, *, refuse_python: bool = False) -> list[StructuredDoc]:
    """All documents of a YAML stream. Raises ParseError on malformed or hostile input.

    A `!!python/...` tag never constructs anything: its node reads as plain data, or, with
    `refuse_python` (readycheck's own configuration), raises ParseError."""
    docs: list[StructuredDoc] = []
    try:
        for i, node in enumerate(yaml.compose_all(text, Loader=_LOADER)):
            if node is None:
                continue
            lines: dict[Path_, int] = {}
            docs.append(StructuredDoc(_to_data(node, lines, refuse_python), lines, i))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParseError(f"invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise ParseError("YAML nests too deeply") from None
    return docs


@dataclass(slots=True)
class YamlFile:
    """A YAML file's documents, or why it could not be read: what the parse cache keeps for it
    (reading YAML costs about 0.4 ms a file, restoring it a twentieth of that)."""

    documents: list[StructuredDoc] = field(default_factory=list)
    error: str | None = None


def parse_yaml_file(text: str) -> YamlFile:
    try:
        return YamlFile(load_yaml_docs(text))
    except ParseError as exc:
        return YamlFile(error=str(exc))


def _json_int(text: str) -> int | float:
    """An integer literal; one too long for int() (Python limits int of strings to 4300 digits)
    reads as a float (inf when out of range), like a JSON parser in any other language would."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def load_json_doc(text: str) -> StructuredDoc:
    try:
        data = json.loads(text, parse_int=_json_int)
    except RecursionError:
        raise ParseError("invalid JSON: nests too deeply") from None
    except ValueError as exc:
        raise ParseError(f"invalid JSON: {str(exc)[:200]}") from None
    except MemoryError:
        raise ParseError("JSON too large to read") from None

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
    except ValueError as exc:  # an integer longer than int() reads (4300 digits), a bad date...
        problem = "an integer is too long to read" if "digits" in str(exc) else str(exc)[:160]
        raise ParseError(f"invalid TOML: {problem}") from None
    return StructuredDoc(data, None, 0, lambda: _lines_by_key(text, data, toml=True))


_TOML_HEADER = re.compile(r"^\s*\[\[?\s*(.*?)\s*\]\]?\s*$")
_WORD_KEY = re.compile(r"[\w.-]+")
# A plain key where the fallback pattern of find() would match it: after a delimiter (or the line's
# start), before an optional quote and `:` or `=`. The run is maximal, as it is in find().
_KEY_AT = re.compile(r"""(?:^|(?<=[\s{,"']))([\w.-]+)["']?\s*[:=]""")
_LINE_BUDGET = 200_000  # lines the fallback may test: a hostile file loses line numbers, not minutes


def _lines_by_key(text: str, data: Any, toml: bool = False) -> dict[Path_, int]:
    """Best-effort key lines for formats whose parser keeps none: the first line naming the key
    after its parent's line (tables `[a.b]` in TOML are matched by their header).

    Headers and plain keys are indexed in one pass over the lines, so a file of 100,000 keys costs
    a linear scan, not a quadratic one; keys of other characters are searched line by line, within
    a budget."""
    lines = text.splitlines()
    out: dict[Path_, int] = {(): 1}
    headers: dict[str, int] = {}
    keys: dict[str, list[int]] = {}  # plain key -> the lines (1-based, ascending) naming it
    for i, line in enumerate(lines, 1):
        if toml and "[" in line:
            m = _TOML_HEADER.match(line)
            if m is not None:
                headers.setdefault(m.group(1), i)
        for m in _KEY_AT.finditer(line):
            found = keys.setdefault(m.group(1), [])
            if not found or found[-1] != i:
                found.append(i)
    budget = [_LINE_BUDGET]

    def find(key: str, start: int, path: Path_) -> int | None:
        if toml:
            line = headers.get(".".join(str(p) for p in path))
            if line is not None:
                return line
        if _WORD_KEY.fullmatch(key):
            found = keys.get(key)
            if not found:
                return None
            j = bisect_left(found, start)
            return found[j] if j < len(found) else None
        if not key or budget[0] <= 0:
            return None
        pat = re.compile(r"""(^|[\s{,"'])""" + re.escape(key) + r"""["']?\s*[:=]""")
        for i in range(max(start - 1, 0), len(lines)):
            budget[0] -= 1
            if budget[0] <= 0:
                return None
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
