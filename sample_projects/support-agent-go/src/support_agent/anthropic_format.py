"""Conversion of OpenAI-style transcripts for the Anthropic fallback.

The fallback runs without tools, so tool calls and results are flattened into
plain text turns and the model is told which capabilities are unavailable.
"""

from __future__ import annotations

from typing import Any

DEGRADED_NOTICE = (
    "Account tools are temporarily unavailable. Answer from general policy only, "
    "do not promise refunds or order changes, and tell the customer that a human "
    "agent will follow up on anything that needs their account."
)


def to_anthropic(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    """Convert OpenAI-style messages (including tool turns) to Anthropic's format."""
    system_parts = [DEGRADED_NOTICE]
    converted: list[dict[str, str]] = []
    for msg in messages:
        role, content = msg["role"], msg.get("content") or ""
        if role == "system":
            system_parts.insert(0, content)
            continue
        if role == "tool":
            role, content = "user", f"[tool result]\n{content}"
        elif role == "assistant" and msg.get("tool_calls"):
            names = ", ".join(c["function"]["name"] for c in msg["tool_calls"])
            content = f"{content}\n[called tools: {names}]".strip()
        if converted and converted[-1]["role"] == role:
            converted[-1]["content"] += "\n\n" + content
        else:
            converted.append({"role": role, "content": content})
    if not converted or converted[0]["role"] != "user":
        converted.insert(0, {"role": "user", "content": "(conversation continues)"})
    return "\n\n".join(system_parts), converted
