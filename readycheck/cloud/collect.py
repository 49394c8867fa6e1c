"""Read a live AWS account, read-only, into a cloud snapshot (see snapshot.schema.json).

boto3 and botocore are imported inside the functions: importing readycheck must stay fast.
Nothing here raises for an AWS problem: what could not be read is marked in the snapshot's
``services`` section, and checks skip what they cannot judge.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait, FIRST_COMPLETED
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence

from readycheck.cloud.aws_base import (
    READ_PREFIXES,
    GuardError,
    OperationGuard,
    ServiceRun,
    Stopped,
    classify_error,
)
from readycheck.cloud.snapshot import SERVICES, CloudScope
from readycheck.config import CloudSettings

__all__ = [
    "READ_ONLY_OPERATIONS",
    "READ_PREFIXES",
    "IAM_ACTIONS",
    "GuardError",
    "OperationGuard",
    "Collector",
    "collect_snapshot",
    "iam_action",
    "minimal_iam_policy",
    "make_session",
]

# boto3 service name -> the botocore operations readycheck may call on it. Nothing else is allowed
# through the session's guard (see OperationGuard).
READ_ONLY_OPERATIONS: Mapping[str, tuple[str, ...]] = {
    "sts": ("GetCallerIdentity",),
    "budgets": (
        "DescribeBudgets",
        "DescribeNotificationsForBudget",
        "DescribeSubscribersForNotification",
        "DescribeBudgetActionsForAccount",
    ),
    "ce": ("GetAnomalyMonitors", "GetAnomalySubscriptions"),
    "secretsmanager": ("ListSecrets",),
    "iam": (
        "ListUsers",
        "GetUser",
        "ListAccessKeys",
        "GetAccessKeyLastUsed",
        "ListAttachedUserPolicies",
        "ListUserPolicies",
        "GetUserPolicy",
        "ListRoles",
        "GetRole",
        "ListAttachedRolePolicies",
        "ListRolePolicies",
        "GetRolePolicy",
        "GetPolicy",
        "GetPolicyVersion",
    ),
    "cloudwatch": ("DescribeAlarms", "ListTagsForResource"),
    "logs": ("DescribeLogGroups", "ListTagsForResource"),
    "cloudtrail": ("DescribeTrails", "GetTrailStatus"),
    "lambda": ("ListFunctions", "ListTags", "GetFunctionConcurrency", "ListVersionsByFunction", "ListAliases"),
    "apigateway": ("GetRestApis", "GetStages", "GetUsagePlans"),
    "apigatewayv2": ("GetApis", "GetStages"),
    "ecr": ("DescribeRepositories", "ListTagsForResource"),
    "s3": ("ListBuckets", "GetBucketVersioning", "GetBucketTagging"),
    "bedrock": ("ListGuardrails", "GetModelInvocationLoggingConfiguration"),
}

# The IAM action of an operation when it is not "<service>:<operation>".
_IAM_PREFIX = {"apigatewayv2": "apigateway"}
_IAM_SPECIAL: Mapping[tuple[str, str], str] = {
    ("budgets", "DescribeBudgets"): "budgets:ViewBudget",
    ("budgets", "DescribeNotificationsForBudget"): "budgets:ViewBudget",
    ("budgets", "DescribeSubscribersForNotification"): "budgets:ViewBudget",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    # API Gateway authorizes by HTTP verb on the resource path: every read is apigateway:GET.
    ("apigateway", "GetRestApis"): "apigateway:GET",
    ("apigateway", "GetStages"): "apigateway:GET",
    ("apigateway", "GetUsagePlans"): "apigateway:GET",
    ("apigatewayv2", "GetApis"): "apigateway:GET",
    ("apigatewayv2", "GetStages"): "apigateway:GET",
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action that authorizes one botocore operation."""
    special = _IAM_SPECIAL.get((service, operation))
    if special is not None:
        return special
    return f"{_IAM_PREFIX.get(service, service)}:{operation}"


IAM_ACTIONS: Mapping[tuple[str, str], str] = {
    (service, op): iam_action(service, op) for service, ops in READ_ONLY_OPERATIONS.items() for op in ops
}


def minimal_iam_policy() -> dict[str, Any]:
    """An IAM policy allowing exactly what readycheck calls, nothing else (all reads)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadycheckReadOnly",
                "Effect": "Allow",
                "Action": sorted(set(IAM_ACTIONS.values())),
                "Resource": "*",
            }
        ],
    }


def make_session(profile: str | None = None) -> tuple[Any, OperationGuard]:
    """A boto3 Session whose every client refuses any operation outside READ_ONLY_OPERATIONS."""
    import boto3  # type: ignore[import-untyped,unused-ignore]

    session = boto3.Session(profile_name=profile) if profile else boto3.Session()
    guard = OperationGuard(READ_ONLY_OPERATIONS)
    # Clients copy the session's event hooks when they are created: register before any client.
    session.events.register("before-parameter-build", guard)
    return session, guard


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_GLOBAL_SERVICES = frozenset({"iam", "budgets", "ce", "s3"})
_NO_REGION = "no AWS region configured (set cloud.regions or AWS_REGION)"
_NO_CREDENTIALS = (
    "no AWS credentials found (set AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
    "or run in a role)"
)


class Collector:
    """One collection: the session, its guard, the clients, and the snapshot being built."""

    def __init__(
        self,
        settings: CloudSettings,
        *,
        profile: str | None = None,
        regions: Sequence[str] = (),
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.profile = profile or settings.profile
        self.requested_regions = tuple(regions) or tuple(settings.regions)
        self.progress = progress
        self.scope = CloudScope.from_dict(settings.scope)
        self.session: Any = None
        self.guard: OperationGuard | None = None
        self._clients: dict[tuple[str, str, bool], Any] = {}
        self._lock = threading.Lock()
        self.stop_event = threading.Event()
        self.account_id: str | None = None
        self.partition = "aws"
        self.regions: list[str] = []
        self.services: dict[str, dict[str, Any]] = {}
        self.resources: dict[str, list[Any]] = {}
        self.interrupted = False

    # -- clients ---------------------------------------------------------------------------
    def client(self, service: str, region: str, *, probe: bool = False) -> Any:
        """A client for one service and region (created under a lock: sessions are not
        thread-safe, clients are)."""
        from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]

        from readycheck import __version__

        key = (service, region, probe)
        with self._lock:
            found = self._clients.get(key)
            if found is not None:
                return found
            s = self.settings
            if probe:
                # The first call decides whether the account answers at all. With the defaults
                # (connect 5 s, read 15 s, 3 attempts) an endpoint that accepts and never answers
                # would take 45 s+; capped at 2 attempts of <= 5 s connect + 5 s read it takes at
                # most ~21 s, so an unreachable account is reported within 30 s.
                cfg = Config(
                    connect_timeout=min(s.connect_timeout, 5.0),
                    read_timeout=min(s.read_timeout, 5.0),
                    retries={"mode": "standard", "total_max_attempts": max(1, min(s.max_attempts, 2))},
                    user_agent_extra=f"readycheck/{__version__}",
                )
            else:
                cfg = Config(
                    connect_timeout=s.connect_timeout,
                    read_timeout=s.read_timeout,
                    # botocore's "max_attempts" counts retries only; "total_max_attempts" counts the first
                    # request too, as cloud.max_attempts does.
                    retries={"mode": "standard", "total_max_attempts": max(1, s.max_attempts)},
                    user_agent_extra=f"readycheck/{__version__}",
                )
            made = self.session.client(service, region_name=region, config=cfg)
            self._clients[key] = made
            return made

    def global_region(self) -> str:
        return {"aws-cn": "cn-northwest-1", "aws-us-gov": "us-gov-west-1"}.get(self.partition, "us-east-1")

    # -- the run ---------------------------------------------------------------------------
    def wanted(self) -> list[str]:
        asked = set(self.settings.services)
        return [name for name in SERVICES if name != "sts" and (not asked or name in asked)]

    def _fail_all(self, message: str) -> None:
        for name in SERVICES:
            self.services[name] = {"status": "failed", "message": message, "calls": 1 if name == "sts" else 0}
        self.services["sts"]["calls"] = 1

    def run(self) -> dict[str, Any]:
        try:
            self._run()
        except KeyboardInterrupt:
            self.interrupted = True
            self.stop_event.set()
        return self.document()

    def _run(self) -> None:
        from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
            BotoCoreError,
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
            ProfileNotFound,
            ReadTimeoutError,
        )

        try:
            self.session, self.guard = make_session(self.profile)
        except ProfileNotFound as exc:
            for name in SERVICES:
                self.services[name] = {"status": "failed", "message": f"AWS profile not found: {exc}", "calls": 0}
            return
        except BotoCoreError as exc:
            for name in SERVICES:
                self.services[name] = {"status": "failed", "message": f"cannot set up the AWS session: {exc}", "calls": 0}
            return
        configured = self.session.region_name
        self.regions = list(self.requested_regions) or ([configured] if configured else [])
        if self.progress:
            self.progress("sts")
        try:
            sts = self.client("sts", self.regions[0] if self.regions else self.global_region(), probe=True)
            ident = sts.get_caller_identity()
        except (NoCredentialsError, PartialCredentialsError):
            self._fail_all(_NO_CREDENTIALS)
            return
        except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError) as exc:
            self._fail_all(f"AWS endpoint unreachable: {exc}")
            return
        except ClientError as exc:
            status, message = classify_error(exc, "GetCallerIdentity")
            self._fail_all(f"AWS rejected the credentials: {message}")
            return
        except BotoCoreError as exc:
            self._fail_all(f"cannot reach AWS: {exc}")
            return
        self.account_id = str(ident.get("Account") or "") or None
        arn = str(ident.get("Arn") or "")
        if arn.startswith("arn:"):
            self.partition = arn.split(":")[1] or "aws"
        self.services["sts"] = {"status": "collected", "calls": 1}
        self._collect_services()

    def _collect_services(self) -> None:
        from readycheck.cloud.aws_services import COLLECTORS

        wanted = self.wanted()
        for name in SERVICES:
            if name != "sts" and name not in wanted:
                self.services[name] = {"status": "skipped", "message": "not asked for (cloud.services)", "calls": 0}
        executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readycheck-aws")
        futures: dict[Future[ServiceRun], str] = {}
        try:
            for name in wanted:
                futures[executor.submit(self._service, name, COLLECTORS[name])] = name
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in done:
                    self._record(futures[fut], fut.result())
        except KeyboardInterrupt:
            self.interrupted = True
            self.stop_event.set()
            for fut, name in futures.items():
                if name not in self.services:
                    fut.cancel()
                    self.services[name] = {"status": "skipped", "message": "interrupted", "calls": 0}
        finally:
            executor.shutdown(wait=not self.interrupted, cancel_futures=True)

    def _service(self, name: str, fn: Callable[[ServiceRun], None]) -> ServiceRun:
        if self.progress:
            self.progress(name)
        run = ServiceRun(
            name,
            self,
            deadline=time.monotonic() + self.settings.service_timeout,
            max_resources=self.settings.max_resources,
        )
        if name not in _GLOBAL_SERVICES and not self.regions:
            run.skip(_NO_REGION)
            return run
        try:
            fn(run)
        except Stopped as stop:
            run.note_stop(stop)
        except Exception as exc:  # a bug in one collector must not lose the others
            run.fail_unexpected(exc)
        return run

    def _record(self, name: str, run: ServiceRun) -> None:
        if run.interrupted:
            self.services[name] = {"status": "skipped", "message": "interrupted", "calls": run.calls}
            return
        self.services[name] = run.entry()
        for kind, items in run.resources.items():
            self.resources.setdefault(kind, []).extend(items)

    def document(self) -> dict[str, Any]:
        from readycheck import __version__

        for name in SERVICES:
            self.services.setdefault(
                name, {"status": "skipped", "message": "interrupted" if self.interrupted else "not collected", "calls": 0}
            )
        complete = not self.interrupted and all(s["status"] == "collected" for s in self.services.values())
        data: dict[str, Any] = {
            "snapshot_version": "1",
            "tool": {"name": "readycheck", "version": __version__},
            "provider": "aws",
            "account_id": self.account_id,
            "partition": self.partition,
            "regions": list(self.regions),
            "collected_at": _now(),
            "complete": complete,
            "scope": self.scope.to_dict(),
            "services": {name: self.services[name] for name in SERVICES},
            "resources": {kind: items for kind, items in sorted(self.resources.items())},
        }
        if self.interrupted:
            data["interrupted"] = True
        return data


def collect_snapshot(
    settings: CloudSettings,
    *,
    profile: str | None = None,
    regions: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Returns a snapshot dict that validates against snapshot.schema.json. Never raises for AWS problems."""
    return Collector(settings, profile=profile, regions=regions, progress=progress).run()

