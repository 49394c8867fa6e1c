"""HTTP API: POST /v1/chat, health probes and Prometheus metrics."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

import structlog
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import make_asgi_app
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address

from support_agent import __version__
from support_agent.agent import HANDOFF_REPLY, SupportAgent
from support_agent.budget import SpendTracker
from support_agent.conversations import ConversationStore
from support_agent.credentials import load_credentials
from support_agent.guardrails.input import InputRejected, screen_user_message
from support_agent.guardrails.output import OutputFilter
from support_agent.llm import LLMRouter, ProviderUnavailable
from support_agent.logging_setup import configure_logging
from support_agent.models import ChatRequest, ChatResponse
from support_agent.settings import get_settings
from support_agent.telemetry import REQUEST_LATENCY, REQUESTS, configure_tracing
from support_agent.tools import ToolContext
from support_agent.tools.orders import fetch_customer_email

log = structlog.get_logger(__name__)


def _client_key(request: Request) -> str:
    # The web gateway authenticates the customer and forwards their id.
    return request.headers.get("X-Acme-Customer") or get_remote_address(request)


limiter = Limiter(
    key_func=_client_key,
    application_limits=[get_settings().rate_limits.chat_global],
    storage_uri=os.environ.get("RATE_LIMIT_STORAGE_URI", "memory://"),
)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    configure_tracing()
    load_credentials(get_settings())
    log.info("service.started", version=__version__, env=get_settings().env)
    yield


app = FastAPI(title="Acme Support Agent", version=__version__, lifespan=lifespan)
app.state.limiter = limiter
app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]
app.add_middleware(SlowAPIMiddleware)
app.mount("/metrics", make_asgi_app())
FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


@lru_cache(maxsize=1)
def get_agent() -> SupportAgent:
    settings = get_settings()
    router = LLMRouter(settings, SpendTracker(settings))
    return SupportAgent(
        router,
        OutputFilter(router.openai_client, settings.llm.moderation_model),
        max_turns=settings.agent.max_turns,
        max_tokens_per_conversation=settings.agent.max_tokens_per_conversation,
    )


@lru_cache(maxsize=1)
def get_store() -> ConversationStore:
    return ConversationStore()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@app.get("/readyz")
def readyz() -> dict[str, str]:
    get_agent()
    return {"status": "ready"}


@app.post("/v1/chat", response_model=ChatResponse)
@limiter.limit("30/minute")
def chat(
    request: Request,
    body: ChatRequest,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key", max_length=128),
    agent: SupportAgent = Depends(get_agent),
    store: ConversationStore = Depends(get_store),
) -> ChatResponse:
    started = time.perf_counter()
    structlog.contextvars.bind_contextvars(conversation_id=body.conversation_id)
    request_key = idempotency_key or hashlib.sha256(
        f"{body.conversation_id}|{body.message}".encode()
    ).hexdigest()
    try:
        message = screen_user_message(body.message)
    except InputRejected as exc:
        REQUESTS.labels(outcome="rejected").inc()
        raise HTTPException(status_code=422, detail={"reason": exc.reason}) from exc

    previous = store.find_reply(body.conversation_id, request_key)
    if previous is not None:
        REQUESTS.labels(outcome="replayed").inc()
        return ChatResponse(conversation_id=body.conversation_id, reply=previous)

    try:
        conversation = store.load(body.conversation_id, body.customer_id)
    except PermissionError as exc:
        raise HTTPException(status_code=403, detail="conversation not found") from exc

    ctx = ToolContext(
        conversation_id=body.conversation_id,
        customer_id=body.customer_id,
        customer_email=fetch_customer_email(body.customer_id),
    )
    try:
        result = agent.run(ctx, message, conversation.history, conversation.tokens_used)
    except ProviderUnavailable:
        log.error("chat.providers_unavailable")
        REQUESTS.labels(outcome="handoff").inc()
        return ChatResponse(conversation_id=body.conversation_id, reply=HANDOFF_REPLY,
                            handed_off=True, degraded=True)
    finally:
        REQUEST_LATENCY.observe(time.perf_counter() - started)
        structlog.contextvars.clear_contextvars()

    store.append_exchange(body.conversation_id, request_key, message, result.reply,
                          result.tokens_used)
    REQUESTS.labels(outcome="handoff" if result.handed_off else "answered").inc()
    return ChatResponse(
        conversation_id=body.conversation_id,
        reply=result.reply,
        handed_off=result.handed_off,
        degraded=result.degraded,
        pending_actions=result.pending_actions,
    )
