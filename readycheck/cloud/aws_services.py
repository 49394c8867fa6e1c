"""One collector per service: each reads its listings (paginated), the details of the resources in
scope, and adds schema-shaped resources to its ServiceRun."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Mapping
from urllib.parse import unquote

from readycheck.cloud.aws_base import ServiceRun, tag_dict, ts

ARTIFACT_WORDS: tuple[str, ...] = (
    "artifact", "deploy", "release", "build", "cdk-", "sam-cli", "serverless-deployment", "lambda", "code",
)


def _regions(run: ServiceRun, fn: Callable[[str], None]) -> None:
    for region in run.collector.regions:
        run.region(region, fn)


def _global(run: ServiceRun, fn: Callable[[str], None]) -> None:
    run.region("global", fn)


def _scope_tags(run: ServiceRun) -> bool:
    return bool(run.collector.scope.tags)


def _in_scope(run: ServiceRun, resource: Mapping[str, Any]) -> bool:
    return run.collector.scope.matches(resource)


def _keep_tagged(run: ServiceRun, kind: str, item: dict[str, Any], client: Any, arn_key: str, tags_key: str) -> None:
    """Add ``item`` when in scope. Its tags come from a ``ListTagsForResource`` call made only
    when a tag scope could bring in a resource that its name and ARN leave out."""
    if _scope_tags(run) and not run.collector.scope.matches(item):
        arn = item["arn"]
        item["tags"] = run.part(lambda: tag_dict(run.call(client, "list_tags_for_resource", **{arn_key: arn}).get(tags_key)), {})
    if _in_scope(run, item):
        run.add(kind, item)


def _doc(value: Any) -> dict[str, Any] | None:
    """A policy document as a dict (boto3 decodes IAM's URL-encoded JSON; be safe anyway)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            loaded = json.loads(unquote(value))
        except (ValueError, RecursionError):
            return None
        return loaded if isinstance(loaded, dict) else None
    return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _num(value: Any) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


# -- budgets ----------------------------------------------------------------------------------
def budgets(run: ServiceRun) -> None:
    c = run.collector
    account = c.account_id or ""

    def collect(region: str) -> None:
        client = c.client("budgets", c.global_region())
        actions: dict[str, list[dict[str, Any]]] | None = None

        def read_actions() -> dict[str, list[dict[str, Any]]]:
            found: dict[str, list[dict[str, Any]]] = {}
            for page in run.pages(client, "describe_budget_actions_for_account", AccountId=account):
                for a in page.get("Actions") or ():
                    found.setdefault(str(a.get("BudgetName")), []).append({
                        "action_id": str(a.get("ActionId", "")),
                        "action_type": str(a.get("ActionType", "")),
                        "approval_model": str(a.get("ApprovalModel", "")),
                        "notification_type": str(a.get("NotificationType", "")),
                        "status": str(a.get("Status", "")),
                    })
            return found

        actions = run.part(read_actions, None)
        for page in run.pages(client, "describe_budgets", AccountId=account):
            for b in page.get("Budgets") or ():
                name = str(b.get("BudgetName"))
                limit = b.get("BudgetLimit") or {}
                notifications: list[dict[str, Any]] = []

                def read_notifications(name: str = name) -> None:
                    for npage in run.pages(client, "describe_notifications_for_budget", AccountId=account, BudgetName=name):
                        for n in npage.get("Notifications") or ():
                            entry: dict[str, Any] = {
                                "notification_type": str(n.get("NotificationType", "")),
                                "comparison": str(n.get("ComparisonOperator", "")),
                                "threshold": float(n.get("Threshold") or 0),
                                "threshold_type": str(n.get("ThresholdType") or "PERCENTAGE"),
                            }
                            notifications.append(entry)

                            def read_subscribers(n: Any = n, entry: dict[str, Any] = entry) -> None:
                                subs: list[dict[str, str]] = []
                                for spage in run.pages(
                                    client, "describe_subscribers_for_notification",
                                    AccountId=account, BudgetName=name, Notification=n,
                                ):
                                    for s in spage.get("Subscribers") or ():
                                        subs.append({"type": str(s.get("SubscriptionType", "")), "address": str(s.get("Address", ""))})
                                entry["subscribers"] = subs

                            run.part(read_subscribers, None)

                run.part(read_notifications, None)
                run.add("budgets", {
                    "arn": f"arn:{c.partition}:budgets::{account}:budget/{name}",
                    "name": name,
                    "region": "global",
                    "budget_type": str(b.get("BudgetType", "")),
                    "time_unit": str(b.get("TimeUnit", "")),
                    "limit_amount": _num(limit.get("Amount")),
                    "limit_unit": limit.get("Unit"),
                    "notifications": notifications,
                    "actions": None if actions is None else actions.get(name, []),
                })

    _global(run, collect)


# -- cost anomaly detection -------------------------------------------------------------------
def _token_pages(run: ServiceRun, client: Any, method: str, **kwargs: Any) -> Any:
    token: str | None = None
    while True:
        args = dict(kwargs)
        if token:
            args["NextPageToken"] = token
        page = run.call(client, method, **args)
        yield page
        token = page.get("NextPageToken")
        if not token:
            return


def ce(run: ServiceRun) -> None:
    c = run.collector

    def collect(region: str) -> None:
        client = c.client("ce", c.global_region())
        monitors: list[dict[str, Any]] = []
        for page in _token_pages(run, client, "get_anomaly_monitors"):
            for m in page.get("AnomalyMonitors") or ():
                monitors.append({
                    "arn": str(m.get("MonitorArn", "")),
                    "name": str(m.get("MonitorName", "")),
                    "region": "global",
                    "monitor_type": str(m.get("MonitorType", "")),
                    "dimension": m.get("MonitorDimension"),
                    "subscriptions": [],
                })

        def read_subs() -> None:
            by_arn = {m["arn"]: m for m in monitors}
            for page in _token_pages(run, client, "get_anomaly_subscriptions"):
                for s in page.get("AnomalySubscriptions") or ():
                    sub = {
                        "arn": str(s.get("SubscriptionArn", "")),
                        "name": str(s.get("SubscriptionName", "")),
                        "frequency": str(s.get("Frequency", "")),
                        "subscribers": [
                            {"type": str(x.get("Type", "")), "address": str(x.get("Address", "")), "status": str(x.get("Status", ""))}
                            for x in s.get("Subscribers") or ()
                        ],
                    }
                    for arn in s.get("MonitorArnList") or ():
                        if arn in by_arn:
                            by_arn[arn]["subscriptions"].append(sub)

        if monitors:
            run.part(read_subs, None)
        for m in monitors:
            if m["arn"].startswith("arn:"):
                run.add("anomaly_monitors", m)

    _global(run, collect)


# -- secrets manager --------------------------------------------------------------------------
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.I)


def schedule_days(expression: str | None) -> int | None:
    """The rotation period a schedule expression implies, in days (rounded up; None if unknown)."""
    if not expression:
        return None
    expr = expression.strip()
    m = _RATE.match(expr)
    if m:
        n, unit = int(m.group(1)), m.group(2).lower()
        if unit.startswith("day"):
            return n
        if unit.startswith("hour"):
            return max(1, -(-n // 24))
        return 1
    if expr.lower().startswith("cron(") and expr.endswith(")"):
        fields = expr[5:-1].split()
        if len(fields) < 5:
            return None
        dom, month, dow = fields[2], fields[3], fields[4]
        if month not in ("*", "?"):
            return 365
        if dom not in ("*", "?"):
            return 31
        if dow not in ("*", "?"):
            return 7
        return 1
    return None


def secretsmanager(run: ServiceRun) -> None:
    c = run.collector

    def collect(region: str) -> None:
        client = c.client("secretsmanager", region)
        for page in run.pages(client, "list_secrets"):
            for s in page.get("SecretList") or ():
                rules = s.get("RotationRules") or {}
                schedule = rules.get("ScheduleExpression")
                days = _int(rules.get("AutomaticallyAfterDays"))
                item: dict[str, Any] = {
                    "arn": str(s.get("ARN", "")),
                    "name": str(s.get("Name", "")),
                    "region": region,
                    "tags": tag_dict(s.get("Tags")),
                    "rotation_enabled": bool(s.get("RotationEnabled", False)),
                    "rotation_days": days if days is not None else schedule_days(schedule),
                    "rotation_schedule": schedule,
                    "rotation_lambda_arn": s.get("RotationLambdaARN") or None,
                    "last_rotated": ts(s.get("LastRotatedDate")),
                    "last_changed": ts(s.get("LastChangedDate")),
                    "created": ts(s.get("CreatedDate")),
                }
                if _in_scope(run, item):
                    run.add("secrets", item)

    _regions(run, collect)


# -- IAM --------------------------------------------------------------------------------------
def iam(run: ServiceRun) -> None:
    c = run.collector
    docs: dict[str, dict[str, Any] | None] = {}

    def collect(region: str) -> None:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

        client = c.client("iam", c.global_region())

        def policy_document(arn: str) -> dict[str, Any] | None:
            if arn in docs:
                return docs[arn]

            def fetch() -> dict[str, Any] | None:
                try:
                    pol = run.call(client, "get_policy", PolicyArn=arn).get("Policy") or {}
                    version = pol.get("DefaultVersionId")
                    if not version:
                        return None
                    got = run.call(client, "get_policy_version", PolicyArn=arn, VersionId=version)
                except ClientError as exc:
                    if (exc.response.get("Error") or {}).get("Code") == "NoSuchEntity":
                        return None  # an AWS-managed policy the endpoint does not know
                    raise
                return _doc((got.get("PolicyVersion") or {}).get("Document"))

            docs[arn] = run.part(fetch, None)
            return docs[arn]

        def attached(method: str, **kw: Any) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for page in run.pages(client, method, **kw):
                for p in page.get("AttachedPolicies") or ():
                    arn = str(p.get("PolicyArn", ""))
                    out.append({
                        "arn": arn,
                        "name": str(p.get("PolicyName", "")),
                        "aws_managed": ":iam::aws:policy/" in arn,
                        "document": policy_document(arn),
                    })
            return out

        def inline(list_method: str, get_method: str, **kw: Any) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for page in run.pages(client, list_method, **kw):
                for name in page.get("PolicyNames") or ():
                    got = run.call(client, get_method, PolicyName=name, **kw)
                    out.append({"name": str(name), "document": _doc(got.get("PolicyDocument"))})
            return out

        for page in run.pages(client, "list_users"):
            for u in page.get("Users") or ():
                name = str(u.get("UserName"))
                user: dict[str, Any] = {"arn": str(u.get("Arn", "")), "name": name, "region": "global"}
                detail: dict[str, Any] = run.part(lambda name=name: run.call(client, "get_user", UserName=name).get("User") or {}, {})
                user["tags"] = tag_dict(detail.get("Tags") or u.get("Tags"))
                boundary = (detail.get("PermissionsBoundary") or u.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
                user["permissions_boundary"] = boundary
                keys: list[dict[str, Any]] = []

                def read_keys(name: str = name, keys: list[dict[str, Any]] = keys) -> None:
                    for kpage in run.pages(client, "list_access_keys", UserName=name):
                        for k in kpage.get("AccessKeyMetadata") or ():
                            key_id = str(k.get("AccessKeyId", ""))
                            status = str(k.get("Status", "Active"))
                            entry: dict[str, Any] = {
                                "access_key_id": key_id,
                                "status": status if status in ("Active", "Inactive", "Expired") else "Active",
                                "created": ts(k.get("CreateDate")),
                                "last_used": None,
                                "last_used_service": None,
                            }

                            def last_used(key_id: str = key_id, entry: dict[str, Any] = entry) -> None:
                                lu = run.call(client, "get_access_key_last_used", AccessKeyId=key_id).get("AccessKeyLastUsed") or {}
                                entry["last_used"] = ts(lu.get("LastUsedDate"))
                                svc = lu.get("ServiceName")
                                entry["last_used_service"] = None if svc in (None, "", "N/A") else str(svc)

                            run.part(last_used, None)
                            keys.append(entry)

                run.part(read_keys, None)
                user["access_keys"] = keys
                user["attached_policies"] = run.part(lambda name=name: attached("list_attached_user_policies", UserName=name), [])
                user["inline_policies"] = run.part(lambda name=name: inline("list_user_policies", "get_user_policy", UserName=name), [])
                run.add("iam_users", user)

        for page in run.pages(client, "list_roles"):
            for r in page.get("Roles") or ():
                path = str(r.get("Path", "/"))
                if path.startswith("/aws-service-role/"):
                    continue  # service-linked roles belong to AWS, not to the agent
                name = str(r.get("RoleName"))
                scope = c.scope
                if not scope.empty and not scope.tags and not scope.matches({"name": name, "arn": r.get("Arn", "")}):
                    continue  # out of scope by name and ARN, and no tag could bring it in
                rdetail: dict[str, Any] = run.part(lambda name=name: run.call(client, "get_role", RoleName=name).get("Role") or {}, {})
                role: dict[str, Any] = {
                    "arn": str(r.get("Arn", "")),
                    "name": name,
                    "region": "global",
                    "tags": tag_dict(rdetail.get("Tags") or r.get("Tags")),
                    "path": path,
                }
                if not _in_scope(run, role):
                    continue
                role["permissions_boundary"] = (rdetail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
                role["assume_role_policy"] = _doc(rdetail.get("AssumeRolePolicyDocument") or r.get("AssumeRolePolicyDocument"))
                role["last_used"] = ts((rdetail.get("RoleLastUsed") or {}).get("LastUsedDate"))
                role["attached_policies"] = run.part(lambda name=name: attached("list_attached_role_policies", RoleName=name), [])
                role["inline_policies"] = run.part(lambda name=name: inline("list_role_policies", "get_role_policy", RoleName=name), [])
                run.add("iam_roles", role)

    _global(run, collect)


# -- CloudWatch alarms ------------------------------------------------------------------------
def cloudwatch(run: ServiceRun) -> None:
    c = run.collector

    def collect(region: str) -> None:
        client = c.client("cloudwatch", region)
        for page in run.pages(client, "describe_alarms", AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
            entries = [(a, False) for a in page.get("MetricAlarms") or ()] + [(a, True) for a in page.get("CompositeAlarms") or ()]
            for a, composite in entries:
                arn = str(a.get("AlarmArn", ""))
                item: dict[str, Any] = {
                    "arn": arn,
                    "name": str(a.get("AlarmName", "")),
                    "region": region,
                    "composite": composite,
                    "namespace": None if composite else a.get("Namespace"),
                    "metric_name": None if composite else a.get("MetricName"),
                    "dimensions": {str(d.get("Name")): str(d.get("Value")) for d in a.get("Dimensions") or ()},
                    "state": a.get("StateValue"),
                    "actions_enabled": bool(a.get("ActionsEnabled", False)),
                    "alarm_actions": [str(x) for x in a.get("AlarmActions") or ()],
                    "ok_actions": [str(x) for x in a.get("OKActions") or ()],
                    "insufficient_data_actions": [str(x) for x in a.get("InsufficientDataActions") or ()],
                }
                _keep_tagged(run, "alarms", item, client, "ResourceARN", "Tags")

    _regions(run, collect)


# -- CloudWatch Logs --------------------------------------------------------------------------
def logs(run: ServiceRun) -> None:
    c = run.collector

    def collect(region: str) -> None:
        client = c.client("logs", region)
        for page in run.pages(client, "describe_log_groups"):
            for g in page.get("logGroups") or ():
                name = str(g.get("logGroupName", ""))
                arn = str(g.get("logGroupArn") or g.get("arn") or "")
                if arn.endswith(":*"):
                    arn = arn[:-2]
                if not arn:
                    arn = f"arn:{c.partition}:logs:{region}:{c.account_id}:log-group:{name}"
                item: dict[str, Any] = {
                    "arn": arn,
                    "name": name,
                    "region": region,
                    "retention_days": _int(g.get("retentionInDays")),
                    "stored_bytes": _int(g.get("storedBytes")),
                    "kms_key_id": g.get("kmsKeyId"),
                }
                _keep_tagged(run, "log_groups", item, client, "resourceArn", "tags")

    _regions(run, collect)


# -- CloudTrail -------------------------------------------------------------------------------
def cloudtrail(run: ServiceRun) -> None:
    c = run.collector
    seen: set[str] = set()

    def collect(region: str) -> None:
        client = c.client("cloudtrail", region)
        got = run.call(client, "describe_trails", includeShadowTrails=True)
        for t in got.get("trailList") or ():
            arn = str(t.get("TrailARN", ""))
            if arn in seen:
                continue
            seen.add(arn)
            status = run.part(lambda arn=arn: run.call(client, "get_trail_status", Name=arn), None)
            run.add("trails", {
                "arn": arn,
                "name": str(t.get("Name", "")),
                "region": str(t.get("HomeRegion") or region),
                "home_region": t.get("HomeRegion"),
                "multi_region": bool(t.get("IsMultiRegionTrail", False)),
                "is_logging": None if status is None else bool(status.get("IsLogging", False)),
                "log_file_validation": bool(t.get("LogFileValidationEnabled", False)),
                "s3_bucket": t.get("S3BucketName"),
                "cloudwatch_logs_log_group_arn": t.get("CloudWatchLogsLogGroupArn"),
            })

    _regions(run, collect)


# -- Lambda -----------------------------------------------------------------------------------
def lambda_(run: ServiceRun) -> None:
    c = run.collector

    def collect(region: str) -> None:
        client = c.client("lambda", region)
        for page in run.pages(client, "list_functions"):
            for f in page.get("Functions") or ():
                arn = str(f.get("FunctionArn", ""))
                name = str(f.get("FunctionName", ""))
                item: dict[str, Any] = {"arn": arn, "name": name, "region": region}
                if not c.scope.empty and not c.scope.tags and not c.scope.matches(item):
                    continue  # out of scope by name and ARN, and no tag could bring it in
                item["tags"] = run.part(lambda arn=arn: tag_dict(run.call(client, "list_tags", Resource=arn).get("Tags")), {})
                if not _in_scope(run, item):
                    continue
                env = (f.get("Environment") or {}).get("Variables") or {}
                item.update({
                    "runtime": f.get("Runtime"),
                    "timeout": _int(f.get("Timeout")),
                    "memory_size": _int(f.get("MemorySize")),
                    "role": f.get("Role"),
                    "environment_keys": sorted(str(k) for k in env),  # names only, never values
                    "last_modified": ts(f.get("LastModified")),
                })
                item["reserved_concurrency"] = run.part(
                    lambda name=name: _int(run.call(client, "get_function_concurrency", FunctionName=name).get("ReservedConcurrentExecutions")),
                    None,
                )

                def versions(name: str = name) -> list[str]:
                    out: list[str] = []
                    for vpage in run.pages(client, "list_versions_by_function", FunctionName=name):
                        out.extend(str(v.get("Version")) for v in vpage.get("Versions") or () if v.get("Version") != "$LATEST")
                    return out

                def aliases(name: str = name) -> list[dict[str, Any]]:
                    out: list[dict[str, Any]] = []
                    for apage in run.pages(client, "list_aliases", FunctionName=name):
                        for a in apage.get("Aliases") or ():
                            entry: dict[str, Any] = {"name": str(a.get("Name", "")), "function_version": str(a.get("FunctionVersion", ""))}
                            weights = (a.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
                            if weights:
                                entry["routing"] = {str(k): float(v) for k, v in weights.items()}
                            out.append(entry)
                    return out

                item["versions"] = run.part(versions, [])
                item["aliases"] = run.part(aliases, [])
                run.add("lambda_functions", item)

    _regions(run, collect)


# -- API Gateway ------------------------------------------------------------------------------
def apigateway(run: ServiceRun) -> None:
    c = run.collector

    def collect(region: str) -> None:
        client = c.client("apigateway", region)
        plans: list[dict[str, Any]] = []
        for page in run.pages(client, "get_usage_plans"):
            plans.extend(page.get("items") or ())
        for page in run.pages(client, "get_rest_apis"):
            for api in page.get("items") or ():
                api_id, api_name = str(api.get("id", "")), str(api.get("name", ""))
                stages = run.call(client, "get_stages", restApiId=api_id).get("item") or []
                for s in stages:
                    stage = str(s.get("stageName", ""))
                    star = (s.get("methodSettings") or {}).get("*/*") or {}
                    throttling = None
                    if "throttlingBurstLimit" in star or "throttlingRateLimit" in star:
                        throttling = {"burst_limit": _num(star.get("throttlingBurstLimit")), "rate_limit": _num(star.get("throttlingRateLimit"))}
                    attached = [
                        {"id": str(p.get("id", "")), "name": str(p.get("name", "")), "throttle": p.get("throttle"), "quota": p.get("quota")}
                        for p in plans
                        if any(a.get("apiId") == api_id and a.get("stage") == stage for a in p.get("apiStages") or ())
                    ]
                    item: dict[str, Any] = {
                        "arn": f"arn:{c.partition}:apigateway:{region}::/restapis/{api_id}/stages/{stage}",
                        "name": f"{api_name}/{stage}",
                        "region": region,
                        "tags": {**tag_dict(api.get("tags")), **tag_dict(s.get("tags"))},
                        "api_id": api_id, "api_name": api_name, "stage_name": stage, "protocol": "REST",
                        "throttling": throttling,
                        "usage_plans": attached,
                    }
                    if _in_scope(run, item):
                        run.add("api_stages", item)
        run.part(lambda: http_apis(region), None)

    def http_apis(region: str) -> None:
        client = c.client("apigatewayv2", region)
        for page in run.pages(client, "get_apis"):
            for api in page.get("Items") or ():
                api_id, api_name = str(api.get("ApiId", "")), str(api.get("Name", ""))
                protocol = "WEBSOCKET" if api.get("ProtocolType") == "WEBSOCKET" else "HTTP"
                for spage in run.pages(client, "get_stages", ApiId=api_id):
                    for s in spage.get("Items") or ():
                        stage = str(s.get("StageName", ""))
                        route = s.get("DefaultRouteSettings") or {}
                        throttling = None
                        if "ThrottlingBurstLimit" in route or "ThrottlingRateLimit" in route:
                            throttling = {"burst_limit": _num(route.get("ThrottlingBurstLimit")), "rate_limit": _num(route.get("ThrottlingRateLimit"))}
                        item: dict[str, Any] = {
                            "arn": f"arn:{c.partition}:apigateway:{region}::/apis/{api_id}/stages/{stage}",
                            "name": f"{api_name}/{stage}",
                            "region": region,
                            "tags": {**tag_dict(api.get("Tags")), **tag_dict(s.get("Tags"))},
                            "api_id": api_id, "api_name": api_name, "stage_name": stage, "protocol": protocol,
                            "throttling": throttling,
                            "usage_plans": [],
                        }
                        if _in_scope(run, item):
                            run.add("api_stages", item)

    _regions(run, collect)


# -- ECR --------------------------------------------------------------------------------------
def ecr(run: ServiceRun) -> None:
    c = run.collector

    def collect(region: str) -> None:
        client = c.client("ecr", region)
        for page in run.pages(client, "describe_repositories"):
            for r in page.get("repositories") or ():
                arn = str(r.get("repositoryArn", ""))
                mutability = str(r.get("imageTagMutability") or "MUTABLE")
                item: dict[str, Any] = {
                    "arn": arn,
                    "name": str(r.get("repositoryName", "")),
                    "region": region,
                    "tag_immutability": mutability if mutability in ("IMMUTABLE", "MUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION") else "MUTABLE",
                    "scan_on_push": bool((r.get("imageScanningConfiguration") or {}).get("scanOnPush", False)),
                }
                _keep_tagged(run, "ecr_repositories", item, client, "resourceArn", "tags")

    _regions(run, collect)


# -- S3 ---------------------------------------------------------------------------------------
def looks_like_artifacts(name: str, tags: Mapping[str, str] | None = None) -> bool:
    low = name.lower()
    if any(word in low for word in ARTIFACT_WORDS):
        return True
    return any("artifact" in f"{k} {v}".lower() for k, v in (tags or {}).items())


def s3(run: ServiceRun) -> None:
    c = run.collector

    def collect(region: str) -> None:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

        client = c.client("s3", c.regions[0] if c.regions else c.global_region())
        for page in run.pages(client, "list_buckets"):
            for b in page.get("Buckets") or ():
                name = str(b.get("Name", ""))
                item: dict[str, Any] = {
                    "arn": f"arn:{c.partition}:s3:::{name}",
                    "name": name,
                    "region": str(b.get("BucketRegion") or "global"),
                }
                if _scope_tags(run):

                    def tags(name: str = name) -> dict[str, str]:
                        try:
                            return tag_dict(run.call(client, "get_bucket_tagging", Bucket=name).get("TagSet"))
                        except ClientError as exc:
                            if (exc.response.get("Error") or {}).get("Code") == "NoSuchTagSet":
                                return {}
                            raise

                    item["tags"] = run.part(tags, {})
                scoped = not c.scope.empty and c.scope.matches(item)
                by_name = looks_like_artifacts(name, item.get("tags"))
                if not (by_name or c.scope.matches(item)):
                    continue
                item["artifacts"] = by_name or scoped
                got = run.part(lambda name=name: run.call(client, "get_bucket_versioning", Bucket=name), None)
                item["versioning"] = None if got is None else got.get("Status")
                run.add("s3_buckets", item)

    _global(run, collect)


# -- Bedrock ----------------------------------------------------------------------------------
def bedrock(run: ServiceRun) -> None:
    c = run.collector

    def collect(region: str) -> None:
        client = c.client("bedrock", region)

        def guardrails() -> None:
            for page in run.pages(client, "list_guardrails"):
                for g in page.get("guardrails") or ():
                    run.add("guardrails", {
                        "arn": str(g.get("arn", "")),
                        "name": str(g.get("name", "")),
                        "region": region,
                        "status": str(g.get("status", "")),
                        "version": str(g.get("version", "")),
                    })

        def logging() -> None:
            conf = run.call(client, "get_model_invocation_logging_configuration").get("loggingConfig") or {}
            group = (conf.get("cloudWatchConfig") or {}).get("logGroupName")
            bucket = (conf.get("s3Config") or {}).get("bucketName")
            run.add("bedrock_logging", {
                "region": region,
                "enabled": bool(group or bucket),
                "cloudwatch_log_group": group,
                "s3_bucket": bucket,
            })

        # Guardrails are an optional part (not every endpoint answers ListGuardrails); the logging
        # configuration is the region's main call: when it fails too, the region has that status.
        run.part(guardrails, None)
        logging()

    _regions(run, collect)


COLLECTORS: Mapping[str, Callable[[ServiceRun], None]] = {
    "budgets": budgets,
    "ce": ce,
    "secretsmanager": secretsmanager,
    "iam": iam,
    "cloudwatch": cloudwatch,
    "logs": logs,
    "cloudtrail": cloudtrail,
    "lambda": lambda_,
    "apigateway": apigateway,
    "ecr": ecr,
    "s3": s3,
    "bedrock": bedrock,
}
