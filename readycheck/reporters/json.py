"""The JSON report (schema_version 1; see schemas/report.schema.json)."""

from __future__ import annotations

import json

from readycheck.model import Report

__all__ = ["render"]


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
