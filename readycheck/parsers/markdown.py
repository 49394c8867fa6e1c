"""Markdown headings (ATX and setext), skipping fenced code blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Heading", "parse_headings", "normalise", "section_spans"]

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    line: int

    @property
    def normalised(self) -> str:
        return normalise(self.text)


def normalise(text: str) -> str:
    """Lower case, markup and punctuation folded to single spaces: "## 3. Post-Mortem *Template*"
    becomes "3 post mortem template"."""
    text = re.sub(r"[`*_\[\]()#:.,!?/\\&+-]+", " ", text.lower())
    return " ".join(text.split())


def parse_headings(text: str) -> list[Heading]:
    out: list[Heading] = []
    fence: str | None = None
    prev: str | None = None
    for i, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence):
                fence = None
            prev = None
            continue
        if fence is not None:
            continue
        m = _ATX.match(line)
        if m:
            out.append(Heading(len(m.group(1)), (m.group(2) or "").strip(), i))
            prev = None
            continue
        m = _SETEXT.match(line)
        if m and prev and prev.strip() and not prev.startswith((" " * 4, "\t")):
            out.append(Heading(1 if m.group(1)[0] == "=" else 2, prev.strip(), i - 1))
            prev = None
            continue
        prev = line
    return out


def section_spans(headings: list[Heading], line_count: int) -> list[tuple[Heading, int]]:
    """(heading, last line of its section) for each heading: a section runs to the line before
    the next heading of the same or a higher level, so its subsections belong to it."""
    out: list[tuple[Heading, int]] = []
    for i, h in enumerate(headings):
        end = next((nxt.line - 1 for nxt in headings[i + 1 :] if nxt.level <= h.level), line_count)
        out.append((h, end))
    return out
