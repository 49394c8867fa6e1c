"""Audit trail for every tool the agent uses.

Each invocation is written to the ``tool_audit_log`` table and emitted as an
``audit`` log event (shipped to the security account's log archive).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import structlog
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from support_agent.db import engine

audit_log = structlog.get_logger("audit")


def _digest(arguments: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(arguments, sort_keys=True).encode()).hexdigest()


def record_tool_use(
    *,
    conversation_id: str,
    customer_id: str,
    tool: str,
    arguments: dict[str, Any],
    outcome: str,
    idempotency_key: str | None = None,
) -> None:
    entry = {
        "conversation_id": conversation_id,
        "customer_id": customer_id,
        "tool": tool,
        "arguments_sha256": _digest(arguments),
        "outcome": outcome,
        "idempotency_key": idempotency_key,
    }
    audit_log.info("tool.invoked", **entry)
    try:
        with engine().begin() as conn:
            conn.execute(
                text(
                    """
                    INSERT INTO tool_audit_log
                        (conversation_id, customer_id, tool, arguments_sha256,
                         outcome, idempotency_key)
                    VALUES (:conversation_id, :customer_id, :tool, :arguments_sha256,
                            :outcome, :idempotency_key)
                    """
                ),
                entry,
            )
    except SQLAlchemyError:
        # The log event above is the durable copy; never fail a customer request on this.
        audit_log.exception("tool.audit_write_failed", tool=tool, conversation_id=conversation_id)
