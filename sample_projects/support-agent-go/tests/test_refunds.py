from types import SimpleNamespace
from typing import Any

import pytest

from support_agent.tools import ToolContext, refunds

ORDER = {
    "id": "ord_abc123",
    "customer_id": "cus_42",
    "charge_id": "ch_test_123",
    "refundable_cents": 5000,
}


@pytest.fixture
def stripe_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_create(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return SimpleNamespace(id="re_test_1", status="succeeded", amount=kwargs["amount"])

    monkeypatch.setattr(refunds.stripe.Refund, "create", fake_create)
    monkeypatch.setattr(refunds, "fetch_order", lambda order_id: dict(ORDER))
    monkeypatch.setattr(refunds, "send_refund_confirmation", lambda *a, **kw: None)
    return calls


def _ctx(conversation_id: str = "conv_12345678") -> ToolContext:
    return ToolContext(conversation_id=conversation_id, customer_id="cus_42")


def test_refund_uses_stable_idempotency_key(stripe_calls) -> None:  # type: ignore[no-untyped-def]
    args = {"order_id": "ord_abc123", "amount_cents": 2500, "reason": "damaged"}
    first = refunds.issue_refund(_ctx(), dict(args))
    second = refunds.issue_refund(_ctx(), dict(args))
    assert first["idempotency_key"] == second["idempotency_key"]
    assert stripe_calls[0]["idempotency_key"] == stripe_calls[1]["idempotency_key"]
    assert stripe_calls[0]["charge"] == "ch_test_123"


def test_different_conversation_gets_different_key(stripe_calls) -> None:  # type: ignore[no-untyped-def]
    args = {"order_id": "ord_abc123", "amount_cents": 2500, "reason": "damaged"}
    refunds.issue_refund(_ctx("conv_aaaaaaaa"), dict(args))
    refunds.issue_refund(_ctx("conv_bbbbbbbb"), dict(args))
    assert stripe_calls[0]["idempotency_key"] != stripe_calls[1]["idempotency_key"]


def test_refund_above_refundable_amount_is_rejected(stripe_calls) -> None:  # type: ignore[no-untyped-def]
    result = refunds.issue_refund(
        _ctx(), {"order_id": "ord_abc123", "amount_cents": 9000, "reason": "late"}
    )
    assert result["status"] == "exceeds_refundable_amount"
    assert stripe_calls == []


def test_refund_for_someone_elses_order_is_not_found(stripe_calls, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(refunds, "fetch_order", lambda order_id: {**ORDER, "customer_id": "cus_7"})
    result = refunds.issue_refund(
        _ctx(), {"order_id": "ord_abc123", "amount_cents": 100, "reason": "late"}
    )
    assert result["status"] == "order_not_found"
    assert stripe_calls == []
