"""Database engines.

* ``engine``: the agent's own schema (conversations, messages, tool audit log),
  connected as ``support_agent``.
* ``kb_engine``: help-center articles, connected as ``support_agent_ro`` which only
  has SELECT (see migrations/versions/0003_kb_readonly_role.py). Sessions are also
  opened read-only so a bug cannot write through it even if grants drift.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine, event, text

from support_agent.settings import get_settings


@lru_cache(maxsize=1)
def engine() -> Engine:
    settings = get_settings()
    return create_engine(
        settings.database_url,
        pool_size=5,
        max_overflow=5,
        pool_timeout=5,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "options": "-c statement_timeout=5000"},
    )


@lru_cache(maxsize=1)
def kb_engine() -> Engine:
    settings = get_settings()
    eng = create_engine(
        settings.kb_readonly_database_url,
        pool_size=5,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "options": "-c statement_timeout=3000"},
    )

    @event.listens_for(eng, "connect")
    def _read_only(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        with dbapi_conn.cursor() as cur:
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_conn.commit()

    return eng


def search_articles(query: str, limit: int = 3) -> list[dict[str, str]]:
    sql = text(
        """
        SELECT slug, title, left(body, 1200) AS excerpt
        FROM kb_articles
        WHERE published AND search_vector @@ plainto_tsquery('english', :q)
        ORDER BY ts_rank(search_vector, plainto_tsquery('english', :q)) DESC
        LIMIT :limit
        """
    )
    with kb_engine().connect() as conn:
        rows = conn.execute(sql, {"q": query, "limit": limit}).mappings().all()
    return [dict(row) for row in rows]
