"""Reporters: pure functions from a Report to text. One module per format, imported on first use."""

from __future__ import annotations

import importlib

from readycheck.model import Report

__all__ = ["FORMATS", "EXTENSIONS", "render"]

FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")
# The file name a format is usually written to (the GitHub Action and the docs use these).
EXTENSIONS = {"text": ".txt", "json": ".json", "sarif": ".sarif", "junit": ".xml", "markdown": ".md", "html": ".html"}


def render(report: Report, fmt: str, *, color: bool = False, quiet: bool = False, width: int | None = None) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt == "text":
        from readycheck.reporters.text import render as text

        return text(report, color=color, quiet=quiet, width=width)
    module = importlib.import_module(f"readycheck.reporters.{fmt}")
    out: str = module.render(report)
    return out
