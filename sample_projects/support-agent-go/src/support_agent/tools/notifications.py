"""Customer emails via Amazon SES, at most once per idempotency key."""

from __future__ import annotations

import boto3
import structlog
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from support_agent.flags import flags
from support_agent.idempotency import IdempotencyStore, idempotency_key
from support_agent.settings import get_settings
from support_agent.tools import ToolContext

log = structlog.get_logger(__name__)

_ses = None
_store: IdempotencyStore | None = None


def _clients() -> tuple[object, IdempotencyStore]:
    global _ses, _store
    if _ses is None or _store is None:
        settings = get_settings()
        _ses = boto3.client(
            "sesv2",
            region_name=settings.aws_region,
            config=Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 3}),
        )
        _store = IdempotencyStore()
    return _ses, _store


def send_email(to: str, subject: str, body: str, key: str) -> bool:
    ses, store = _clients()
    if not store.claim(key):
        log.info("email.duplicate_suppressed", idempotency_key=key)
        return False
    try:
        ses.send_email(  # type: ignore[attr-defined]
            FromEmailAddress=get_settings().tools.email_sender,
            Destination={"ToAddresses": [to]},
            Content={"Simple": {"Subject": {"Data": subject}, "Body": {"Text": {"Data": body}}}},
            EmailTags=[{"Name": "idempotency_key", "Value": key}],
        )
    except (BotoCoreError, ClientError):
        store.release(key)
        log.exception("email.send_failed", idempotency_key=key)
        return False
    log.info("email.sent", idempotency_key=key)
    return True


def send_refund_confirmation(
    ctx: ToolContext, *, order_id: str, amount_cents: int, refund_id: str
) -> None:
    if not ctx.customer_email or not flags.is_enabled("confirmation_emails"):
        return
    key = idempotency_key("email-refund", ctx.conversation_id, refund_id)
    body = (
        f"We've refunded ${amount_cents / 100:.2f} for order {order_id}.\n"
        "It can take 5-10 business days to appear on your statement.\n\n"
        f"Reference: {refund_id}\n-- Acme Support"
    )
    if not send_email(ctx.customer_email, f"Your refund for {order_id}", body, key):
        ctx.pending_actions.append("confirmation email will follow")
