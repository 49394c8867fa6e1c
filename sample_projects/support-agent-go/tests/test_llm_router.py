import anthropic
import httpx
import openai
import pytest
from tenacity import wait_none

from support_agent.anthropic_format import to_anthropic
from support_agent.budget import ConversationBudget
from support_agent.llm import LLMRouter, ProviderUnavailable
from tests.conftest import FakeAnthropic, FakeOpenAI, openai_reply

REQUEST = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")
MESSAGES = [
    {"role": "system", "content": "be helpful"},
    {"role": "user", "content": "where is my order?"},
]


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LLMRouter._openai_chat.retry, "wait", wait_none())
    monkeypatch.setattr(LLMRouter._anthropic_chat.retry, "wait", wait_none())


def test_primary_call_is_capped(settings, spend) -> None:  # type: ignore[no-untyped-def]
    client = FakeOpenAI([openai_reply("It shipped yesterday.")])
    router = LLMRouter(settings, spend, openai_client=client, anthropic_client=FakeAnthropic())
    result = router.complete(MESSAGES, [], ConversationBudget("conv_12345678"))
    assert result.text == "It shipped yesterday."
    assert result.provider == "openai"
    assert client.calls[0]["max_tokens"] == 800


def test_transient_errors_are_retried_then_succeed(settings, spend) -> None:  # type: ignore[no-untyped-def]
    client = FakeOpenAI(
        [openai.APIConnectionError(request=REQUEST), openai.APITimeoutError(request=REQUEST),
         openai_reply("ok")]
    )
    router = LLMRouter(settings, spend, openai_client=client, anthropic_client=FakeAnthropic())
    assert router.complete(MESSAGES, [], ConversationBudget("conv_12345678")).text == "ok"
    assert len(client.calls) == 3


def test_fails_over_to_anthropic_after_four_attempts(settings, spend) -> None:  # type: ignore[no-untyped-def]
    client = FakeOpenAI([openai.APIConnectionError(request=REQUEST) for _ in range(4)])
    fallback = FakeAnthropic("Order actions are delayed; a human will follow up.")
    router = LLMRouter(settings, spend, openai_client=client, anthropic_client=fallback)
    budget = ConversationBudget("conv_12345678")
    result = router.complete(MESSAGES, [], budget)
    assert len(client.calls) == 4
    assert result.provider == "anthropic"
    assert result.degraded is True
    assert fallback.calls[0]["max_tokens"] == 800
    assert budget.used == 160


def test_non_transient_error_is_not_retried(settings, spend) -> None:  # type: ignore[no-untyped-def]
    response = httpx.Response(400, request=REQUEST)
    client = FakeOpenAI([openai.BadRequestError("bad", response=response, body=None)])
    router = LLMRouter(settings, spend, openai_client=client, anthropic_client=FakeAnthropic())
    router.complete(MESSAGES, [], ConversationBudget("conv_12345678"))
    assert len(client.calls) == 1


def test_both_providers_down_raises_provider_unavailable(settings, spend) -> None:  # type: ignore[no-untyped-def]
    class DownAnthropic(FakeAnthropic):
        def _create(self, **kwargs):  # type: ignore[no-untyped-def]
            self.calls.append(kwargs)
            raise anthropic.APIConnectionError(request=REQUEST)

    client = FakeOpenAI([openai.APIConnectionError(request=REQUEST) for _ in range(4)])
    fallback = DownAnthropic()
    router = LLMRouter(settings, spend, openai_client=client, anthropic_client=fallback)
    with pytest.raises(ProviderUnavailable):
        router.complete(MESSAGES, [], ConversationBudget("conv_12345678"))
    assert len(fallback.calls) == 4


def test_tool_turns_are_converted_for_anthropic() -> None:
    system, messages = to_anthropic(
        [
            {"role": "system", "content": "be helpful"},
            {"role": "user", "content": "status of ord_abc123?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function",
                 "function": {"name": "lookup_order", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"status": "shipped"}'},
        ]
    )
    assert system.startswith("be helpful")
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert "lookup_order" in messages[1]["content"]
