"""Request and response schemas for the public API."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from support_agent.guardrails.input import strip_control_characters

_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    conversation_id: str = Field(min_length=8, max_length=64)
    customer_id: str = Field(min_length=1, max_length=64, pattern=r"^cus_[A-Za-z0-9]+$")
    message: str = Field(min_length=1, max_length=4000)
    locale: Literal["en", "de", "fr", "es"] = "en"

    @field_validator("conversation_id")
    @classmethod
    def _check_conversation_id(cls, value: str) -> str:
        if not _CONVERSATION_ID.match(value):
            raise ValueError("conversation_id must be 8-64 url-safe characters")
        return value

    @field_validator("message")
    @classmethod
    def _clean_message(cls, value: str) -> str:
        cleaned = strip_control_characters(value)
        if not cleaned:
            raise ValueError("message is empty after sanitisation")
        return cleaned


class ChatResponse(BaseModel):
    conversation_id: str
    reply: str
    handed_off: bool = False
    degraded: bool = False
    pending_actions: list[str] = Field(default_factory=list)


class RefundArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(pattern=r"^ord_[A-Za-z0-9]{6,32}$")
    amount_cents: int = Field(gt=0, le=15000)
    reason: Literal["damaged", "late", "not_received", "duplicate", "other"]


class OrderLookupArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(pattern=r"^ord_[A-Za-z0-9]{6,32}$")


class KbSearchArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=2, max_length=300)
