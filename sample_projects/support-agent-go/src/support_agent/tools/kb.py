"""Help-center article search over the read-only knowledge-base connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import OperationalError

from support_agent.db import search_articles
from support_agent.models import KbSearchArgs
from support_agent.tools import Tool, ToolContext, ToolUnavailable


def search_help_center(ctx: ToolContext, arguments: dict[str, Any]) -> dict[str, Any]:
    args = KbSearchArgs.model_validate(arguments)
    try:
        articles = search_articles(args.query)
    except OperationalError as exc:
        raise ToolUnavailable("help-center search is unavailable") from exc
    return {"articles": articles, "count": len(articles)}


SEARCH_HELP_CENTER = Tool(
    name="search_help_center",
    description="Search published help-center articles (shipping, returns, billing).",
    parameters={
        "type": "object",
        "properties": {"query": {"type": "string", "maxLength": 300}},
        "required": ["query"],
        "additionalProperties": False,
    },
    handler=search_help_center,
)
