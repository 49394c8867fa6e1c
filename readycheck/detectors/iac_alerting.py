"""Item 3, observability declared in infrastructure as code and monitoring configuration.

Alerts (CloudWatch alarms, Prometheus rules, Datadog monitors, Grafana alert rules) and what they
watch (errors, latency, spend), whether each alert reaches someone (alarm actions, Alertmanager
receivers, Datadog @-handles), log retention on declared log groups, and tracing (X-Ray on
functions and stages, an OpenTelemetry collector). The code-level picture (structured logs, spans
around LLM calls) is RC0301's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.project import is_test_path
from readycheck.index import RepoIndex
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.cloud import CloudResource, cloud_resources, is_template, resources_of

__all__ = ["iac_alerting", "watched_signals"]

_SIGNALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("errors", re.compile(r"error|5xx|4xx|fault|fail|throttl|exception|unhealthy|availability|status_?code|\"code\"=~?\"?5", re.I)),
    ("latency", re.compile(r"latency|duration|response_?time|p9[59]|histogram_quantile|_seconds_bucket|slow", re.I)),
    ("spend", re.compile(r"estimatedcharges|aws/billing|cost|spend|budget|token|usd|billing", re.I)),
)
_OTEL_FILE = re.compile(r"(otel|opentelemetry|collector)", re.I)
_GRAFANA_PROVISIONING = re.compile(r"(^|/)(provisioning/)?alerting/", re.I)


def watched_signals(text: str) -> list[str]:
    """Which of errors / latency / spend an alert definition watches, from its metric, expression or name."""
    return [name for name, pat in _SIGNALS if pat.search(text)]


def _has_target(value: Any) -> bool:
    if isinstance(value, list):
        return any(v not in (None, "", [], {}) for v in value)
    return isinstance(value, (str, dict)) and bool(value)


@dataclass
class _Findings:
    alerts: list[Evidence] = field(default_factory=list)
    untargeted: list[Evidence] = field(default_factory=list)
    routing: list[Evidence] = field(default_factory=list)  # Alertmanager receivers, Grafana contact points
    definitions: int = 0
    signals: set[str] = field(default_factory=set)
    logs_ok: list[Evidence] = field(default_factory=list)
    logs_forever: list[Evidence] = field(default_factory=list)
    tracing: list[Evidence] = field(default_factory=list)
    untraced: int = 0
    monitoring_config: bool = False


def _ev(index: RepoIndex, res: CloudResource, line: int, note: str) -> Evidence | None:
    f = index.get(res.path)
    return evidence_at(f, line, note) if f is not None else None


def _add(into: list[Evidence], e: Evidence | None) -> None:
    if e is not None:
        into.append(e)


def _alarms(index: RepoIndex, out: _Findings) -> None:
    for r in resources_of(index, "alarm", "composite_alarm"):
        # what an alarm watches: its metric and name first, its whole definition (metric math) otherwise
        named = " ".join(str(r.get(k, default="")) for k in ("metric_name", "namespace", "alarm_name", "alarm_rule")) + " " + r.name
        watched = watched_signals(named) or watched_signals(json.dumps(r.properties, default=str))
        out.signals.update(watched)
        what = f"on {', '.join(watched)}" if watched else "on another metric"
        actions = r.get("alarm_actions", "AlarmActions", default=None)
        if _has_target(actions):
            _add(out.alerts, _ev(index, r, r.line, f"{r.address}: CloudWatch alarm {what}, notifies"))
        else:
            _add(out.untargeted, _ev(index, r, r.line, f"{r.address}: CloudWatch alarm {what} with no alarm_actions: it fires and nobody is told"))
    for r in resources_of(index, "datadog_monitor"):
        watched = watched_signals(str(r.get("query", default="")) + " " + str(r.get("name", default="")) + " " + r.name)
        out.signals.update(watched)
        what = f"on {', '.join(watched)}" if watched else "on another metric"
        if "@" in str(r.get("message", default="")):
            _add(out.alerts, _ev(index, r, r.line, f"{r.address}: Datadog monitor {what}, notifies"))
        else:
            _add(out.untargeted, _ev(index, r, r.line_of("message"), f"{r.address}: Datadog monitor {what} whose message names no @-recipient"))
    for r in resources_of(index, "grafana_rule_group"):
        watched = watched_signals(json.dumps(r.properties, default=str) + " " + r.name)
        out.signals.update(watched)
        _add(out.alerts, _ev(index, r, r.line, f"{r.address}: Grafana alert rule group" + (f" on {', '.join(watched)}" if watched else "")))


def _days(value: Any) -> str:
    return f"{value} days" if isinstance(value, (int, float)) or str(value).strip().isdigit() else f"set ({value})"


def _log_groups(index: RepoIndex, out: _Findings) -> None:
    for r in resources_of(index, "log_group"):
        days = r.get("retention_in_days", "RetentionInDays", default=None)
        if days is not None and str(days).strip() not in ("0", ""):
            _add(out.logs_ok, _ev(index, r, r.line_of("retention_in_days", ) if r.source == "terraform" else r.line_of("RetentionInDays"), f"{r.address}: log retention {_days(days)}"))
        else:
            _add(out.logs_forever, _ev(index, r, r.line, f"{r.address}: log group with no retention: logs are kept (and billed) forever; set retention_in_days / RetentionInDays"))
    for r in resources_of(index, "function"):
        if r.source == "serverless" and r.get("logRetentionInDays") is not None:
            _add(out.logs_ok, _ev(index, r, r.line_of("logRetentionInDays"), f"{r.address}: log retention {_days(r.get('logRetentionInDays'))}"))


def _tracing(index: RepoIndex, out: _Findings) -> None:
    for r in resources_of(index, "function", "state_machine"):
        mode = r.dig("tracing_config", "mode") or r.dig("TracingConfig", "Mode") or r.get("Tracing", "tracing") or r.dig("tracing_configuration", "enabled") or r.dig("TracingConfiguration", "Enabled")
        if str(mode).lower() in ("active", "true"):
            key = next((k for k in ("tracing_config", "TracingConfig", "Tracing", "tracing", "tracing_configuration", "TracingConfiguration") if r.get(k) is not None), "")
            _add(out.tracing, _ev(index, r, r.line_of(key), f"{r.address}: X-Ray tracing active"))
        else:
            out.untraced += 1
    for r in resources_of(index, "api_stage", "rest_api"):
        if str(r.get("xray_tracing_enabled", "TracingEnabled", default="")).lower() == "true":
            _add(out.tracing, _ev(index, r, r.line_of("xray_tracing_enabled") if r.source == "terraform" else r.line_of("TracingEnabled"), f"{r.address}: X-Ray tracing on the API stage"))
    for r in resources_of(index, "xray"):
        _add(out.tracing, _ev(index, r, r.line, f"{r.address}: X-Ray {r.type}"))


def _config_files(index: RepoIndex, out: _Findings) -> None:
    """Prometheus rules, Alertmanager, OpenTelemetry collector, Datadog monitor JSON, Grafana provisioning."""
    for f in index.by_kind("yaml", "json"):
        if is_test_path(f.path):
            continue
        for doc in f.documents:
            data = doc.data
            if not isinstance(data, dict) or is_template(data):
                continue
            prefix: tuple[str, ...]
            if data.get("kind") == "PrometheusRule" and isinstance(data.get("spec"), dict):
                groups, prefix = data["spec"].get("groups"), ("spec", "groups")
            else:
                groups, prefix = data.get("groups"), ("groups",)
            if isinstance(groups, list):
                for gi, group in enumerate(groups):
                    rules = group.get("rules") if isinstance(group, dict) else None
                    for ri, rule in enumerate(rules if isinstance(rules, list) else []):
                        if not isinstance(rule, dict):
                            continue
                        path = prefix + (gi, "rules", ri)
                        if isinstance(rule.get("alert"), str):
                            watched = watched_signals(rule["alert"]) or watched_signals(str(rule.get("expr", "")))
                            out.signals.update(watched)
                            out.monitoring_config = True
                            out.alerts.append(evidence_at(f, doc.line_of(path + ("alert",)), f"Prometheus alert {rule['alert']}" + (f" on {', '.join(watched)}" if watched else "")))
                        elif "condition" in rule and "data" in rule:  # Grafana provisioning
                            watched = watched_signals(json.dumps(rule, default=str))
                            out.signals.update(watched)
                            out.monitoring_config = True
                            out.alerts.append(evidence_at(f, doc.line_of(path), f"Grafana alert rule {rule.get('title', '')}".rstrip() + (f" on {', '.join(watched)}" if watched else "")))
            if isinstance(data.get("route"), dict) and "receivers" in data:
                out.monitoring_config = True
                receivers = data.get("receivers")
                targeted = [r for r in receivers if isinstance(r, dict) and any(k.endswith("_configs") and _has_target(v) for k, v in r.items())] if isinstance(receivers, list) else []
                if targeted:
                    names = ", ".join(str(r.get("name", "?")) for r in targeted)
                    out.routing.append(evidence_at(f, doc.line_of(("receivers",)), f"Alertmanager routes alerts to {names}"))
                else:
                    out.untargeted.append(evidence_at(f, doc.line_of(("receivers",)) or doc.line_of(("route",)), "Alertmanager with no receiver that notifies anyone (no *_configs): alerts go nowhere"))
            if isinstance(data.get("contactPoints"), list) and data["contactPoints"]:
                out.monitoring_config = True
                out.routing.append(evidence_at(f, doc.line_of(("contactPoints",)), "Grafana contact points"))
            service = data.get("service")
            if isinstance(service, dict) and isinstance(service.get("pipelines"), dict) and ("receivers" in data or "exporters" in data):
                out.monitoring_config = True
                out.tracing.append(evidence_at(f, doc.line_of(("service", "pipelines")), "OpenTelemetry collector pipelines" + (f" ({', '.join(map(str, service['pipelines']))})" if service["pipelines"] else "")))
            if isinstance(data.get("type"), str) and "alert" in data["type"] and "query" in data and "message" in data:
                out.monitoring_config = True
                watched = watched_signals(f"{data['query']} {data.get('name', '')}")
                out.signals.update(watched)
                what = f" on {', '.join(watched)}" if watched else ""
                if "@" in str(data["message"]):
                    out.alerts.append(evidence_at(f, doc.line_of(("query",)), f"Datadog monitor{what}"))
                else:
                    out.untargeted.append(evidence_at(f, doc.line_of(("message",)), f"Datadog monitor{what} whose message names no @-recipient"))


def iac_alerting(ctx: Context) -> Outcome:
    index = ctx.index
    out = _Findings()
    _alarms(index, out)
    _log_groups(index, out)
    _tracing(index, out)
    _config_files(index, out)
    resources = cloud_resources(index)
    if not resources and not out.monitoring_config:
        return outcome(Status.SKIP, "no IaC and no monitoring configuration (Prometheus, Alertmanager, OpenTelemetry collector, Grafana, Datadog): nothing declared to judge; RC0301 judges logs and traces in code")
    workloads = [r for r in resources if r.kind in ("function", "rest_api", "http_api", "state_machine", "service")]
    out.definitions = len(out.alerts) + len([e for e in out.untargeted if not (e.note or "").startswith("Alertmanager")])
    has_alerts = bool(out.definitions or out.routing or out.untargeted)
    covered = [s for s, _ in _SIGNALS if s in out.signals]
    parts = []
    if out.definitions:
        parts.append(f"{plural(out.definitions, 'alert definition')} on {', '.join(covered) if covered else 'other metrics'}")
        missing = [s for s, _ in _SIGNALS if s not in out.signals]
        if missing:
            parts.append(f"none on {', '.join(missing)}")
    if out.logs_ok or out.logs_forever:
        parts.append(f"log retention set on {len(out.logs_ok)} of {len(out.logs_ok) + len(out.logs_forever)} log groups")
    if out.tracing:
        parts.append(f"tracing declared ({plural(len(out.tracing), 'place')})")
    if out.routing:
        parts.append("; ".join(e.note or "" for e in out.routing))
    detail = "; ".join(parts)
    evidence = out.untargeted + out.logs_forever + out.alerts + out.routing + out.logs_ok + out.tracing
    if not has_alerts:
        if workloads:
            names = ", ".join(r.address for r in workloads[:5]) + (" ..." if len(workloads) > 5 else "")
            bad = [e for r in workloads[:20] if (e := _ev(index, r, r.line, f"{r.address}: no alarm watches its errors or latency")) is not None]
            return outcome(
                Status.FAIL,
                f"IaC declares {plural(len(workloads), 'workload')} ({names}) and no alert: add CloudWatch alarms (or Prometheus / Datadog / Grafana alert rules) on errors, latency and spend, with a notification target"
                + (f"; {detail}" if detail else ""),
                bad + evidence,
            )
        if out.logs_forever:
            return outcome(Status.WARN, f"log groups without retention and no alert declared; {detail}", evidence)
        if out.logs_ok or out.tracing:
            return outcome(Status.PASS, f"no workload to alert on in IaC; {detail}", evidence)
        return outcome(Status.SKIP, "IaC declares no workload, alert, log group or tracing: nothing to judge here; RC0301 judges logs and traces in code")
    problems = []
    if out.untargeted:
        problems.append(f"{plural(len(out.untargeted), 'alert')} with no notification target")
    if out.logs_forever:
        problems.append(f"{plural(len(out.logs_forever), 'log group')} without retention")
    if "errors" not in out.signals:
        problems.append("no alert on errors")
    if problems:
        return outcome(Status.WARN, f"{'; '.join(problems)} ({detail})", evidence)
    return outcome(Status.PASS, detail, evidence)
