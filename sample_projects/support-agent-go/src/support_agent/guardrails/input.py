"""User input sanitisation and prompt-injection screening."""

from __future__ import annotations

import re
import unicodedata

import structlog

log = structlog.get_logger(__name__)

MAX_MESSAGE_CHARS = 4000

# C0/C1 control characters except tab and newline, plus bidi overrides and
# zero-width characters that are used to hide instructions.
_CONTROL_CHARS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)

INJECTION_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"ignore (all |any )?(previous|prior|above) (instructions|prompts?)",
        r"disregard (the |your )?(system|previous) (prompt|instructions)",
        r"you are now (in )?(developer|dan|jailbreak) mode",
        r"(reveal|print|show) (me )?(your|the) (system prompt|instructions)",
        r"</?(system|assistant)>",
        r"\bact as (an? )?(admin|administrator|root)\b",
        r"issue (a )?refund (to|for) (all|every)",
    )
]


class InputRejected(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def strip_control_characters(text: str) -> str:
    normalized = unicodedata.normalize("NFKC", text)
    return _CONTROL_CHARS.sub("", normalized).strip()


def looks_like_injection(text: str) -> str | None:
    for pattern in INJECTION_PATTERNS:
        if pattern.search(text):
            return pattern.pattern
    return None


def screen_user_message(text: str) -> str:
    """Return the cleaned message or raise InputRejected."""
    cleaned = strip_control_characters(text)
    if not cleaned:
        raise InputRejected("empty")
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise InputRejected("too_long")
    matched = looks_like_injection(cleaned)
    if matched:
        log.warning("input.injection_blocked", pattern=matched, length=len(cleaned))
        raise InputRejected("prompt_injection")
    return cleaned
