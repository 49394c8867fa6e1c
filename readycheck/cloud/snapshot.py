"""The cloud snapshot document: load, validate, scope, and the questions checks ask of it."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from readycheck.errors import ConfigError

__all__ = ["SERVICES", "CloudScope", "CloudSnapshot", "load_snapshot", "snapshot_schema", "parse_time"]

# Every service readycheck reads, in collection order.
SERVICES: tuple[str, ...] = (
    "sts", "budgets", "ce", "secretsmanager", "iam", "cloudwatch", "logs", "cloudtrail",
    "lambda", "apigateway", "ecr", "s3", "bedrock",
)
# Resources that belong to the whole account rather than to one agent: when a scope is set and
# none of them matches it, the account's own are judged (a budget is rarely named after an agent).
ACCOUNT_WIDE = frozenset({"budgets", "anomaly_monitors", "trails", "bedrock_logging"})

_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "snapshot.schema.json"


def snapshot_schema() -> dict[str, Any]:
    with open(_SCHEMA, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time from a snapshot as an aware datetime (None when absent or unreadable)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class CloudScope:
    """Which resources are the agent's: any tag match, name prefix or ARN pattern (fnmatch) puts a
    resource in scope. An empty scope means the whole account."""

    tags: Mapping[str, str] = field(default_factory=dict)
    name_prefixes: tuple[str, ...] = ()
    arns: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.tags or self.name_prefixes or self.arns)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> CloudScope:
        data = data or {}
        return cls(
            tags={str(k): str(v) for k, v in (data.get("tags") or {}).items()},
            name_prefixes=tuple(str(p) for p in data.get("name_prefixes") or ()),
            arns=tuple(str(a) for a in data.get("arns") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.tags:
            out["tags"] = dict(self.tags)
        if self.name_prefixes:
            out["name_prefixes"] = list(self.name_prefixes)
        if self.arns:
            out["arns"] = list(self.arns)
        return out

    def matches(self, resource: Mapping[str, Any]) -> bool:
        if self.empty:
            return True
        tags = resource.get("tags") or {}
        if any(tags.get(k) == v or (v == "*" and k in tags) for k, v in self.tags.items()):
            return True
        name = str(resource.get("name") or "")
        # A log group is named after what it logs: /aws/lambda/support-agent-api
        short = name.rsplit("/", 1)[-1]
        if any(name.startswith(p) or short.startswith(p) for p in self.name_prefixes):
            return True
        arn = str(resource.get("arn") or "")
        return any(fnmatch.fnmatchcase(arn, pattern) for pattern in self.arns)


class CloudSnapshot:
    """A validated snapshot, read by checks through ``ctx.cloud``."""

    def __init__(self, data: Mapping[str, Any], scope: CloudScope | None = None, source: str = "live") -> None:
        self.data = data
        self.scope = scope if scope is not None else CloudScope.from_dict(data.get("scope"))
        self.source = source  # "live" or the snapshot file's path

    @property
    def account_id(self) -> str | None:
        return self.data.get("account_id")

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(self.data.get("regions") or ())

    @property
    def collected_at(self) -> datetime:
        when = parse_time(self.data.get("collected_at"))
        return when if when is not None else datetime.now(timezone.utc)

    @property
    def complete(self) -> bool:
        return bool(self.data.get("complete"))

    def service(self, name: str) -> Mapping[str, Any]:
        return (self.data.get("services") or {}).get(name) or {"status": "skipped", "message": "not in the snapshot"}

    def status(self, name: str) -> str:
        return str(self.service(name).get("status", "skipped"))

    def unavailable(self, *services: str) -> str | None:
        """Why the facts of these services cannot be judged (None when they were collected,
        fully or in part). A check skips with this reason instead of judging a blank."""
        for name in services:
            svc = self.service(name)
            status = svc.get("status")
            if status in ("collected", "partial"):
                continue
            detail = f": {svc['message']}" if svc.get("message") else ""
            label = {
                "denied": "access was denied",
                "failed": "collection failed",
                "unsupported": "the service did not answer",
                "skipped": "not collected",
            }.get(str(status), str(status))
            return f"AWS {name} {label}{detail}"
        return None

    def partial_note(self, *services: str) -> str | None:
        parts = []
        for name in services:
            svc = self.service(name)
            if svc.get("status") == "partial":
                parts.append(f"{name}: {svc.get('message') or 'partly collected'}")
        return "; ".join(parts) or None

    def all(self, kind: str) -> list[Mapping[str, Any]]:
        items = (self.data.get("resources") or {}).get(kind) or []
        return [r for r in items if isinstance(r, Mapping)]

    def resources(self, kind: str) -> list[Mapping[str, Any]]:
        """The resources of one kind that are in scope (account-wide kinds fall back to all)."""
        items = self.all(kind)
        if self.scope.empty:
            return items
        mine = [r for r in items if self.scope.matches(r)]
        if not mine and kind in ACCOUNT_WIDE:
            return items
        return mine

    def describe(self) -> dict[str, Any]:
        """What the report says about the snapshot: the same whether collected live or loaded."""
        return {
            "provider": self.data.get("provider", "aws"),
            "account_id": self.account_id,
            "regions": list(self.regions),
            "collected_at": self.data.get("collected_at"),
            "complete": self.complete,
            "scope": self.scope.to_dict(),
            "services": {name: self.status(name) for name in SERVICES if name in (self.data.get("services") or {})},
        }


def validate_snapshot(data: Any, source: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(snapshot_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise ConfigError(f"{source}: not a readycheck cloud snapshot: at {where}: {err.message[:200]}")


def load_snapshot(path: Path, scope: CloudScope | None = None) -> CloudSnapshot:
    """Read and validate a snapshot file; any problem is one clear ConfigError (exit 2)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(200_000_001)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the cloud snapshot ({exc.strerror or exc})") from None
    if len(raw) > 200_000_000:
        raise ConfigError(f"{path}: the cloud snapshot is larger than 200 MB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: the cloud snapshot is not valid JSON ({str(exc)[:120]})") from None
    validate_snapshot(data, str(path))
    return CloudSnapshot(data, scope, source=str(path))
