"""Item 6, retry logic: find the retry machinery around LLM and HTTP calls and hold its numbers to
the checklist (about 1 s initial delay, 60 s max delay, 3-5 tries, jitter, transient errors only).

Recognised: tenacity (decorator, Retrying), backoff, stamina, urllib3/requests `Retry`, Google
api-core `Retry`, botocore retry config, hand-written loops that catch and sleep, the LLM SDKs'
`max_retries` (OpenAI, Anthropic, LangChain chat models, LiteLLM `num_retries`), LangChain
`with_retry`; in JS/TS p-retry, async-retry, axios-retry and the SDK clients' `maxRetries`.
An SDK's retries turned off (`max_retries=0`) under an outer retry is the right pattern; turned off
with nothing else retrying is a failure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from readycheck.config import RetryPolicy
from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.project import is_test_path
from readycheck.detectors.llm import PY_HTTP_CALLS, LlmCall, llm_calls, llm_clients
from readycheck.index import SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.python_facts import first_match, CallFact, CallValue, Combination, PythonFacts, Unknown, qualname_matches

__all__ = ["retry_policy", "RetrySite", "find_retry_sites"]

INF = math.inf
# What the SDKs do when nobody configures them: OpenAI and Anthropic clients retry twice with
# 0.5-8 s jittered backoff; the Vercel AI SDK retries twice from 2 s, doubling, without jitter.
_SDK_DEFAULTS: dict[str, Any] = {"attempts": 3, "initial": 0.5, "max_delay": 8.0, "jitter": True, "error_filter": True}
_AI_SDK_DEFAULTS: dict[str, Any] = {"attempts": 3, "initial": 2.0, "max_delay": None, "jitter": False, "backoff": True, "error_filter": True}


@dataclass
class RetrySite:
    file: SourceFile
    line: int
    kind: str
    attempts: int | None = None  # total tries; None when unknown or bounded by time only
    unbounded: bool = False
    initial: float | None = None
    max_delay: float | None = None
    jitter: bool | None = None
    backoff: bool | None = None
    error_filter: bool | None = None
    explicit: bool = True  # configured in code, not a library default
    disabled: bool = False
    wraps: tuple[int, int] | None = None  # line range of code it retries, when known
    wrapped_functions: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    provider: str | None = None  # for an SDK client's own retries: whose calls they cover

    def deviations(self, policy: RetryPolicy) -> list[str]:
        out = []
        if self.attempts is not None and not (policy.attempts_min <= self.attempts <= policy.attempts_max):
            out.append(f"{self.attempts} tries (policy {policy.attempts_min}-{policy.attempts_max})")
        if self.backoff is False:
            out.append("no exponential backoff")
        if self.initial is not None and not (policy.initial_delay_min <= self.initial <= policy.initial_delay_max):
            out.append(f"initial delay {self.initial:g} s (policy {policy.initial_delay_min:g}-{policy.initial_delay_max:g} s)")
        if self.max_delay is not None and self.max_delay > policy.max_delay_max:
            out.append("no max delay" if self.max_delay == INF else f"max delay {self.max_delay:g} s (policy at most {policy.max_delay_max:g} s)")
        if policy.require_jitter and self.jitter is False:
            out.append("no jitter")
        if self.error_filter is False:
            out.append("retries every error (a 404 or a validation error does not need a retry)")
        return out


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _arg(cv: CallValue, pos: int, name: str, default: Any = None) -> Any:
    if name in cv.kwargs:
        return cv.kwargs[name]
    if len(cv.args) > pos:
        return cv.args[pos]
    return default


def _parts(value: Any) -> list[Any]:
    if isinstance(value, Combination):
        return [p for item in value.items for p in _parts(item)]
    return [value]


def _tail(qualname: str) -> str:
    return qualname.replace("()", "").split(".")[-1]


# --- tenacity -------------------------------------------------------------------------------------
def _tenacity(site: RetrySite, kwargs: dict[str, Any]) -> None:
    stop = kwargs.get("stop")
    if stop is None:
        site.unbounded = True
        site.notes.append("no stop= (tenacity retries forever by default)")
    else:
        for part in _parts(stop):
            if isinstance(part, CallValue):
                name = _tail(part.qualname)
                if name == "stop_after_attempt":
                    n = _num(_arg(part, 0, "max_attempt_number"))
                    site.attempts = int(n) if n is not None else None
                elif name == "stop_never":
                    site.unbounded = True
            elif isinstance(part, Unknown) and part.source.endswith("stop_never"):
                site.unbounded = True
    wait = kwargs.get("wait")
    if wait is None:
        site.backoff, site.initial, site.max_delay = False, 0.0, 0.0
        site.notes.append("no wait= (tenacity retries immediately by default)")
    else:
        initial, max_delay, backoff, jitter = 0.0, 0.0, False, False
        for part in _parts(wait):
            if not isinstance(part, CallValue):
                return  # a wait strategy we cannot read: judge nothing about it
            name = _tail(part.qualname)
            if name in ("wait_exponential", "wait_random_exponential", "wait_full_jitter"):
                mult = _num(_arg(part, 0, "multiplier", 1)) or 1.0
                mx = _num(_arg(part, 1, "max"))
                mn = _num(_arg(part, 3, "min", 0)) or 0.0
                initial += max(mn, mult)
                max_delay += mx if mx is not None else INF
                backoff = True
                jitter = jitter or name != "wait_exponential"
            elif name == "wait_exponential_jitter":
                initial += _num(_arg(part, 0, "initial", 1)) or 1.0
                mx = _num(_arg(part, 1, "max"))
                max_delay += mx if mx is not None else INF
                backoff = jitter = True
            elif name == "wait_fixed":
                w = _num(_arg(part, 0, "wait")) or 0.0
                initial += w
                max_delay += w
            elif name == "wait_random":
                lo, hi = _num(_arg(part, 0, "min", 0)) or 0.0, _num(_arg(part, 1, "max", 1)) or 1.0
                initial += lo
                max_delay += hi
                jitter = True
            elif name == "wait_incrementing":
                initial += _num(_arg(part, 0, "start", 0)) or 0.0
                mx = _num(_arg(part, 2, "max"))
                max_delay += mx if mx is not None else INF
                backoff = True
            else:
                return
        site.initial, site.max_delay, site.backoff, site.jitter = initial, max_delay, backoff, jitter
    retry = kwargs.get("retry")
    site.error_filter = retry is not None


# --- backoff ---------------------------------------------------------------------------------------
def _backoff(site: RetrySite, call: CallFact) -> None:
    gen = call.args[0] if call.args else call.kwargs.get("wait_gen")
    gen_src = gen.source if isinstance(gen, Unknown) else str(gen)
    if call.kwargs.get("max_tries") is None and call.kwargs.get("max_time") is None:
        site.unbounded = True
        site.notes.append("neither max_tries nor max_time")
    n = _num(call.kwargs.get("max_tries"))
    site.attempts = int(n) if n is not None else None
    jitter = call.kwargs.get("jitter", "default")
    site.jitter = not (jitter is None)
    if gen_src.endswith("expo") or gen_src.endswith("fibo"):
        site.backoff = True
        site.initial = _num(call.kwargs.get("factor", 1))
        mv = _num(call.kwargs.get("max_value"))
        site.max_delay = mv if mv is not None else INF
    elif gen_src.endswith("constant"):
        site.backoff = False
        site.initial = _num(call.kwargs.get("interval", 1))
    if _tail(call.qualname) == "on_predicate":
        site.error_filter = True
    else:
        exc = call.args[1] if len(call.args) > 1 else call.kwargs.get("exception")
        src = exc.source if isinstance(exc, Unknown) else ""
        site.error_filter = bool(src) and src not in ("Exception", "BaseException")


# --- everything else, by call ------------------------------------------------------------------
_URLLIB3_RETRY = ("urllib3.Retry", "urllib3.util.Retry", "urllib3.util.retry.Retry", "requests.adapters.Retry", "requests.packages.urllib3.util.retry.Retry")
_GOOGLE_RETRY = ("google.api_core.retry.Retry", "google.api_core.retry.AsyncRetry", "google.api_core.retry_async.AsyncRetry")
_LITELLM_RETRY = ("litellm.completion", "litellm.acompletion", "litellm.Router")


# What a Python call's name says for _python_sites, memoised by name: (tail, root, urllib3 Retry,
# google Retry, botocore Config, LiteLLM call, whether any branch of _python_sites could apply).
_NameFlags = tuple[str, str, bool, bool, bool, bool, bool]
_NAME_FLAGS: dict[str, _NameFlags] = {}


def _name_flags(q: str) -> _NameFlags:
    try:
        return _NAME_FLAGS[q]
    except KeyError:
        pass
    tail = _tail(q)
    root = q.split(".")[0]
    urllib3 = first_match(q, _URLLIB3_RETRY) is not None
    google = first_match(q, _GOOGLE_RETRY) is not None
    botocore = qualname_matches(q, "botocore.config.Config")
    litellm = any(q.replace("()", "").startswith(p) for p in _LITELLM_RETRY)
    relevant = (
        (root == "tenacity" and tail in ("retry", "Retrying", "AsyncRetrying"))
        or (root == "backoff" and tail in ("on_exception", "on_predicate"))
        or (root == "stamina" and tail in ("retry", "retry_context", "AsyncRetryingCaller", "RetryingCaller"))
        or urllib3 or google or botocore or litellm
        or (tail == "with_retry" and q != "with_retry")
        or tail == "with_options"
    )
    flags = (tail, root, urllib3, google, botocore, litellm, relevant)
    if len(_NAME_FLAGS) > 200_000:
        _NAME_FLAGS.clear()
    _NAME_FLAGS[q] = flags
    return flags


def _python_sites(f: SourceFile, facts: PythonFacts) -> list[RetrySite]:
    sites: list[RetrySite] = []
    for call in facts.calls:
        q = call.qualname
        tail, root, urllib3, google, botocore, litellm, relevant = _name_flags(q)
        if not relevant:
            continue
        if root == "tenacity" and tail in ("retry", "Retrying", "AsyncRetrying"):
            site = RetrySite(f, call.line, "tenacity")
            _tenacity(site, call.kwargs)
            if call.decorates:
                site.wrapped_functions.add(call.decorates)
            else:
                site.wraps = (call.line, call.end_line)
            sites.append(site)
        elif root == "backoff" and tail in ("on_exception", "on_predicate"):
            site = RetrySite(f, call.line, "backoff")
            _backoff(site, call)
            if call.decorates:
                site.wrapped_functions.add(call.decorates)
            sites.append(site)
        elif root == "stamina" and tail in ("retry", "retry_context", "AsyncRetryingCaller", "RetryingCaller"):
            kw = call.kwargs
            n = _num(kw.get("attempts", 10))
            wj = _num(kw.get("wait_jitter", 1.0))
            site = RetrySite(
                f, call.line, "stamina",
                attempts=int(n) if n is not None else None,
                initial=_num(kw.get("wait_initial", 0.1)), max_delay=_num(kw.get("wait_max", 5.0)),
                jitter=(wj is None or wj > 0), backoff=True, error_filter="on" in kw or bool(call.args),
            )
            if call.decorates:
                site.wrapped_functions.add(call.decorates)
            else:
                site.wraps = (call.line, call.end_line)
            sites.append(site)
        elif urllib3:
            kw = call.kwargs
            total = kw.get("total", call.args[0] if call.args else 10)
            if total is False or total == 0:
                sites.append(RetrySite(f, call.line, "urllib3", disabled=True))
                continue
            n = _num(total)
            factor = _num(kw.get("backoff_factor", 0)) or 0.0
            jit = _num(kw.get("backoff_jitter", 0)) or 0.0
            sites.append(RetrySite(
                f, call.line, "urllib3 Retry", attempts=int(n) + 1 if n is not None else None,
                initial=factor, backoff=factor > 0, max_delay=_num(kw.get("backoff_max", 120.0)),
                jitter=jit > 0, error_filter=True,
            ))
        elif google:
            kw = call.kwargs
            sites.append(RetrySite(
                f, call.line, "google api-core Retry", initial=_num(kw.get("initial", 1.0)),
                max_delay=_num(kw.get("maximum", 60.0)), jitter=True, backoff=True,
                error_filter="predicate" in kw,
            ))
        elif botocore and isinstance(call.kwargs.get("retries"), dict):
            r = call.kwargs["retries"]
            n = _num(r.get("max_attempts") or r.get("total_max_attempts"))
            mode = r.get("mode", "legacy")
            sites.append(RetrySite(
                f, call.line, f"botocore retries ({mode})", attempts=int(n) if n is not None else None,
                jitter=True, backoff=True, max_delay=20.0, error_filter=True,
            ))
        elif tail == "with_retry" and q != "with_retry":
            kw = call.kwargs
            n = _num(kw.get("stop_after_attempt", 3))
            sites.append(RetrySite(
                f, call.line, "LangChain with_retry", attempts=int(n) if n is not None else None,
                jitter=kw.get("wait_exponential_jitter", True) is not False, backoff=True,
                error_filter="retry_if_exception_type" in kw,
            ))
        elif litellm and "num_retries" in call.kwargs:
            n = _num(call.kwargs["num_retries"])
            if n == 0:
                sites.append(RetrySite(f, call.line, "LiteLLM", disabled=True))
            else:
                sites.append(RetrySite(f, call.line, "LiteLLM num_retries", attempts=int(n) + 1 if n is not None else None, backoff=True, jitter=None))
        elif tail == "with_options" and "max_retries" in call.kwargs:
            sites.append(_sdk_site(f, call.line, "SDK with_options", call.kwargs.get("max_retries")))
    for target, value, line in facts.assignments:
        if target in ("litellm.num_retries",) and _num(value) is not None:
            n = int(_num(value) or 0)
            sites.append(RetrySite(f, line, "LiteLLM num_retries", attempts=n + 1, disabled=n == 0, backoff=True))
    for loop in facts.retry_loops:
        sites.append(RetrySite(
            f, loop.line, "hand-written retry loop", attempts=loop.attempts, jitter=loop.jitter,
            backoff=loop.backoff, wraps=(loop.line, loop.end_line), notes=[f"sleeps with {loop.sleep_source}"],
        ))
    for fn in facts.functions:
        # a bare `@retry` / `@backoff...` with no call: all library defaults
        for dec in fn.decorators:
            if dec in ("tenacity.retry",) and not any(c.decorates == fn.name and c.line <= fn.line for c in facts.calls if c.is_decorator):
                site = RetrySite(f, fn.line, "tenacity")
                _tenacity(site, {})
                site.wrapped_functions.add(fn.name)
                sites.append(site)
    return sites


def _sdk_site(f: SourceFile, line: int, kind: str, max_retries: Any, defaults: dict[str, Any] = _SDK_DEFAULTS) -> RetrySite:
    n = _num(max_retries)
    if n == 0:
        return RetrySite(f, line, kind, disabled=True)
    site = RetrySite(f, line, kind, **defaults)
    site.attempts = int(n) + 1 if n is not None else None
    return site


_JS_LIBS = {"p-retry": (10, 1.0, INF, False), "async-retry": (10, 1.0, INF, True)}


def _js_sites(f: SourceFile) -> list[RetrySite]:
    js = f.js
    if js is None:
        return []
    sites: list[RetrySite] = []
    for call in js.calls:
        q = call.qualname.replace("()", "")
        lib = next((name for name in _JS_LIBS if q == name or q == f"{name}.default"), None)
        if lib is not None:
            retries_d, min_d, max_d, rand_d = _JS_LIBS[lib]
            o = call.options
            n = _num(o.get("retries", retries_d))
            mn = _num(o.get("minTimeout"))
            mx = _num(o.get("maxTimeout"))
            factor = _num(o.get("factor", 2))
            site = RetrySite(
                f, call.line, lib, attempts=int(n) + 1 if n is not None else None,
                initial=(mn / 1000.0) if mn is not None else min_d,
                max_delay=(mx / 1000.0) if mx is not None else max_d,
                jitter=bool(o.get("randomize", rand_d)) if not isinstance(o.get("randomize"), Unknown) else None,
                backoff=(factor or 0) > 1, error_filter=any(k in o for k in ("shouldRetry", "onFailedAttempt", "retryIf")),
                wraps=(call.line, call.end_line),
            )
            if n == 0:
                site.disabled = True
            sites.append(site)
        elif q == "axios-retry":
            o = call.options
            n = _num(o.get("retries", 3))
            delay = o.get("retryDelay")
            expo = isinstance(delay, Unknown) and "exponentialDelay" in delay.source
            sites.append(RetrySite(
                f, call.line, "axios-retry", attempts=int(n) + 1 if n is not None else None,
                backoff=expo, jitter=expo, initial=0.2 if expo else 0.0, error_filter="retryCondition" in o,
            ))
    return sites


def find_retry_sites(ctx: Context) -> list[RetrySite]:
    sites: list[RetrySite] = []
    for f in ctx.index.by_kind("python"):
        if f.python is not None:
            sites.extend(_python_sites(f, f.python))
    for f in ctx.index.by_kind("javascript", "typescript"):
        sites.extend(_js_sites(f))
    for client in llm_clients(ctx.index):
        key = "max_retries" if client.language == "python" else "maxRetries"
        if key in client.kwargs:
            site = _sdk_site(client.file, client.line, f"{client.provider} SDK max_retries", client.kwargs[key])
        elif client.provider in ("openai", "anthropic") and not client.qualname.startswith(("langchain", "llama_index")):
            site = RetrySite(client.file, client.line, f"{client.provider} SDK default retries", explicit=False, **_SDK_DEFAULTS)
        else:
            continue
        site.provider = client.provider
        sites.append(site)
    for call in llm_calls(ctx.index):  # Vercel AI SDK: maxRetries per call, 2 by default
        if call.provider != "vercel-ai":
            continue
        if "maxRetries" in call.kwargs:
            site = _sdk_site(call.file, call.line, "AI SDK maxRetries", call.kwargs["maxRetries"], _AI_SDK_DEFAULTS)
        else:
            site = RetrySite(call.file, call.line, "AI SDK default retries", explicit=False, **_AI_SDK_DEFAULTS)
        site.wraps = (call.line, call.line)  # the call's own retries cover that call
        sites.append(site)
    return sites


def _covered_functions(facts: PythonFacts, roots: Iterable[str]) -> set[str]:
    """Functions a decorated function reaches through same-module calls."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        fn = stack.pop()
        if fn in seen:
            continue
        seen.add(fn)
        stack.extend(n for n in facts.calls_by_function.get(fn, ()) if n in facts.calls_by_function)
    return seen


CallKey = tuple[str, int]


def _wrapped_calls(ctx: Context, sites: list[RetrySite]) -> dict[int, set[CallKey]]:
    """For each outer retry site (by index in `sites`; not SDK client settings), the LLM calls
    it wraps, directly or through functions it calls."""
    by_path: dict[str, list[LlmCall]] = {}
    by_function: dict[str | None, list[LlmCall]] = {}
    for c in llm_calls(ctx.index):
        by_path.setdefault(c.file.path, []).append(c)
        by_function.setdefault(c.function, []).append(c)
    out: dict[int, set[CallKey]] = {}
    for i, site in enumerate(sites):
        if site.disabled or site.provider is not None:
            continue
        in_file = by_path.get(site.file.path, [])
        roots = set(site.wrapped_functions)
        hit: set[CallKey] = set()
        facts = site.file.python
        if site.wraps:
            lo, hi = site.wraps
            hit |= {(c.file.path, c.line) for c in in_file if lo <= c.line <= hi}
            if facts is not None:
                roots |= {c.func.split(".")[-1] for c in facts.calls if lo <= c.line <= hi}
        if roots and facts is not None:
            covered = _covered_functions(facts, roots)
            hit |= {(c.file.path, c.line) for c in in_file if c.function in covered}
            # the wrapped code calls a helper in another module: follow the helper's name
            called = set(roots).union(*(facts.calls_by_function.get(fn, set()) for fn in covered))
            here = site.file.path
            hit |= {(c.file.path, c.line) for fn in called for c in by_function.get(fn, ()) if c.file.path != here}
        if hit:
            out[i] = hit
    return out


def _http_or_llm_present(ctx: Context) -> bool:
    if any(True for _ in llm_calls(ctx.index)):
        return True
    for f in ctx.index.by_kind("python"):
        if f.python is not None and f.python.calls_matching(PY_HTTP_CALLS):
            return True
    return False


def retry_policy(ctx: Context) -> Outcome:
    policy = ctx.policy.retries
    sites = find_retry_sites(ctx)
    if not sites and not _http_or_llm_present(ctx):
        return outcome(Status.SKIP, "no LLM or HTTP calls found, so nothing needs retrying")
    if not sites:
        return outcome(Status.FAIL, "no retry machinery found around LLM or HTTP calls")
    wrapped = _wrapped_calls(ctx, sites)
    outer = [sites[i] for i in sorted(wrapped)]
    disabled = [s for s in sites if s.disabled]
    active = [s for s in sites if not s.disabled]
    fails: list[Evidence] = []
    warns: list[Evidence] = []
    passes: list[Evidence] = []

    # Which calls retry at all: wrapped by an outer retry, or made through a client (of that
    # provider) whose own retries are on and never turned off elsewhere.
    calls = [c for c in llm_calls(ctx.index) if not is_test_path(c.file.path)]
    sdk_on: set[str] = {s.provider for s in active if s.provider}
    sdk_off: set[str] = {s.provider for s in disabled if s.provider}
    sdk_attempts: dict[str, int] = {s.provider: s.attempts for s in active if s.provider and s.attempts}
    covered: set[CallKey] = set().union(*wrapped.values()) if wrapped else set()
    covered |= {(c.file.path, c.line) for c in calls if c.provider in sdk_on and c.provider not in sdk_off}
    covered |= {(c.file.path, c.line) for c in calls if c.provider == "vercel-ai" and not any(s.disabled and s.file.path == c.file.path and s.line == c.line for s in sites)}

    any_wrapped: set[CallKey] = set().union(*wrapped.values()) if wrapped else set()
    wrapped_providers = {c.provider for c in calls if (c.file.path, c.line) in any_wrapped}
    # the providers of the (non-test) calls at each call site, for _nested
    providers_at: dict[CallKey, set[str]] = {}
    for c in calls:
        providers_at.setdefault((c.file.path, c.line), set()).add(c.provider)
    for s in disabled:
        if outer and (s.provider is None or s.provider in wrapped_providers):
            passes.append(evidence_at(s.file, s.line, f"{s.kind}: turned off because an outer retry wraps the call ({outer[0].file.path}:{outer[0].line})"))
        elif [a for a in active if a.explicit]:
            warns.append(evidence_at(s.file, s.line, f"{s.kind}: retries turned off here; other code retries, but not around these calls"))
        else:
            fails.append(evidence_at(s.file, s.line, f"{s.kind}: retries turned off and nothing else retries the call"))
    for idx, s in enumerate(sites):
        if s.disabled:
            continue
        if s.unbounded:
            fails.append(evidence_at(s.file, s.line, f"{s.kind}: unbounded retries ({'; '.join(s.notes) or 'no stop condition'})"))
            continue
        devs = s.deviations(policy)
        if not s.explicit:
            span = f"{s.initial:g}-{s.max_delay:g} s" if s.max_delay is not None else f"from {s.initial:g} s"
            devs = [f"relies on the SDK's implicit defaults ({s.attempts} tries, {span}); set the retry count explicitly"] + devs
        nested = _nested(s, wrapped.get(idx, set()), providers_at, sdk_on - sdk_off, sdk_attempts)
        if nested is not None and s.attempts and nested > policy.attempts_max:
            devs.append(
                f"nested retries: {s.attempts} tries here × the SDK's own retries = {nested} attempts per call "
                "(set max_retries=0 on the client)"
            )
        note = f"{s.kind}: " + ("; ".join(devs) if devs else _summary(s))
        (warns if devs else passes).append(evidence_at(s.file, s.line, note))

    uncovered = [c for c in calls if (c.file.path, c.line) not in covered]
    fraction = f"{len(calls) - len(uncovered)} of {len(calls)} LLM calls retried" if calls else ""
    if fails:
        return outcome(Status.FAIL, f"{plural(len(fails), 'retry problem')}: " + (fails[0].note or ""), fails + warns)
    if uncovered and len(uncovered) < len(calls):
        warns += [evidence_at(c.file, c.line, f"{c.provider} call not covered by any retry") for c in uncovered]
    elif uncovered:
        return outcome(Status.FAIL, f"no retry covers the LLM calls ({fraction})", [evidence_at(c.file, c.line, f"{c.provider} call not covered by any retry") for c in uncovered] + warns)
    suffix = f" ({fraction})" if fraction else ""
    if warns:
        return outcome(Status.WARN, f"retries found, but {plural(len(warns), 'site')} off the checklist's policy{suffix}", warns + passes)
    sites_note = f" ({plural(len(passes), 'site')})"
    return outcome(Status.PASS, f"retries with backoff and jitter, within policy{suffix or sites_note}", passes)


def _nested(
    site: RetrySite, wrapped: set[CallKey], providers_at: dict[CallKey, set[str]], sdk_on: set[str], sdk_attempts: dict[str, int]
) -> int | None:
    """Effective attempts per call when an outer retry wraps calls whose client retries too.
    ``providers_at``: the providers of the calls (tests excluded) at each call site."""
    if not wrapped or not site.attempts:
        return None
    providers: set[str] = set()
    for key in wrapped:
        found = providers_at.get(key)
        if found:
            providers |= found
    inner = [sdk_attempts.get(p, 0) for p in providers if p in sdk_on]
    if not inner or max(inner) <= 1:
        return None
    return site.attempts * max(inner)


def _summary(s: RetrySite) -> str:
    parts = []
    if s.attempts is not None:
        parts.append(f"{s.attempts} tries")
    if s.initial is not None:
        parts.append(f"initial {s.initial:g} s")
    if s.max_delay is not None and s.max_delay != INF:
        parts.append(f"max {s.max_delay:g} s")
    if s.jitter:
        parts.append("jitter")
    if s.error_filter:
        parts.append("transient errors only")
    return ", ".join(parts) or "configured"
