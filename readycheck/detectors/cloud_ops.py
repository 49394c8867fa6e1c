"""Items 3 and 12 in the live account: alarms that tell someone, log retention, rollback targets.

Each detector reads the cloud snapshot (``ctx.cloud``), never AWS itself, judges only the resources
in the audit's cloud scope, and cross-checks what the repository's infrastructure as code declares
(an alarm or a published function the IaC names but the account does not have).
"""

from __future__ import annotations

from typing import Any, Mapping

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.cloud_common import cloud_evidence, cloud_or_skip, literal_name
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.cloud import CloudResource, cloud_resources, resources_of

__all__ = ["cloud_alarms_live", "cloud_log_retention", "cloud_rollback_targets"]

Resource = Mapping[str, Any]


def _iac_evidence(ctx: Context, res: CloudResource, line: int, note: str) -> Evidence:
    f = ctx.index.get(res.path)
    return evidence_at(f, line, note) if f is not None else Evidence(res.path, line, None, note)


def _with_partial(message: str, partial: str | None) -> str:
    return f"{message} (partly collected: {partial})" if partial else message


def _account(ctx: Context) -> str:
    return (ctx.cloud.account_id if ctx.cloud is not None else None) or "?"


# --- RC0303 ----------------------------------------------------------------------------------------
def _notifies(alarm: Resource) -> bool:
    return alarm.get("actions_enabled", True) is not False and bool([a for a in alarm.get("alarm_actions") or () if a])


def _alarm_label(alarm: Resource) -> str:
    kind = "composite alarm" if alarm.get("composite") else "alarm"
    metric = "/".join(str(alarm[k]) for k in ("namespace", "metric_name") if alarm.get(k))
    return f"{kind} {alarm.get('name')}" + (f" on {metric}" if metric else "")


def cloud_alarms_live(ctx: Context) -> Outcome:
    snap = cloud_or_skip(ctx, "cloudwatch")
    if isinstance(snap, Outcome):
        return snap
    account = _account(ctx)
    in_scope = snap.resources("alarms")
    every = snap.all("alarms")

    # Cross-check against the repository's infrastructure as code.
    account_names = {str(a.get("name")) for a in every}
    missing: list[Evidence] = []
    computed: list[str] = []
    declared: set[str] = set()
    missing_names: list[str] = []
    for res in resources_of(ctx.index, "alarm", "composite_alarm"):
        name = literal_name(res.get("alarm_name"))
        if name is None:
            computed.append(res.address)
            continue
        declared.add(name)
        if name not in account_names:
            missing_names.append(name)
            line = res.line_of("alarm_name") if res.source == "terraform" else res.line_of("AlarmName")
            missing.append(_iac_evidence(ctx, res, line, f"{res.address}: alarm '{name}' declared but absent in account {account}: not applied?"))
    # Account alarms the IaC does not declare: only said when every IaC alarm name could be read.
    judge_undeclared = bool(cloud_resources(ctx.index)) and not computed
    undeclared: list[str] = []

    good: list[Evidence] = []
    silent: list[Evidence] = []
    for alarm in in_scope:
        name = str(alarm.get("name"))
        extra = ""
        if judge_undeclared and name not in declared:
            undeclared.append(name)
            extra = "; not declared in the repository's IaC (created by hand?)"
        actions = [a for a in alarm.get("alarm_actions") or () if a]
        if _notifies(alarm):
            shown = ", ".join(actions[:3]) + (" ..." if len(actions) > 3 else "")
            good.append(cloud_evidence(alarm, _alarm_label(alarm), f"actions enabled, notifies {shown}{extra}"))
        elif alarm.get("actions_enabled", True) is False:
            silent.append(cloud_evidence(alarm, _alarm_label(alarm), f"actions disabled: it fires and nobody is told{extra}"))
        else:
            silent.append(cloud_evidence(alarm, _alarm_label(alarm), f"no alarm action: it fires and nobody is told{extra}"))

    notes: list[str] = []
    if computed:
        notes.append(f"{plural(len(computed), 'IaC alarm')} with a computed name not matched against the account ({', '.join(computed[:3])})")
    if undeclared:
        notes.append(f"{plural(len(undeclared), 'alarm')} in the account not declared in the repository's IaC ({', '.join(undeclared[:3])})")
    note = "; ".join(notes)
    partial = snap.partial_note("cloudwatch")

    def msg(text: str) -> str:
        return _with_partial(text + (f"; {note}" if note else ""), partial)

    evidence = missing + silent + good
    if not in_scope:
        out_of_scope = len(every)
        why = f"no CloudWatch alarm in scope in account {account}" + (f" ({plural(out_of_scope, 'alarm')} out of scope)" if out_of_scope else "")
        return outcome(Status.FAIL, msg(f"{why}: nobody is told when the agent fails; add alarms on errors, latency and spend with an SNS action"), evidence)
    if missing:
        shown = ", ".join(missing_names[:3]) + (" ..." if len(missing_names) > 3 else "")
        return outcome(Status.FAIL, msg(f"{plural(len(missing), 'alarm')} declared in IaC but absent in account {account} ({shown}): not applied?"), evidence)
    if silent:
        return outcome(Status.WARN, msg(f"{plural(len(silent), 'alarm')} of {len(in_scope)} with actions disabled or empty: nobody is told when they fire"), evidence)
    return outcome(Status.PASS, msg(f"{plural(len(good), 'alarm')} in scope, each with actions enabled and an alarm action"), evidence)


# --- RC0304 ----------------------------------------------------------------------------------------
def cloud_log_retention(ctx: Context) -> Outcome:
    snap = cloud_or_skip(ctx, "logs")
    if isinstance(snap, Outcome):
        return snap
    account = _account(ctx)
    kept: list[Evidence] = []
    forever: list[Evidence] = []
    for group in snap.resources("log_groups"):
        days = group.get("retention_days")
        if isinstance(days, int) and days > 0:
            kept.append(cloud_evidence(group, f"log group {group.get('name')}", f"retention {days} days"))
        else:
            forever.append(cloud_evidence(group, f"log group {group.get('name')}", "never expire: kept and billed forever, beyond any data-retention policy"))
    notes: list[str] = []
    bedrock: list[Evidence] = []
    if snap.unavailable("bedrock") is None:
        partition = str(snap.data.get("partition") or "aws")
        for entry in snap.resources("bedrock_logging"):
            region = str(entry.get("region"))
            where = f"arn:{partition}:bedrock:{region}:{account}:model-invocation-logging"
            if entry.get("enabled"):
                dest = " and ".join(f"{label} {entry[k]}" for k, label in (("cloudwatch_log_group", "log group"), ("s3_bucket", "S3 bucket")) if entry.get(k))
                bedrock.append(Evidence(where, None, f"Bedrock model invocation logging in {region}", "enabled" + (f", to {dest}" if dest else "")))
            else:
                notes.append(f"Bedrock model invocation logging is off in {region}: turn it on if the agent calls Bedrock there")
    if not kept and not forever:
        return outcome(Status.SKIP, "no CloudWatch log group in scope: no retention to judge" + (f"; {'; '.join(notes)}" if notes else ""))
    total = len(kept) + len(forever)
    detail = f"retention set on {len(kept)} of {plural(total, 'log group')}" + (f"; Bedrock invocation logging on in {plural(len(bedrock), 'region')}" if bedrock else "")
    if notes:
        detail += "; " + "; ".join(notes)
    detail = _with_partial(detail, snap.partial_note("logs"))
    evidence = forever + kept + bedrock
    if forever:
        return outcome(Status.WARN, f"{plural(len(forever), 'log group')} set to never expire (cost grows forever, logs outlive the data-retention policy): set a retention; {detail}", evidence)
    return outcome(Status.PASS, detail, evidence)


# --- RC1205 ----------------------------------------------------------------------------------------
def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _publishes(res: CloudResource) -> tuple[bool, int]:
    """Whether the IaC publishes a version on every deploy, and the line that says so."""
    if res.source == "terraform":
        return _truthy(res.get("publish")), res.line_of("publish")
    alias = res.get("AutoPublishAlias")
    if alias not in (None, ""):
        return True, res.line_of("AutoPublishAlias")
    return False, res.line


def _aliases(fn: Resource) -> str:
    parts = []
    for alias in fn.get("aliases") or ():
        routing = alias.get("routing") or {}
        extra = "".join(f", {round(float(w) * 100)}% to {v}" for v, w in routing.items())
        parts.append(f"alias {alias.get('name')} -> version {alias.get('function_version')}{extra}")
    return "; ".join(parts)


def cloud_rollback_targets(ctx: Context) -> Outcome:
    snap = cloud_or_skip(ctx, "lambda")
    if isinstance(snap, Outcome):
        return snap
    account = _account(ctx)
    good: list[Evidence] = []
    bad: list[Evidence] = []
    mutable: list[Evidence] = []
    unversioned: list[Evidence] = []
    notes: list[str] = []
    functions = snap.resources("lambda_functions")
    for fn in functions:
        versions = [v for v in fn.get("versions") or () if v and v != "$LATEST"]
        if versions:
            aliases = _aliases(fn)
            shown = ", ".join(versions[-3:])
            note = f"{plural(len(versions), 'published version')} ({shown})" + (f"; {aliases}" if aliases else "; no alias: deploys point at $LATEST, add an alias to shift back in one call")
            good.append(cloud_evidence(fn, f"Lambda function {fn.get('name')}", note))
        else:
            bad.append(cloud_evidence(fn, f"Lambda function {fn.get('name')}", "no version to roll back to: publish versions and deploy through an alias"))
    repos: list[Resource] = []
    if (why := snap.unavailable("ecr")) is None:
        repos = snap.resources("ecr_repositories")
    else:
        notes.append(f"ECR not judged ({why})")
    for repo in repos:
        mode = str(repo.get("tag_immutability") or "MUTABLE")
        if mode.startswith("MUTABLE"):
            mutable.append(cloud_evidence(repo, f"ECR repository {repo.get('name')}: {mode}", "mutable tags: a re-pushed tag cannot be rolled back to; set tag immutability"))
        else:
            good.append(cloud_evidence(repo, f"ECR repository {repo.get('name')}: {mode}", "immutable tags: every pushed image stays addressable"))
    buckets: list[Resource] = []
    if (why := snap.unavailable("s3")) is None:
        buckets = [b for b in snap.resources("s3_buckets") if b.get("artifacts")]
    else:
        notes.append(f"S3 not judged ({why})")
    for bucket in buckets:
        versioning = bucket.get("versioning")
        if versioning == "Enabled":
            good.append(cloud_evidence(bucket, f"artifact bucket {bucket.get('name')}", "versioning Enabled: an overwritten artifact can be restored"))
        else:
            unversioned.append(cloud_evidence(bucket, f"artifact bucket {bucket.get('name')}", f"versioning {versioning or 'never enabled'}: an overwritten artifact is gone; enable versioning"))

    # Cross-check: a function the IaC publishes whose account twin has no version.
    by_name = {str(fn.get("name")): fn for fn in snap.all("lambda_functions")}
    iac_bad: list[Evidence] = []
    for res in resources_of(ctx.index, "function"):
        publishes, line = _publishes(res)
        if not publishes:
            continue
        name = literal_name(res.get("function_name"))
        twin = by_name.get(name) if name else None
        if twin is not None and not [v for v in twin.get("versions") or () if v and v != "$LATEST"]:
            iac_bad.append(_iac_evidence(ctx, res, line, f"{res.address}: publishes versions in IaC, but function '{name}' in account {account} has none: the IaC is not what was deployed?"))

    partial = snap.partial_note("lambda", "ecr", "s3")
    if not functions and not repos and not buckets and not iac_bad:
        return outcome(Status.SKIP, _with_partial("no Lambda function, ECR repository or artifact bucket in scope: no rollback target to judge" + (f"; {'; '.join(notes)}" if notes else ""), partial))
    parts = []
    if functions:
        parts.append(f"{len(functions) - len(bad)} of {plural(len(functions), 'function')} with a published version")
    if repos:
        parts.append(f"{len(repos) - len(mutable)} of {plural(len(repos), 'ECR repository', 'ECR repositories')} with immutable tags")
    if buckets:
        parts.append(f"{len(buckets) - len(unversioned)} of {plural(len(buckets), 'artifact bucket')} versioned")
    detail = _with_partial("; ".join(parts + notes), partial)
    tail = f" ({detail})" if detail else ""
    weak = mutable + unversioned
    evidence = iac_bad + bad + weak + good
    if bad or iac_bad:
        lead = []
        if bad:
            lead.append(f"{plural(len(bad), 'function')} with no version to roll back to: publish versions and deploy through an alias")
        if iac_bad:
            lead.append(f"{plural(len(iac_bad), 'function')} published in IaC without a version in the account")
        return outcome(Status.FAIL, f"{'; '.join(lead)}{tail}", evidence)
    if weak:
        what = ", ".join(w for w, n in (("mutable image tags", mutable), ("unversioned artifact buckets", unversioned)) if n)
        return outcome(Status.WARN, f"{plural(len(weak), 'artifact store')} that cannot be rolled back to reliably ({what}){tail}", evidence)
    return outcome(Status.PASS, detail, evidence)
