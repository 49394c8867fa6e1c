"""Cloud snapshots for tests: a valid skeleton filled with the resources a case gives."""

from __future__ import annotations

import copy
from typing import Any, Mapping

from readycheck.cloud import CloudScope, CloudSnapshot
from readycheck.cloud.snapshot import SERVICES, validate_snapshot

ACCOUNT = "123456789012"
COLLECTED_AT = "2026-11-29T00:00:00Z"


def snapshot_data(
    resources: Mapping[str, Any] | None = None,
    services: Mapping[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A schema-valid snapshot: every service collected unless ``services`` says otherwise (a
    status string or a full service entry)."""
    data: dict[str, Any] = {
        "snapshot_version": "1",
        "tool": {"name": "readycheck", "version": "test"},
        "provider": "aws",
        "account_id": ACCOUNT,
        "partition": "aws",
        "regions": ["us-east-1"],
        "collected_at": COLLECTED_AT,
        "complete": True,
        "services": {name: {"status": "collected"} for name in SERVICES},
        "resources": copy.deepcopy(dict(resources or {})),
    }
    for name, value in (services or {}).items():
        data["services"][name] = {"status": value} if isinstance(value, str) else dict(value)
    if any(s["status"] != "collected" for s in data["services"].values()):
        data["complete"] = False
    data.update(top)
    validate_snapshot(data, "test snapshot")
    return data


def snapshot(
    resources: Mapping[str, Any] | None = None,
    services: Mapping[str, Any] | None = None,
    scope: Mapping[str, Any] | None = None,
    **top: Any,
) -> CloudSnapshot:
    return CloudSnapshot(snapshot_data(resources, services, **top), CloudScope.from_dict(scope))
