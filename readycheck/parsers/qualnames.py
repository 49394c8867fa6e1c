"""Dotted-name patterns ("openai.OpenAI().chat.completions.create", "boto3.client.*",
"langchain.**") and matching resolved call names against them.

Light on purpose (no parser imported): detectors that only match names, and the pre-commit path,
do not pay for loading the Python parser.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

__all__ = ["qualname_matches", "first_match"]


@lru_cache(maxsize=4096)
def _pattern_parts(pattern: str) -> tuple[tuple[str, ...], bool]:
    parts = pattern.replace("()", "").split(".")
    if parts and parts[-1] == "**":
        return tuple(parts[:-1]), True
    return tuple(parts), False


@lru_cache(maxsize=65536)
def _qual_parts(qualname: str) -> tuple[str, ...]:
    return tuple(qualname.replace("()", "").split("."))


def qualname_matches(qualname: str, pattern: str) -> bool:
    """`pattern` is a dotted name; `*` matches one segment, a trailing `.**` any rest.
    Instance markers `()` are ignored, so "openai.OpenAI.chat.completions.create" matches
    "openai.OpenAI().chat.completions.create"."""
    p, rest = _pattern_parts(pattern)
    q = _qual_parts(qualname)
    if rest:
        if len(q) < len(p):
            return False
        q = q[: len(p)]
    elif len(q) != len(p) or (p[-1] != "*" and p[-1] != q[-1]):
        return False
    return all(pp == "*" or pp == qq for pp, qq in zip(p, q))


class _PatternSet:
    """Patterns indexed by their last segment, with a memo of answers: a project calls the same
    names (print, len, self.assertEqual...) thousands of times, and each is matched once."""

    __slots__ = ("patterns", "by_tail", "wild", "memo")

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.patterns = patterns
        tails: dict[str, list[int]] = {}
        wild: list[int] = []
        for i, pattern in enumerate(patterns):
            parts, rest = _pattern_parts(pattern)
            if rest or not parts or parts[-1] == "*":
                wild.append(i)
            else:
                tails.setdefault(parts[-1], []).append(i)
        self.wild = tuple(wild)
        self.by_tail = {k: tuple(sorted(v + wild)) for k, v in tails.items()}
        self.memo: dict[str, str | None] = {}

    def first(self, qualname: str) -> str | None:
        try:
            return self.memo[qualname]
        except KeyError:
            pass
        found = None
        for i in self.by_tail.get(_qual_parts(qualname)[-1], self.wild):
            if qualname_matches(qualname, self.patterns[i]):
                found = self.patterns[i]
                break
        if len(self.memo) > 100_000:
            self.memo.clear()
        self.memo[qualname] = found
        return found


_PATTERN_SETS: dict[int, tuple[object, _PatternSet]] = {}


def first_match(qualname: str, patterns: Iterable[str]) -> str | None:
    """The first of `patterns` that `qualname` matches. Pattern collections are indexed once
    (keyed by the collection object, which detectors keep as module constants) and answers are
    memoised, so matching a whole repository's calls costs little more than a dict lookup each."""
    entry = _PATTERN_SETS.get(id(patterns))
    if entry is None or entry[0] is not patterns:
        if len(_PATTERN_SETS) > 4096:
            _PATTERN_SETS.clear()
        entry = (patterns, _PatternSet(tuple(patterns)))
        _PATTERN_SETS[id(patterns)] = entry
    return entry[1].first(qualname)
