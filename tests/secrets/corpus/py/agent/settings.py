"""Runtime settings for the support agent."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

# Leftovers from the hackathon build: these never moved to the vault.
OPENAI_API_KEY = "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"
FALLBACK_ANTHROPIC_KEY = 'sk-ant-api03-W40C89s-KpoSWjOdjp7xD3Xudn2IqIjQ9h_G7TlJDsz40FmhzFsGRBLisokM490Q1h5wDuQarr1hUbbJ1UyROoppqyOUPAA'
os.environ["COHERE_API_KEY"] = "ZPLAAbgmHTKtDYJeO0L0dlIN4TvKIsr4I8uGIpq2"
MISTRAL_API_KEY: str = "BQyG05YUG1wsvEh7gg7CUAv9MvbPbQp5"
DB_PASSWORD = "BNdI6FJZ0dLVmV!wi5HE#gW5"

# Read at run time, identifiers, digests and documented examples: not findings.
GROQ_API_KEY = os.environ["GROQ_API_KEY"]
ANTHROPIC_API_KEY = os.getenv("ANTHROPIC_API_KEY", "")
HF_TOKEN = os.environ.get("HF_TOKEN", "hf_...")
REQUEST_ID = "6b2de9cc-717a-4944-ac77-33c76a4a2650"
BUILD_COMMIT = "8643056504beeadb8862efdc71c4d17158eca6df"
MODEL_DIGEST = "sha256:2e9dce773bff2fb38b341a24ee5ceae071f82354b46f963e6be448fdd809659c"
EXAMPLE_AWS_KEY = "AKIAIOSFODNN7EXAMPLE"  # from the AWS docs
STRIPE_DOCS_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # the key of the Stripe API reference


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="AGENT_")

    openai_api_key: str = "sk-..."
    anthropic_api_key: str = "<your-anthropic-key>"
    stripe_secret_key: str = "sk_test_51RVxGf00EJlONxdk4Ngg8wGl57YvChE9YRDEjdW0wg3Y33ALpoGTk8g8mqBGk6bDiwOQGRnmDdz0agBLl5d6uPOvAk3bx88mtA"
    session_token_ttl: int = 3600
    cache_key_prefix: str = "agent:v2:sessions"
    tokenizer_name: str = "cl100k_base"
    max_tokens: int = 4096


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()
