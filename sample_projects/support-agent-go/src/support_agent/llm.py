"""LLM access: OpenAI primary, Anthropic fallback.

Retries: tenacity, full-jitter exponential backoff (1s initial, 60s cap, 4 attempts),
transient errors only. The SDKs' own retries are disabled so attempts are not
multiplied. After retries are exhausted, or while the OpenAI circuit is open,
the call fails over to Anthropic in degraded (no-tools) mode.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import anthropic
import openai
import pybreaker
import structlog
from openai import OpenAI
from opentelemetry import trace
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from support_agent.anthropic_format import to_anthropic
from support_agent.breakers import anthropic_breaker, openai_breaker
from support_agent.budget import ConversationBudget, SpendTracker
from support_agent.credentials import load_credentials
from support_agent.flags import flags
from support_agent.settings import Settings
from support_agent.telemetry import LLM_ERRORS, LLM_FAILOVERS, LLM_LATENCY, LLM_TOKENS

log = structlog.get_logger(__name__)
tracer = trace.get_tracer(__name__)

MAX_OUTPUT_TOKENS = 800  # the cap passed as max_tokens= on every call below


class ProviderUnavailable(RuntimeError):
    """Both providers failed; the API turns this into a hand-off to a human."""


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass
class Completion:
    text: str
    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    tool_calls: list[ToolCall] = field(default_factory=list)
    degraded: bool = False


def build_openai_client() -> OpenAI:
    # OPENAI_API_KEY is put in the environment by credentials.load_credentials().
    client = OpenAI(max_retries=0, timeout=30.0)
    return client


def build_anthropic_client() -> anthropic.Anthropic:
    return anthropic.Anthropic(max_retries=0, timeout=30.0)


class LLMRouter:
    def __init__(
        self,
        settings: Settings,
        spend: SpendTracker,
        openai_client: OpenAI | None = None,
        anthropic_client: anthropic.Anthropic | None = None,
    ) -> None:
        self._settings = settings
        self._spend = spend
        self._openai = openai_client or build_openai_client()
        self._anthropic = anthropic_client or build_anthropic_client()

    @property
    def openai_client(self) -> OpenAI:
        return self._openai

    @retry(
        stop=stop_after_attempt(4),
        wait=wait_random_exponential(multiplier=1, max=60),
        retry=retry_if_exception_type(
            (openai.RateLimitError, openai.APITimeoutError, openai.APIConnectionError)
        ),
        reraise=True,
    )
    def _openai_chat(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> Completion:
        model = self._settings.llm.primary.model
        with LLM_LATENCY.labels(provider="openai", model=model).time():
            resp = self._openai.chat.completions.create(
                model=model,
                messages=messages,  # type: ignore[arg-type]
                tools=tools or openai.NOT_GIVEN,  # type: ignore[arg-type]
                max_tokens=800,
            )
        choice = resp.choices[0].message
        calls = [
            ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments)
            for c in (choice.tool_calls or [])
            if c.type == "function"
        ]
        usage = resp.usage
        return Completion(
            text=choice.content or "",
            provider="openai",
            model=model,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            tool_calls=calls,
        )

    @retry(
        stop=stop_after_attempt(4),
        wait=wait_random_exponential(multiplier=1, max=60),
        retry=retry_if_exception_type(
            (anthropic.RateLimitError, anthropic.APITimeoutError, anthropic.APIConnectionError)
        ),
        reraise=True,
    )
    def _anthropic_chat(self, messages: list[dict[str, Any]]) -> Completion:
        model = self._settings.llm.fallback.model
        system, converted = to_anthropic(messages)
        with LLM_LATENCY.labels(provider="anthropic", model=model).time():
            resp = self._anthropic.messages.create(
                model=model,
                system=system,
                messages=converted,  # type: ignore[arg-type]
                max_tokens=800,
            )
        text = "".join(block.text for block in resp.content if block.type == "text")
        return Completion(
            text=text,
            provider="anthropic",
            model=model,
            prompt_tokens=resp.usage.input_tokens,
            completion_tokens=resp.usage.output_tokens,
            degraded=True,
        )

    def complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        budget: ConversationBudget,
    ) -> Completion:
        budget.check(MAX_OUTPUT_TOKENS)
        self._spend.ensure_available()
        with tracer.start_as_current_span("llm.call") as span:
            span.set_attribute("conversation.id", budget.conversation_id)
            started = time.perf_counter()
            try:
                result = openai_breaker.call(self._openai_chat, messages, tools)
            except (openai.OpenAIError, pybreaker.CircuitBreakerError) as exc:
                LLM_ERRORS.labels(provider="openai", error=type(exc).__name__).inc()
                if isinstance(exc, openai.AuthenticationError):
                    # Most likely a rotated key: refresh so the next request picks it up.
                    load_credentials(self._settings, force=True)
                    self._openai = build_openai_client()
                if not flags.is_enabled("anthropic_fallback"):
                    raise ProviderUnavailable("openai unavailable, fallback disabled") from exc
                log.warning("llm.failover", reason=type(exc).__name__, to="anthropic")
                LLM_FAILOVERS.inc()
                span.add_event("failover", {"reason": type(exc).__name__})
                try:
                    result = anthropic_breaker.call(self._anthropic_chat, messages)
                except (anthropic.AnthropicError, pybreaker.CircuitBreakerError) as fallback_exc:
                    LLM_ERRORS.labels(provider="anthropic", error=type(fallback_exc).__name__).inc()
                    raise ProviderUnavailable("all LLM providers unavailable") from fallback_exc

            budget.charge(result.prompt_tokens, result.completion_tokens)
            usd = self._spend.record(
                result.provider, result.model, result.prompt_tokens, result.completion_tokens
            )
            LLM_TOKENS.labels(result.provider, result.model, "prompt").inc(result.prompt_tokens)
            LLM_TOKENS.labels(result.provider, result.model, "completion").inc(
                result.completion_tokens
            )
            span.set_attribute("llm.provider", result.provider)
            span.set_attribute("llm.model", result.model)
            span.set_attribute("llm.tokens.total", result.prompt_tokens + result.completion_tokens)
            log.info(
                "llm.completed",
                provider=result.provider,
                model=result.model,
                prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens,
                tool_calls=[c.name for c in result.tool_calls],
                cost_usd=round(usd, 6),
                latency_ms=round((time.perf_counter() - started) * 1000),
                conversation_tokens_remaining=budget.remaining,
            )
            return result
