"""The set of tools offered to the model for a request, honouring feature flags."""

from __future__ import annotations

from support_agent.flags import flags
from support_agent.tools import Tool
from support_agent.tools.kb import SEARCH_HELP_CENTER
from support_agent.tools.orders import LOOKUP_ORDER
from support_agent.tools.refunds import ISSUE_REFUND

ALL_TOOLS: tuple[Tool, ...] = (LOOKUP_ORDER, SEARCH_HELP_CENTER, ISSUE_REFUND)


def enabled_tools() -> dict[str, Tool]:
    return {t.name: t for t in ALL_TOOLS if t.flag is None or flags.is_enabled(t.flag)}
