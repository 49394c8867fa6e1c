"""The machinery of a live collection: the read-only guard, error classes, and one service's run
(calls, pages, caps, per-region statuses). boto3/botocore are imported only inside functions."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, TypeVar, cast

if TYPE_CHECKING:
    from readycheck.cloud.collect import Collector

T = TypeVar("T")

READ_PREFIXES: tuple[str, ...] = ("List", "Get", "Describe", "View")

DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
    "UnauthorizedException", "Forbidden", "AccessDeniedFault", "NotAuthorized", "AuthFailure",
})
UNSUPPORTED_CODES = frozenset({
    "UnknownOperation", "UnknownOperationException", "InvalidAction", "NotImplemented",
    "NotImplementedException", "UnsupportedOperation", "UnsupportedOperationException",
    "SubscriptionRequiredException", "OptInRequired", "InvalidClientTokenId.OptIn",
})


class GuardError(RuntimeError):
    """An operation outside the read-only list was refused before it was sent."""


class OperationGuard:
    """A botocore ``before-parameter-build`` handler: records every operation and refuses any that is
    not a listed read (List/Get/Describe/View)."""

    def __init__(self, allowed: Mapping[str, tuple[str, ...]]) -> None:
        self.allowed = {service: frozenset(ops) for service, ops in allowed.items()}
        self.called: set[tuple[str, str]] = set()
        self.refused: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def __call__(self, model: Any = None, **kwargs: Any) -> None:
        service = str(model.service_model.service_name)
        operation = str(model.name)
        ok = operation.startswith(READ_PREFIXES) and operation in self.allowed.get(service, frozenset())
        with self._lock:
            (self.called if ok else self.refused).add((service, operation))
        if not ok:
            raise GuardError(f"readycheck is read-only: {service} {operation} refused")


class Stopped(Exception):
    """A cap or an interruption ended a service's collection."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "time", "resources" or "interrupt"


class AlreadyFailed(Exception):
    """An operation that was denied or unsupported earlier in this run is not asked again."""

    def __init__(self, op: str, status: str) -> None:
        super().__init__(op)
        self.op = op
        self.status = status


def api_name(method: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in method.split("_"))


def classify_error(exc: BaseException, op: str) -> tuple[str, str]:
    """(status, message) for an AWS error; the message names the operation and the error code,
    never a credential."""
    from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
        UnknownEndpointError,
        UnknownServiceError,
    )

    if isinstance(exc, AlreadyFailed):
        return exc.status, f"{exc.op}: skipped after an earlier error"
    if isinstance(exc, ClientError):
        err = exc.response.get("Error") or {}
        code = str(err.get("Code") or "Unknown")
        text = str(err.get("Message") or "")
        http = int((exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
        if code.isdigit():
            # An error document botocore could not parse (an emulator answering a JSON API in XML):
            # the code is inside it.
            found = re.search(r"<Code>([^<]{1,100})</Code>", text)
            if found:
                code = found.group(1)
                text = ""
        if code in DENIED_CODES or code.startswith("AccessDenied"):
            return "denied", f"{op}: access denied ({code})"
        low = text.lower()
        if "<html" in low or "<!doctype html" in low:
            # An API answers with an AWS error document; an HTML error page means the endpoint (an
            # emulator such as moto, or a proxy) does not implement this operation.
            return "unsupported", f"{op}: not implemented by the endpoint (HTTP {http or code})"
        if (
            code in UNSUPPORTED_CODES
            or "not been implemented" in low
            or "not yet implemented" in low
            or "not implemented" in low
            or (http == 404 and code in ("404", "NotFound", "UnknownOperationException"))
        ):
            return "unsupported", f"{op}: not supported by the endpoint ({code})"
        return "failed", f"{op}: {code}" + (f": {text[:160]}" if text else "")
    if isinstance(exc, (UnknownEndpointError, UnknownServiceError)):
        return "unsupported", f"{op}: the service is not available here ({type(exc).__name__})"
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
        return "failed", f"{op}: AWS endpoint unreachable ({type(exc).__name__})"
    return "failed", f"{op}: {type(exc).__name__}: {str(exc)[:160]}"


def combine_statuses(statuses: list[str]) -> str:
    """The overall status of a service from its regions' (or parts') statuses."""
    if not statuses:
        return "collected"
    distinct = set(statuses)
    if len(distinct) == 1:
        return statuses[0]
    if distinct & {"collected", "partial"}:
        return "partial"
    for status in ("denied", "failed", "unsupported", "skipped"):
        if status in distinct:
            return status
    return "failed"


def ts(value: Any) -> str | None:
    """An RFC 3339 UTC time ("2026-01-02T03:04:05Z") from what boto3 returns."""
    if value is None or value == "":
        return None
    when: datetime | None = None
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, (int, float)):
        when = datetime.fromtimestamp(float(value), tz=timezone.utc)
    elif isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        if len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit() and text[-3] != ":":
            text = text[:-2] + ":" + text[-2:]  # Lambda's "+0000"
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_dict(items: Any, key: str = "Key", value: str = "Value") -> dict[str, str]:
    if isinstance(items, Mapping):
        return {str(k): str(v) for k, v in items.items()}
    out: dict[str, str] = {}
    for item in items or ():
        if isinstance(item, Mapping) and key in item:
            out[str(item[key])] = str(item.get(value, ""))
    return out


class ServiceRun:
    """One service's collection: counts calls, applies the time and resource caps, and records the
    status of each region (or "global") and of optional parts."""

    def __init__(self, name: str, collector: Collector, *, deadline: float, max_resources: int) -> None:
        self.name = name
        self.collector = collector
        self.deadline = deadline
        self.max_resources = max(0, max_resources)
        self.calls = 0
        self.count = 0
        self.resources: dict[str, list[Any]] = {}
        self.region_status: dict[str, str] = {}
        self.truncated = False
        self.interrupted = False
        self.skipped_message: str | None = None
        self.problems: list[str] = []
        self.current = "global"
        self._bad: dict[str, list[str]] = {}
        self._broken: dict[str, str] = {}
        self._last_op = ""

    # -- calls -------------------------------------------------------------------------------
    def check(self) -> None:
        if self.collector.stop_event.is_set():
            raise Stopped("interrupt")
        if time.monotonic() > self.deadline:
            raise Stopped("time")

    def _start(self, method: str) -> None:
        self.check()
        self._last_op = api_name(method)
        status = self._broken.get(self._last_op)
        if status is not None:
            raise AlreadyFailed(self._last_op, status)

    def call(self, client: Any, method: str, **kwargs: Any) -> dict[str, Any]:
        self._start(method)
        self.calls += 1
        result: dict[str, Any] = getattr(client, method)(**kwargs)
        return result

    def pages(self, client: Any, method: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self._start(method)
        if not client.can_paginate(method):
            self.calls += 1
            yield getattr(client, method)(**kwargs)
            return
        iterator = iter(client.get_paginator(method).paginate(**kwargs))
        while True:
            self.check()
            self._last_op = api_name(method)
            self.calls += 1
            try:
                page = next(iterator)
            except StopIteration:
                self.calls -= 1  # the paginator stopped without a request
                return
            yield page

    def add(self, kind: str, item: dict[str, Any]) -> None:
        if self.count >= self.max_resources:
            raise Stopped("resources")
        self.resources.setdefault(kind, []).append(item)
        self.count += 1

    # -- statuses ----------------------------------------------------------------------------
    def problem(self, message: str) -> None:
        text = message if self.current == "global" else f"{self.current}: {message}"
        if text not in self.problems:
            self.problems.append(text)

    def region(self, region: str, fn: Callable[[str], None]) -> None:
        """Collect one region; an error ends that region only."""
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped,unused-ignore]

        self.current = region
        self._bad.setdefault(region, [])
        try:
            fn(region)
        except (ClientError, BotoCoreError, AlreadyFailed) as exc:
            status, message = classify_error(exc, self._last_op)
            self.region_status[region] = status
            self.problem(message)
            return
        self.region_status[region] = "partial" if self._bad[region] else "collected"

    def part(self, fn: Callable[..., T], default: Any) -> T:
        """An optional part of a region's collection: an error is noted, the rest goes on."""
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped,unused-ignore]

        try:
            return fn()
        except AlreadyFailed as exc:
            self._bad.setdefault(self.current, []).append(exc.status)
            return cast(T, default)
        except (ClientError, BotoCoreError) as exc:
            status, message = classify_error(exc, self._last_op)
            self._bad.setdefault(self.current, []).append(status)
            if status in ("denied", "unsupported"):
                self._broken[self._last_op] = status
            self.problem(message)
            return cast(T, default)

    def skip(self, message: str) -> None:
        self.skipped_message = message

    def note_stop(self, stop: Stopped) -> None:
        if stop.reason == "interrupt":
            self.interrupted = True
            return
        self.truncated = True
        if self.current not in self.region_status:
            self.region_status[self.current] = "partial"
        if stop.reason == "time":
            self.problems.append(
                f"stopped after {self.collector.settings.service_timeout:g} s (cloud.service_timeout): results are incomplete"
            )
        else:
            self.problems.append(
                f"stopped at {self.max_resources} resources (cloud.max_resources): results are incomplete"
            )

    def fail_unexpected(self, exc: Exception) -> None:
        self.region_status[self.current] = "failed"
        self.problems.append(f"{self._last_op or self.name}: unexpected error {type(exc).__name__}: {str(exc)[:160]}")

    def entry(self) -> dict[str, Any]:
        if self.skipped_message is not None:
            return {"status": "skipped", "message": self.skipped_message, "calls": self.calls}
        statuses = list(self.region_status.values())
        status = combine_statuses(statuses)
        if self.truncated and status == "collected":
            status = "partial"
        out: dict[str, Any] = {"status": status, "calls": self.calls}
        if self.problems:
            shown = self.problems[:8]
            more = len(self.problems) - len(shown)
            out["message"] = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        if self.region_status:
            out["regions"] = dict(self.region_status)
        if self.truncated:
            out["truncated"] = True
        return out
