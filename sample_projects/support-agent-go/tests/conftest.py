from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import pytest

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("SECRETS_BACKEND", "env")

from support_agent.breakers import anthropic_breaker, openai_breaker  # noqa: E402
from support_agent.budget import SpendTracker  # noqa: E402
from support_agent.settings import get_settings  # noqa: E402


class FakeSpendTable:
    def __init__(self, usd: float = 0.0) -> None:
        self.usd = usd
        self.updates: list[dict[str, Any]] = []

    def get_item(self, Key: dict[str, str]) -> dict[str, Any]:  # noqa: N803
        return {"Item": {"period": Key["period"], "usd": self.usd}} if self.usd else {}

    def update_item(self, **kwargs: Any) -> None:
        self.updates.append(kwargs)
        self.usd += float(kwargs["ExpressionAttributeValues"][":amount"])


class FakeOpenAI:
    """Minimal stand-in for openai.OpenAI: scripted chat responses or errors."""

    def __init__(self, script: list[Any] | None = None, flagged: bool = False) -> None:
        self.script = list(script or [])
        self.calls: list[dict[str, Any]] = []
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))
        self.moderations = SimpleNamespace(create=self._moderate)
        self._flagged = flagged

    def _create(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    def _moderate(self, **kwargs: Any) -> Any:
        categories = SimpleNamespace(model_dump=lambda: {"harassment": self._flagged})
        return SimpleNamespace(
            results=[SimpleNamespace(flagged=self._flagged, categories=categories)]
        )


class FakeAnthropic:
    def __init__(self, text: str = "fallback answer") -> None:
        self.calls: list[dict[str, Any]] = []
        self.messages = SimpleNamespace(create=self._create)
        self._text = text

    def _create(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return SimpleNamespace(
            content=[SimpleNamespace(type="text", text=self._text)],
            usage=SimpleNamespace(input_tokens=120, output_tokens=40),
        )


def openai_reply(text: str = "", tool_calls: list[tuple[str, str, str]] | None = None) -> Any:
    calls = [
        SimpleNamespace(
            id=cid, type="function", function=SimpleNamespace(name=name, arguments=args)
        )
        for cid, name, args in (tool_calls or [])
    ]
    message = SimpleNamespace(content=text, tool_calls=calls or None)
    return SimpleNamespace(
        choices=[SimpleNamespace(message=message)],
        usage=SimpleNamespace(prompt_tokens=300, completion_tokens=60),
    )


@pytest.fixture(autouse=True)
def _reset_breakers() -> None:
    openai_breaker.close()
    anthropic_breaker.close()


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    return get_settings()


@pytest.fixture
def spend_table() -> FakeSpendTable:
    return FakeSpendTable()


@pytest.fixture
def spend(settings, spend_table) -> SpendTracker:  # type: ignore[no-untyped-def]
    return SpendTracker(settings, table=spend_table)
