"""Circuit breakers for the dependencies the agent calls.

When a breaker is open the call fails fast with ``pybreaker.CircuitBreakerError``
and the caller degrades (fallback provider, or a partial answer without the tool).
"""

from __future__ import annotations

import anthropic
import openai
import pybreaker
import structlog

from support_agent.telemetry import BREAKER_OPEN

log = structlog.get_logger(__name__)


class _MetricsListener(pybreaker.CircuitBreakerListener):
    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        is_open = new_state.name == pybreaker.STATE_OPEN
        BREAKER_OPEN.labels(dependency=cb.name).set(1 if is_open else 0)
        log.warning(
            "circuit_breaker.state_change",
            dependency=cb.name,
            old=old_state.name if old_state else None,
            new=new_state.name,
        )


def _breaker(
    name: str, fail_max: int, reset_timeout: int, exclude: list[type[Exception]] | None = None
) -> pybreaker.CircuitBreaker:
    return pybreaker.CircuitBreaker(
        fail_max=fail_max,
        reset_timeout=reset_timeout,
        name=name,
        exclude=exclude or [],
        listeners=[_MetricsListener()],
    )


# A malformed request is our bug, not a provider outage: it must not open the circuit.
openai_breaker = _breaker("openai", 5, 60, exclude=[openai.BadRequestError])
anthropic_breaker = _breaker("anthropic", 5, 60, exclude=[anthropic.BadRequestError])
orders_breaker = _breaker("orders-api", 5, 30)
stripe_breaker = _breaker("stripe", 3, 60)
