"""Item 1, limits declared in infrastructure as code: API Gateway throttling and usage plans, Lambda
reserved concurrency, Kubernetes resource limits and autoscaler ceilings.

Each kind of infrastructure is judged only when the project declares it: no API Gateway means no
throttling duty. What a declared API, function or workload lacks is named with what to add.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.project import is_test_path
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.cloud import CloudResource, resources_of
from readycheck.parsers.structured import StructuredDoc

__all__ = ["iac_throttling", "k8s_workloads"]

# Functions CDK and SAM add for their own plumbing: not the agent's, not worth a concurrency limit.
_HELPER_FUNCTION = re.compile(
    r"^(CustomResource|CustomS3AutoDeleteObjects|CustomCDK|AWS679f53fac002430cb0da5b7982bd2287|LogRetention|"
    r"BucketNotificationsHandler|SingletonLambda|Framework(onEvent|isComplete|onTimeout)|ProviderframeworkonEvent|CDKBucketDeployment)",
)
_WORKLOADS = ("Deployment", "StatefulSet")


def _set(value: Any) -> bool:
    """A limit that is set: a non-negative number or an expression we cannot evaluate (`${var.x}`)."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value >= 0
    if isinstance(value, str):
        v = value.strip()
        if not v:
            return False
        try:
            return float(v) >= 0
        except ValueError:
            return True  # a variable, a reference, an intrinsic
    return isinstance(value, dict)  # {"Ref": ...}, {"Fn::...": ...}


def _ev(index: RepoIndex, res: CloudResource, line: int, note: str) -> Evidence | None:
    f = index.get(res.path)
    return evidence_at(f, line, note) if f is not None else None


def _throttle_in(settings: Any) -> bool:
    """Throttling in a method / route settings block, a usage plan's throttle, or a list of them."""
    items = settings if isinstance(settings, list) else [settings]
    for s in items:
        if not isinstance(s, dict):
            continue
        for k, v in s.items():
            key = str(k).replace("_", "").lower()
            if key in ("throttlingburstlimit", "throttlingratelimit", "burstlimit", "ratelimit", "maxrequestspersecond", "maxconcurrentrequests") and _set(v) and str(v).strip() != "-1":
                return True
            if key in ("settings", "throttle", "throttlesettings", "throttling") and _throttle_in(v):
                return True
            if key in ("quota", "quotasettings") and isinstance(v, (dict, list)) and v:
                return True
    return False


def _rest_fix(r: CloudResource) -> str:
    if r.source == "serverless":
        return "add provider.apiGateway.usagePlan with throttle / quota, or custom.apiGatewayThrottling (serverless-api-gateway-throttling)"
    if r.source == "terraform":
        return "add an aws_api_gateway_usage_plan with throttle_settings / quota_settings, or aws_api_gateway_method_settings throttling_burst_limit / throttling_rate_limit"
    return "add a usage plan with Throttle / Quota, or MethodSettings ThrottlingBurstLimit / ThrottlingRateLimit"


def _http_fix(r: CloudResource) -> str:
    if r.source == "serverless":
        return "add custom.apiGatewayThrottling (serverless-api-gateway-throttling), or a stage with DefaultRouteSettings in resources"
    if r.source == "terraform":
        return "set default_route_settings throttling_burst_limit / throttling_rate_limit"
    return "set DefaultRouteSettings ThrottlingBurstLimit / ThrottlingRateLimit"


def _api_gateway(index: RepoIndex, good: list[Evidence], bad: list[Evidence]) -> bool:
    """REST and HTTP APIs: throttled by stage / method settings or a usage plan. True when declared."""
    rest = resources_of(index, "rest_api", "api_stage", "api_method_settings", "usage_plan")
    http = resources_of(index, "http_api", "http_api_stage")
    if not rest and not http:
        return False
    rest_ok: list[Evidence] = []
    for r in rest:
        keys: tuple[str, ...]
        if r.kind == "usage_plan" and _throttle_in(r.properties):
            keys = ("throttle_settings", "Throttle", "throttle", "quota_settings", "Quota", "quota")
            note = f"{r.address}: usage plan with throttle / quota"
        elif _throttle_in(r.get("settings", "MethodSettings", "throttle", default=None)):
            keys = ("settings", "MethodSettings", "throttle")
            note = f"{r.address}: method throttling (burst / rate limit)"
        else:
            continue
        key = next((k for k in keys if r.get(k) is not None), None)
        e = _ev(index, r, r.line_of(key) if key else r.line, note)
        if e:
            rest_ok.append(e)
    good.extend(rest_ok)
    if not rest_ok:
        apis = [r for r in rest if r.kind in ("rest_api", "api_stage")] or rest
        for r in apis:
            e = _ev(index, r, r.line, f"{r.address}: REST API without throttling: {_rest_fix(r)}")
            if e:
                bad.append(e)
    stages = [r for r in http if r.kind == "http_api_stage" or r.type in ("AWS::Serverless::HttpApi", "Serverless::HttpApi")]
    for r in stages:
        settings = r.get("default_route_settings", "DefaultRouteSettings", "route_settings", "RouteSettings", default=None)
        if _throttle_in(settings) or _throttle_in(r.get("throttle", default=None)):
            key = next(k for k in ("default_route_settings", "DefaultRouteSettings", "route_settings", "RouteSettings", "throttle") if r.get(k) is not None)
            e = _ev(index, r, r.line_of(key), f"{r.address}: HTTP API route throttling")
            if e:
                good.append(e)
        else:
            e = _ev(index, r, r.line, f"{r.address}: HTTP API without throttling: {_http_fix(r)}")
            if e:
                bad.append(e)
    if not stages:
        for r in http:
            e = _ev(index, r, r.line, f"{r.address}: HTTP API with no stage throttling: add a stage and {_http_fix(r)}")
            if e:
                bad.append(e)
    return True


def _lambdas(index: RepoIndex, good: list[Evidence], bad: list[Evidence]) -> bool:
    functions = [r for r in resources_of(index, "function") if not _HELPER_FUNCTION.match(r.name)]
    for r in functions:
        value = r.get("reserved_concurrent_executions", "ReservedConcurrentExecutions", "reservedConcurrency", default=None)
        if _set(value) and str(value).strip() != "-1":
            key = next(k for k in ("reserved_concurrent_executions", "ReservedConcurrentExecutions", "reservedConcurrency") if r.get(k) is not None)
            e = _ev(index, r, r.line_of(key), f"{r.address}: reserved concurrency {value}")
            if e:
                good.append(e)
        else:
            what = "reservedConcurrency" if r.source == "serverless" else ("reserved_concurrent_executions" if r.source == "terraform" else "ReservedConcurrentExecutions")
            e = _ev(index, r, r.line, f"{r.address}: Lambda function without reserved concurrency: set {what}")
            if e:
                bad.append(e)
    return bool(functions)


def k8s_workloads(index: RepoIndex) -> Iterator[tuple[SourceFile, StructuredDoc, dict[str, Any]]]:
    """Kubernetes manifests (every YAML document with apiVersion and kind), outside test code."""
    for f in index.by_kind("yaml", "json"):
        if is_test_path(f.path):
            continue
        for doc in f.documents:
            data = doc.data
            if isinstance(data, dict) and isinstance(data.get("kind"), str) and isinstance(data.get("apiVersion"), str):
                yield f, doc, data


def _name(data: dict[str, Any]) -> str:
    meta = data.get("metadata")
    return str(meta.get("name", "?")) if isinstance(meta, dict) else "?"


def _limit_range_defaults(index: RepoIndex) -> tuple[set[str], Evidence | None]:
    """Default container limits a LimitRange gives every container of its namespace."""
    for f, doc, data in k8s_workloads(index):
        spec = data.get("spec")
        if data["kind"] != "LimitRange" or not isinstance(spec, dict) or not isinstance(spec.get("limits"), list):
            continue
        for i, item in enumerate(spec["limits"]):
            default = item.get("default") if isinstance(item, dict) and item.get("type", "Container") == "Container" else None
            if isinstance(default, dict) and default:
                found = {r for r in ("cpu", "memory") if default.get(r)}
                line = doc.line_of(("spec", "limits", i, "default"))
                return found, evidence_at(f, line, f"LimitRange {_name(data)}: default container limits {', '.join(sorted(found))}")
    return set(), None


def _kubernetes(index: RepoIndex, good: list[Evidence], bad: list[Evidence], weak: list[Evidence]) -> bool:
    declared = False
    defaults, default_ev = _limit_range_defaults(index)
    used_defaults = False
    for f, doc, data in k8s_workloads(index):
        kind = data["kind"]
        spec: dict[str, Any] = data["spec"] if isinstance(data.get("spec"), dict) else {}
        if kind in _WORKLOADS:
            declared = True
            template = spec.get("template")
            pod = template.get("spec") if isinstance(template, dict) else None
            containers = pod.get("containers") if isinstance(pod, dict) else None
            if not isinstance(containers, list):
                containers = []
            for i, c in enumerate(containers):
                if not isinstance(c, dict):
                    continue
                path = ("spec", "template", "spec", "containers", i)
                limits = c.get("resources", {}).get("limits") if isinstance(c.get("resources"), dict) else None
                limits = limits if isinstance(limits, dict) else {}
                missing = [r for r in ("cpu", "memory") if not limits.get(r)]
                if missing and set(missing) <= defaults:
                    used_defaults = True
                    continue  # the namespace's LimitRange fills them in
                label = f"{kind} {_name(data)} container {c.get('name', i)}"
                if missing == ["cpu"]:
                    weak.append(evidence_at(f, doc.line_of(path + ("resources", "limits")), f"{label}: memory limit {limits['memory']} but no resources.limits.cpu: one busy pod can take its node's CPU"))
                elif missing:
                    bad.append(evidence_at(f, doc.line_of(path + ("name",)) or doc.line_of(path), f"{label}: no resources.limits.{' / '.join(missing)}: set resources.limits.cpu and memory"))
                else:
                    good.append(evidence_at(f, doc.line_of(path + ("resources", "limits")), f"{label}: limits cpu {limits['cpu']}, memory {limits['memory']}"))
        elif kind == "HorizontalPodAutoscaler" and spec.get("maxReplicas") is not None:
            good.append(evidence_at(f, doc.line_of(("spec", "maxReplicas")), f"HorizontalPodAutoscaler {_name(data)}: maxReplicas {spec['maxReplicas']}"))
        elif kind == "ScaledObject" and spec.get("maxReplicaCount") is not None:
            good.append(evidence_at(f, doc.line_of(("spec", "maxReplicaCount")), f"KEDA ScaledObject {_name(data)}: maxReplicaCount {spec['maxReplicaCount']}"))
    if used_defaults and default_ev is not None:
        good.append(default_ev)
    return declared


def iac_throttling(ctx: Context) -> Outcome:
    good: list[Evidence] = []
    bad: list[Evidence] = []
    judged: list[str] = []
    weak: list[Evidence] = []
    for label, judged_here in (
        ("API Gateway", _api_gateway(ctx.index, good, bad)),
        ("Lambda", _lambdas(ctx.index, good, bad)),
        ("Kubernetes workloads", _kubernetes(ctx.index, good, bad, weak)),
    ):
        if judged_here:
            judged.append(label)
    if not judged:
        return outcome(Status.SKIP, "no API Gateway, Lambda function or Kubernetes workload declared in IaC: no throttling or concurrency limit to check")
    scope = ", ".join(judged)
    if bad:
        return outcome(Status.FAIL, f"{plural(len(bad), 'resource')} without a throttling or concurrency limit ({scope}): {bad[0].note}", bad + weak + good)
    if weak:
        return outcome(Status.WARN, f"{plural(len(weak), 'container')} with a memory limit but no CPU limit ({scope}): {weak[0].note}", weak + good)
    return outcome(Status.PASS, f"limits declared on every resource checked ({scope}; {plural(len(good), 'place')})", good)
