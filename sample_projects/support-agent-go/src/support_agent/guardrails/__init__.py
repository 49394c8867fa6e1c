"""Input and output guardrails."""

from support_agent.guardrails.input import InputRejected, screen_user_message
from support_agent.guardrails.output import OutputFilter, redact_pii, screen_tool_output

__all__ = [
    "InputRejected",
    "OutputFilter",
    "redact_pii",
    "screen_tool_output",
    "screen_user_message",
]
