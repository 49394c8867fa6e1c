"""Order lookups against the internal Orders API (read-only)."""

from __future__ import annotations

from typing import Any

import pybreaker
import requests

from support_agent.breakers import orders_breaker
from support_agent.models import OrderLookupArgs
from support_agent.settings import get_settings
from support_agent.tools import Tool, ToolContext, ToolUnavailable

_HEADERS = {"User-Agent": "support-agent/1.4.2", "Accept": "application/json"}


def _get(path: str) -> dict[str, Any]:
    url = f"{get_settings().orders_api_url}{path}"
    response = requests.get(url, headers=_HEADERS, timeout=10)
    if response.status_code == 404:
        return {}
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def _get_order(order_id: str) -> dict[str, Any]:
    return _get(f"/v1/orders/{order_id}")


def fetch_customer_email(customer_id: str) -> str | None:
    """Best effort: without it the agent simply skips confirmation emails."""
    try:
        customer = orders_breaker.call(_get, f"/v1/customers/{customer_id}")
    except (pybreaker.CircuitBreakerError, requests.RequestException):
        return None
    return customer.get("email")


def fetch_order(order_id: str) -> dict[str, Any]:
    """Fetch through the circuit breaker; raise ToolUnavailable when degraded."""
    try:
        return orders_breaker.call(_get_order, order_id)
    except pybreaker.CircuitBreakerError as exc:
        raise ToolUnavailable("order lookups are temporarily unavailable") from exc
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise ToolUnavailable("the orders service did not respond in time") from exc
    except requests.HTTPError as exc:
        raise ToolUnavailable(f"the orders service returned {exc.response.status_code}") from exc


def lookup_order(ctx: ToolContext, arguments: dict[str, Any]) -> dict[str, Any]:
    args = OrderLookupArgs.model_validate(arguments)
    order = fetch_order(args.order_id)
    if not order or order.get("customer_id") != ctx.customer_id:
        # Never reveal whether an order that belongs to someone else exists.
        return {"_outcome": "not_found", "found": False}
    return {
        "found": True,
        "order_id": order["id"],
        "status": order["status"],
        "placed_at": order["placed_at"],
        "total_cents": order["total_cents"],
        "refundable_cents": order.get("refundable_cents", 0),
        "carrier": order.get("shipment", {}).get("carrier"),
        "tracking_status": order.get("shipment", {}).get("status"),
        "items": [{"sku": i["sku"], "name": i["name"], "qty": i["qty"]} for i in order["items"]],
    }


LOOKUP_ORDER = Tool(
    name="lookup_order",
    description="Look up one of the customer's orders by id (ord_...).",
    parameters={
        "type": "object",
        "properties": {"order_id": {"type": "string", "pattern": "^ord_[A-Za-z0-9]{6,32}$"}},
        "required": ["order_id"],
        "additionalProperties": False,
    },
    handler=lookup_order,
)
