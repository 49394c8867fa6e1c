"""Item 9 in the live account: least privilege on IAM roles and users, and an audit trail.

Both detectors read the cloud snapshot (``ctx.cloud``), never AWS itself. The policy analysis here
works on decoded IAM policy documents as the account returns them (``broad_grants``); the IaC side
of the same question is RC0901's (`permissions.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from readycheck.detectors.base import Context, outcome, plural
from readycheck.detectors.cloud_common import cloud_evidence, cloud_or_skip
from readycheck.model import Evidence, Outcome, Status

__all__ = ["Grant", "broad_grants", "cloud_audit_trail", "cloud_iam_least_privilege", "writes_iam"]

Resource = Mapping[str, Any]

# AWS-managed policies that are admin, or one step from it.
_ADMIN_MANAGED = {
    "administratoraccess": "full admin on every service and resource",
    "poweruseraccess": "every action outside IAM and Organizations",
    "iamfullaccess": "full IAM: the holder can grant itself admin",
}
_IAM_READ = ("get", "list", "generate", "simulate")


@dataclass(frozen=True, slots=True)
class Grant:
    """One over-broad statement of a policy document."""

    label: str  # `inline policy agent statement 'All'`
    what: str  # `Allow Action * on Resource *`
    condition: str | None  # the condition keys that narrow it, when it has one


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _document(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, str):  # tolerate a JSON string
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


def _statements(document: Any) -> list[Mapping[str, Any]]:
    doc = _document(document)
    if doc is None:
        return []
    raw = doc.get("Statement")
    items = raw if isinstance(raw, list) else [raw]
    return [s for s in items if isinstance(s, Mapping)]


def _condition_keys(st: Mapping[str, Any]) -> str | None:
    cond = st.get("Condition")
    if not isinstance(cond, Mapping) or not cond:
        return None
    keys = sorted({str(k) for inner in cond.values() if isinstance(inner, Mapping) for k in inner})
    return ", ".join(keys) if keys else ", ".join(sorted(map(str, cond)))


def broad_grants(document: Any, policy: str) -> list[Grant]:
    """Statements of an IAM policy document that Allow everything, or a whole service, on every
    resource: Action `*` or `service:*` on Resource `*`, or any NotAction with Allow (every action
    but the listed ones). A Condition does not clear a statement; its keys are reported with it."""
    out: list[Grant] = []
    for i, st in enumerate(_statements(document)):
        if str(st.get("Effect", "")).lower() != "allow":
            continue
        label = f"{policy} statement '{st['Sid']}'" if st.get("Sid") else f"{policy} statement {i + 1}"
        resources = _strings(st.get("Resource"))
        every_resource = "*" in resources or "NotResource" in st
        where = "Resource *" if "*" in resources else ("NotResource " + ", ".join(_strings(st.get("NotResource"))[:3]) if "NotResource" in st else "Resource " + ", ".join(resources[:3]))
        not_actions = _strings(st.get("NotAction"))
        actions = _strings(st.get("Action"))
        cond = _condition_keys(st)
        if "NotAction" in st:
            out.append(Grant(label, f"Allow NotAction {', '.join(not_actions[:4]) or '[]'} (every other action) on {where}", cond))
            continue
        if not every_resource:
            continue
        wild = [a for a in actions if a == "*" or (a.endswith(":*") and a.count(":") == 1)]
        if wild:
            out.append(Grant(label, f"Allow Action {', '.join(wild[:4])} on {where}", cond))
    return out


def writes_iam(document: Any) -> list[str]:
    """Actions of an Allow statement that change IAM (create, attach, put, update, delete...)."""
    found: list[str] = []
    for st in _statements(document):
        if str(st.get("Effect", "")).lower() != "allow":
            continue
        for action in _strings(st.get("Action")):
            a = action.lower()
            if a == "*" or a == "iam:*":
                found.append(action)
            elif a.startswith("iam:"):
                verb = a.split(":", 1)[1]
                if verb != "passrole" and not verb.startswith(_IAM_READ):
                    found.append(action)
        if "NotAction" in st and not any(a.lower().startswith("iam:") or a == "*" for a in _strings(st.get("NotAction"))):
            found.append("NotAction (iam:* included)")
    return found


def _aws_managed(policy: Mapping[str, Any]) -> bool:
    return bool(policy.get("aws_managed")) or ":iam::aws:policy/" in str(policy.get("arn", ""))


@dataclass
class _Judged:
    principal: Resource
    kind: str  # role / user
    problems: list[str]
    iam_writes: list[str]
    unread: list[str]


def _judge(principal: Resource, kind: str) -> _Judged:
    judged = _Judged(principal, kind, [], [], [])
    for pol in principal.get("attached_policies") or ():
        if not isinstance(pol, Mapping):
            continue
        name = str(pol.get("name", ""))
        if _aws_managed(pol) and name.lower() in _ADMIN_MANAGED:
            judged.problems.append(f"AWS-managed policy {name} attached ({_ADMIN_MANAGED[name.lower()]})")
            if name.lower() in ("administratoraccess", "iamfullaccess"):
                judged.iam_writes.append(name)
            continue
        doc = pol.get("document")
        if doc is None:
            if not _aws_managed(pol):
                judged.unread.append(name)
            continue
        label = f"{'AWS-managed' if _aws_managed(pol) else 'managed'} policy {name}"
        judged.problems += [_say(g) for g in broad_grants(doc, label)]
        judged.iam_writes += writes_iam(doc)
    for pol in principal.get("inline_policies") or ():
        if not isinstance(pol, Mapping):
            continue
        label = f"inline policy {pol.get('name')}"
        judged.problems += [_say(g) for g in broad_grants(pol.get("document"), label)]
        judged.iam_writes += writes_iam(pol.get("document"))
    return judged


def _say(g: Grant) -> str:
    return f"{g.label}: {g.what}" + (f" (narrowed by a Condition on {g.condition}, still over-broad)" if g.condition else "")


def cloud_iam_least_privilege(ctx: Context) -> Outcome:
    snap = cloud_or_skip(ctx, "iam")
    if isinstance(snap, Outcome):
        return snap
    roles = [r for r in snap.resources("iam_roles") if not str(r.get("path", "/")).startswith("/aws-service-role/")]
    users = snap.resources("iam_users")
    if not roles and not users:
        return outcome(Status.SKIP, "no IAM role or user in scope (service-linked roles are ignored): no permission to judge")
    judged = [_judge(r, "role") for r in roles] + [_judge(u, "user") for u in users]
    broad: list[Evidence] = []
    unbounded_writers: list[Evidence] = []
    scoped: list[Evidence] = []
    no_boundary = 0
    for j in judged:
        what = f"IAM {j.kind} {j.principal.get('name')}"
        boundary = j.principal.get("permissions_boundary")
        if j.problems:
            broad.append(cloud_evidence(j.principal, "; ".join(j.problems[:3]) + (f" and {len(j.problems) - 3} more" if len(j.problems) > 3 else ""),
                                        f"{what}: over-broad grant, list the actions and resource ARNs it needs"))
            continue
        unread = f"; {plural(len(j.unread), 'policy', 'policies')} not read ({', '.join(j.unread[:3])})" if j.unread else ""
        if boundary:
            scoped.append(cloud_evidence(j.principal, what, f"scoped; permissions boundary {boundary}{unread}"))
        elif j.iam_writes:
            unbounded_writers.append(cloud_evidence(j.principal, f"{what} can write IAM ({', '.join(sorted(set(j.iam_writes))[:3])})",
                                                    f"no permissions boundary: it can create or widen roles beyond its own grants; set one{unread}"))
        else:
            no_boundary += 1
            scoped.append(cloud_evidence(j.principal, what, f"scoped; no permissions boundary{unread}"))
    partial = snap.partial_note("iam")
    counts = f"{plural(len(roles), 'role')}" + (f" and {plural(len(users), 'user')}" if users else "") + " in scope"
    tail = f" ({partial})" if partial else ""
    evidence = broad + unbounded_writers + scoped
    if broad:
        return outcome(Status.FAIL, f"{plural(len(broad), 'principal')} of {counts} with admin or whole-service grants on every resource: list the actions and resource ARNs each needs{tail}", evidence)
    if unbounded_writers:
        return outcome(Status.WARN, f"{plural(len(unbounded_writers), 'principal')} of {counts} can write IAM without a permissions boundary{tail}", evidence)
    extra = f"; {no_boundary} without a permissions boundary (a boundary caps what a compromised role can grant)" if no_boundary else ""
    return outcome(Status.PASS, f"every one of {counts} is scoped (no `*` or `service:*` on every resource, no admin managed policy){extra}{tail}", evidence)


def cloud_audit_trail(ctx: Context) -> Outcome:
    snap = cloud_or_skip(ctx, "cloudtrail")
    if isinstance(snap, Outcome):
        return snap
    account = snap.account_id or "?"
    trails = snap.resources("trails")
    partial = snap.partial_note("cloudtrail")
    tail = f" ({partial})" if partial else ""
    if not trails:
        return outcome(Status.FAIL, f"no CloudTrail trail in account {account}: who called which API is kept 90 days in the event history at most; create a multi-region trail{tail}")

    def ev(trail: Resource, note: str) -> Evidence:
        scope = "multi-region" if trail.get("multi_region") else f"single-region ({trail.get('home_region') or trail.get('region') or '?'})"
        validation = "log file validation on" if trail.get("log_file_validation") else "log file validation off"
        return cloud_evidence(trail, f"CloudTrail trail {trail.get('name')}: {scope}, {validation}", note)

    logging = [t for t in trails if t.get("is_logging") is True]
    unknown = [t for t in trails if t.get("is_logging") is None]
    stopped = [t for t in trails if t.get("is_logging") is False]
    others = [ev(t, "logging stopped") for t in stopped] + [ev(t, "logging status not read") for t in unknown]
    if not logging:
        if unknown:
            return outcome(Status.WARN, f"{plural(len(trails), 'trail')}, none known to be logging (status not read for {len(unknown)}){tail}", others)
        return outcome(Status.FAIL, f"{plural(len(trails), 'trail')}, none logging: API calls are not recorded; start logging (StartLogging){tail}", others)
    if any(t.get("multi_region") for t in logging):
        good = [ev(t, "logging") for t in logging]
        return outcome(Status.PASS, f"{plural(len(logging), 'trail')} logging, multi-region{tail}", good + others)
    covered = {str(t.get("home_region") or t.get("region")) for t in logging}
    uncovered = [r for r in snap.regions if r not in covered]
    good = [ev(t, "logging, single-region" + (f": {', '.join(uncovered)} not recorded" if uncovered else "")) for t in logging]
    if uncovered:
        return outcome(Status.WARN, f"only single-region trails log ({', '.join(sorted(covered))}); API calls in {', '.join(uncovered)} are not recorded: make the trail multi-region{tail}", good + others)
    return outcome(Status.PASS, f"{plural(len(logging), 'trail')} logging (single-region, covering every audited region){tail}", good + others)
