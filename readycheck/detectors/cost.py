"""Item 1, rate limits and cost controls: a hard spend ceiling, token caps, bounded agent loops."""

from __future__ import annotations

import re
from typing import Any, Iterator

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.project import is_test_path
from readycheck.detectors.llm import JS_AGENT_RUNS, PY_AGENT_RUNS, TOKEN_CAP_KEYS, agent_builders, has_kw_deep, llm_calls, llm_clients
from readycheck.parsers.cloud import CloudResource, is_serverless, is_template, resources_of
from readycheck.parsers.python_facts import Unknown, first_match
from readycheck.index import RepoIndex
from readycheck.model import Evidence, Outcome, Status

__all__ = ["spend_ceiling", "llm_token_cap", "unbounded_agent_loop", "spend_evidence"]

_MONEY = re.compile(r"(budget|spend|cost|usd|dollar|eur|billing)", re.I)
_LIMIT = re.compile(r"(limit|cap|ceiling|max|quota|hard|stop)", re.I)
_NOT_MONEY = re.compile(r"(token|alert|notif|warn|email|threshold_percent|center|centre|tag)", re.I)
_NOT_CONFIG_FILES = re.compile(r"(^|/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|composer\.lock|\.github/workflows/)")

# LiteLLM and gateway settings that refuse requests once spent.
_PY_BUDGET_CALLS = ("litellm.BudgetManager", "litellm.Router", "litellm.completion")


def _is_money_cap(path: tuple[Any, ...]) -> bool:
    joined = ".".join(str(p) for p in path[-3:])
    last = str(path[-1]) if path else ""
    return bool(_MONEY.search(joined) and _LIMIT.search(joined) and not _NOT_MONEY.search(last))


def _positive(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value > 0
    if isinstance(value, str):
        try:
            return float(value.strip().lstrip("$").replace("_", "")) > 0
        except ValueError:
            return False
    return False


def _subscribers(value: Any) -> bool:
    """A subscriber list with at least one entry (an address, a topic, a `${var.x}`)."""
    if isinstance(value, list):
        return any(v not in (None, "", [], {}) for v in value)
    return isinstance(value, str) and bool(value.strip())


def _budget_notified(res: CloudResource) -> bool:
    """Whether anyone is told when the budget is crossed."""
    if res.type == "AWS::Budgets::Budget":
        return any(
            isinstance(n, dict) and _subscribers(n.get("Subscribers"))
            for n in res.get("NotificationsWithSubscribers", default=None) or []
        )
    if res.type == "google_billing_budget":
        rule = res.dig("all_updates_rule")
        if not isinstance(rule, dict):
            return True  # billing admins are e-mailed by default
        return (
            _subscribers(rule.get("monitoring_notification_channels"))
            or _subscribers(rule.get("pubsub_topic"))
            or str(rule.get("disable_default_iam_recipients", "false")).lower() != "true"
        )
    keys = ("subscriber_email_addresses", "subscriber_sns_topic_arns", "contact_emails", "contact_groups", "contact_roles")
    notes = res.get("notification", default=None) or []
    return any(isinstance(n, dict) and any(_subscribers(n.get(k)) for k in keys) for n in (notes if isinstance(notes, list) else [notes]))


def _iac_budgets(index: RepoIndex) -> Iterator[tuple[str, Evidence]]:
    """("hard" | "soft" | "silent", evidence) for every budget declared in IaC."""
    for res in resources_of(index, "budget", "budget_action"):
        f = index.get(res.path)
        if f is None:
            continue
        label = f"{res.address} ({res.source})" if res.source != "terraform" else res.address
        if res.kind == "budget_action":
            yield "hard", evidence_at(f, res.line, f"{label}: budget action, spend is stopped automatically")
        elif _budget_notified(res):
            yield "soft", evidence_at(f, res.line, f"{label}: budget with notifications, alerts only")
        else:
            yield "silent", evidence_at(f, res.line, f"{label}: budget with no notification subscriber, nobody is told")


def _spend_evidence(index: RepoIndex) -> Iterator[tuple[str, Evidence]]:
    yield from _iac_budgets(index)
    for f in index.by_kind("yaml", "json"):
        if _NOT_CONFIG_FILES.search(f.path):
            continue
        for doc in f.documents:
            if is_template(doc.data):
                continue  # IaC: read above, through the cloud model
            serverless = is_serverless(f.path, doc.data)
            for path, value in doc.walk():
                if serverless and path[:1] == ("resources",):
                    continue  # CloudFormation resources: read above
                if path and not isinstance(value, (dict, list)) and _positive(value) and _is_money_cap(path):
                    yield "hard", evidence_at(f, doc.line_of(path), f"spend cap `{'.'.join(map(str, path))}` = {value}")
    for f in index.by_kind("toml"):
        for doc in f.documents:
            for path, value in doc.walk():
                if path and _positive(value) and _is_money_cap(path):
                    yield "hard", evidence_at(f, doc.line_of(path), f"spend cap `{'.'.join(map(str, path))}` = {value}")
    for f in index.by_kind("env"):
        if not re.search(r"\.(example|sample|template|dist)$", f.path):
            for i, text in enumerate(f.lines, 1):
                m = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*['\"]?([^'\"#\s]*)", text)
                if m and _positive(m.group(2)) and _is_money_cap((m.group(1),)):
                    yield "hard", evidence_at(f, i, f"spend cap {m.group(1)}")
    for f in index.by_kind("python"):
        facts = f.python
        if facts is None:
            continue
        caps = {name.split(".")[-1]: line for name, value, line in facts.assignments if _positive(value) and _is_money_cap((name,))}
        for target, value, line in facts.assignments:
            if target.endswith("max_budget") and _positive(value):
                yield "hard", evidence_at(f, line, f"LiteLLM budget {target} = {value}")
        for call in facts.calls:
            if any(call.qualname.replace("()", "").startswith(p) for p in _PY_BUDGET_CALLS) and _positive(call.kw("max_budget")):
                yield "hard", evidence_at(f, call.line, f"LiteLLM max_budget={call.kw('max_budget')}")
        for guard in facts.guards:
            money = [n for n in guard.names if _MONEY.search(n) and not _NOT_MONEY.search(n)]
            if money and (any(n in caps for n in guard.names) or any(_LIMIT.search(n) for n in money)):
                yield "hard", evidence_at(f, guard.line, f"in-app spend cap enforced ({', '.join(sorted(set(money)))})")


def spend_evidence(index: RepoIndex) -> Iterator[tuple[bool, Evidence]]:
    """(hard, evidence) for every spend ceiling declared in IaC, configuration or code."""
    for grade, ev in _spend_evidence(index):
        yield grade == "hard", ev


def spend_ceiling(ctx: Context) -> Outcome:
    found = list(_spend_evidence(ctx.index))
    hard = [e for g, e in found if g == "hard"]
    soft = [e for g, e in found if g == "soft"]
    silent = [e for g, e in found if g == "silent"]
    if hard:
        extra = f"; {plural(len(silent), 'budget')} with no notification subscriber" if silent else ""
        return outcome(Status.PASS, f"hard spend ceiling found ({plural(len(hard), 'place')}){extra}", hard + soft + silent)
    if silent and not soft:
        return outcome(
            Status.WARN,
            f"{plural(len(silent), 'budget')} with no notification subscriber and no budget action: nobody is told and nothing stops spending "
            "(add a notification with a subscriber and a budget action, a gateway budget or an in-app cap)",
            silent,
        )
    if soft or silent:
        extra = f"; {plural(len(silent), 'budget')} with no notification subscriber" if silent else ""
        return outcome(
            Status.WARN,
            "spend budgets only alert: nothing stops spending at the ceiling (add a budget action, a gateway budget or an in-app cap)" + extra,
            soft + silent,
        )
    return outcome(Status.FAIL, "no hard spend ceiling found: no budget in IaC, no gateway budget, no spend cap in config or code")


def _capped_by_client(call_kwargs: dict[str, Any]) -> bool:
    return has_kw_deep(call_kwargs, TOKEN_CAP_KEYS)


def _settings_elsewhere(kwargs: dict[str, Any]) -> bool:
    """Model settings passed as a variable we cannot read (`llm=llm`, `model_settings=settings`)."""
    return any(isinstance(kwargs.get(k), Unknown) for k in ("model_settings", "llm_config", "model_client", "llm"))


def llm_token_cap(ctx: Context) -> Outcome:
    capped: list[Evidence] = []
    uncapped: list[Evidence] = []
    unknown = 0
    for call in llm_calls(ctx.index):
        if is_test_path(call.file.path):
            continue  # tests drive fakes and mocks, not the provider
        if _capped_by_client(call.kwargs):
            capped.append(evidence_at(call.file, call.line, f"{call.provider} call with a token cap"))
        elif call.has_star_kwargs:
            unknown += 1
        else:
            uncapped.append(evidence_at(call.file, call.line, f"{call.provider} call without a token cap"))
    # Chat models built with a cap (LangChain, LlamaIndex) cap every call made through them;
    # agent frameworks take the cap in their model settings (`model_settings={"max_tokens": ...}`,
    # `ModelSettings(max_tokens=...)`, `llm=LLM(max_tokens=...)`, `llm_config={...}`).
    builders = [c for c in llm_clients(ctx.index) if c.language == "python" and c.qualname.startswith(("langchain", "llama_index"))]
    for client in builders + list(agent_builders(ctx.index)):
        if is_test_path(client.file.path):
            continue
        kind = "chat model" if client.qualname.startswith(("langchain", "llama_index")) else f"{client.provider} agent"
        if _capped_by_client(client.kwargs):
            capped.append(evidence_at(client.file, client.line, f"{kind} built with a token cap"))
        elif _settings_elsewhere(client.kwargs):
            unknown += 1
        else:
            uncapped.append(evidence_at(client.file, client.line, f"{kind} built without a token cap"))
    if not capped and not uncapped:
        if unknown:
            return outcome(Status.SKIP, f"{plural(unknown, 'LLM call')} pass their arguments through **kwargs; caps cannot be read")
        return outcome(Status.SKIP, "no LLM call sites found")
    max_uncapped = int(ctx.param("max_uncapped", 0))
    if len(uncapped) <= max_uncapped:
        if uncapped:
            return outcome(Status.PASS, f"{len(capped)} of {len(capped) + len(uncapped)} LLM call sites set a token cap (up to {max_uncapped} uncapped allowed)", capped + uncapped)
        return outcome(Status.PASS, f"every LLM call site sets a token cap ({len(capped)} of {len(capped)})", capped)
    if capped:
        return outcome(
            Status.WARN,
            f"{len(capped)} of {len(uncapped) + len(capped)} LLM call sites set a token cap",
            uncapped,
        )
    return outcome(Status.FAIL, f"no LLM call sets a token cap ({plural(len(uncapped), 'call site')})", uncapped)


_BUDGET_KWARGS = frozenset({"max_turns", "max_iterations", "recursion_limit", "max_steps", "max_rounds", "max_consecutive_auto_reply", "max_iter", "usage_limits", "request_limit", "total_tokens_limit", "maxSteps", "maxTurns", "stopWhen"})
_BUDGET_NAME = re.compile(r"(turn|iteration|iter|step|round|token|budget|hop|attempt|calls)s?", re.I)
_LOG_METHODS = frozenset({"debug", "info", "warn", "warning", "error", "exception", "critical", "fatal", "trace", "log"})
_LIMIT_NAME = re.compile(r"(max|limit|budget|cap)", re.I)


def _llm_functions(index: RepoIndex) -> set[str]:
    """Names of functions that call a model, directly or through one or two project helpers."""
    names = {c.function for c in llm_calls(index) if c.function}
    for _ in range(2):
        for f in index.by_kind("python"):
            facts = f.python
            if facts is not None:
                names |= {fn for fn, called in facts.calls_by_function.items() if called & names}
    return names


def unbounded_agent_loop(ctx: Context) -> Outcome:
    """`while True` around an LLM call that only ends when the model says so is a runaway bill;
    a turn, step or token budget is the evidence this check wants."""
    calls_by_file: dict[str, list[int]] = {}
    for call in llm_calls(ctx.index):
        calls_by_file.setdefault(call.file.path, []).append(call.line)
    llm_funcs = _llm_functions(ctx.index)
    runaway: list[Evidence] = []
    bounded: list[Evidence] = []
    for f in ctx.index.by_kind("python", "javascript", "typescript"):
        facts: Any = f.python if f.kind == "python" else f.js
        if facts is None:
            continue
        lines = calls_by_file.get(f.path, [])
        retry_loops = {loop.line for loop in getattr(facts, "retry_loops", ())}
        for start, end, has_exit in facts.while_true_lines:
            if start in retry_loops:
                continue  # catches, sleeps and tries again: a retry loop, judged by RC0601
            direct = any(start <= ln <= end for ln in lines)
            indirect = any(start <= c.line <= end and c.func.split(".")[-1] in llm_funcs for c in facts.calls)
            if not (direct or indirect):
                continue
            if f.kind == "python":
                guards = [g for g in facts.guards if start <= g.line <= end and any(_BUDGET_NAME.search(n) for n in g.names)]
                if guards:
                    bounded.append(evidence_at(f, guards[0].line, "agent loop stops on a turn or token budget"))
                elif has_exit:
                    runaway.append(evidence_at(f, start, "`while True` around an LLM call ends only when the model decides: no turn or token budget"))
                else:
                    runaway.append(evidence_at(f, start, "`while True` around an LLM call with no break, return or raise"))
            elif not has_exit:
                runaway.append(evidence_at(f, start, "endless loop around an LLM call with no break, return or throw"))
        for call in facts.calls:
            if call.func.rsplit(".", 1)[-1] in _LOG_METHODS:
                continue  # logging a budget does not enforce it
            kw = call.kwargs if f.kind == "python" else call.options
            if not kw or not has_kw_deep(kw, _BUDGET_KWARGS):
                continue
            hits = sorted(k for k in _BUDGET_KWARGS if has_kw_deep(kw, frozenset({k})))
            if hits:
                bounded.append(evidence_at(f, call.line, f"agent budget: {', '.join(hits)}"))
        if f.kind == "python":
            for guard in facts.guards:
                names = [n for n in guard.names if _BUDGET_NAME.search(n) and _LIMIT_NAME.search(n)]
                if names:
                    bounded.append(evidence_at(f, guard.line, f"per-run budget enforced ({', '.join(sorted(set(names)))})"))
    open_runs = list(_framework_runs(ctx, bounded))
    if runaway:
        return outcome(Status.FAIL, f"{plural(len(runaway), 'unbounded agent loop')} around LLM calls", runaway + open_runs)
    if open_runs:
        return outcome(Status.WARN, f"{plural(len(open_runs), 'agent run')} without a turn limit", open_runs + bounded)
    if bounded:
        unique = {(e.path, e.line): e for e in bounded}
        return outcome(Status.PASS, "agent runs are bounded by a turn, step or token budget", list(unique.values()))
    return outcome(Status.SKIP, "no agent loop and no per-run budget found")


def _framework_runs(ctx: Context, bounded: list[Evidence]) -> Iterator[Evidence]:
    """Agent-framework runs: bounded by an explicit budget or by the framework's own default
    (recorded as evidence in `bounded`); runs whose framework has no default limit are yielded."""
    py_patterns = tuple(p for p, _, _ in PY_AGENT_RUNS)
    js_patterns = tuple(p for p, _, _ in JS_AGENT_RUNS)
    table = {p: (kw, default) for p, kw, default in PY_AGENT_RUNS + JS_AGENT_RUNS}
    for f in ctx.index.by_kind("python", "javascript", "typescript"):
        facts: Any = f.python if f.kind == "python" else f.js
        if facts is None:
            continue
        patterns = py_patterns if f.kind == "python" else js_patterns
        for call in facts.calls:
            hit = first_match(call.qualname, patterns)
            if hit is None:
                continue
            kw, default = table[hit]
            options = call.kwargs if f.kind == "python" else call.options
            if kw in options or has_kw_deep(options, frozenset({kw, "maxSteps", "recursion_limit"})):
                continue  # an explicit budget: already collected as evidence above
            if hit.startswith("ai.") and "tools" not in options:
                continue  # a single completion, not an agent loop
            if default is not None:
                bounded.append(evidence_at(f, call.line, f"bounded by the framework's default {kw}={default}"))
            else:
                yield evidence_at(f, call.line, f"agent run without {kw}: the conversation ends only when the agents decide")

