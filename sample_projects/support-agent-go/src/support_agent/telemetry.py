"""OpenTelemetry tracing and Prometheus metrics."""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import Counter, Gauge, Histogram

from support_agent import __version__

REQUESTS = Counter(
    "support_agent_requests_total", "Chat requests handled", ["outcome"]
)
LLM_TOKENS = Counter(
    "support_agent_llm_tokens_total", "Tokens consumed", ["provider", "model", "kind"]
)
LLM_LATENCY = Histogram(
    "support_agent_llm_latency_seconds",
    "Latency of a single LLM call",
    ["provider", "model"],
    buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 30, 60),
)
LLM_ERRORS = Counter(
    "support_agent_llm_errors_total", "LLM call failures", ["provider", "error"]
)
LLM_FAILOVERS = Counter(
    "support_agent_llm_failovers_total", "Calls served by the fallback provider"
)
LLM_SPEND_USD = Counter(
    "support_agent_llm_spend_usd_total", "Estimated LLM spend in USD", ["provider"]
)
MONTHLY_SPEND_USD = Gauge(
    "support_agent_monthly_spend_usd", "Month-to-date LLM spend recorded in DynamoDB"
)
TOOL_CALLS = Counter(
    "support_agent_tool_calls_total", "Tool invocations", ["tool", "outcome"]
)
REQUEST_LATENCY = Histogram(
    "support_agent_request_latency_seconds", "End-to-end /v1/chat latency"
)
BREAKER_OPEN = Gauge(
    "support_agent_circuit_open", "1 when a circuit breaker is open", ["dependency"]
)


def configure_tracing() -> None:
    resource = Resource.create(
        {
            "service.name": "support-agent",
            "service.version": __version__,
            "deployment.environment": os.environ.get("APP_ENV", "development"),
        }
    )
    provider = TracerProvider(resource=resource)
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
