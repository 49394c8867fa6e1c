"""Cloud resources declared in infrastructure as code, in one model whatever the tool.

Terraform (`resource "aws_budgets_budget" "llm" {...}`), CloudFormation and SAM templates (YAML with
intrinsic tags, or JSON), the Serverless Framework (`serverless.yml`: provider, functions, resources)
and AWS CDK synthesized templates (`cdk.out/*.template.json`) all become `CloudResource` values. Each
keeps its native type (`aws_lambda_function`, `AWS::Serverless::Function`) and a normalised `kind`
(`function`), so a check asks for "budgets" or "alarms" once and sees every source.

The resources are read once per audit (memoised on the index). A file that cannot be parsed is
already recorded by its view (`SourceFile.parse_errors`) and contributes nothing; a template whose
shape is unexpected is recorded the same way and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

if TYPE_CHECKING:
    from readycheck.index import RepoIndex, SourceFile
    from readycheck.parsers.structured import StructuredDoc
    from readycheck.parsers.terraform import TfBlock

__all__ = [
    "CloudResource",
    "KINDS",
    "cloud_resources",
    "resources_of",
    "iac_sources",
    "is_serverless",
    "is_template",
    "norm_key",
    "read_file_resources",
]

# Normalised kind -> native types (Terraform, CloudFormation / SAM, Serverless Framework).
KINDS: dict[str, tuple[str, ...]] = {
    "budget": (
        "aws_budgets_budget", "AWS::Budgets::Budget", "google_billing_budget",
        "azurerm_consumption_budget_subscription", "azurerm_consumption_budget_resource_group",
    ),
    "budget_action": ("aws_budgets_budget_action", "AWS::Budgets::BudgetsAction"),
    "rest_api": ("aws_api_gateway_rest_api", "AWS::ApiGateway::RestApi", "AWS::Serverless::Api", "Serverless::RestApi"),
    "api_stage": ("aws_api_gateway_stage", "AWS::ApiGateway::Stage"),
    "api_method_settings": ("aws_api_gateway_method_settings",),
    "usage_plan": ("aws_api_gateway_usage_plan", "AWS::ApiGateway::UsagePlan", "Serverless::UsagePlan"),
    "http_api": ("aws_apigatewayv2_api", "AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi", "Serverless::HttpApi"),
    "http_api_stage": ("aws_apigatewayv2_stage", "AWS::ApiGatewayV2::Stage"),
    "function": ("aws_lambda_function", "AWS::Lambda::Function", "AWS::Serverless::Function", "Serverless::Function"),
    "alarm": ("aws_cloudwatch_metric_alarm", "AWS::CloudWatch::Alarm"),
    "composite_alarm": ("aws_cloudwatch_composite_alarm", "AWS::CloudWatch::CompositeAlarm"),
    "log_group": ("aws_cloudwatch_log_group", "AWS::Logs::LogGroup"),
    "xray": ("aws_xray_sampling_rule", "aws_xray_group", "AWS::XRay::SamplingRule", "AWS::XRay::Group"),
    "state_machine": ("aws_sfn_state_machine", "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"),
    "sns_topic": ("aws_sns_topic", "AWS::SNS::Topic"),
    "service": (
        "aws_ecs_service", "AWS::ECS::Service", "aws_apprunner_service", "AWS::AppRunner::Service",
        "aws_eks_cluster", "AWS::EKS::Cluster", "google_container_cluster", "azurerm_kubernetes_cluster", "aws_instance", "AWS::EC2::Instance",
        "aws_sagemaker_endpoint", "AWS::SageMaker::Endpoint", "aws_elastic_beanstalk_environment",
        "google_cloud_run_service", "google_cloud_run_v2_service", "google_cloudfunctions_function",
        "google_cloudfunctions2_function", "azurerm_container_app", "azurerm_linux_function_app",
        "azurerm_linux_web_app", "kubernetes_deployment", "kubernetes_deployment_v1",
        "aws_bedrockagentcore_agent_runtime", "AWS::BedrockAgentCore::Runtime", "aws_bedrockagent_agent", "AWS::Bedrock::Agent",
    ),
    "datadog_monitor": ("datadog_monitor",),
    "grafana_rule_group": ("grafana_rule_group",),
    "grafana_contact_point": ("grafana_contact_point",),
}
_KIND_OF = {native: kind for kind, natives in KINDS.items() for native in natives}

_SAM_TRANSFORM = "AWS::Serverless"
_CDK_TEMPLATE = re.compile(r"(^|/)cdk\.out/(.+/)?[^/]+\.template\.json$")
_SERVERLESS_FILE = re.compile(r"(^|/)serverless(\.[\w-]+)?\.ya?ml$")
_NOT_TEMPLATES = re.compile(r"(^|/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|tsconfig[^/]*\.json|\.github/workflows/|node_modules/)")


def norm_key(key: Any) -> str:
    """`reserved_concurrent_executions`, `ReservedConcurrentExecutions` -> one spelling."""
    return str(key).replace("_", "").replace("-", "").lower()


@dataclass(frozen=True, slots=True)
class CloudResource:
    """One declared resource: its native `type`, logical `name`, `properties` (plain data; intrinsic
    functions read as their text, Terraform expressions as `${...}`), where it is declared, which
    tool declared it (`terraform`, `cloudformation`, `sam`, `serverless`, `cdk`) and its `kind`."""

    type: str
    name: str
    properties: Mapping[str, Any]
    path: str
    line: int
    source: str
    kind: str = ""
    _locate: Callable[[tuple[str, ...]], int | None] | None = field(default=None, compare=False, repr=False)

    @property
    def address(self) -> str:
        """`aws_lambda_function.agent` for Terraform, the logical id elsewhere."""
        return f"{self.type}.{self.name}" if self.source == "terraform" else self.name

    def get(self, *names: str, default: Any = None) -> Any:
        """The property under any of `names`, compared without case or underscores, so
        `get("reserved_concurrent_executions")` also reads CloudFormation's spelling."""
        wanted = {norm_key(n) for n in names}
        for key, value in self.properties.items():
            if norm_key(key) in wanted:
                return value
        return default

    def dig(self, *path: str) -> Any:
        """A nested property (`dig("tracing_config", "mode")`); Terraform's one-element block lists
        are looked through."""
        cur: Any = self.properties
        for part in path:
            if isinstance(cur, list) and len(cur) == 1:
                cur = cur[0]
            if not isinstance(cur, dict):
                return None
            want = norm_key(part)
            cur = next((v for k, v in cur.items() if norm_key(k) == want), None)
            if cur is None:
                return None
        return cur

    def line_of(self, *keys: str) -> int:
        """The line of a (nested) property, or of the resource when it cannot be placed."""
        if self._locate is not None and keys:
            found = self._locate(tuple(keys))
            if found:
                return found
        return self.line


# --- Terraform ---------------------------------------------------------------------------------------
def _tf_locator(f: SourceFile, start: int) -> Callable[[tuple[str, ...]], int | None]:
    def locate(keys: tuple[str, ...]) -> int | None:
        lines = f.lines
        depth, opened, end = 0, False, len(lines)
        for i in range(start - 1, len(lines)):
            depth += lines[i].count("{") - lines[i].count("}")
            opened = opened or depth > 0
            if opened and depth <= 0:
                end = i + 1
                break
        cur = start
        found: int | None = None
        for key in keys:
            pat = re.compile(r"^\s*" + re.escape(key) + r"\s*(=|\{)")
            hit = next((i for i in range(cur, end) if pat.match(lines[i])), None)
            if hit is None:
                return found
            found = cur = hit + 1
        return found

    return locate


def _from_terraform(f: SourceFile, blocks: Iterable[TfBlock]) -> Iterator[CloudResource]:
    for b in blocks:
        if b.kind != "resource":
            continue
        yield CloudResource(b.type, b.name, b.body, f.path, b.line, "terraform", _KIND_OF.get(b.type, ""), _tf_locator(f, b.line))


# --- CloudFormation, SAM, CDK ------------------------------------------------------------------------
def _transforms(data: Mapping[str, Any]) -> list[str]:
    t = data.get("Transform")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def is_template(data: Any) -> bool:
    """A CloudFormation / SAM template: the format version, a SAM transform, or resources typed
    `Vendor::Service::Thing`."""
    if not isinstance(data, dict):
        return False
    if "AWSTemplateFormatVersion" in data or any(t.startswith(_SAM_TRANSFORM) for t in _transforms(data)):
        return True
    resources = data.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) and r["Type"].count("::") >= 2 for r in resources.values()
    )


def _doc_locator(doc: StructuredDoc, *prefixes: tuple[Any, ...]) -> Callable[[tuple[str, ...]], int | None]:
    """Line of a property under the first prefix that has it (a resource's own properties, then
    SAM Globals for its type)."""

    def locate(keys: tuple[str, ...]) -> int | None:
        for prefix in prefixes:
            try:
                cur: Any = doc.get(prefix) if prefix else doc.data
            except KeyError:
                continue
            path = prefix
            for key in keys:  # properties are matched without case: walk the real keys
                if not isinstance(cur, dict):
                    break
                real = next((k for k in cur if norm_key(k) == norm_key(key)), None)
                if real is None:
                    break
                path = path + (real,)
                cur = cur[real]
            if path != prefix:
                return doc.lines.get(path)
        return None

    return locate


def _sam_globals(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    g = data.get("Globals")
    if not isinstance(g, dict):
        return {}
    return {f"AWS::Serverless::{k}": v for k, v in g.items() if isinstance(v, dict)}


def _from_template(f: SourceFile, doc: StructuredDoc, source: str, resources_key: tuple[str, ...] = ("Resources",)) -> Iterator[CloudResource]:
    data = doc.data
    try:
        resources = doc.get(resources_key)
    except KeyError:
        return
    if not isinstance(resources, dict):
        if resources is not None:
            f.parse_errors.append(f"{'.'.join(resources_key)} is not a mapping: cloud resources skipped")
        return
    defaults = _sam_globals(data) if isinstance(data, dict) else {}
    for name, res in resources.items():
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            continue
        rtype = res["Type"]
        props = res.get("Properties")
        props = dict(props) if isinstance(props, dict) else {}
        for k, v in defaults.get(rtype, {}).items():
            props.setdefault(k, v)  # SAM Globals apply to every resource of that type
        prefixes: list[tuple[Any, ...]] = [resources_key + (name, "Properties")]
        if rtype in defaults:
            prefixes.append(("Globals", rtype.rsplit("::", 1)[-1]))
        yield CloudResource(
            rtype, str(name), props, f.path, doc.line_of(resources_key + (name,)) or 1, source, _KIND_OF.get(rtype, ""), _doc_locator(doc, *prefixes)
        )


# --- Serverless Framework -----------------------------------------------------------------------------
def is_serverless(path: str, data: Any) -> bool:
    """A Serverless Framework service definition (`serverless.yml`)."""
    return (
        isinstance(data, dict)
        and bool(_SERVERLESS_FILE.search(path))
        and isinstance(data.get("provider"), dict)
        and ("service" in data or "functions" in data)
    )


def _from_serverless(f: SourceFile, doc: StructuredDoc) -> Iterator[CloudResource]:
    data = doc.data
    provider: dict[str, Any] = data["provider"] if isinstance(data.get("provider"), dict) else {}
    tracing: dict[str, Any] = provider["tracing"] if isinstance(provider.get("tracing"), dict) else {}
    functions = data.get("functions")
    http: list[str] = []
    http_api: list[str] = []
    if isinstance(functions, dict):
        for name, fn in functions.items():
            if not isinstance(fn, dict):
                continue
            props = dict(fn)
            # provider-wide settings apply to every function unless it sets its own
            if "tracing" not in props and tracing.get("lambda") not in (None, False):
                props["tracing"] = "Active" if tracing.get("lambda") is True else tracing.get("lambda")
            if "logRetentionInDays" not in props and "logRetentionInDays" in provider:
                props["logRetentionInDays"] = provider["logRetentionInDays"]
            for event in fn.get("events") or []:
                if isinstance(event, dict):
                    if "http" in event:
                        http.append(str(name))
                    if "httpApi" in event:
                        http_api.append(str(name))
            yield CloudResource(
                "Serverless::Function", str(name), props, f.path, doc.line_of(("functions", name)) or 1, "serverless", "function",
                _doc_locator(doc, ("functions", name)),
            )
    api_gw: dict[str, Any] = provider["apiGateway"] if isinstance(provider.get("apiGateway"), dict) else {}
    plan = api_gw.get("usagePlan", provider.get("usagePlan"))
    if plan is not None:
        where = ("provider", "apiGateway", "usagePlan") if "usagePlan" in api_gw else ("provider", "usagePlan")
        plans = plan if isinstance(plan, list) else [plan]
        for i, p in enumerate(plans):
            body = p if isinstance(p, dict) else {}
            if isinstance(plan, list) and len(body) == 1 and isinstance(next(iter(body.values())), dict):
                body = next(iter(body.values()))  # [{free: {quota, throttle}}, ...]
            yield CloudResource(
                "Serverless::UsagePlan", f"usagePlan[{i}]" if isinstance(plan, list) else "usagePlan", body, f.path,
                doc.line_of(where) or 1, "serverless", "usage_plan", _doc_locator(doc, where + ((i,) if isinstance(plan, list) else ())),
            )
    custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
    plugin = custom.get("apiGatewayThrottling") if isinstance(custom, dict) else None  # serverless-api-gateway-throttling
    api_common: dict[str, Any] = {"throttle": plugin} if isinstance(plugin, dict) else {}
    plugin_line = doc.lines.get(("custom", "apiGatewayThrottling"))

    def api_locate(keys: tuple[str, ...]) -> int | None:
        return plugin_line if keys[:1] == ("throttle",) else None

    if http:
        yield CloudResource("Serverless::RestApi", "ApiGatewayRestApi", {"functions": http, **api_common}, f.path, doc.line_of(("functions",)) or 1, "serverless", "rest_api", api_locate)
    if http_api:
        api_props: dict[str, Any] = {"functions": http_api, **api_common}
        if isinstance(provider.get("httpApi"), dict):
            api_props.update(provider["httpApi"])
        yield CloudResource("Serverless::HttpApi", "HttpApi", api_props, f.path, doc.line_of(("functions",)) or 1, "serverless", "http_api", api_locate)
    if isinstance(data.get("resources"), dict):
        yield from _from_template(f, doc, "serverless", ("resources", "Resources"))


# --- the whole project ---------------------------------------------------------------------------------
def read_file_resources(f: SourceFile) -> list[CloudResource]:
    """The resources one file declares (none when it is not IaC or cannot be parsed)."""
    out: list[CloudResource] = []
    try:
        if f.kind == "terraform":
            tf = f.terraform
            if tf is not None and not tf.error:
                out.extend(_from_terraform(f, tf.blocks))
            return out
        if f.kind not in ("yaml", "json") or _NOT_TEMPLATES.search(f.path):
            return out
        for doc in f.documents:
            data = doc.data
            if is_serverless(f.path, data):
                out.extend(_from_serverless(f, doc))
            elif is_template(data):
                if _CDK_TEMPLATE.search(f.path):
                    source = "cdk"
                elif any(t.startswith(_SAM_TRANSFORM) for t in _transforms(data)):
                    source = "sam"
                else:
                    source = "cloudformation"
                out.extend(_from_template(f, doc, source))
    except Exception as exc:  # an odd template costs its resources, never the audit
        f.parse_errors.append(f"cloud resources unreadable: {type(exc).__name__}: {str(exc)[:160]}")
        return []
    return out


def cloud_resources(index: RepoIndex) -> list[CloudResource]:
    """Every resource declared in the project's IaC, in path and line order (memoised per audit)."""

    def compute() -> list[CloudResource]:
        out: list[CloudResource] = []
        for f in index.by_kind("terraform", "yaml", "json"):
            out.extend(read_file_resources(f))
        out.sort(key=lambda r: (r.path, r.line, r.type, r.name))
        return out

    result: list[CloudResource] = index.memo("cloud.resources", compute)
    return result


def resources_of(index: RepoIndex, *kinds: str) -> list[CloudResource]:
    """Resources of the given normalised kinds (`budget`, `alarm`, `function`...)."""
    return [r for r in cloud_resources(index) if r.kind in kinds]


def iac_sources(index: RepoIndex) -> set[str]:
    """Which IaC tools the project uses (`terraform`, `cloudformation`, `sam`, `serverless`, `cdk`)."""
    return {r.source for r in cloud_resources(index)}
