"""Refunds through Stripe, capped and idempotent."""

from __future__ import annotations

from typing import Any

import pybreaker
import stripe
import structlog

from support_agent.breakers import stripe_breaker
from support_agent.idempotency import idempotency_key
from support_agent.models import RefundArgs
from support_agent.settings import get_settings
from support_agent.tools import Tool, ToolContext, ToolUnavailable
from support_agent.tools.notifications import send_refund_confirmation
from support_agent.tools.orders import fetch_order

log = structlog.get_logger(__name__)


def _create_refund(
    charge_id: str, amount_cents: int, request_id: str, reason: str
) -> stripe.Refund:
    return stripe.Refund.create(
        charge=charge_id,
        amount=amount_cents,
        idempotency_key=request_id,
        metadata={"source": "support-agent", "reason": reason},
    )


def issue_refund(ctx: ToolContext, arguments: dict[str, Any]) -> dict[str, Any]:
    args = RefundArgs.model_validate(arguments)
    limit = get_settings().tools.max_refund_cents
    if args.amount_cents > limit:
        ctx.pending_actions.append(f"refund of {args.amount_cents} cents needs human approval")
        return {"_outcome": "escalated", "status": "needs_approval", "limit_cents": limit}

    order = fetch_order(args.order_id)
    if not order or order.get("customer_id") != ctx.customer_id:
        return {"_outcome": "not_found", "status": "order_not_found"}
    if args.amount_cents > order.get("refundable_cents", 0):
        return {"_outcome": "rejected", "status": "exceeds_refundable_amount"}

    # Same conversation + order + amount => same key, so a retried request or a
    # replayed tool call can never refund twice.
    request_id = idempotency_key(
        "refund", ctx.conversation_id, args.order_id, str(args.amount_cents)
    )
    try:
        refund = stripe_breaker.call(
            _create_refund, order["charge_id"], args.amount_cents, request_id, args.reason
        )
    except pybreaker.CircuitBreakerError as exc:
        raise ToolUnavailable("refunds are delayed; a human agent will complete it") from exc
    except stripe.StripeError as exc:
        log.error("refund.failed", order_id=args.order_id, code=getattr(exc, "code", None))
        raise ToolUnavailable("the refund could not be processed right now") from exc

    send_refund_confirmation(ctx, order_id=args.order_id, amount_cents=args.amount_cents,
                             refund_id=refund.id)
    return {
        "status": refund.status,
        "refund_id": refund.id,
        "amount_cents": refund.amount,
        "idempotency_key": request_id,
    }


ISSUE_REFUND = Tool(
    name="issue_refund",
    description=(
        "Refund part or all of an order to the original payment method. Only after "
        "the customer has confirmed the amount."
    ),
    parameters={
        "type": "object",
        "properties": {
            "order_id": {"type": "string"},
            "amount_cents": {"type": "integer", "minimum": 1, "maximum": 15000},
            "reason": {
                "type": "string",
                "enum": ["damaged", "late", "not_received", "duplicate", "other"],
            },
        },
        "required": ["order_id", "amount_cents", "reason"],
        "additionalProperties": False,
    },
    handler=issue_refund,
    critical=True,
    flag="refunds_enabled",
)
