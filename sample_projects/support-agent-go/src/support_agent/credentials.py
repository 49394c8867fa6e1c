"""Credential loading.

Production reads the LLM and Stripe keys from AWS Secrets Manager
(``support-agent/<env>/llm``); the secret is rotated every 30 days by the
rotation Lambda declared in infra/terraform/secrets.tf. Local development reads
them from the environment. Nothing here ever falls back to a literal value.
"""

from __future__ import annotations

import json
import os
import threading
import time

import boto3
import stripe
import structlog

from support_agent.settings import Settings

log = structlog.get_logger(__name__)

CREDENTIAL_NAMES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "STRIPE_API_KEY")

_lock = threading.Lock()
_loaded_at: float = 0.0


class CredentialError(RuntimeError):
    pass


def _from_secrets_manager(secret_id: str, region: str) -> dict[str, str]:
    client = boto3.client("secretsmanager", region_name=region)
    response = client.get_secret_value(SecretId=secret_id)
    payload = json.loads(response["SecretString"])
    missing = [name for name in CREDENTIAL_NAMES if not payload.get(name)]
    if missing:
        raise CredentialError(f"secret {secret_id} is missing {', '.join(missing)}")
    log.info("credentials.loaded", source="secretsmanager", secret_id=secret_id,
             version_id=response.get("VersionId"))
    return {name: payload[name] for name in CREDENTIAL_NAMES}


def _from_environment() -> dict[str, str]:
    try:
        values = {
            "OPENAI_API_KEY": os.environ["OPENAI_API_KEY"],
            "ANTHROPIC_API_KEY": os.environ["ANTHROPIC_API_KEY"],
            "STRIPE_API_KEY": os.environ["STRIPE_API_KEY"],
        }
    except KeyError as exc:
        raise CredentialError(f"missing environment variable {exc.args[0]}") from exc
    log.info("credentials.loaded", source="environment")
    return values


def load_credentials(settings: Settings, *, force: bool = False) -> None:
    """Resolve credentials and expose them to the SDK clients.

    Called at startup and again (``force=True``) when a provider returns an
    authentication error, which is what happens right after a rotation.
    """
    global _loaded_at
    with _lock:
        fresh = time.monotonic() - _loaded_at < settings.secrets.cache_ttl_seconds
        if _loaded_at and fresh and not force:
            return
        if settings.secrets_backend == "aws":
            values = _from_secrets_manager(settings.secrets.secret_id, settings.aws_region)
        elif settings.env == "production":
            raise CredentialError("production must use SECRETS_BACKEND=aws")
        else:
            values = _from_environment()
        os.environ["OPENAI_API_KEY"] = values["OPENAI_API_KEY"]
        os.environ["ANTHROPIC_API_KEY"] = values["ANTHROPIC_API_KEY"]
        stripe.api_key = values["STRIPE_API_KEY"]
        _loaded_at = time.monotonic()
