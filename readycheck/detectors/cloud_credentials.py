"""Item 2 in the live account: IAM user access keys that are old or unused, and Secrets Manager
secrets whose rotation is not happening.

Ages are measured at the snapshot's `collected_at`, so a snapshot file judged next month gives the
same report. `cloud_secret_rotation_live` also cross-checks the rotations the repository's IaC
declares (`aws_secretsmanager_secret_rotation`, `AWS::SecretsManager::RotationSchedule`) with the
secret in the account: a rotation declared but disabled or never run there fails at the IaC line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from readycheck.cloud.snapshot import parse_time
from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.cloud_common import cloud_evidence, cloud_or_skip
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.cloud import CloudResource, cloud_resources

__all__ = ["cloud_access_key_age", "cloud_secret_rotation_live", "masked_key_id"]


def _days_between(later: datetime, earlier: datetime) -> int:
    return max(0, (later - earlier).days)


def _date(when: datetime | None) -> str:
    return when.date().isoformat() if when is not None else "never"


def masked_key_id(key_id: str) -> str:
    """`AKIA…WXYZ`: the key's type prefix and its last four characters, never the whole id."""
    prefix = key_id[:4] if key_id[:4] in ("AKIA", "ASIA", "ABIA", "ACCA") else ""
    return f"{prefix}…{key_id[-4:]}"


# --- RC0208: access key age ------------------------------------------------------------------------

def cloud_access_key_age(ctx: Context) -> Outcome:
    cloud = cloud_or_skip(ctx, "iam")
    if isinstance(cloud, Outcome):
        return cloud
    max_age = int(ctx.param("max_access_key_age_days", ctx.policy.cloud.max_access_key_age_days))
    unused_days = int(ctx.param("max_unused_days", 90))
    now = cloud.collected_at
    old: list[Evidence] = []
    unused: list[Evidence] = []
    fine: list[Evidence] = []
    inactive: list[str] = []
    unknown = 0
    users = cloud.resources("iam_users")
    for user in users:
        for key in user.get("access_keys") or []:
            if not isinstance(key, Mapping):
                continue
            kid = masked_key_id(str(key.get("access_key_id") or ""))
            if key.get("status") != "Active":
                inactive.append(f"{user.get('name')} {kid} ({str(key.get('status')).lower()})")
                continue
            created = parse_time(key.get("created"))
            last = parse_time(key.get("last_used"))
            service = key.get("last_used_service")
            used = f"last used {_date(last)}" + (f" ({service})" if last is not None and service else "")
            if created is None:
                unknown += 1
                unused.append(cloud_evidence(user, f"key {kid}, creation date unknown, {used}", "the key's age could not be read"))
                continue
            age = _days_between(now, created)
            snippet = f"key {kid} created {_date(created)}, {age} days old, {used}"
            idle = _days_between(now, last) if last is not None else age
            what = f"never used in {age} days" if last is None else f"not used for {idle} days"
            if age > max_age:
                advice = f"; {what}: deactivate it rather than rotate" if idle >= unused_days else ": rotate it (create a new key, switch, delete this one)"
                old.append(cloud_evidence(user, snippet, f"older than {max_age} days{advice}"))
            elif idle >= unused_days:
                unused.append(cloud_evidence(user, snippet, f"{what}: unused, deactivate it"))
            else:
                fine.append(cloud_evidence(user, snippet, f"within {max_age} days"))
    partial = cloud.partial_note("iam")
    notes = [f"{plural(len(inactive), 'inactive key')} ignored: {', '.join(inactive[:5])}"] if inactive else []
    if partial:
        notes.append(f"partly read: {partial}")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    if old:
        return outcome(Status.FAIL, f"{plural(len(old), 'active access key')} older than {max_age} days{suffix}", old + unused + fine)
    if unused:
        return outcome(Status.WARN, f"{plural(len(unused), 'active access key')} unused for {unused_days} days or more{', or of unknown age' if unknown else ''}: deactivate{suffix}", unused + fine)
    if fine:
        return outcome(Status.PASS, f"{plural(len(fine), 'active access key')}, all within {max_age} days{suffix}", fine)
    partition = str(cloud.data.get("partition") or "aws")
    account = cloud.account_id or "unknown"
    where = f"{plural(len(users), 'IAM user')} in scope" if not cloud.scope.empty else f"{plural(len(users), 'IAM user')}"
    root = Evidence(
        f"arn:{partition}:iam::{account}:root", None, "no long-lived IAM user keys: workloads use roles",
        f"account {account}'s IAM: {where}, none with an active access key" + (f"; {'; '.join(notes)}" if notes else ""),
    )
    return outcome(Status.PASS, f"no active IAM user access key in account {account}: workloads use roles{suffix}", [root])


# --- RC0209: secret rotation in the account ----------------------------------------------------------

_TF_SECRET_REF = re.compile(r"\$\{\s*aws_secretsmanager_secret\.([\w-]+)\.(id|arn|name)\s*\}")


@dataclass(frozen=True, slots=True)
class _IacRotation:
    resource: CloudResource
    secret: str | None  # the secret's literal name or ARN, None when it cannot be read


def _literal(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or "${" in value or "{{" in value or value.startswith("!"):
        return None
    return value.strip()


def _iac_rotations(ctx: Context) -> list[_IacRotation]:
    """Rotations declared in Terraform or CloudFormation, with the secret they rotate."""
    resources = cloud_resources(ctx.index)
    names: dict[tuple[str, str], str | None] = {}
    for r in resources:
        if r.type == "aws_secretsmanager_secret":
            names[("tf", r.name)] = _literal(r.get("name"))
        elif r.type == "AWS::SecretsManager::Secret":
            names[(r.path, r.name)] = _literal(r.get("Name"))
    out: list[_IacRotation] = []
    for r in resources:
        if r.type == "aws_secretsmanager_secret_rotation":
            raw = r.get("secret_id")
            ref = _TF_SECRET_REF.fullmatch(raw.strip()) if isinstance(raw, str) else None
            out.append(_IacRotation(r, names.get(("tf", ref.group(1))) if ref else _literal(raw)))
        elif r.type == "aws_secretsmanager_secret" and (r.get("rotation_lambda_arn") or r.get("rotation_rules")):
            out.append(_IacRotation(r, _literal(r.get("name"))))  # the provider's older inline rotation
        elif r.type == "AWS::SecretsManager::RotationSchedule":
            raw = r.get("SecretId")
            if isinstance(raw, dict):  # JSON templates: {"Ref": "Secret"}
                raw = raw.get("Ref")
            out.append(_IacRotation(r, names.get((r.path, raw), _literal(raw)) if isinstance(raw, str) else None))
    return out


def _is_twin(secret: Mapping[str, Any], declared: str) -> bool:
    """Whether an account secret is the one IaC names (by name, or by ARN with or without the
    random suffix Secrets Manager adds)."""
    if declared.startswith("arn:"):
        arn = str(secret.get("arn") or "")
        return arn == declared or arn.startswith(declared + "-")
    return str(secret.get("name")) == declared


def cloud_secret_rotation_live(ctx: Context) -> Outcome:
    cloud = cloud_or_skip(ctx, "secretsmanager")
    if isinstance(cloud, Outcome):
        return cloud
    secrets = cloud.resources("secrets")
    if not secrets:
        return outcome(Status.SKIP, "no Secrets Manager secret in scope: nothing to rotate")
    max_days = int(ctx.param("max_rotation_days", 90))
    grace = int(ctx.param("rotation_grace_days", ctx.policy.cloud.rotation_grace_days))
    now = cloud.collected_at
    rotations = _iac_rotations(ctx)
    failed: list[Evidence] = []
    young: list[Evidence] = []
    fine: list[Evidence] = []
    iac: list[Evidence] = []
    for s in secrets:
        name = str(s.get("name"))
        twins = [r for r in rotations if r.secret is not None and _is_twin(s, r.secret)]
        declared = f"; rotation declared in {', '.join(f'{r.resource.path}:{r.resource.line}' for r in twins)}" if twins else ""
        last = parse_time(s.get("last_rotated"))
        period = s.get("rotation_days")
        days = int(period) if isinstance(period, int) and not isinstance(period, bool) else None
        schedule = f"every {days} days" if days else (str(s.get("rotation_schedule")) if s.get("rotation_schedule") else "schedule not read")
        problem: str | None = None
        if s.get("rotation_enabled"):
            if last is None:
                problem = f"rotation declared ({schedule}) but never happened"
            else:
                ago = _days_between(now, last)
                limit = (days or max_days) + grace
                if ago > limit:
                    problem = f"last rotated {ago} days ago, schedule {schedule}" + ("" if days else f" (judged against {max_days} days)")
                else:
                    fine.append(cloud_evidence(s, f"secret {name}: rotates {schedule}, last rotated {_date(last)} ({ago} days ago)", "on schedule" + declared))
            if problem is not None:
                failed.append(cloud_evidence(s, f"secret {name}: rotation enabled, last rotated {_date(last)}", problem + declared))
        else:
            created = parse_time(s.get("created"))
            age = _days_between(now, created) if created is not None else None
            if age is not None and age < max_days and not twins:
                young.append(cloud_evidence(s, f"secret {name}: rotation not enabled, created {_date(created)}", f"{age} days old: enable rotation before it is {max_days} days old"))
            else:
                problem = "rotation not enabled" + (" although IaC declares it: not applied, or disabled by hand" if twins else "")
                problem += f" ({age} days old)" if age is not None else " (age unknown)"
                failed.append(cloud_evidence(s, f"secret {name}: rotation not enabled", problem + declared))
        if problem is not None:
            for r in twins:
                f = ctx.index.get(r.resource.path)
                if f is not None:
                    iac.append(evidence_at(f, r.resource.line, f"{r.resource.address}: rotation declared here for '{r.secret}', but in account {cloud.account_id}: {problem}"))
    partial = cloud.partial_note("secretsmanager")
    suffix = f" (partly read: {partial})" if partial else ""
    if failed:
        extra = f"; {plural(len(iac), 'IaC rotation')} declared but not effective in the account" if iac else ""
        return outcome(Status.FAIL, f"{plural(len(failed), 'secret')} not rotating on schedule{extra}{suffix}", failed + iac + young + fine)
    if young:
        return outcome(Status.WARN, f"{plural(len(young), 'secret')} without rotation, younger than {max_days} days{suffix}", young + fine)
    return outcome(Status.PASS, f"{plural(len(fine), 'secret')} rotating on schedule{suffix}", fine)
