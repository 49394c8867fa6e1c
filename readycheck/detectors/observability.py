"""Item 3, observability: can someone see what the agent is doing right now?

Four pillars, each recognised by what the code calls or the configuration declares:

- structured logging: structlog, python-json-logger and other JSON formatters (in code, in a
  `dictConfig` or in a YAML/JSON logging config), loguru with `serialize=True`, Powertools Logger,
  Logfire; in JS/TS pino, winston (JSON format), bunyan, Powertools Logger;
- tracing: OpenTelemetry (API, SDK, instrumentations, `opentelemetry-instrument`), LangSmith,
  Langfuse, Arize Phoenix / OpenInference, Helicone, Traceloop / OpenLLMetry, AgentOps, Logfire,
  Datadog ddtrace, W&B Weave, MLflow tracing, Braintrust, Opik, Laminar, Sentry performance;
  in JS/TS @opentelemetry/*, @vercel/otel, dd-trace, LangSmith, Langfuse, the AI SDK's telemetry;
- metrics: prometheus_client, statsd / DogStatsD, OpenTelemetry metrics, CloudWatch embedded
  metrics and `put_metric_data`; in JS/TS prom-client, hot-shots, OpenTelemetry metrics;
- alerting: Prometheus alert rules (plain or PrometheusRule), Alertmanager, Grafana alert rules,
  CloudWatch alarms (Terraform, CloudFormation, CDK, boto3), Datadog monitors, and the alert
  resources of other clouds.

A library that is only declared in a dependency manifest is reported, but never counts: an
installed tracer that nothing starts shows nothing.

Tracing is then held against the LLM calls: a call is traced when a span surrounds it (a tracing
decorator on its function, a span opened there, a tracing wrapper around it in JS/TS) or when its
SDK is instrumented for the whole process (instrumentors, wrapped and drop-in clients, Helicone,
tracers that patch libraries at start-up). Tracing that misses most LLM calls is a warning.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.llm import JS_LLM_CLIENTS, PY_LLM_CLIENTS, llm_calls, llm_clients, project_qualname, provider_of
from readycheck.detectors.project import declared_dependencies, imports_any, is_test_path
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.js_facts import JsCall
from readycheck.parsers.python_facts import CallFact, CallValue, FunctionFact, PythonFacts, first_match, qualname_matches

__all__ = ["observability_stack", "find_observability", "trace_coverage", "TraceCoverage", "PILLARS"]

PILLARS = ("logging", "tracing", "metrics", "alerting")
_PLAIN = "plain"  # a logger in use that writes unstructured text: not a pillar, but not "unused" either
_LABEL = {"logging": "structured logging", "tracing": "tracing", "metrics": "metrics", "alerting": "alerting"}
_PER_PILLAR = 2  # evidence locations kept per pillar, from different files where there are several
_UNTRACED_SHOWN = 20  # untraced LLM calls listed when tracing misses most of them

_NOT_CONFIG = re.compile(r"(^|/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|composer\.lock|tsconfig[^/]*\.json)$")


def _q(qualname: str) -> str:
    return qualname.replace("()", "")


def _matches(qualname: str, patterns: Iterable[str]) -> bool:
    return first_match(qualname, patterns) is not None


# --- Python: calls (or decorators) that prove a library is in use --------------------------------
# pillar -> (label, qualname patterns)
_PY_USE: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "logging": (
        ("structlog", ("structlog.**",)),
        ("python-json-logger", ("pythonjsonlogger.**",)),
        ("json-log-formatter", ("json_log_formatter.**",)),
        ("ecs-logging", ("ecs_logging.**",)),
        ("Powertools Logger", ("aws_lambda_powertools.Logger", "aws_lambda_powertools.logging.**", "aws_lambda_powertools.Logger.**")),
        ("Cloud Logging", ("google.cloud.logging.Client.setup_logging", "google.cloud.logging.**.StructuredLogHandler")),
        ("Logfire logs", ("logfire.info", "logfire.debug", "logfire.warn", "logfire.error", "logfire.notice", "logfire.LogfireLoggingHandler")),
    ),
    "tracing": (
        ("OpenTelemetry", ("opentelemetry.trace.**", "opentelemetry.sdk.trace.**", "opentelemetry.instrumentation.**", "opentelemetry.exporter.**")),
        ("OpenInference / Arize Phoenix", ("openinference.instrumentation.**", "phoenix.otel.**", "phoenix.trace.**", "arize.otel.**")),
        ("LangSmith", ("langsmith.traceable", "langsmith.run_helpers.**", "langsmith.wrappers.**", "langsmith.trace", "langchain_core.tracers.**", "langchain.callbacks.tracers.**", "langchain.callbacks.tracing_v2_enabled", "langchain_core.tracers.context.tracing_v2_enabled")),
        ("Langfuse", ("langfuse.**",)),
        ("Traceloop / OpenLLMetry", ("traceloop.**",)),
        ("AgentOps", ("agentops.**",)),
        ("Logfire", ("logfire.configure", "logfire.span", "logfire.instrument", "logfire.instrument_*")),
        ("Datadog ddtrace", ("ddtrace.**",)),
        ("W&B Weave", ("weave.init", "weave.op")),
        ("MLflow tracing", ("mlflow.*.autolog", "mlflow.trace", "mlflow.start_span", "mlflow.tracing.**")),
        ("Braintrust", ("braintrust.wrap_openai", "braintrust.wrap_anthropic", "braintrust.traced", "braintrust.init_logger")),
        ("Opik", ("opik.track", "opik.integrations.**", "opik.configure")),
        ("Laminar", ("lmnr.**",)),
    ),
    "metrics": (
        ("prometheus_client", tuple(f"prometheus_client.{n}" for n in ("Counter", "Histogram", "Gauge", "Summary", "Info", "Enum", "start_http_server", "make_asgi_app", "make_wsgi_app", "push_to_gateway", "generate_latest"))),
        ("Prometheus instrumentator", ("prometheus_fastapi_instrumentator.**", "starlette_exporter.**", "aioprometheus.**", "prometheus_flask_exporter.**")),
        ("statsd", ("statsd.**",)),
        ("Datadog metrics", ("datadog.statsd.**", "datadog.initialize", "datadog.dogstatsd.**", "datadog.api.Metric.**", "datadog.ThreadStats.**")),
        ("OpenTelemetry metrics", ("opentelemetry.metrics.**", "opentelemetry.sdk.metrics.**")),
        ("CloudWatch embedded metrics", ("aws_embedded_metrics.**",)),
        ("Powertools Metrics", ("aws_lambda_powertools.Metrics", "aws_lambda_powertools.Metrics.**", "aws_lambda_powertools.metrics.**")),
        ("CloudWatch put_metric_data", ("boto3.client.put_metric_data", "boto3.Session.client.put_metric_data", "boto3.session.Session.client.put_metric_data")),
        ("Logfire metrics", ("logfire.metric_*",)),
    ),
    "alerting": (
        ("CloudWatch alarm (boto3)", ("boto3.client.put_metric_alarm", "boto3.Session.client.put_metric_alarm", "boto3.client.put_composite_alarm")),
        ("CloudWatch alarm (CDK)", ("aws_cdk.aws_cloudwatch.Alarm", "aws_cdk.aws_cloudwatch.CompositeAlarm", "aws_cdk.aws_cloudwatch.**.create_alarm", "aws_cdk.**.create_alarm")),
        ("CloudWatch alarm (Pulumi)", ("pulumi_aws.cloudwatch.MetricAlarm", "pulumi_aws.cloudwatch.CompositeAlarm")),
        ("Datadog monitor", ("datadog.api.Monitor.create", "datadog_api_client.**.create_monitor")),
    ),
}
# Imports whose side effect is the use (`import ddtrace.auto` instruments the process).
_PY_SIDE_EFFECT_IMPORTS = {"ddtrace.auto": "Datadog ddtrace", "opentelemetry.instrumentation.auto_instrumentation": "OpenTelemetry"}

_JSON_FORMATTER = re.compile(r"(jsonlogger|json_log_formatter|JsonFormatter|JSONFormatter|ecs_logging|StructuredLogHandler|structlog\.stdlib\.ProcessorFormatter)")

# --- JS/TS: module prefixes whose calls prove use ----------------------------------------------
_JS_USE: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "logging": (
        ("pino", ("pino", "pino-http", "pino-pretty")),
        ("bunyan", ("bunyan",)),
        ("Powertools Logger", ("@aws-lambda-powertools/logger",)),
    ),
    "tracing": (
        ("OpenTelemetry", ("@opentelemetry/api", "@opentelemetry/sdk-node", "@opentelemetry/sdk-trace-node", "@opentelemetry/sdk-trace-base", "@opentelemetry/instrumentation", "@opentelemetry/auto-instrumentations-node", "@opentelemetry/exporter-trace-otlp-http", "@opentelemetry/exporter-trace-otlp-grpc", "@opentelemetry/exporter-trace-otlp-proto")),
        ("Vercel OTel", ("@vercel/otel",)),
        ("Datadog dd-trace", ("dd-trace",)),
        ("LangSmith", ("langsmith", "langsmith/traceable", "langsmith/wrappers", "langsmith/wrappers/openai")),
        ("Langfuse", ("langfuse", "langfuse-langchain", "langfuse-vercel", "@langfuse/tracing", "@langfuse/otel", "@langfuse/openai", "@langfuse/langchain")),
        ("Traceloop / OpenLLMetry", ("@traceloop/node-server-sdk",)),
        ("OpenInference / Arize", ("@arizeai/openinference-instrumentation-openai", "@arizeai/openinference-instrumentation-langchain", "@arizeai/openinference-vercel")),
        ("Helicone", ("@helicone/helpers",)),
    ),
    "metrics": (
        ("prom-client", ("prom-client",)),
        ("StatsD", ("hot-shots", "node-statsd", "statsd-client", "datadog-metrics")),
        ("OpenTelemetry metrics", ("@opentelemetry/sdk-metrics", "@opentelemetry/exporter-metrics-otlp-http", "@opentelemetry/exporter-prometheus")),
        ("CloudWatch embedded metrics", ("aws-embedded-metrics",)),
        ("Powertools Metrics", ("@aws-lambda-powertools/metrics",)),
    ),
    "alerting": (
        ("CloudWatch alarm (CDK)", ("aws-cdk-lib/aws-cloudwatch", "@aws-cdk/aws-cloudwatch")),
    ),
}
_JS_SIDE_EFFECT_IMPORT = re.compile(r"^(dd-trace/init|@opentelemetry/auto-instrumentations-node/register|@opentelemetry/instrumentation/hook\.mjs|@traceloop/node-server-sdk/register|langfuse/.*register)$")
_JS_OTEL_METRIC_TAILS = frozenset({"getMeter", "createCounter", "createHistogram", "createUpDownCounter", "createObservableGauge", "createGauge"})

# --- configuration ----------------------------------------------------------------------------------
_TRACING_ENV = {"LANGCHAIN_TRACING_V2": "LangSmith", "LANGSMITH_TRACING": "LangSmith", "LANGSMITH_TRACING_V2": "LangSmith"}
_TRACING_LAUNCHERS = {"opentelemetry-instrument": "OpenTelemetry auto-instrumentation", "ddtrace-run": "Datadog ddtrace-run"}
_TF_ALERTS = {
    "aws_cloudwatch_metric_alarm": "CloudWatch alarm",
    "aws_cloudwatch_composite_alarm": "CloudWatch composite alarm",
    "datadog_monitor": "Datadog monitor",
    "grafana_rule_group": "Grafana alert rule group",
    "newrelic_alert_condition": "New Relic alert condition",
    "newrelic_nrql_alert_condition": "New Relic alert condition",
    "google_monitoring_alert_policy": "Google Cloud alert policy",
    "azurerm_monitor_metric_alert": "Azure Monitor alert",
    "azurerm_monitor_scheduled_query_rules_alert_v2": "Azure Monitor alert",
    "sentry_metric_alert": "Sentry metric alert",
}
_TF_METRICS = {"aws_cloudwatch_log_metric_filter": "CloudWatch log metric filter"}
_CFN_ALERTS = {"AWS::CloudWatch::Alarm": "CloudWatch alarm", "AWS::CloudWatch::CompositeAlarm": "CloudWatch composite alarm"}
_DATADOG_MONITOR_TYPES = frozenset({"metric alert", "query alert", "service check", "event alert", "log alert", "process alert", "trace-analytics alert", "composite", "slo alert"})

# --- dependency manifests (weak evidence) -------------------------------------------------------
_PACKAGES: dict[str, dict[str, str]] = {
    "logging": {
        "structlog": "structlog", "python-json-logger": "python-json-logger", "json-log-formatter": "json-log-formatter",
        "ecs-logging": "ecs-logging", "loguru": "loguru", "pino": "pino", "winston": "winston", "bunyan": "bunyan",
        "@aws-lambda-powertools/logger": "Powertools Logger",
    },
    "tracing": {
        "opentelemetry-api": "OpenTelemetry", "opentelemetry-sdk": "OpenTelemetry", "opentelemetry-distro": "OpenTelemetry",
        "langsmith": "LangSmith", "langfuse": "Langfuse", "arize-phoenix": "Arize Phoenix", "arize-phoenix-otel": "Arize Phoenix",
        "traceloop-sdk": "Traceloop", "agentops": "AgentOps", "logfire": "Logfire", "ddtrace": "Datadog ddtrace",
        "weave": "W&B Weave", "braintrust": "Braintrust", "opik": "Opik", "lmnr": "Laminar",
        "@vercel/otel": "Vercel OTel", "dd-trace": "Datadog dd-trace", "@traceloop/node-server-sdk": "Traceloop",
    },
    "metrics": {
        "prometheus-client": "prometheus_client", "prometheus-fastapi-instrumentator": "Prometheus instrumentator",
        "statsd": "statsd", "datadog": "Datadog", "aws-embedded-metrics": "CloudWatch embedded metrics",
        "prom-client": "prom-client", "hot-shots": "hot-shots",
    },
}
_PACKAGE_PREFIXES = {"tracing": ("opentelemetry-instrumentation-", "opentelemetry-exporter-", "openinference-instrumentation-", "@opentelemetry/", "@arizeai/openinference-", "@langfuse/")}


@dataclass(frozen=True, slots=True)
class _Found:
    pillar: str
    label: str
    evidence: Evidence


def _pillar_of_otel(qualname: str) -> str | None:
    """OpenTelemetry serves three pillars; the module path says which one a call belongs to."""
    q = _q(qualname)
    if not q.startswith("opentelemetry."):
        return None
    segments = [s.lower() for s in q.split(".")[1:]]
    if any(s in ("metrics", "_metrics", "get_meter", "set_meter_provider") or s.startswith("meter") for s in segments):
        return "metrics"
    if any(s in ("_logs", "logs") or s.startswith("logginghandler") for s in segments):
        return "logging"
    if any(s in ("trace", "tracing", "instrumentation") or "span" in s or "tracer" in s or "trace_exporter" in s for s in segments):
        return "tracing"
    return None


def _truthy_key(value: Any, key: str, depth: int = 0) -> bool:
    """Whether `key` is set to a true literal anywhere in a call's argument values."""
    if depth > 6:
        return False
    if isinstance(value, dict):
        return any((k == key and v is True) or _truthy_key(v, key, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_truthy_key(v, key, depth + 1) for v in value)
    if isinstance(value, CallValue):
        return _truthy_key(value.kwargs, key, depth + 1) or any(_truthy_key(a, key, depth + 1) for a in value.args)
    return False


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string in a literal value (dict keys and values, lists, call arguments)."""
    if depth > 8:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                yield k
            yield from _strings(v, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v, depth + 1)
    elif isinstance(value, CallValue):
        yield value.qualname
        for a in value.args:
            yield from _strings(a, depth + 1)
        yield from _strings(value.kwargs, depth + 1)


_FORMATTER_LIBS = (("jsonlogger", "python-json-logger"), ("pythonjsonlogger", "python-json-logger"), ("ecs_logging", "ecs-logging"),
                   ("json_log_formatter", "json-log-formatter"), ("structlog", "structlog"))


def _json_logging_config(value: Any) -> str | None:
    """The JSON formatter of a `logging.config.dictConfig` mapping, if its formatters render JSON."""
    if not isinstance(value, dict):
        return None
    formatters = value.get("formatters")
    if not isinstance(formatters, dict):
        return None
    for s in _strings(formatters):
        if _JSON_FORMATTER.search(s):
            return next((label for frag, label in _FORMATTER_LIBS if frag in s), "JSON formatter")
    return None


def _sentry_tracing(call: CallFact) -> bool:
    rate = call.kwargs.get("traces_sample_rate")
    if isinstance(rate, bool):
        rate = None
    if isinstance(rate, (int, float)):
        return rate > 0
    if rate is not None:  # a rate read from settings
        return True
    return "traces_sampler" in call.kwargs or call.kwargs.get("enable_tracing") is True


def _texts(value: Any, depth: int = 0) -> Iterator[str]:
    """Strings in a value, and the source of the parts that are not literals (f-strings, env reads)."""
    if depth > 8 or value is None or isinstance(value, (bool, int, float)):
        return
    if isinstance(value, (str, dict, list, tuple, CallValue)):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(k, str):
                    yield k
                yield from _texts(v, depth + 1)
        elif isinstance(value, CallValue):
            yield value.source
        else:
            for v in value:
                yield from _texts(v, depth + 1)
        return
    source = getattr(value, "source", None)  # Unknown, or the JS parser's equivalent
    if isinstance(source, str):
        yield source


def _mentions(value: Any, word: str) -> bool:
    return any(word in t.lower() for t in _texts(value))


def _telemetry_on(value: Any) -> bool:
    """The AI SDK's `experimental_telemetry: { isEnabled: true }` (off unless enabled)."""
    if isinstance(value, dict):
        on = value.get("isEnabled")
        return on is not None and on is not False
    return value is not None and value is not False


_LIBRARY_USE_MEMO: dict[str, tuple[str, str] | None] = {}


def _library_use(qualname: str) -> tuple[str, str] | None:
    """(pillar, library) for a call or decorator into a recognised observability library.
    A pure function of the name, memoised: a project calls the same names thousands of times."""
    try:
        return _LIBRARY_USE_MEMO[qualname]
    except KeyError:
        pass
    found = _library_use_uncached(qualname)
    if len(_LIBRARY_USE_MEMO) > 100_000:
        _LIBRARY_USE_MEMO.clear()
    _LIBRARY_USE_MEMO[qualname] = found
    return found


def _library_use_uncached(qualname: str) -> tuple[str, str] | None:
    for pillar, libs in _PY_USE.items():
        for label, patterns in libs:
            if _matches(qualname, patterns):
                return pillar, label
    otel = _pillar_of_otel(qualname)
    return (otel, "OpenTelemetry") if otel else None


_PY_SPECIAL: dict[str, str | None] = {}


def _py_special(q: str) -> str | None:
    """Which of _python_found's name tests a call's name passes, the first in their order
    (no name passes two of them); memoised by name."""
    try:
        return _PY_SPECIAL[q]
    except KeyError:
        pass
    special: str | None = None
    if qualname_matches(q, "loguru.logger.add") or qualname_matches(q, "loguru.logger.configure"):
        special = "loguru"
    elif qualname_matches(q, "logging.config.dictConfig"):
        special = "dictConfig"
    elif _JSON_FORMATTER.search(_q(q).split(".")[-1]):
        special = "formatter"
    elif qualname_matches(q, "sentry_sdk.init"):
        special = "sentry"
    elif qualname_matches(q, "os.environ.setdefault") or qualname_matches(q, "os.putenv"):
        special = "setenv"
    elif qualname_matches(q, "os.environ.update"):
        special = "update"
    if len(_PY_SPECIAL) > 200_000:
        _PY_SPECIAL.clear()
    _PY_SPECIAL[q] = special
    return special


def _python_found(f: SourceFile, facts: PythonFacts) -> Iterator[_Found]:
    for call in facts.calls:
        q = call.qualname
        if q.startswith("?"):
            continue
        # An LLM client pointed at the Helicone gateway logs and traces every request.
        kwargs = call.kwargs
        if ("base_url" in kwargs or "default_headers" in kwargs) and any(
            _mentions(kwargs.get(k), "helicone") for k in ("base_url", "default_headers")
        ):
            yield _Found("tracing", "Helicone", evidence_at(f, call.line, "LLM client routed through Helicone"))
        use = _library_use(q)
        if use is not None and _q(q) != "langfuse.openai":
            yield _Found(use[0], use[1], evidence_at(f, call.line, f"{use[1]}: {call.func}()"))
            continue
        special = _py_special(q)
        if special is None:
            continue
        if special == "loguru":
            if _truthy_key(call.kwargs, "serialize") or _truthy_key(list(call.args), "serialize"):
                yield _Found("logging", "loguru", evidence_at(f, call.line, "loguru with serialize=True: JSON log lines"))
            else:
                yield _Found(_PLAIN, "loguru", evidence_at(f, call.line, "loguru without serialize=True: plain text lines"))
        elif special == "dictConfig":
            lib = _json_logging_config(call.args[0] if call.args else call.kwargs.get("config"))
            if lib:
                yield _Found("logging", lib, evidence_at(f, call.line, f"logging.config.dictConfig with a JSON formatter ({lib})"))
        elif special == "formatter":
            yield _Found("logging", "JSON formatter", evidence_at(f, call.line, f"JSON log formatter {call.func}()"))
        elif special == "sentry" and _sentry_tracing(call):
            yield _Found("tracing", "Sentry performance", evidence_at(f, call.line, "sentry_sdk.init with tracing enabled"))
        elif special == "setenv":
            if len(call.args) >= 2 and isinstance(call.args[0], str) and call.args[0] in _TRACING_ENV and _env_true(call.args[1]):
                yield _Found("tracing", _TRACING_ENV[call.args[0]], evidence_at(f, call.line, f"{call.args[0]} enabled"))
        elif special == "update" and call.args and isinstance(call.args[0], dict):
            for k, v in call.args[0].items():
                if k in _TRACING_ENV and _env_true(v):
                    yield _Found("tracing", _TRACING_ENV[k], evidence_at(f, call.line, f"{k} enabled"))
    # Bare decorators (`@traceable`, `@observe`, `@metric_scope`) are not calls.
    for fn in facts.functions:
        for dec in fn.decorators:
            use = _library_use(dec)
            if use is not None:
                yield _Found(use[0], use[1], evidence_at(f, fn.line, f"{use[1]}: @{dec} on {fn.name}()"))
    for imp in facts.imports:
        side_effect = _PY_SIDE_EFFECT_IMPORTS.get(imp.qualname) or _PY_SIDE_EFFECT_IMPORTS.get(imp.module)
        if side_effect:
            yield _Found("tracing", side_effect, evidence_at(f, imp.line, f"{side_effect}: instrumented at import"))
    # Logging configuration held in a module-level dict (Django's LOGGING, a dictConfig constant).
    for target, value, line in facts.assignments:
        lib = _json_logging_config(value)
        if lib:
            yield _Found("logging", lib, evidence_at(f, line, f"logging configuration `{target}` with a JSON formatter ({lib})"))


_JS_USE_MEMO: dict[str, tuple[str, str] | None] = {}
# (pillar, label) of each _JS_USE entry in order, and each module -> the first entry listing it.
_JS_USE_ENTRIES: list[tuple[str, str]] = [(pillar, label) for pillar, libs in _JS_USE.items() for label, _ in libs]
_JS_MODULE_ORDER: dict[str, int] = {}
for _rank, (_label, _modules) in enumerate(lib for libs in _JS_USE.values() for lib in libs):
    for _module in _modules:
        _JS_MODULE_ORDER.setdefault(_module, _rank)
del _rank, _label, _modules, _module


def _js_library_use(qualname: str) -> tuple[str, str] | None:
    """(pillar, library) for a JS/TS call into a recognised observability module; memoised."""
    try:
        return _JS_USE_MEMO[qualname]
    except KeyError:
        pass
    found: tuple[str, str] | None = None
    q = _q(qualname)
    # A module matches when it is the whole name or a prefix ending before a dot: look the name
    # and each such prefix up, and keep the library listed first (as a scan of _JS_USE would).
    best = _JS_MODULE_ORDER.get(q)
    dot = q.find(".")
    while dot != -1:
        rank = _JS_MODULE_ORDER.get(q[:dot])
        if rank is not None and (best is None or rank < best):
            best = rank
        dot = q.find(".", dot + 1)
    if best is not None:
        pillar, label = _JS_USE_ENTRIES[best]
        actual = pillar
        if label == "OpenTelemetry" and q.split(".")[-1] in _JS_OTEL_METRIC_TAILS:
            actual = "metrics"
        found = (actual, label)
    if len(_JS_USE_MEMO) > 100_000:
        _JS_USE_MEMO.clear()
    _JS_USE_MEMO[qualname] = found
    return found


_JS_SPECIAL: dict[str, str | None] = {}


def _js_special(q: str) -> str | None:
    """"winston" for winston's createLogger, "sentry" for a Sentry SDK's init; memoised by name."""
    try:
        return _JS_SPECIAL[q]
    except KeyError:
        pass
    nq = _q(q)
    special: str | None = None
    if nq.startswith("winston.") and nq.split(".")[-1] == "createLogger":
        special = "winston"
    elif nq.startswith("@sentry/") and nq.split(".")[-1] == "init":
        special = "sentry"
    if len(_JS_SPECIAL) > 200_000:
        _JS_SPECIAL.clear()
    _JS_SPECIAL[q] = special
    return special


def _js_found(f: SourceFile) -> Iterator[_Found]:
    js = f.js
    if js is None:
        return
    winston_json = any(_q(c.qualname) in ("winston.format.json", "winston.format.logstash") for c in js.calls)
    for call in js.calls:
        q = call.qualname
        use = _js_library_use(q)
        if use is not None:
            yield _Found(use[0], use[1], evidence_at(f, call.line, f"{use[1]}: {call.func}()"))
            continue
        special = _js_special(q)
        if special == "winston":
            fmt = call.options.get("format") if isinstance(call.options, dict) else None
            if fmt is None or winston_json or _mentions(fmt, "json") or _mentions(fmt, "logstash"):
                note = "winston logger with JSON format" if fmt is not None else "winston logger (JSON is winston's default format)"
                yield _Found("logging", "winston", evidence_at(f, call.line, note))
        elif special == "sentry" and isinstance(call.options, dict):
            if "tracesSampleRate" in call.options or "tracesSampler" in call.options:
                yield _Found("tracing", "Sentry performance", evidence_at(f, call.line, "Sentry init with tracing enabled"))
        options = call.options
        if isinstance(options, dict) and options:
            # an absent key reads as None: neither test can pass then
            if "experimental_telemetry" in options and _telemetry_on(options.get("experimental_telemetry")):
                yield _Found("tracing", "AI SDK telemetry", evidence_at(f, call.line, "AI SDK call with experimental_telemetry (OpenTelemetry spans)"))
            if ("baseURL" in options or "baseUrl" in options or "defaultHeaders" in options) and any(
                _mentions(options.get(k), "helicone") for k in ("baseURL", "baseUrl", "defaultHeaders")
            ):
                yield _Found("tracing", "Helicone", evidence_at(f, call.line, "LLM client routed through Helicone"))
    for imp in js.imports:
        if _JS_SIDE_EFFECT_IMPORT.match(imp.module):
            yield _Found("tracing", imp.module, evidence_at(f, imp.line, f"{imp.module}: instrumented at import"))


# --- configuration files ----------------------------------------------------------------------------
def _env_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().strip("'\"").lower() in ("true", "1", "yes", "on"))


def _alert_rules(f: SourceFile) -> Iterator[_Found]:
    for doc in f.documents:
        data = doc.data
        if not isinstance(data, (dict, list)):
            continue
        resources = data.get("Resources") if isinstance(data, dict) else None
        if isinstance(resources, dict):
            for name, res in resources.items():
                if isinstance(res, dict) and isinstance(res.get("Type"), str) and res["Type"] in _CFN_ALERTS:
                    yield _Found("alerting", _CFN_ALERTS[res["Type"]], evidence_at(f, doc.line_of(("Resources", name)), f"{res['Type']} {name}"))
        if isinstance(data, dict):
            if isinstance(data.get("route"), dict) and isinstance(data.get("receivers"), list):
                yield _Found("alerting", "Alertmanager", evidence_at(f, doc.line_of(("route",)), "Alertmanager routing to receivers"))
            if isinstance(data.get("type"), str) and data["type"] in _DATADOG_MONITOR_TYPES and "query" in data:
                yield _Found("alerting", "Datadog monitor", evidence_at(f, doc.line_of(("query",)), f"Datadog monitor ({data['type']})"))
            lib = _json_logging_config(data)
            if lib:
                yield _Found("logging", lib, evidence_at(f, doc.line_of(("formatters",)), f"logging configuration with a JSON formatter ({lib})"))
        for path, value in doc.walk():
            if len(path) >= 3 and path[-3] == "rules" and isinstance(path[-2], int) and path[-1] == "alert" and isinstance(value, str):
                yield _Found("alerting", "Prometheus alert rule", evidence_at(f, doc.line_of(path), f"Prometheus alert rule {value}"))
            elif len(path) >= 2 and path[-2] == "rules" and isinstance(path[-1], int) and isinstance(value, dict) and "condition" in value and "data" in value:
                yield _Found("alerting", "Grafana alert rule", evidence_at(f, doc.line_of(path), f"Grafana alert rule {value.get('title', '')}".strip()))
            elif path and path[-1] in ("command", "entrypoint", "args") and value:
                label = _launcher(value)
                if label:
                    yield _Found("tracing", label, evidence_at(f, doc.line_of(path), f"process started under {label}"))
            elif path and isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"] in _TRACING_ENV and _env_true(value.get("value")):
                yield _Found("tracing", _TRACING_ENV[value["name"]], evidence_at(f, doc.line_of(path), f"{value['name']} enabled"))
            elif path and path[-1] in _TRACING_ENV and _env_true(value):
                yield _Found("tracing", _TRACING_ENV[str(path[-1])], evidence_at(f, doc.line_of(path), f"{path[-1]} enabled"))
            elif path and isinstance(value, str) and "=" in value and isinstance(path[-1], int):
                k, _, v = value.partition("=")
                if k.strip() in _TRACING_ENV and _env_true(v):
                    yield _Found("tracing", _TRACING_ENV[k.strip()], evidence_at(f, doc.line_of(path), f"{k.strip()} enabled"))


def _launcher(value: Any) -> str | None:
    if isinstance(value, str):
        try:
            tokens = shlex.split(value)
        except ValueError:
            tokens = value.split()
    elif isinstance(value, list):
        tokens = [str(v) for v in value]
    else:
        return None
    for tok in tokens[:3]:  # `exec`, `sh -c` and friends come first sometimes
        name = tok.rsplit("/", 1)[-1]
        if name in _TRACING_LAUNCHERS:
            return _TRACING_LAUNCHERS[name]
    if len(tokens) >= 3 and tokens[0].rsplit("/", 1)[-1] in ("sh", "bash") and tokens[1] == "-c":
        return _launcher(tokens[2])
    return None


def _dockerfile(f: SourceFile) -> Iterator[_Found]:
    """CMD / ENTRYPOINT instructions (continuations joined) that start the app under a tracer."""
    start = 0
    buf = ""
    for i, raw in enumerate(f.lines, 1):
        line = raw.rstrip()
        if not buf:
            start = i
            if not line.strip() or line.lstrip().startswith("#"):
                continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        m = re.match(r"^\s*(CMD|ENTRYPOINT)\s+(.*)$", buf, re.I)
        if m:
            arg = m.group(2).strip()
            value: Any = arg
            if arg.startswith("["):
                try:
                    value = json.loads(arg)
                except ValueError:
                    value = arg
            label = _launcher(value)
            if label:
                yield _Found("tracing", label, evidence_at(f, start, f"container started under {label}"))
        buf = ""


def _env_file(f: SourceFile) -> Iterator[_Found]:
    for i, line in enumerate(f.lines, 1):
        m = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
        if m and m.group(1) in _TRACING_ENV and _env_true(m.group(2).split("#")[0]):
            yield _Found("tracing", _TRACING_ENV[m.group(1)], evidence_at(f, i, f"{m.group(1)} enabled"))


def _terraform(f: SourceFile) -> Iterator[_Found]:
    tf = f.terraform
    if tf is None:
        return
    for block in tf.resources(*_TF_ALERTS, *_TF_METRICS):
        if block.type in _TF_ALERTS:
            yield _Found("alerting", _TF_ALERTS[block.type], evidence_at(f, block.line, f"{block.type}.{block.name}"))
        else:
            yield _Found("metrics", _TF_METRICS[block.type], evidence_at(f, block.line, f"{block.type}.{block.name}"))


def _uses_langchain(index: RepoIndex) -> bool:
    for f in index.by_kind("python"):
        if f.python is not None and imports_any(f.python, ("langchain", "langchain_core", "langchain_openai", "langchain_anthropic", "langgraph", "langsmith", "langchain_community")):
            return True
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if js is not None and any(i.module == "langchain" or i.module.startswith(("@langchain/", "langchain/", "langsmith")) for i in js.imports):
            return True
    return False


def find_observability(index: RepoIndex) -> list[_Found]:
    """Every location that shows a pillar in use (dependency manifests excluded)."""
    found: list[_Found] = []
    for f in index.files:
        if is_test_path(f.path) or _NOT_CONFIG.search(f.path):
            continue
        if f.kind == "python" and f.python is not None:
            found.extend(_python_found(f, f.python))
        elif f.kind in ("javascript", "typescript"):
            found.extend(_js_found(f))
        elif f.kind in ("yaml", "json"):
            found.extend(_alert_rules(f))
        elif f.kind == "terraform":
            found.extend(_terraform(f))
        elif f.kind == "dockerfile":
            found.extend(_dockerfile(f))
        elif f.kind == "env":
            found.extend(_env_file(f))
        elif f.name == "Procfile":
            for i, line in enumerate(f.lines, 1):
                _, _, cmd = line.partition(":")
                label = _launcher(cmd.strip()) if cmd else None
                if label:
                    found.append(_Found("tracing", label, evidence_at(f, i, f"process started under {label}")))
    # LANGCHAIN_TRACING_V2 only traces something when LangChain or LangSmith is used.
    if any(x.label == "LangSmith" and "enabled" in (x.evidence.note or "") for x in found) and not _uses_langchain(index):
        found = [x for x in found if not (x.label == "LangSmith" and "enabled" in (x.evidence.note or ""))]
    return found


# --- tracing coverage of LLM calls ------------------------------------------------------------------
# An LLM call is traced when a span surrounds it (a tracing decorator on its function, a span
# opened in that function, a tracing wrapper around the code that makes it), or when its SDK is
# instrumented for the whole process (an instrumentor, a wrapped or drop-in client, a gateway,
# a tracer that patches libraries at start-up). "*" stands for every SDK.
_ALL = "*"
_LANGCHAIN = "langchain"  # LangChain runnables: covered by LangChain tracers
_HTTPX_SDKS = frozenset({"openai", "anthropic", "groq", "mistral"})  # SDKs that send through httpx

_PY_TRACING_DECORATORS = (
    "langsmith.traceable", "langsmith.run_helpers.traceable", "langfuse.observe", "langfuse.decorators.observe",
    "logfire.instrument", "traceloop.sdk.decorators.workflow", "traceloop.sdk.decorators.task", "traceloop.sdk.decorators.agent",
    "traceloop.sdk.decorators.tool", "weave.op", "mlflow.trace", "braintrust.traced", "opik.track", "lmnr.observe",
    "ddtrace.tracer.wrap", "sentry_sdk.trace", "agentops.sdk.decorators.**", "agentops.record_action", "openlit.trace",
)
_SPAN_TAILS = frozenset({"start_as_current_span", "start_span", "start_active_span", "start_as_current_generation", "start_as_current_observation"})
_PY_SPAN_CALLS = (
    "logfire.span", "langsmith.trace", "langsmith.run_helpers.trace", "ddtrace.tracer.trace", "mlflow.start_span",
    "sentry_sdk.start_span", "sentry_sdk.start_transaction", "braintrust.start_span", "langchain_core.tracers.context.tracing_v2_enabled",
    "langchain.callbacks.tracing_v2_enabled", "langfuse.Langfuse.trace", "langfuse.Langfuse.generation", "langfuse.Langfuse.span",
    "weave.attributes", "agentops.start_trace",
)
# Instrumentor class -> SDKs it traces.
_INSTRUMENTORS: dict[str, frozenset[str]] = {
    "OpenAIInstrumentor": frozenset({"openai"}), "AnthropicInstrumentor": frozenset({"anthropic"}),
    "BedrockInstrumentor": frozenset({"bedrock"}), "BotocoreInstrumentor": frozenset({"bedrock"}),
    "GoogleGenAIInstrumentor": frozenset({"google"}), "GoogleGenerativeAIInstrumentor": frozenset({"google"}),
    "VertexAIInstrumentor": frozenset({"google"}), "MistralAIInstrumentor": frozenset({"mistral"}),
    "GroqInstrumentor": frozenset({"groq"}), "CohereInstrumentor": frozenset({"cohere"}), "LiteLLMInstrumentor": frozenset({"litellm"}),
    "LangChainInstrumentor": frozenset({_LANGCHAIN}), "LlamaIndexInstrumentor": frozenset({"llama_index"}),
    "HTTPXClientInstrumentor": _HTTPX_SDKS,
}
_LOGFIRE_INSTRUMENT = {
    "instrument_openai": frozenset({"openai"}), "instrument_anthropic": frozenset({"anthropic"}), "instrument_httpx": _HTTPX_SDKS,
    "instrument_litellm": frozenset({"litellm"}), "instrument_google_genai": frozenset({"google"}), "instrument_langchain": frozenset({_LANGCHAIN}),
}
_PY_GLOBAL_TRACERS: dict[str, tuple[frozenset[str], str]] = {
    "traceloop.sdk.Traceloop.init": (frozenset({_ALL}), "Traceloop.init() instruments the LLM SDKs"),
    "agentops.init": (frozenset({_ALL}), "agentops.init() instruments the LLM SDKs"),
    "weave.init": (frozenset({_ALL}), "weave.init() patches the LLM SDKs"),
    "ddtrace.patch_all": (frozenset({_ALL}), "ddtrace.patch_all() patches the LLM SDKs"),
    "openlit.init": (frozenset({_ALL}), "openlit.init() instruments the LLM SDKs"),
    "mlflow.openai.autolog": (frozenset({"openai"}), "mlflow.openai.autolog()"),
    "mlflow.anthropic.autolog": (frozenset({"anthropic"}), "mlflow.anthropic.autolog()"),
    "mlflow.gemini.autolog": (frozenset({"google"}), "mlflow.gemini.autolog()"),
    "mlflow.bedrock.autolog": (frozenset({"bedrock"}), "mlflow.bedrock.autolog()"),
    "mlflow.litellm.autolog": (frozenset({"litellm"}), "mlflow.litellm.autolog()"),
    "mlflow.langchain.autolog": (frozenset({_LANGCHAIN}), "mlflow.langchain.autolog()"),
}
# Client wrappers: a call through what they return is traced, and so is their SDK.
_PY_CLIENT_WRAPPERS: dict[str, str] = {
    "langsmith.wrappers.wrap_openai": "openai", "langsmith.wrappers.wrap_anthropic": "anthropic", "langsmith.wrap_openai": "openai",
    "braintrust.wrap_openai": "openai", "braintrust.wrap_anthropic": "anthropic",
    "opik.integrations.openai.track_openai": "openai", "opik.integrations.anthropic.track_anthropic": "anthropic",
}
_LANGCHAIN_RUN_TAILS = frozenset({"invoke", "ainvoke", "stream", "astream", "batch", "abatch", "predict", "apredict", "generate", "agenerate"})
# Last segments of the calls that can send a request through a wrapped client or a LangChain model.
_LLM_METHOD_TAILS = _LANGCHAIN_RUN_TAILS | {"create", "parse", "acreate"}
_LC_CLIENT_PATTERNS = tuple(p for p in PY_LLM_CLIENTS if p.startswith(("langchain", "llama_index")))
_PY_GLOBAL_TRACER_NAMES = tuple(_PY_GLOBAL_TRACERS)
_PY_CLIENT_WRAPPER_NAMES = tuple(_PY_CLIENT_WRAPPERS)

_JS_TRACING_WRAPPERS = (
    "langsmith/traceable.traceable", "langsmith.traceable", "langfuse.observe", "@langfuse/tracing.observe",
    "@langfuse/tracing.startActiveObservation", "@traceloop/node-server-sdk.withWorkflow", "@traceloop/node-server-sdk.withTask",
    "@traceloop/node-server-sdk.withAgent", "@traceloop/node-server-sdk.withTool",
)
_JS_SPAN_TAILS = frozenset({"startActiveSpan", "startSpan", "startActiveObservation", "startSpanManual"})
_JS_CLIENT_WRAPPERS: dict[str, str] = {
    "langsmith/wrappers.wrapOpenAI": "openai", "langsmith/wrappers/openai.wrapOpenAI": "openai", "langfuse.observeOpenAI": "openai",
    "@langfuse/openai.observeOpenAI": "openai", "braintrust.wrapOpenAI": "openai", "braintrust.wrapAnthropic": "anthropic",
}
_JS_INSTRUMENTATIONS: dict[str, frozenset[str]] = {
    "@arizeai/openinference-instrumentation-openai": frozenset({"openai"}),
    "@arizeai/openinference-instrumentation-langchain": frozenset({_LANGCHAIN}),
    "@traceloop/instrumentation-openai": frozenset({"openai"}), "@traceloop/instrumentation-anthropic": frozenset({"anthropic"}),
}


@dataclass(frozen=True, slots=True)
class _LlmSite:
    file: SourceFile
    line: int
    provider: str
    framework: str | None  # "langchain" for LangChain runnables
    function: str | None
    traced_by: str | None  # how it is traced, or None


@dataclass(frozen=True, slots=True)
class TraceCoverage:
    """LLM call sites, and which of them tracing covers."""

    traced: tuple[Evidence, ...]
    untraced: tuple[Evidence, ...]

    @property
    def total(self) -> int:
        return len(self.traced) + len(self.untraced)

    def phrase(self) -> str:
        return f"{len(self.traced)} of {self.total} LLM calls traced"


def _global_tracing(index: RepoIndex, found: list[_Found]) -> dict[str, str]:
    """SDK (or "*", or "langchain") -> how the whole process traces its calls."""
    out: dict[str, str] = {}

    def cover(keys: Iterable[str], how: str) -> None:
        for k in keys:
            out.setdefault(k, how)

    for x in found:
        note = x.evidence.note or ""
        if x.label in ("OpenTelemetry auto-instrumentation", "Datadog ddtrace-run"):
            cover([_ALL], f"the process starts under {x.label} ({x.evidence.path}:{x.evidence.line})")
        elif x.label == "Datadog ddtrace" and "instrumented at import" in note:
            cover([_ALL], f"ddtrace patches the LLM SDKs at import ({x.evidence.path}:{x.evidence.line})")
        elif x.label == "LangSmith" and "enabled" in note:
            cover([_LANGCHAIN], f"LangChain tracing enabled ({x.evidence.path}:{x.evidence.line})")
        elif x.pillar == "tracing" and x.label.startswith(("@opentelemetry/auto-instrumentations-node", "dd-trace/init", "@traceloop/node-server-sdk")):
            cover([_ALL], f"{x.label} instruments the process ({x.evidence.path}:{x.evidence.line})")
    for client in llm_clients(index):
        if is_test_path(client.file.path):
            continue
        options = ("base_url", "default_headers") if client.language == "python" else ("baseURL", "baseUrl", "defaultHeaders")
        if any(_mentions(client.kwargs.get(k), "helicone") for k in options):
            cover([client.provider], f"{client.provider} client routed through Helicone ({client.file.path}:{client.line})")
    for f in index.by_kind("python"):
        facts = f.python
        if is_test_path(f.path) or facts is None:
            continue
        where = f"{f.path}"
        for imp in facts.imports:
            if imp.module == "langfuse.openai" or imp.qualname == "langfuse.openai":
                cover(["openai"], f"langfuse.openai drop-in client ({where}:{imp.line})")
        for target, value, line in facts.assignments:
            if target.rsplit(".", 1)[-1] in ("base_url", "api_base") and _mentions(value, "helicone"):
                cover(["openai"], f"openai routed through Helicone ({where}:{line})")
        for c in facts.calls:
            q = _q(c.qualname)
            parts = q.split(".")
            if len(parts) >= 2 and parts[-1] == "instrument" and parts[-2] in _INSTRUMENTORS:
                cover(_INSTRUMENTORS[parts[-2]], f"{parts[-2]}().instrument() ({where}:{c.line})")
            elif q.startswith("logfire.instrument_") and parts[-1] in _LOGFIRE_INSTRUMENT:
                cover(_LOGFIRE_INSTRUMENT[parts[-1]], f"logfire.{parts[-1]}() ({where}:{c.line})")
            elif qualname_matches(q, "phoenix.otel.register") and c.kwargs.get("auto_instrument") is True:
                cover([_ALL], f"phoenix.otel.register(auto_instrument=True) ({where}:{c.line})")
            elif qualname_matches(q, "ddtrace.patch"):
                on = {k for k, v in c.kwargs.items() if v is True}
                patched = on & {"openai", "anthropic", _LANGCHAIN, "litellm"}
                if "botocore" in on:
                    patched.add("bedrock")
                if on & {"google_generativeai", "google_genai", "vertexai"}:
                    patched.add("google")
                cover(patched, f"ddtrace.patch() ({where}:{c.line})")
            else:
                hit = first_match(q, _PY_GLOBAL_TRACER_NAMES)
                if hit is not None:
                    keys, how = _PY_GLOBAL_TRACERS[hit]
                    cover(keys, f"{how} ({where}:{c.line})")
                wrapper = first_match(q, _PY_CLIENT_WRAPPER_NAMES)
                if wrapper is not None:
                    cover([_PY_CLIENT_WRAPPERS[wrapper]], f"{q.rsplit('.', 1)[-1]}() wraps the client ({where}:{c.line})")
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if is_test_path(f.path) or js is None:
            continue
        for jc in js.calls:
            q = _q(jc.qualname)
            wrapper = next((w for w in _JS_CLIENT_WRAPPERS if q == w), None)
            if wrapper is not None:
                cover([_JS_CLIENT_WRAPPERS[wrapper]], f"{q.rsplit('.', 1)[-1]}() wraps the client ({f.path}:{jc.line})")
            module = next((m for m in _JS_INSTRUMENTATIONS if q.startswith(m + ".")), None)
            if module is not None and jc.is_new:
                cover(_JS_INSTRUMENTATIONS[module], f"{q.rsplit('.', 1)[-1]} ({f.path}:{jc.line})")
            if q.startswith("@traceloop/node-server-sdk.") and q.endswith(".initialize"):
                cover([_ALL], f"Traceloop initialize() instruments the LLM SDKs ({f.path}:{jc.line})")
            if q.startswith("dd-trace.") and q.endswith(".init"):
                cover([_ALL], f"dd-trace init() patches the process ({f.path}:{jc.line})")
            if q.endswith("getNodeAutoInstrumentations") and q.startswith("@opentelemetry/auto-instrumentations-node"):
                cover([_ALL], f"OpenTelemetry auto-instrumentation: HTTP spans for every SDK request ({f.path}:{jc.line})")
    return out


def _enclosing(functions: list[FunctionFact], line: int) -> list[FunctionFact]:
    return [fn for fn in functions if fn.line <= line <= fn.end_line]


def _python_local_tracing(facts: PythonFacts) -> tuple[dict[str, str], dict[str, str]]:
    """(traced function -> how, function with a span call -> how) for one module."""
    decorated: dict[str, str] = {}
    for fn in facts.functions:
        for dec in fn.decorators:
            if first_match(dec, _PY_TRACING_DECORATORS) is not None or _q(dec).rsplit(".", 1)[-1] == "start_as_current_span":
                decorated.setdefault(fn.name, f"@{_q(dec).rsplit('.', 1)[-1]} on {fn.name}()")
    spans: dict[str, str] = {}
    for c in facts.calls:
        if c.function is None or c.is_decorator:
            continue
        q = _q(c.qualname)
        if q.rsplit(".", 1)[-1] in _SPAN_TAILS or first_match(c.qualname, _PY_SPAN_CALLS) is not None:
            spans.setdefault(c.function, f"{c.func}() in {c.function}() (line {c.line})")
    return decorated, spans


def _python_llm_sites(index: RepoIndex, f: SourceFile, facts: PythonFacts, known: set[int]) -> Iterator[_LlmSite]:
    """LLM calls the shared finder does not list: through a wrapped or drop-in client, and LangChain
    chat models run directly (`model.invoke(...)`)."""
    lc_patterns = _LC_CLIENT_PATTERNS
    for c in facts.calls:
        if c.line in known or c.is_decorator or _q(c.qualname).rsplit(".", 1)[-1] not in _LLM_METHOD_TAILS:
            continue
        q = c.qualname
        if "." in q and not q.startswith(("self.", "?")):
            q = project_qualname(index, q)
        plain = _q(q)
        provider = None
        for prefix in ("langfuse.openai.", "langfuse."):
            if plain.startswith(prefix) and provider_of(q[len(prefix):]) == "openai":
                provider = "openai"
                break
        if provider is None:
            for wrapper, sdk in _PY_CLIENT_WRAPPERS.items():
                if q.startswith(wrapper + "()."):
                    rest = q[len(wrapper) + 3:]
                    cls = "OpenAI" if sdk == "openai" else "Anthropic"
                    if provider_of(f"{sdk}.{cls}().{rest}"):
                        provider = sdk
                        break
        if provider is not None:
            yield _LlmSite(f, c.line, provider, None, c.function, None)
            continue
        tail = plain.rsplit(".", 1)[-1]
        if tail in _LANGCHAIN_RUN_TAILS and "()" in q:
            head = q.split("()", 1)[0]
            hit = first_match(head, lc_patterns)
            if hit is not None:
                yield _LlmSite(f, c.line, PY_LLM_CLIENTS[hit], _LANGCHAIN, c.function, None)


def _js_wrapper_ranges(calls: list[JsCall]) -> list[tuple[int, int, str]]:
    out = []
    for jc in calls:
        q = _q(jc.qualname)
        if any(q == w for w in _JS_TRACING_WRAPPERS) or q.rsplit(".", 1)[-1] in ("startActiveSpan", "startActiveObservation"):
            out.append((jc.line, jc.end_line, f"{jc.func}() (line {jc.line})"))
    return out


def trace_coverage(index: RepoIndex, found: list[_Found]) -> TraceCoverage:
    """Which LLM calls a trace would show: per call (decorator, span, wrapper) or per SDK."""
    global_ = _global_tracing(index, found)
    sites: list[_LlmSite] = []
    by_file: dict[str, set[int]] = {}
    for call in llm_calls(index):
        if is_test_path(call.file.path):
            continue
        by_file.setdefault(call.file.path, set()).add(call.line)
        sites.append(_LlmSite(call.file, call.line, call.provider, None, call.function, None))
    for f in index.by_kind("python"):
        if not is_test_path(f.path) and f.python is not None:
            sites.extend(_python_llm_sites(index, f, f.python, by_file.get(f.path, set())))
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if is_test_path(f.path) or js is None:
            continue
        known = by_file.get(f.path, set())
        lc_js = tuple(p for p in JS_LLM_CLIENTS if p.startswith("@langchain/"))
        for jc in js.calls:
            q = _q(jc.qualname)
            if jc.line in known or q.rsplit(".", 1)[-1] not in ("invoke", "stream", "batch"):
                continue
            hit = next((p for p in lc_js if jc.qualname.startswith(p + "().")), None)
            if hit is not None:
                sites.append(_LlmSite(f, jc.line, JS_LLM_CLIENTS[hit], _LANGCHAIN, jc.function, None))
    traced: list[Evidence] = []
    untraced: list[Evidence] = []
    local: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    js_local: dict[str, tuple[list[tuple[int, int, str]], dict[str, str]]] = {}
    for site in sorted(sites, key=lambda s: (s.file.path, s.line)):
        how = _site_tracing(site, global_, local, js_local)
        if how:
            traced.append(evidence_at(site.file, site.line, f"{site.provider} call traced: {how}"))
        else:
            untraced.append(evidence_at(site.file, site.line, f"{site.provider} call not traced: no tracing decorator, span or instrumented client covers it"))
    return TraceCoverage(tuple(traced), tuple(untraced))


def _site_tracing(
    site: _LlmSite,
    global_: dict[str, str],
    local: dict[str, tuple[dict[str, str], dict[str, str]]],
    js_local: dict[str, tuple[list[tuple[int, int, str]], dict[str, str]]],
) -> str | None:
    for key in (site.provider, site.framework or "", _ALL):
        if key and key in global_:
            return global_[key]
    f = site.file
    if f.kind == "python" and f.python is not None:
        facts = f.python
        if f.path not in local:
            local[f.path] = _python_local_tracing(facts)
        decorated, spans = local[f.path]
        for fn in reversed(_enclosing(facts.functions, site.line)):
            if fn.name in decorated:
                return decorated[fn.name]
            if fn.name in spans:
                return spans[fn.name]
        if site.function:  # one hop: every caller in this module is traced
            callers = [name for name, callees in facts.calls_by_function.items() if site.function in callees]
            hows = [decorated.get(c) or spans.get(c) for c in callers]
            if callers and all(hows):
                return f"called from {callers[0]}(), traced by {hows[0]}"
        return None
    js = f.js
    if js is None:
        return None
    for jc in js.calls:
        if jc.line == site.line and isinstance(jc.options, dict) and _telemetry_on(jc.options.get("experimental_telemetry")):
            return "experimental_telemetry on the call"
    ranges, spans_js = js_local.get(f.path) or js_local.setdefault(f.path, _js_local_tracing(js.calls))
    for lo, hi, how in ranges:
        if lo <= site.line <= hi:
            return f"inside {how}"
    if site.function and site.function in spans_js:
        return spans_js[site.function]
    return None


def _js_local_tracing(calls: list[JsCall]) -> tuple[list[tuple[int, int, str]], dict[str, str]]:
    spans: dict[str, str] = {}
    for jc in calls:
        if jc.function and _q(jc.qualname).rsplit(".", 1)[-1] in _JS_SPAN_TAILS:
            spans.setdefault(jc.function, f"{jc.func}() in {jc.function}() (line {jc.line})")
    return _js_wrapper_ranges(calls), spans


# --- dependency manifests ------------------------------------------------------------------------------
_MANIFESTS = ("**/requirements*.txt", "**/requirements/*.txt", "**/requirements*.in", "**/requirements/*.in", "**/pyproject.toml", "**/package.json")


def _declared_pillar(name: str) -> tuple[str, str] | None:
    for pillar, names in _PACKAGES.items():
        if name in names:
            return pillar, names[name]
    for pillar, prefixes in _PACKAGE_PREFIXES.items():
        if name.startswith(prefixes):
            return pillar, name
    return None


# --- the check -----------------------------------------------------------------------------------------
def _pick(found: list[_Found]) -> list[Evidence]:
    """A few locations for one pillar: the first in each file, then the rest, in reading order."""
    firsts: list[Evidence] = []
    rest: list[Evidence] = []
    files: set[str] = set()
    for x in found:
        (rest if x.evidence.path in files else firsts).append(x.evidence)
        files.add(x.evidence.path)
    return (firsts + rest)[:_PER_PILLAR]


def _print_sites(index: RepoIndex, limit: int) -> tuple[int, list[Evidence]]:
    count = 0
    sites: list[Evidence] = []
    for f in index.by_kind("python", "javascript", "typescript"):
        if is_test_path(f.path):
            continue
        calls: Iterable[Any] = ()
        if f.kind == "python" and f.python is not None:
            calls = [c for c in f.python.calls if c.qualname == "print"]
        elif f.kind != "python" and f.js is not None:
            calls = [c for c in f.js.calls if _q(c.qualname) in ("console.log", "console.error", "console.info", "console.warn")]
        for c in calls:
            count += 1
            if len(sites) < limit:
                sites.append(evidence_at(f, c.line, "print-style debugging"))
    return count, sites


def observability_stack(ctx: Context) -> Outcome:
    found = find_observability(ctx.index)
    by_pillar: dict[str, list[_Found]] = {p: [] for p in (*PILLARS, _PLAIN)}
    seen: set[tuple[str, str, int | None]] = set()
    for x in found:
        key = (x.pillar, x.evidence.path, x.evidence.line)
        if key not in seen:
            seen.add(key)
            by_pillar[x.pillar].append(x)
    present = [p for p in PILLARS if by_pillar[p]]
    missing = [p for p in PILLARS if not by_pillar[p]]

    plain = by_pillar.pop(_PLAIN)
    plain_labels = {x.label for x in plain}
    declared: dict[str, list[Evidence]] = {}
    for name, f, line in declared_dependencies(ctx.index.glob(_MANIFESTS)):
        hit = _declared_pillar(name)
        if hit and hit[0] in missing and hit[1] not in plain_labels:
            declared.setdefault(hit[0], []).append(evidence_at(f, line, f"{hit[1]} is a dependency, but nothing in the code uses it"))

    evidence = [e for p in present for e in _pick(by_pillar[p])]
    unused = [e for p in missing for e in declared.get(p, [])[:_PER_PILLAR]]

    def describe(pillars: list[str]) -> str:
        return ", ".join(f"{_LABEL[p]} ({', '.join(sorted({x.label for x in by_pillar[p]}))})" for p in pillars)

    def installed_note() -> str:
        names = sorted({(e.note or "").split(" is a dependency")[0] for e in unused})
        return f"; {', '.join(names)} installed but never used" if names else ""

    if not by_pillar["logging"] and not by_pillar["tracing"]:
        count, prints = _print_sites(ctx.index, _PER_PILLAR)
        seen_with = f" ({plural(count, 'print()/console.log call')} instead)" if count else ""
        also = f"; found only {describe(present)}" if present else ""
        text_logs = f"; {', '.join(sorted(plain_labels))} writes plain text" if plain_labels else ""
        return outcome(
            Status.FAIL,
            f"no structured logging and no tracing: nobody can see what the agent did{seen_with}{text_logs}{also}{installed_note()}",
            evidence + prints + [x.evidence for x in plain[:_PER_PILLAR]] + unused,
        )
    # Tracing that exists but misses most LLM calls shows little of what the agent did.
    coverage = trace_coverage(ctx.index, found) if by_pillar["tracing"] else TraceCoverage((), ())
    traced = f"; {coverage.phrase()}" if coverage.total else ""
    sparse = coverage.total > 0 and 2 * len(coverage.traced) < coverage.total
    untraced = list(coverage.untraced[:_UNTRACED_SHOWN]) if sparse else []
    ok = by_pillar["logging"] and by_pillar["tracing"] and (by_pillar["metrics"] or by_pillar["alerting"])
    if ok and not sparse:
        extra = f"; no {_LABEL[missing[0]]}" if missing else ""
        return outcome(Status.PASS, f"observability in place: {describe(present)}{extra}{traced}", evidence)
    if ok:
        return outcome(
            Status.WARN,
            f"tracing misses most LLM calls: {coverage.phrase()}; found {describe(present)}",
            untraced + evidence,
        )
    need = [p for p in ("logging", "tracing") if not by_pillar[p]]
    if not by_pillar["metrics"] and not by_pillar["alerting"]:
        need.append("metrics or alerting")
    return outcome(
        Status.WARN,
        f"observability is partial: missing {', '.join(_LABEL.get(n, n) for n in need)}; found {describe(present)}{installed_note()}{traced}",
        untraced + evidence + unused,
    )
