"""Output filtering: moderation, PII redaction, and tool-output injection checks."""

from __future__ import annotations

import re
from collections.abc import Callable

import openai
import structlog
from openai import OpenAI

from support_agent.guardrails.input import looks_like_injection

log = structlog.get_logger(__name__)

SAFE_FALLBACK_REPLY = (
    "Sorry, I can't help with that here. I've passed your conversation to a "
    "member of our support team, who will reply by email."
)

PII_PATTERNS: dict[str, re.Pattern[str]] = {
    "EMAIL": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
    "CARD": re.compile(r"\b(?:\d[ -]?){13,19}\b"),
    "IBAN": re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b"),
    "US_SSN": re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    "PHONE": re.compile(r"(?<!\w)\+?\d{1,3}[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}(?!\w)"),
}


def redact_pii(text: str, allow: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """Replace PII with ``[REDACTED:<TYPE>]``. Values in ``allow`` (for example the
    customer's own email, already known to them) are left untouched."""
    found: list[str] = []

    def _sub(kind: str) -> Callable[[re.Match[str]], str]:
        def repl(match: re.Match[str]) -> str:
            if match.group(0) in allow:
                return match.group(0)
            found.append(kind)
            return f"[REDACTED:{kind}]"

        return repl

    for kind, pattern in PII_PATTERNS.items():
        text = pattern.sub(_sub(kind), text)
    return text, found


def screen_tool_output(tool_name: str, output: str, max_chars: int = 6000) -> str:
    """Tool results come from systems customers can write to (order notes,
    addresses, ticket text). Neutralise anything that reads like an instruction."""
    output = output[:max_chars]
    matched = looks_like_injection(output)
    if matched:
        log.warning("tool_output.injection_detected", tool=tool_name, pattern=matched)
        return (
            f'{{"tool": "{tool_name}", "warning": "output withheld: it contained text '
            'that looked like instructions to the assistant"}'
        )
    return output


class OutputFilter:
    def __init__(self, client: OpenAI, moderation_model: str = "omni-moderation-latest") -> None:
        self._client = client
        self._model = moderation_model

    def is_flagged(self, text: str) -> bool:
        try:
            result = self._client.moderations.create(input=text, model=self._model)
        except openai.OpenAIError as exc:
            # Moderation outage: fail closed only for long free-form replies.
            log.warning("moderation.unavailable", error=type(exc).__name__)
            return len(text) > 1500
        flagged = result.results[0].flagged
        if flagged:
            categories = result.results[0].categories.model_dump()
            log.warning("moderation.flagged", categories=[k for k, v in categories.items() if v])
        return flagged

    def filter_reply(self, reply: str, customer_email: str | None = None) -> str:
        if self.is_flagged(reply):
            return SAFE_FALLBACK_REPLY
        allow = frozenset({customer_email}) if customer_email else frozenset()
        redacted, kinds = redact_pii(reply, allow=allow)
        if kinds:
            log.info("output.pii_redacted", kinds=sorted(set(kinds)))
        return redacted
