"""Idempotency keys for side effects (refunds, emails).

Keys are derived from the conversation and the action's arguments, so a retried
HTTP request, a replayed tool call or a pod restart mid-conversation produces the
same key and the side effect happens at most once.
"""

from __future__ import annotations

import hashlib
import time

import boto3
from botocore.exceptions import ClientError

from support_agent.settings import get_settings

KEY_TTL_SECONDS = 7 * 24 * 3600


def idempotency_key(action: str, *parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return f"{action}-{digest}"


class IdempotencyStore:
    """DynamoDB-backed "first writer wins" claims, for APIs without native keys."""

    def __init__(self, table=None) -> None:  # type: ignore[no-untyped-def]
        settings = get_settings()
        self._table = table or boto3.resource(
            "dynamodb", region_name=settings.aws_region
        ).Table(settings.tools.idempotency_table)

    def claim(self, key: str) -> bool:
        """Return True if this caller owns the key, False if it was already used."""
        try:
            self._table.put_item(
                Item={"idempotency_key": key, "expires_at": int(time.time()) + KEY_TTL_SECONDS},
                ConditionExpression="attribute_not_exists(idempotency_key)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, key: str) -> None:
        """Give the key back when the side effect definitely did not happen."""
        self._table.delete_item(Key={"idempotency_key": key})
