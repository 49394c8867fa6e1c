"""Tools the agent may call, their JSON schemas, and the audited dispatcher."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from opentelemetry import trace
from pydantic import ValidationError

from support_agent.audit import record_tool_use
from support_agent.guardrails.output import screen_tool_output
from support_agent.telemetry import TOOL_CALLS

log = structlog.get_logger(__name__)
tracer = trace.get_tracer(__name__)


@dataclass
class ToolContext:
    conversation_id: str
    customer_id: str
    customer_email: str | None = None
    pending_actions: list[str] = field(default_factory=list)
    needs_human: bool = False


class ToolUnavailable(Exception):
    """A dependency is down. The agent continues without this tool."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    handler: Callable[[ToolContext, dict[str, Any]], dict[str, Any]]
    critical: bool = False
    flag: str | None = None

    def schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


def run_tool(tool: Tool, ctx: ToolContext, raw_arguments: str) -> str:
    """Validate, execute, audit and screen one tool call. Always returns a string
    for the model; failures become structured error payloads, never exceptions."""
    payload: dict[str, Any]
    with tracer.start_as_current_span(f"tool.{tool.name}") as span:
        try:
            arguments = json.loads(raw_arguments or "{}")
        except json.JSONDecodeError:
            arguments = {}
            outcome, payload = "invalid_arguments", {"error": "arguments were not valid JSON"}
        else:
            try:
                result = tool.handler(ctx, arguments)
                outcome, payload = result.pop("_outcome", "ok"), result
            except ValidationError as exc:
                outcome, payload = "invalid_arguments", {"error": exc.errors(include_url=False)}
            except ToolUnavailable as exc:
                outcome = "unavailable"
                payload = {"status": "unavailable", "detail": str(exc)}
                ctx.pending_actions.append(f"{tool.name}: {exc}")
                ctx.needs_human = ctx.needs_human or tool.critical
                log.warning("tool.degraded", tool=tool.name, detail=str(exc))
        span.set_attribute("tool.outcome", outcome)
        TOOL_CALLS.labels(tool=tool.name, outcome=outcome).inc()
        record_tool_use(
            conversation_id=ctx.conversation_id,
            customer_id=ctx.customer_id,
            tool=tool.name,
            arguments=arguments,
            outcome=outcome,
            idempotency_key=payload.get("idempotency_key"),
        )
        return screen_tool_output(tool.name, json.dumps(payload, default=str))
