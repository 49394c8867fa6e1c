import json
from typing import Any

import pytest

from support_agent.agent import HANDOFF_REPLY, SupportAgent
from support_agent.guardrails.output import OutputFilter
from support_agent.llm import LLMRouter
from support_agent.tools import Tool, ToolContext, ToolUnavailable
from tests.conftest import FakeAnthropic, FakeOpenAI, openai_reply

ORDER_ARGS = json.dumps({"order_id": "ord_abc123"})


@pytest.fixture(autouse=True)
def _no_audit_db(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    monkeypatch.setattr("support_agent.tools.record_tool_use", lambda **kw: entries.append(kw))
    return entries


def _lookup(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    return {"found": True, "order_id": args["order_id"], "status": "shipped"}


def _down(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    raise ToolUnavailable("order lookups are temporarily unavailable")


def _tool(handler, critical: bool = False) -> Tool:  # type: ignore[no-untyped-def]
    return Tool("lookup_order", "look up an order", {"type": "object"}, handler, critical)


def _agent(settings, spend, script, handler=_lookup, max_turns=8, critical=False):  # type: ignore[no-untyped-def]
    client = FakeOpenAI(script)
    router = LLMRouter(settings, spend, openai_client=client, anthropic_client=FakeAnthropic())
    tool = _tool(handler, critical)
    agent = SupportAgent(router, OutputFilter(client), max_turns=max_turns,
                         tools_provider=lambda: {tool.name: tool})
    return agent, client


def _ctx() -> ToolContext:
    return ToolContext(conversation_id="conv_12345678", customer_id="cus_42")


def test_tool_call_then_answer(settings, spend, _no_audit_db) -> None:  # type: ignore[no-untyped-def]
    agent, client = _agent(settings, spend, [
        openai_reply(tool_calls=[("c1", "lookup_order", ORDER_ARGS)]),
        openai_reply("Your order ord_abc123 has shipped."),
    ])
    result = agent.run(_ctx(), "where is ord_abc123?", history=[])
    assert result.reply == "Your order ord_abc123 has shipped."
    assert not result.handed_off
    assert result.tokens_used == 720
    tool_message = client.calls[1]["messages"][-1]
    assert tool_message["role"] == "tool" and '"shipped"' in tool_message["content"]
    assert _no_audit_db[0]["tool"] == "lookup_order" and _no_audit_db[0]["outcome"] == "ok"


def test_loop_stops_at_max_turns(settings, spend) -> None:  # type: ignore[no-untyped-def]
    script = [openai_reply(tool_calls=[(f"c{i}", "lookup_order", ORDER_ARGS)]) for i in range(8)]
    agent, client = _agent(settings, spend, script, max_turns=8)
    result = agent.run(_ctx(), "where is ord_abc123?", history=[])
    assert result.handed_off and result.reply == HANDOFF_REPLY
    assert len(client.calls) == 8


def test_conversation_token_budget_hands_off(settings, spend) -> None:  # type: ignore[no-untyped-def]
    agent, client = _agent(settings, spend, [openai_reply("never sent")])
    result = agent.run(_ctx(), "hello", history=[], tokens_used=19_500)
    assert result.handed_off
    assert client.calls == []


def test_unavailable_tool_degrades_instead_of_failing(settings, spend) -> None:  # type: ignore[no-untyped-def]
    agent, _ = _agent(settings, spend, [
        openai_reply(tool_calls=[("c1", "lookup_order", ORDER_ARGS)]),
        openai_reply("I can't see your order right now; we'll email you an update."),
    ], handler=_down)
    result = agent.run(_ctx(), "where is ord_abc123?", history=[])
    assert "email you" in result.reply
    assert result.pending_actions == ["lookup_order: order lookups are temporarily unavailable"]
    assert not result.handed_off


def test_critical_tool_failure_flags_handoff(settings, spend) -> None:  # type: ignore[no-untyped-def]
    agent, _ = _agent(settings, spend, [
        openai_reply(tool_calls=[("c1", "lookup_order", ORDER_ARGS)]),
        openai_reply("A colleague will finish this refund for you."),
    ], handler=_down, critical=True)
    result = agent.run(_ctx(), "refund ord_abc123", history=[])
    assert result.handed_off
