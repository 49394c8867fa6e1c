"""Tool audit log.

Revision ID: 0002_tool_audit_log
Revises: 0001_conversations
Create Date: 2025-11-24 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_tool_audit_log"
down_revision = "0001_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tool_audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("tool", sa.String(64), nullable=False),
        sa.Column("arguments_sha256", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.create_index("ix_tool_audit_log_conversation", "tool_audit_log", ["conversation_id"])
    op.create_index("ix_tool_audit_log_created", "tool_audit_log", ["created_at"])
    # Append-only: the application role may insert but never rewrite history.
    op.execute("REVOKE UPDATE, DELETE ON tool_audit_log FROM support_agent")


def downgrade() -> None:
    op.drop_index("ix_tool_audit_log_created", table_name="tool_audit_log")
    op.drop_index("ix_tool_audit_log_conversation", table_name="tool_audit_log")
    op.drop_table("tool_audit_log")
