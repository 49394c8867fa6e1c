"""Conversation persistence: history, token usage and replay-safe replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from support_agent.db import engine

HISTORY_LIMIT = 20


@dataclass
class Conversation:
    id: str
    customer_id: str
    tokens_used: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


class ConversationStore:
    def load(self, conversation_id: str, customer_id: str) -> Conversation:
        with engine().begin() as conn:
            conn.execute(
                text(
                    """
                    INSERT INTO conversations (id, customer_id)
                    VALUES (:id, :customer_id)
                    ON CONFLICT (id) DO NOTHING
                    """
                ),
                {"id": conversation_id, "customer_id": customer_id},
            )
            row = conn.execute(
                text("SELECT customer_id, tokens_used FROM conversations WHERE id = :id"),
                {"id": conversation_id},
            ).one()
            if row.customer_id != customer_id:
                raise PermissionError("conversation belongs to another customer")
            messages = conn.execute(
                text(
                    """
                    SELECT role, content FROM (
                        SELECT role, content, created_at FROM messages
                        WHERE conversation_id = :id ORDER BY created_at DESC LIMIT :n
                    ) recent ORDER BY created_at
                    """
                ),
                {"id": conversation_id, "n": HISTORY_LIMIT},
            ).all()
        return Conversation(
            id=conversation_id,
            customer_id=customer_id,
            tokens_used=row.tokens_used,
            history=[{"role": m.role, "content": m.content} for m in messages],
        )

    def find_reply(self, conversation_id: str, request_key: str) -> str | None:
        """Return the stored reply if this request was already answered."""
        with engine().connect() as conn:
            return conn.execute(
                text(
                    """
                    SELECT content FROM messages
                    WHERE conversation_id = :id AND request_key = :key AND role = 'assistant'
                    """
                ),
                {"id": conversation_id, "key": request_key},
            ).scalar_one_or_none()

    def append_exchange(
        self, conversation_id: str, request_key: str, user_text: str, reply: str, tokens_used: int
    ) -> None:
        with engine().begin() as conn:
            conn.execute(
                text(
                    """
                    INSERT INTO messages (conversation_id, request_key, role, content)
                    VALUES (:id, :key, 'user', :user_text), (:id, :key, 'assistant', :reply)
                    ON CONFLICT (conversation_id, request_key, role) DO NOTHING
                    """
                ),
                {"id": conversation_id, "key": request_key, "user_text": user_text, "reply": reply},
            )
            conn.execute(
                text(
                    "UPDATE conversations SET tokens_used = :t, updated_at = now() WHERE id = :id"
                ),
                {"t": tokens_used, "id": conversation_id},
            )
