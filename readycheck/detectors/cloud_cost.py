"""Item 1 in the live account: budgets that stop spending, cost anomaly monitors, and throttles on
the APIs and functions that spend.

Each detector reads the cloud snapshot (``ctx.cloud``) and skips, with the reason, when there is
none or the service could not be read. `cloud_budget_enforced` also cross-checks the budgets the
repository's IaC declares against those in the account: a budget declared but absent was never
applied, or was applied to another account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.cloud_common import cloud_evidence, cloud_or_skip, literal_name
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.cloud import CloudResource, cloud_resources, resources_of

__all__ = ["cloud_budget_enforced", "cloud_cost_anomaly_monitor", "cloud_throttling_live"]

_AWS_BUDGETS = frozenset({"aws_budgets_budget", "AWS::Budgets::Budget"})
_AWS_BUDGET_ACTIONS = frozenset({"aws_budgets_budget_action", "AWS::Budgets::BudgetsAction"})
_TF_REF = re.compile(r"^\$\{\s*([\w-]+)\.([\w-]+)\.(name|id|arn|budget_name)\s*\}$")


def _joined(values: Sequence[str]) -> str:
    shown = ", ".join(values[:5])
    return shown + (f" and {len(values) - 5} more" if len(values) > 5 else "")


# --- RC0106: a budget that stops spending ----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Declared:
    resource: CloudResource
    name: str | None  # the budget's literal name, None when it cannot be read
    written: str  # the name as written, for the note
    account: str | None  # a literal account_id the budget is applied to


def _budget_name(r: CloudResource) -> Any:
    """A budget's name as written (Terraform `name`, CloudFormation `Budget.BudgetName`)."""
    if r.source == "terraform":
        return r.get("name")
    budget = r.get("Budget")
    return budget.get("BudgetName") if isinstance(budget, dict) else None


def _declared_budgets(ctx: Context) -> list[_Declared]:
    """The AWS budgets and budget actions the IaC declares, with their names resolved where they
    are literal (a budget action's `budget_name` may point at a budget of the same project)."""
    found = [r for r in resources_of(ctx.index, "budget", "budget_action") if r.type in _AWS_BUDGETS | _AWS_BUDGET_ACTIONS]
    # what a reference to a budget resolves to: `aws_budgets_budget.llm`, or a template's logical id
    names = {
        (r.type if r.source == "terraform" else r.path, r.name): literal_name(_budget_name(r)) for r in found if r.type in _AWS_BUDGETS
    }
    out: list[_Declared] = []
    for r in found:
        account = literal_name(r.get("account_id", "AccountId"))
        if r.type in _AWS_BUDGETS:
            raw = _budget_name(r)
            if raw is None and r.source == "terraform":
                prefix = r.get("name_prefix")
                out.append(_Declared(r, None, f"name_prefix {prefix}" if prefix else "no name: Terraform generates one", account))
            else:
                out.append(_Declared(r, literal_name(raw), str(raw), account))
            continue
        raw = r.get("budget_name", "BudgetName")
        ref = _TF_REF.match(raw) if isinstance(raw, str) and r.source == "terraform" else None
        if ref and (ref.group(1), ref.group(2)) in names:
            out.append(_Declared(r, names[(ref.group(1), ref.group(2))], str(raw), account))
        elif r.source != "terraform" and isinstance(raw, str) and (r.path, raw) in names:
            out.append(_Declared(r, names[(r.path, raw)], f"Ref {raw}", account))  # Ref of a budget is its name
        else:
            out.append(_Declared(r, literal_name(raw), str(raw), account))
    return out


def _subscribed(budget: Mapping[str, Any]) -> bool | None:
    """Whether a notification of the budget has a subscriber; None when some could not be read
    (the collector leaves `subscribers` out when it could not list them)."""
    notes = [n for n in budget.get("notifications") or [] if isinstance(n, Mapping)]
    if any(isinstance(s, Mapping) and s.get("address") for n in notes for s in n.get("subscribers") or []):
        return True
    return None if any("subscribers" not in n for n in notes) else False


def _limit(budget: Mapping[str, Any]) -> str:
    amount, unit = budget.get("limit_amount"), budget.get("limit_unit")
    if amount is None:
        return ""
    per = str(budget.get("time_unit") or "").lower()
    return f"limit {amount:g} {unit or ''}".rstrip() + (f" {per}" if per else "")


def cloud_budget_enforced(ctx: Context) -> Outcome:
    cloud = cloud_or_skip(ctx, "budgets")
    if isinstance(cloud, Outcome):
        return cloud
    account = cloud.account_id or "unknown"
    in_account = {str(b.get("name")) for b in cloud.all("budgets")}
    budgets = cloud.resources("budgets")
    declared = _declared_budgets(ctx)
    has_iac = bool(cloud_resources(ctx.index))

    missing: list[Evidence] = []
    missing_names: set[str] = set()
    unresolved: list[Evidence] = []
    elsewhere: list[Evidence] = []
    declared_names: set[str] = set()
    for d in declared:
        f = ctx.index.get(d.resource.path)
        if f is None:
            continue
        what = "budget action" if d.resource.type in _AWS_BUDGET_ACTIONS else "budget"
        if d.name is None:
            unresolved.append(evidence_at(f, d.resource.line, f"{d.resource.address}: {what} name is not literal ({d.written}): not matched with the account"))
            continue
        declared_names.add(d.name)
        if d.account is not None and d.account != account:
            elsewhere.append(evidence_at(f, d.resource.line, f"{d.resource.address}: {what} '{d.name}' is applied to account {d.account}, not {account}: not judged"))
        elif d.name not in in_account:
            missing_names.add(d.name)
            missing.append(evidence_at(
                f, d.resource.line,
                f"{d.resource.address}: {what} '{d.name}' declared in {f.path}:{d.resource.line} but absent in account {account}: not applied, or applied elsewhere",
            ))

    hard: list[Evidence] = []
    unread: list[Evidence] = []
    soft: list[Evidence] = []
    silent: list[Evidence] = []
    unknown_subs = 0
    for b in budgets:
        name = str(b.get("name"))
        notes: list[str] = []
        if has_iac and name not in declared_names:
            if unresolved:
                notes.append(f"not matched with the repository's IaC ({plural(len(unresolved), 'IaC budget name')} could not be read: it may be this one)")
            else:
                notes.append("not declared in the repository's IaC under this name (created by hand, or by another project)")
        limit = _limit(b)
        actions = b.get("actions")
        subscribed = _subscribed(b)
        tail = ("; " + "; ".join(notes)) if notes else ""
        if actions is None:
            unread.append(cloud_evidence(b, f"budget {name} {limit}".rstrip(), "budget actions could not be read: whether spending is stopped is unknown" + tail))
        elif actions:
            kinds = sorted({str(a.get("action_type") or "action") for a in actions if isinstance(a, Mapping)})
            manual = [a for a in actions if isinstance(a, Mapping) and str(a.get("approval_model", "")).upper() == "MANUAL"]
            note = f"budget action ({', '.join(kinds)}): spending is stopped" + ("; approval is manual, someone must approve it" if manual else "")
            hard.append(cloud_evidence(b, f"budget {name} {limit}".rstrip(), note + tail))
        elif subscribed:
            soft.append(cloud_evidence(b, f"budget {name} {limit}".rstrip(), "notifications only: alerts, nothing stops spending" + tail))
        elif subscribed is None:
            unknown_subs += 1
            soft.append(cloud_evidence(b, f"budget {name} {limit}".rstrip(), "no budget action; its notification subscribers could not be read" + tail))
        else:
            silent.append(cloud_evidence(b, f"budget {name} {limit}".rstrip(), "no notification subscriber and no action: nobody is told" + tail))

    partial = cloud.partial_note("budgets")
    suffix = f" (partly read: {partial})" if partial else ""
    context = unresolved + elsewhere
    if missing:
        names = sorted(missing_names)
        listed = ", ".join(f"'{n}'" for n in names)
        return outcome(
            Status.FAIL,
            f"{'budget' if len(names) == 1 else 'budgets'} {listed} declared in IaC {'is' if len(names) == 1 else 'are'} absent in account {account}: "
            f"not applied, or applied elsewhere{suffix}",
            missing + hard + unread + soft + silent + context,
        )
    if not in_account:
        return outcome(Status.FAIL, f"no budget at all in account {account}: nothing tells anyone, or stops anything, when spending runs away{suffix}", context)
    found = hard + unread + soft + silent + context
    if hard:
        extra = f"; {plural(len(soft) + len(silent) + len(unread), 'other budget')} without an action" if soft or silent or unread else ""
        return outcome(Status.PASS, f"{plural(len(hard), 'budget')} with a budget action in account {account}: spending is stopped at the limit{extra}{suffix}", found)
    if unread:
        return outcome(Status.WARN, f"the actions of {plural(len(unread), 'budget')} could not be read: no budget action was seen, whether spending is stopped is unknown{suffix}", found)
    if soft:
        unsure = f" ({unknown_subs} of them with subscribers that could not be read)" if unknown_subs else ""
        return outcome(
            Status.WARN,
            f"{plural(len(soft), 'budget')} only {'alerts' if len(soft) == 1 else 'alert'}{unsure}, none has a budget action: someone is told while the money keeps going{suffix}",
            found,
        )
    return outcome(Status.WARN, f"{plural(len(silent), 'budget')} with no notification subscriber and no budget action: nobody is told and nothing stops spending{suffix}", found)


# --- RC0107: cost anomaly detection ----------------------------------------------------------------

def cloud_cost_anomaly_monitor(ctx: Context) -> Outcome:
    cloud = cloud_or_skip(ctx, "ce")
    if isinstance(cloud, Outcome):
        return cloud
    told: list[Evidence] = []
    mute: list[Evidence] = []
    for m in cloud.resources("anomaly_monitors"):
        kind = " ".join(str(x) for x in (m.get("monitor_type"), m.get("dimension")) if x)
        subs = [s for s in m.get("subscriptions") or [] if isinstance(s, Mapping)]
        heard = [s for s in subs if s.get("subscribers")]
        snippet = f"anomaly monitor {m.get('name')}" + (f" ({kind})" if kind else "")
        if heard:
            names = [f"{s.get('name') or s.get('arn') or 'subscription'} ({plural(len(s.get('subscribers') or []), 'subscriber')}, {str(s.get('frequency') or '').lower() or 'frequency unknown'})" for s in heard]
            told.append(cloud_evidence(m, snippet, "subscribed: " + _joined(names)))
        elif subs:
            mute.append(cloud_evidence(m, snippet, "its subscriptions have no subscriber: anomalies are found and nobody is told"))
        else:
            mute.append(cloud_evidence(m, snippet, "no subscription: anomalies are found and nobody is told"))
    partial = cloud.partial_note("ce")
    suffix = f" (partly read: {partial})" if partial else ""
    account = cloud.account_id or "unknown"
    if told:
        return outcome(Status.PASS, f"{plural(len(told), 'cost anomaly monitor')} with subscribers in account {account}{suffix}", told + mute)
    if mute:
        return outcome(Status.WARN, f"{plural(len(mute), 'cost anomaly monitor')} but no subscription with a subscriber: nobody is told of a cost spike{suffix}", mute)
    return outcome(Status.WARN, f"no Cost Anomaly Detection monitor in account {account}: a cost spike is seen on the invoice{suffix}")


# --- RC0108: throttling on what spends ---------------------------------------------------------------

def _positive_limit(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _throttle_text(t: Mapping[str, Any]) -> str | None:
    rate = t.get("rate_limit", t.get("rateLimit"))
    burst = t.get("burst_limit", t.get("burstLimit"))
    parts = []
    if _positive_limit(rate):
        parts.append(f"rate {rate:g}/s")
    if _positive_limit(burst):
        parts.append(f"burst {burst:g}")
    return ", ".join(parts) or None


def cloud_throttling_live(ctx: Context) -> Outcome:
    cloud = cloud_or_skip(ctx)
    if isinstance(cloud, Outcome):
        return cloud
    api_gone = cloud.unavailable("apigateway")
    fn_gone = cloud.unavailable("lambda")
    if api_gone and fn_gone:
        return outcome(Status.SKIP, f"{api_gone}; {fn_gone}; the check was not judged")
    unthrottled: list[Evidence] = []
    throttled: list[Evidence] = []
    for s in [] if api_gone else cloud.resources("api_stages"):
        label = f"{s.get('protocol') or 'API'} stage {s.get('api_name') or s.get('api_id') or ''}/{s.get('stage_name') or s.get('name')}".replace(" /", " ")
        stage = s.get("throttling")
        stage_text = _throttle_text(stage) if isinstance(stage, Mapping) else None
        plans = [p for p in s.get("usage_plans") or [] if isinstance(p, Mapping)]
        plan_texts = [f"usage plan {p.get('name') or p.get('id')}: {t}" for p in plans for t in [_throttle_text(p["throttle"]) if isinstance(p.get("throttle"), Mapping) else None] if t]
        if stage_text or plan_texts:
            throttled.append(cloud_evidence(s, label, "; ".join(([f"stage throttling {stage_text}"] if stage_text else []) + plan_texts)))
        else:
            quota = [str(p.get("name") or p.get("id")) for p in plans if p.get("quota")]
            note = "no stage throttling and no usage plan with a throttle: callers are limited only by the account's regional default"
            if quota:
                note += f" (usage plan {', '.join(quota)} sets a quota but no rate)"
            unthrottled.append(cloud_evidence(s, label, note))
    unbounded: list[Evidence] = []
    bounded: list[Evidence] = []
    for fn in [] if fn_gone else cloud.resources("lambda_functions"):
        reserved = fn.get("reserved_concurrency")
        label = f"function {fn.get('name')}"
        if isinstance(reserved, int) and not isinstance(reserved, bool):
            bounded.append(cloud_evidence(fn, label, f"reserved concurrency {reserved}" + (" (the function is disabled)" if reserved == 0 else "")))
        else:
            unbounded.append(cloud_evidence(fn, label, "no reserved concurrency: a runaway caller scales it to the account's limit, and spend with it"))
    notes = ([f"{api_gone}: API stages not judged"] if api_gone else []) + ([f"{fn_gone}: functions not judged"] if fn_gone else [])
    partial = cloud.partial_note("apigateway", "lambda")
    if partial:
        notes.append(f"partly read: {partial}")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    if not (unthrottled or throttled or unbounded or bounded):
        return outcome(Status.SKIP, f"no API stage or function in scope{suffix}")
    found = unthrottled + unbounded + throttled + bounded
    if unthrottled:
        extra = f"; {plural(len(unbounded), 'function')} without reserved concurrency" if unbounded else ""
        return outcome(Status.FAIL, f"{plural(len(unthrottled), 'API stage')} without throttling{extra}{suffix}", found)
    if unbounded:
        return outcome(Status.WARN, f"{plural(len(unbounded), 'function')} without reserved concurrency: runaway concurrency is unbounded spend{suffix}", found)
    what = [plural(len(throttled), "throttled API stage")] if throttled else []
    what += [plural(len(bounded), "function") + " with reserved concurrency"] if bounded else []
    return outcome(Status.PASS, f"{' and '.join(what)}{suffix}", found)
