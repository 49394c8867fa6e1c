"""What every cloud check shares: the snapshot or the reason to skip, and evidence at an ARN."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from readycheck.detectors.base import Context, outcome
from readycheck.model import Evidence, Outcome, Status

if TYPE_CHECKING:
    from readycheck.cloud import CloudSnapshot

__all__ = ["NO_SNAPSHOT", "cloud_or_skip", "cloud_evidence", "literal_name"]

NO_SNAPSHOT = "no cloud snapshot: run with --aws (live) or --cloud-snapshot FILE to judge the account"


def cloud_or_skip(ctx: Context, *services: str) -> CloudSnapshot | Outcome:
    """The audit's snapshot, or the skip outcome that says why these services cannot be judged
    (a detector returns it as it is: ``if isinstance(snap, Outcome): return snap``)."""
    if ctx.cloud is None:
        return outcome(Status.SKIP, NO_SNAPSHOT)
    reason = ctx.cloud.unavailable(*services)
    if reason is not None:
        return outcome(Status.SKIP, f"{reason}; the check was not judged")
    return ctx.cloud


def cloud_evidence(resource: Mapping[str, Any], snippet: str | None = None, note: str | None = None) -> Evidence:
    """Evidence in the account: its path is the resource's ARN (no line)."""
    return Evidence(str(resource.get("arn") or resource.get("name") or "aws"), None, snippet, note)


def literal_name(value: Any) -> str | None:
    """A name the IaC spells out (`"llm-monthly"`), or None when it is computed and cannot be
    matched against the account: a Terraform interpolation or reference (`"${var.env}-x"`,
    `var.name`), a CloudFormation intrinsic (`!Sub`, a mapping), an ARN, a list."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or "${" in text or "{{" in text or "\n" in text:
        return None
    if text.startswith(("!", "arn:", "var.", "local.", "module.", "data.", "aws_")):
        return None
    return text
