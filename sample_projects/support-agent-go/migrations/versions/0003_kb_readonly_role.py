"""Read-only role for help-center lookups.

Revision ID: 0003_kb_readonly_role
Revises: 0002_tool_audit_log
Create Date: 2026-01-12 10:05:00

The role is created NOLOGIN here; the login user ``support_agent_ro`` (password
in Secrets Manager) is granted membership by the platform team's DB bootstrap.
"""

from alembic import op

revision = "0003_kb_readonly_role"
down_revision = "0002_tool_audit_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kb_reader') THEN
                CREATE ROLE kb_reader NOLOGIN;
            END IF;
        END
        $$;
        """
    )
    op.execute("GRANT USAGE ON SCHEMA public TO kb_reader")
    op.execute("GRANT SELECT ON kb_articles TO kb_reader")
    op.execute("ALTER ROLE kb_reader SET default_transaction_read_only = on")


def downgrade() -> None:
    op.execute("REVOKE SELECT ON kb_articles FROM kb_reader")
    op.execute("REVOKE USAGE ON SCHEMA public FROM kb_reader")
    op.execute("DROP ROLE IF EXISTS kb_reader")
