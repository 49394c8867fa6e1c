"""Typed settings loaded from config/settings.yaml with environment overrides."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

CONFIG_DIR = Path(os.environ.get("SUPPORT_AGENT_CONFIG_DIR", Path(__file__).parents[2] / "config"))


class ModelSettings(BaseModel):
    provider: str
    model: str


class LLMSettings(BaseModel):
    primary: ModelSettings
    fallback: ModelSettings
    moderation_model: str = "omni-moderation-latest"
    pricing: dict[str, dict[str, float]] = Field(default_factory=dict)


class AgentSettings(BaseModel):
    max_turns: int = 8
    max_tokens_per_conversation: int = 20000


class RateLimitSettings(BaseModel):
    chat_global: str = "600/minute"


class BudgetSettings(BaseModel):
    monthly_usd_limit: float = 500.0
    hard_stop: bool = True
    spend_table: str = "support-agent-spend"


class ToolSettings(BaseModel):
    max_refund_cents: int = 15000
    idempotency_table: str = "support-agent-idempotency"
    email_sender: str = "support@acme.example"


class SecretSettings(BaseModel):
    secret_id: str
    cache_ttl_seconds: int = 900


class Settings(BaseModel):
    env: str = "development"
    secrets_backend: str = "env"
    aws_region: str = "us-east-1"
    orders_api_url: str = "http://localhost:8081"
    database_url: str = ""
    kb_readonly_database_url: str = ""
    llm: LLMSettings
    agent: AgentSettings = AgentSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    budget: BudgetSettings = BudgetSettings()
    tools: ToolSettings = ToolSettings()
    secrets: SecretSettings


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} must contain a mapping")
    return data


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    raw = _read_yaml(CONFIG_DIR / "settings.yaml")
    env = os.environ.get("APP_ENV", "development")
    raw.pop("service", None)
    raw["secrets"]["secret_id"] = raw["secrets"]["secret_id"].replace("production", env)
    return Settings(
        env=env,
        secrets_backend=os.environ.get("SECRETS_BACKEND", "env"),
        aws_region=os.environ.get("AWS_REGION", "us-east-1"),
        orders_api_url=os.environ.get("ORDERS_API_URL", "http://localhost:8081"),
        database_url=os.environ.get("DATABASE_URL", ""),
        kb_readonly_database_url=os.environ.get("KB_READONLY_DATABASE_URL", ""),
        **raw,
    )
