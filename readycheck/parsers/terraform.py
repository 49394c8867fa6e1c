"""Terraform / HCL through python-hcl2: the blocks a file declares, each with its line.

The parser keeps no line numbers, so each block's line is found from its header
(`resource "aws_budgets_budget" "llm" {`); the block's content comes from the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from readycheck.parsers.pickling import compact_pickle

__all__ = ["TfBlock", "TfFile", "parse_terraform"]


@compact_pickle
@dataclass(frozen=True, slots=True)
class TfBlock:
    kind: str  # resource, data, module, provider, variable, locals, output
    type: str  # "aws_budgets_budget" (resource/data), the module or provider name otherwise
    name: str  # "llm" for resources; "" where a block has one label
    body: dict[str, Any]
    line: int


@dataclass(slots=True)
class TfFile:
    blocks: list[TfBlock] = field(default_factory=list)
    error: str | None = None

    def resources(self, *types: str) -> list[TfBlock]:
        return [b for b in self.blocks if b.kind == "resource" and (not types or b.type in types)]


def _unquote(value: Any) -> str:
    s = str(value)
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {_unquote(k): _clean(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str):
        return _unquote(value)
    return value


def parse_terraform(text: str) -> TfFile:
    out = TfFile()
    try:
        import hcl2
    except ImportError:  # pragma: no cover - a dependency
        out.error = "python-hcl2 is not installed"
        return out
    try:
        data = hcl2.loads(text)
    except RecursionError:
        out.error = "HCL nests too deeply"
        return out
    except Exception as exc:  # lark raises many exception types on bad input
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        out.error = f"invalid HCL: {first[:160]}"
        return out
    lines = text.splitlines()

    def header_line(kind: str, labels: list[str]) -> int:
        # Each label must end where the name ends: "agent" is not the start of "agent_boundary".
        words = "".join(r'\s+"?' + re.escape(lab) + r'"?(?![\w-])' for lab in labels)
        pat = re.compile(r"^\s*" + re.escape(kind) + r"(?![\w-])" + words)
        for i, ln in enumerate(lines, 1):
            if pat.match(ln):
                return i
        return 1

    for kind, entries in data.items():
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if kind in ("resource", "data"):
                for rtype, named in entry.items():
                    if not isinstance(named, dict):
                        continue
                    for name, body in named.items():
                        t, n = _unquote(rtype), _unquote(name)
                        out.blocks.append(TfBlock(kind, t, n, _clean(body) if isinstance(body, dict) else {}, header_line(kind, [t, n])))
            elif kind in ("module", "provider", "variable", "output"):
                for label, body in entry.items():
                    lab = _unquote(label)
                    out.blocks.append(TfBlock(kind, lab, "", _clean(body) if isinstance(body, dict) else {}, header_line(kind, [lab])))
            else:
                out.blocks.append(TfBlock(kind, kind, "", _clean(entry), header_line(kind, [])))
    out.blocks.sort(key=lambda b: b.line)
    return out
