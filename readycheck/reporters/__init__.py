"""Reporters: pure functions from a Report to text or bytes. One module per format."""

from __future__ import annotations

from typing import Callable

from readycheck.model import Report

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "json")


def render(report: Report, fmt: str, *, color: bool = False, quiet: bool = False, width: int | None = None) -> str:
    renderer: Callable[..., str]
    if fmt == "json":
        from readycheck.reporters.json import render as renderer

        return renderer(report)
    from readycheck.reporters.text import render as renderer

    return renderer(report, color=color, quiet=quiet, width=width)
