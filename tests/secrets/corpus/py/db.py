"""Database and cache connections."""

import os

from redis import Redis
from sqlalchemy import create_engine

ANALYTICS_URL = "postgresql+psycopg://analytics:csNiKfiRbcwL4RcBXqb8NuJ1@analytics-db.internal:5432/events"
ARCHIVE_URL = "mongodb+srv://archiver:gEdIWTVkpS6ID8dQ02DM@cluster0.ty2rv.mongodb.net/archive?retryWrites=true"
LOCAL_URL = "postgresql://postgres:postgres@localhost:5432/agent_dev"
TEST_URL = "mysql+pymysql://root:root@127.0.0.1:3306/agent_test"
TEMPLATE_URL = "postgresql://agent:${DB_PASSWORD}@db:5432/agent"
DOCS_URL = "postgresql://user:password@host:5432/dbname"
HELP_URL = "redis://:<password>@cache.internal:6379/0"
CACHE_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
FORMAT_URL = "postgresql://{user}:{password}@{host}/{name}"
PRINTF_URL = "mysql://%s:%s@%s/%s"

engine = create_engine(os.environ.get("DATABASE_URL", LOCAL_URL), pool_pre_ping=True)
cache = Redis.from_url("rediss://default:dTGRuNMSh6qrl7ZFSeVLxyTUICQK@cache-prod.acme-agents.io:6380/0")
