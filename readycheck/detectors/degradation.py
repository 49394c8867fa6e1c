"""Item 4, graceful degradation: a path to another provider or model when one is down, and a
timeout on every call so that a hung provider fails fast enough to take that path.

Fallbacks recognised: LiteLLM (`Router(fallbacks=...)`, `context_window_fallbacks`,
`completion(..., fallbacks=[...])`), LangChain `.with_fallbacks(...)` / `RunnableWithFallbacks`,
Pydantic AI `FallbackModel`, OpenRouter and AI-gateway `models: [...]` lists, a try/except (or JS
try/catch) whose handler reaches a different provider, client or model than its body (directly
or through the functions it calls, including functions handed to a circuit breaker), a loop over
a list of models, and configuration that lists fallback models (`fallback_models`, `fallbacks`,
Portkey's `strategy: {mode: fallback}`). Circuit breakers (pybreaker, circuitbreaker, aiobreaker,
purgatory, opossum, cockatiel) are reported alongside, but a breaker alone only fails fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.project import is_test_path
from readycheck.detectors.llm import llm_clients, provider_of
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.python_facts import first_match, CallFact, CallValue, PythonFacts, Unknown, qualname_matches

__all__ = ["provider_fallback", "client_timeouts", "circuit_breakers", "fallback_paths", "llm_provider"]

_NOT_CONFIG = re.compile(r"(^|/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|composer\.lock|package\.json|tsconfig[^/]*\.json|\.github/workflows/[^/]*)$")
_MODEL_ID = re.compile(
    r"^(gpt-|gpt4|o[1-9](-|$)|chatgpt|claude|gemini|mistral|mixtral|codestral|ministral|llama|command|deepseek|qwen|grok|phi-|gemma|"
    r"text-davinci|sonnet|haiku|opus|(openai|anthropic|azure|bedrock|vertex_ai|gemini|groq|ollama|together_ai|openrouter|mistral|cohere|"
    r"fireworks_ai|deepinfra|perplexity|xai|google|meta-llama|us|eu)[./:]|anthropic\.claude|amazon\.|meta\.|cohere\.|ai21\.)",
    re.I,
)
_MODEL_ARG = re.compile(r"(model|provider|llm|client|engine|deployment)", re.I)
_QUOTES = "'\""


def _q(qualname: str) -> str:
    return qualname.replace("()", "")


_TAILS: dict[str, str] = {}


def _tail(qualname: str) -> str:
    try:
        return _TAILS[qualname]
    except KeyError:
        pass
    tail = _q(qualname).split(".")[-1]
    if len(_TAILS) > 200_000:
        _TAILS.clear()
    _TAILS[qualname] = tail
    return tail


def _src(value: Any) -> str:
    """A value as comparable text: literals as their repr, expressions as their source."""
    if value is None:
        return ""
    source = getattr(value, "source", None)
    return source if isinstance(source, str) else repr(value)


def _modelish(value: Any, depth: int = 0) -> bool:
    """Whether a configuration value names models: a model id, or a mapping with a model key."""
    if depth > 6:
        return False
    if isinstance(value, str):
        return bool(_MODEL_ID.match(value.strip()))
    if isinstance(value, dict):
        if any(str(k).lower() in ("model", "model_name", "modelid", "model_id", "provider", "litellm_params", "deployment") for k in value):
            return True
        return any(_modelish(k, depth + 1) or _modelish(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_modelish(v, depth + 1) for v in value)
    return False


def _non_empty(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, (list, tuple, dict, str)):
        return len(value) > 0
    return True  # an expression: a list built elsewhere


def _deep_get(value: Any, keys: frozenset[str], depth: int = 0) -> Any:
    """The first value stored under one of `keys` anywhere in a call's argument values."""
    if depth > 6:
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            if k in keys:
                return v
        for v in value.values():
            hit = _deep_get(v, keys, depth + 1)
            if hit is not None:
                return hit
    elif isinstance(value, (list, tuple)):
        for v in value:
            hit = _deep_get(v, keys, depth + 1)
            if hit is not None:
                return hit
    elif isinstance(value, CallValue):
        return _deep_get(value.kwargs, keys, depth + 1) or _deep_get(list(value.args), keys, depth + 1)
    return None


# --- circuit breakers -------------------------------------------------------------------------------
_PY_BREAKERS = (
    "pybreaker.CircuitBreaker", "circuitbreaker.circuit", "circuitbreaker.CircuitBreaker", "aiobreaker.CircuitBreaker",
    "purgatory.AsyncCircuitBreakerFactory", "purgatory.SyncCircuitBreakerFactory", "purgatory.**.AsyncCircuitBreakerFactory",
    "purgatory.**.SyncCircuitBreakerFactory",
)
_JS_BREAKERS = ("opossum", "opossum.default", "opossum.CircuitBreaker", "cockatiel.circuitBreaker", "cockatiel.CircuitBreakerPolicy")


def circuit_breakers(index: RepoIndex) -> list[Evidence]:
    out: list[Evidence] = []
    for f in index.by_kind("python"):
        if is_test_path(f.path) or f.python is None:
            continue
        for call in f.python.calls:
            if first_match(call.qualname, _PY_BREAKERS) is not None:
                out.append(evidence_at(f, call.line, f"circuit breaker ({_q(call.qualname)})"))
        for fn in f.python.functions:
            if any(first_match(d, _PY_BREAKERS) is not None for d in fn.decorators):
                out.append(evidence_at(f, fn.line, f"circuit breaker on {fn.name}()"))
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if is_test_path(f.path) or js is None:
            continue
        for jc in js.calls:
            if _q(jc.qualname) in _JS_BREAKERS:
                out.append(evidence_at(f, jc.line, f"circuit breaker ({_q(jc.qualname)})"))
    return out


# --- what each call reaches --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Target:
    """One LLM request: who serves it, through which client, for which model."""

    provider: str
    qualname: str
    receiver: str
    model: str


def _model_of(kwargs: dict[str, Any]) -> str:
    for key in ("model", "model_id", "modelId", "model_name"):
        if key in kwargs:
            return _src(kwargs[key])
    return ""


# SDK method paths, for calls whose client could not be resolved (`self._llm = build_client()`):
# (trailing segments, provider, keyword arguments of which one must be present).
_SHAPES: tuple[tuple[tuple[str, ...], str, frozenset[str]], ...] = (
    (("chat", "completions", "create"), "openai", frozenset({"model", "messages"})),
    (("chat", "completions", "parse"), "openai", frozenset({"model", "messages"})),
    (("responses", "create"), "openai", frozenset({"model", "input"})),
    (("messages", "create"), "anthropic", frozenset({"model", "max_tokens", "system"})),
    (("messages", "stream"), "anthropic", frozenset({"model", "max_tokens", "system"})),
    (("models", "generate_content"), "google", frozenset({"model", "contents"})),
    (("chat", "complete"), "mistral", frozenset({"model", "messages"})),
    (("converse",), "bedrock", frozenset({"modelId"})),
    (("invoke_model",), "bedrock", frozenset({"modelId"})),
)


_Shapes = tuple[tuple[str, frozenset[str]], ...]
_BY_NAME: dict[str, tuple[str | None, _Shapes]] = {}


def _provider_by_name(qualname: str) -> tuple[str | None, _Shapes]:
    """What a call's name alone says: its provider, or else the SDK method shapes its path ends
    with (provider, keyword arguments one of which the call must pass); memoised by name."""
    try:
        return _BY_NAME[qualname]
    except KeyError:
        pass
    provider = provider_of(qualname)
    shapes: _Shapes = ()
    if provider is None:
        segments = tuple(_q(qualname).split("."))
        shapes = tuple((name, kwargs) for tail, name, kwargs in _SHAPES if len(segments) > len(tail) and segments[-len(tail):] == tail)
    if len(_BY_NAME) > 200_000:
        _BY_NAME.clear()
    _BY_NAME[qualname] = (provider, shapes)
    return provider, shapes


def llm_provider(call: CallFact) -> str | None:
    """The provider a Python call sends a request to: by resolved name, or by the SDK's method path
    when the client object could not be resolved."""
    provider, shapes = _provider_by_name(call.qualname)
    if provider is not None:
        return provider
    for name, kwargs in shapes:
        if call.has_star_kwargs or not kwargs.isdisjoint(call.kwargs):
            return name
    return None


def _py_target(call: CallFact) -> _Target | None:
    provider = llm_provider(call)
    if provider is None:
        return None
    return _Target(provider, _q(call.qualname), call.func.rsplit(".", 3)[0], _model_of(call.kwargs))


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def _referenced_functions(call: CallFact) -> set[str]:
    """Functions handed to a call by name: `breaker.call(self._ask_openai, ...)`, `run(fn=ask)`."""
    out = set()
    for value in list(call.args) + list(call.kwargs.values()):
        if isinstance(value, Unknown) and _NAME.match(value.source):
            out.add(value.source.split(".")[-1])
    return out


class _Reach:
    """Which LLM requests a function can make, through the functions it calls (all modules, by name)."""

    def __init__(self, index: RepoIndex) -> None:
        self.direct: dict[str, set[_Target]] = {}
        self.callees: dict[str, set[str]] = {}
        for f in index.by_kind("python"):
            facts = f.python
            if is_test_path(f.path) or facts is None:
                continue
            for call in facts.calls:
                if call.function is None:
                    continue
                target = _py_target(call)
                if target is not None:
                    self.direct.setdefault(call.function, set()).add(target)
                callees = self.callees.setdefault(call.function, set())
                callees.add(call.func.split(".")[-1])
                callees.update(_referenced_functions(call))
        for f in index.by_kind("javascript", "typescript"):
            js = f.js
            if is_test_path(f.path) or js is None:
                continue
            for jc in js.calls:
                if jc.function is None:
                    continue
                target = _js_target(jc)
                if target is not None:
                    self.direct.setdefault(jc.function, set()).add(target)
                self.callees.setdefault(jc.function, set()).update({jc.func.split(".")[-1], _tail(jc.qualname)})
        self._memo: dict[str, frozenset[_Target]] = {}

    def of(self, name: str) -> frozenset[_Target]:
        if name in self._memo:
            return self._memo[name]
        seen: set[str] = set()
        stack = [name]
        out: set[_Target] = set()
        while stack and len(seen) < 500:
            fn = stack.pop()
            if fn in seen:
                continue
            seen.add(fn)
            out.update(self.direct.get(fn, ()))
            stack.extend(self.callees.get(fn, ()))
        self._memo[name] = frozenset(out)
        return self._memo[name]

    def of_call(self, call: CallFact) -> frozenset[_Target]:
        target = _py_target(call)
        if target is not None:
            return frozenset({target})
        # `from .providers import ask_openai as primary`: the written name and the resolved one
        names = {call.func.split(".")[-1], _tail(call.qualname)} | _referenced_functions(call)
        names.discard(call.function or "")
        out: set[_Target] = set()
        for n in names:
            out.update(self.of(n))
        out.update(_referenced_methods(call))
        return frozenset(out)


def _referenced_methods(call: CallFact) -> set[_Target]:
    """SDK methods handed over by reference: `breaker.call(client.chat.completions.create, model=...)`."""
    out = set()
    for value in list(call.args) + list(call.kwargs.values()):
        if isinstance(value, Unknown) and _NAME.match(value.source):
            segments = tuple(value.source.split("."))
            for tail, provider, _ in _SHAPES:
                if len(segments) > len(tail) and segments[-len(tail):] == tail:
                    out.add(_Target(provider, value.source, ".".join(segments[: -len(tail)]), _model_of(call.kwargs)))
    return out


def _js_target(jc: Any) -> _Target | None:
    provider = provider_of(jc.qualname)
    if provider is None:
        return None
    options = jc.options if isinstance(jc.options, dict) else {}
    model = _model_of(options)
    if provider == "vercel-ai":  # the AI SDK names the provider in the model: `anthropic("claude-...")`
        m = re.match(r"^([A-Za-z_$][\w$]*)\(", model)
        provider = m.group(1) if m else provider
    return _Target(provider, _q(jc.qualname), jc.func.rsplit(".", 3)[0], model)


def _model_args(call: CallFact) -> dict[str, str]:
    out = {k: _src(v) for k, v in call.kwargs.items() if _MODEL_ARG.search(k)}
    for i, a in enumerate(call.args):
        if isinstance(a, str) and _MODEL_ID.match(a):
            out[f"#{i}"] = a
    return out


def _differs(primary: frozenset[_Target], backup: frozenset[_Target]) -> _Target | None:
    """A request the handler makes that the body does not: another provider, client or model."""
    for b in sorted(backup, key=lambda t: (t.provider, t.qualname, t.receiver, t.model)):
        if b not in primary:
            return b
    return None


def _describe(t: _Target, primary: frozenset[_Target]) -> str:
    providers = {p.provider for p in primary}
    if t.provider not in providers:
        return f"falls back to {t.provider} when {', '.join(sorted(providers))} fails"
    if t.model and all(p.model != t.model for p in primary):
        return f"falls back to another {t.provider} model ({t.model.strip(_QUOTES)})"
    return f"falls back to another {t.provider} client"


def _py_try_except(f: SourceFile, facts: PythonFacts, reach: _Reach) -> Iterator[Evidence]:
    by_fn: dict[str | None, list[CallFact]] = {}
    for call in facts.calls:
        if call.in_try or call.in_except:
            by_fn.setdefault(call.function, []).append(call)
    for calls in by_fn.values():
        tried = [(c, reach.of_call(c)) for c in calls if c.in_try]
        handled = [(c, reach.of_call(c)) for c in calls if c.in_except]
        found = False
        for e, e_targets in handled:
            if not e_targets or found:
                continue
            for t, t_targets in tried:
                if t is e or not t_targets or (t.line, t.col) >= (e.line, e.col):
                    continue
                diff = _differs(t_targets, e_targets)
                if diff is not None:
                    yield evidence_at(f, e.line, f"except handler {_describe(diff, t_targets)}")
                    found = True
                    break
                if t.func == e.func and _model_args(t) and _model_args(e) and _model_args(t) != _model_args(e):
                    yield evidence_at(f, e.line, f"except handler calls {e.func}() again with another model")
                    found = True
                    break


def _py_model_loop(f: SourceFile, facts: PythonFacts) -> Iterator[Evidence]:
    """`for model in MODELS: try: create(model=model) ... except: continue` over a list of models."""
    lists = [(t, v) for t, v, _ in facts.assignments if isinstance(v, (list, tuple)) and sum(1 for x in v if _modelish(x)) >= 2]
    if not lists:
        return
    for call in facts.calls:
        if call.in_try and call.in_loop and llm_provider(call):
            model = call.kwargs.get("model", call.kwargs.get("modelId"))
            if isinstance(model, Unknown) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", model.source):
                yield evidence_at(f, call.line, f"tries each model of `{lists[0][0]}` in turn")


_PY_FALLBACK_KWARGS = frozenset({"fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "default_fallbacks"})
_PY_FALLBACK_CLASSES = (
    "langchain_core.runnables.RunnableWithFallbacks", "langchain_core.runnables.fallbacks.RunnableWithFallbacks",
    "langchain.schema.runnable.RunnableWithFallbacks", "pydantic_ai.models.fallback.FallbackModel",
)
_MODELS_KEYS = frozenset({"models"})


_FALLBACK_NAMES: dict[str, tuple[str, str, bool, bool]] = {}


def _fallback_name(qualname: str) -> tuple[str, str, bool, bool]:
    """(name without `()`, last segment, a LiteLLM call, a fallback class) for a Python call's
    name; memoised by name."""
    try:
        return _FALLBACK_NAMES[qualname]
    except KeyError:
        pass
    q = _q(qualname)
    found = (q, _tail(qualname), q.startswith("litellm.") or q == "litellm", first_match(qualname, _PY_FALLBACK_CLASSES) is not None)
    if len(_FALLBACK_NAMES) > 200_000:
        _FALLBACK_NAMES.clear()
    _FALLBACK_NAMES[qualname] = found
    return found


def _python_fallbacks(f: SourceFile, facts: PythonFacts, reach: _Reach) -> Iterator[Evidence]:
    for call in facts.calls:
        q, tail, litellm, fallback_class = _fallback_name(call.qualname)
        if litellm:
            for key in sorted(_PY_FALLBACK_KWARGS & set(call.kwargs)):
                if _non_empty(call.kwargs[key]):
                    yield evidence_at(f, call.line, f"LiteLLM {key}=")
                    break
        if tail == "with_fallbacks" and q != "with_fallbacks" and (call.args or call.kwargs.get("fallbacks")):
            yield evidence_at(f, call.line, "LangChain .with_fallbacks(...)")
        elif fallback_class:
            yield evidence_at(f, call.line, f"{tail}: falls back to the next model")
        elif llm_provider(call):
            models = _deep_get(call.kwargs, _MODELS_KEYS)
            if isinstance(models, (list, tuple)) and models:
                yield evidence_at(f, call.line, "request lists fallback models (`models: [...]`, OpenRouter-style routing)")
    yield from _py_try_except(f, facts, reach)
    yield from _py_model_loop(f, facts)


def _js_fallbacks(f: SourceFile, reach: _Reach) -> Iterator[Evidence]:
    js = f.js
    if js is None:
        return
    by_fn: dict[str | None, list[Any]] = {}
    for jc in js.calls:
        tail = _tail(jc.qualname)
        options = jc.options if isinstance(jc.options, dict) else {}
        if tail == "withFallbacks":
            yield evidence_at(f, jc.line, "LangChain .withFallbacks(...)")
        elif provider_of(jc.qualname):
            models = _deep_get(options, _MODELS_KEYS)
            if isinstance(models, (list, tuple)) and models:
                yield evidence_at(f, jc.line, "request lists fallback models (`models: [...]`)")
        if jc.in_try or jc.in_catch:
            by_fn.setdefault(jc.function, []).append(jc)

    def targets(jc: Any) -> frozenset[_Target]:
        t = _js_target(jc)
        if t is not None:
            return frozenset({t})
        name = jc.func.split(".")[-1]
        return reach.of(name) if name != jc.function else frozenset()

    for calls in by_fn.values():
        tried = [(c, targets(c)) for c in calls if c.in_try]
        found = False
        for e in (c for c in calls if c.in_catch and not found):
            e_targets = targets(e)
            for t, t_targets in tried:
                if t is e or not t_targets or (t.line, t.col) >= (e.line, e.col):
                    continue
                diff = _differs(t_targets, e_targets)
                if diff is not None:
                    yield evidence_at(f, e.line, f"catch block {_describe(diff, t_targets)}")
                    found = True
                    break


# --- configuration -------------------------------------------------------------------------------------
_SPECIFIC_KEYS = frozenset({
    "fallback_models", "fallback_model", "fallback_llm", "fallback_llms", "fallback_provider", "fallback_providers",
    "backup_model", "backup_models", "backup_provider", "secondary_model", "secondary_provider", "context_window_fallbacks",
    "content_policy_fallbacks", "default_fallbacks", "model_fallbacks", "fallback_chain",
})
_GENERIC_KEYS = frozenset({"fallback", "fallbacks"})
_OFF = frozenset({"", "none", "null", "false", "off", "disabled", "no", "0"})
_ENV_KEY = re.compile(r"^(FALLBACK|BACKUP|SECONDARY)_(LLM_)?(MODELS?|PROVIDERS?|LLMS?)$|^(LLM|MODEL|OPENAI|ANTHROPIC)_FALLBACKS?(_MODELS?)?$")


_KEYS: dict[str, str] = {}


def _key(name: Any) -> str:
    text = str(name)
    try:
        return _KEYS[text]
    except KeyError:
        pass
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", text)
    key = s.replace("-", "_").lower()
    if len(_KEYS) > 200_000:
        _KEYS.clear()
    _KEYS[text] = key
    return key


def _configured(value: Any, generic: bool) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in _OFF:
        return False
    if not _non_empty(value):
        return False
    return _modelish(value) if generic else True


def _config_fallbacks(f: SourceFile) -> Iterator[Evidence]:
    for doc in f.documents:
        for path, value in doc.walk():
            if not path:
                continue
            key = _key(path[-1])
            if key in _SPECIFIC_KEYS or key in _GENERIC_KEYS:
                if _configured(value, key in _GENERIC_KEYS):
                    yield evidence_at(f, doc.line_of(path), f"fallback models configured (`{'.'.join(map(str, path))}`)")
            elif key == "strategy" and isinstance(value, dict) and str(value.get("mode", "")).lower() == "fallback":
                yield evidence_at(f, doc.line_of(path), "gateway routing strategy: fallback")


def _env_fallbacks(f: SourceFile) -> Iterator[Evidence]:
    for i, line in enumerate(f.lines, 1):
        m = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*['\"]?([^'\"#]*)", line)
        if m and _ENV_KEY.match(m.group(1).upper()) and m.group(2).strip().lower() not in _OFF:
            yield evidence_at(f, i, f"fallback configured ({m.group(1)})")


def _settings_fallbacks(f: SourceFile, facts: PythonFacts) -> Iterator[Evidence]:
    """Settings in code: `FALLBACK_MODELS = [...]`, `fallback_model: str = "claude-..."`."""
    for target, value, line in facts.assignments:
        key = _key(target.split(".")[-1])
        if (key in _SPECIFIC_KEYS or key in _GENERIC_KEYS) and _configured(value, True):
            yield evidence_at(f, line, f"fallback models configured (`{target}`)")


def fallback_paths(index: RepoIndex) -> tuple[list[Evidence], list[Evidence]]:
    """(code paths, configuration) that send a request elsewhere when a provider fails."""
    reach = _Reach(index)
    code: list[Evidence] = []
    config: list[Evidence] = []
    for f in index.files:
        if is_test_path(f.path):
            continue
        if f.kind == "python" and f.python is not None:
            code.extend(_python_fallbacks(f, f.python, reach))
            config.extend(_settings_fallbacks(f, f.python))
        elif f.kind in ("javascript", "typescript"):
            code.extend(_js_fallbacks(f, reach))
        elif f.kind in ("yaml", "json", "toml") and not _NOT_CONFIG.search(f.path):
            config.extend(_config_fallbacks(f))
        elif f.kind == "env":
            config.extend(_env_fallbacks(f))
    return code, config


def _llm_sites(index: RepoIndex) -> list[Evidence]:
    out: list[Evidence] = []
    for f in index.by_kind("python"):
        if is_test_path(f.path) or f.python is None:
            continue
        for call in f.python.calls:
            p = llm_provider(call)
            if p:
                out.append(evidence_at(f, call.line, f"{p} call with no fallback path"))
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if is_test_path(f.path) or js is None:
            continue
        for jc in js.calls:
            p = provider_of(jc.qualname)
            if p:
                out.append(evidence_at(f, jc.line, f"{p} call with no fallback path"))
    if not out:  # chat models built but invoked through a framework (LangChain .invoke)
        out = [evidence_at(c.file, c.line, f"{c.provider} model with no fallback") for c in llm_clients(index) if not is_test_path(c.file.path)]
    return out


def provider_fallback(ctx: Context) -> Outcome:
    sites = _llm_sites(ctx.index)
    if not sites:
        return outcome(Status.SKIP, "no LLM calls found: no provider to fall back from")
    code, config = fallback_paths(ctx.index)
    breakers = circuit_breakers(ctx.index)
    providers = sorted({(e.note or "").split(" ")[0] for e in sites})
    breaker_note = f"; {plural(len(breakers), 'circuit breaker')} {'fails' if len(breakers) == 1 else 'fail'} fast" if breakers else ""
    if code or config:
        where = []
        if code:
            where.append(f"{plural(len(code), 'fallback path')} in code")
        if config:
            where.append(f"fallback models in {plural(len(config), 'configuration entry', 'configuration entries')}")
        return outcome(Status.PASS, f"the agent can answer through another provider or model: {' and '.join(where)}{breaker_note}", code + config + breakers)
    msg = f"LLM calls ({', '.join(providers)}) have no fallback to another provider or model"
    if breakers:
        msg += f"; {plural(len(breakers), 'circuit breaker')} found, but a breaker only fails fast: nothing answers in the provider's place"
    return outcome(Status.FAIL, msg, sites[:10] + breakers)


# --- timeouts ----------------------------------------------------------------------------------------------
_REQUESTS_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_PY_REQUESTS = tuple(f"requests.{v}" for v in _REQUESTS_VERBS) + tuple(
    f"{s}.{v}" for s in ("requests.Session", "requests.session", "requests.sessions.Session", "requests.api") for v in _REQUESTS_VERBS
)
_PY_HTTPX = tuple(f"httpx.{v}" for v in (*_REQUESTS_VERBS, "stream")) + ("httpx.Client", "httpx.AsyncClient")
_PY_HTTPX_METHODS = tuple(f"httpx.{c}.{v}" for c in ("Client", "AsyncClient") for v in (*_REQUESTS_VERBS, "stream", "send"))
_AIOHTTP_VERBS = tuple(f"aiohttp.ClientSession.{v}" for v in _REQUESTS_VERBS)
_TIMEOUT_KEYS = frozenset({"timeout", "request_timeout", "default_request_timeout", "timeout_ms", "read_timeout", "timeoutMs"})
_JS_TIMEOUT_KEYS = frozenset({"timeout", "signal", "abortSignal", "timeoutMs"})
_JS_FETCH = ("fetch", "globalThis.fetch", "window.fetch", "node-fetch", "node-fetch.default", "undici.fetch", "undici.request")
_JS_AXIOS = tuple(f"axios.{v}" for v in _REQUESTS_VERBS) + ("axios", "axios.default")
_SDK_DEFAULT_600 = frozenset({"openai", "anthropic"})
# Default timeouts in seconds, by client module or provider (LangChain models inherit the SDK's).
_CLIENT_DEFAULTS: dict[str, float] = {
    "openai": 600.0, "anthropic": 600.0, "@anthropic-ai/sdk": 600.0, "litellm": 6000.0,
    "groq": 60.0, "cohere": 300.0, "llama_index": 60.0, "bedrock": 60.0,
}


@dataclass(frozen=True, slots=True)
class _Verdict:
    ok: bool
    explicit: bool  # set in code, rather than a library default
    note: str


def _seconds(value: Any, ms: bool) -> float | None | str:
    """A timeout in seconds; None when the value disables the timeout; "?" when it cannot be read."""
    if isinstance(value, bool):
        return "?"
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return value / 1000.0 if ms else float(value)
    if isinstance(value, (tuple, list)):  # requests' (connect, read)
        parts = [_seconds(v, ms) for v in value]
        if any(p is None for p in parts):
            return None
        nums = [p for p in parts if isinstance(p, float)]
        return max(nums) if nums else "?"
    if isinstance(value, CallValue):
        tail = _tail(value.qualname)
        if tail == "ClientTimeout":  # aiohttp: fields left None mean no limit
            fields = [value.kwargs.get(k) for k in ("total", "sock_read")] + list(value.args[:1])
            if all(v is None for v in fields):
                return None
            nums = [float(v) for v in fields if isinstance(v, (int, float)) and not isinstance(v, bool)]
            return max(nums) if nums else "?"
        if tail == "Timeout":  # httpx.Timeout(30.0, connect=5.0), openai's re-export
            if value.args:
                return _seconds(value.args[0], ms)
            for key in ("timeout", "read"):
                if key in value.kwargs:
                    return _seconds(value.kwargs[key], ms)
            return "?"
        if tail == "timeout" and value.args:  # AbortSignal.timeout(10_000)
            return _seconds(value.args[0], True)
    return "?"


def _judge(key: str, value: Any, limit: float, ms: bool = False) -> _Verdict:
    secs = _seconds(value, ms or key in ("timeout_ms", "timeoutMs"))
    if secs is None:
        return _Verdict(False, True, f"{key}=None: waits forever" if value is None else f"{key} sets no limit: waits forever")
    if isinstance(secs, float):
        if secs <= 0:
            return _Verdict(False, True, f"{key} of {secs:g} s: no timeout")
        if secs > limit:
            return _Verdict(False, True, f"{key} of {secs:g} s is longer than {limit:g} s")
        return _Verdict(True, True, f"{key} {secs:g} s")
    return _Verdict(True, True, f"{key} set")


# Option objects that take milliseconds where their SDK otherwise speaks seconds.
_MS_CONTAINERS = frozenset({"HttpOptions", "http_options"})


def _timeout_in(value: Any, keys: frozenset[str] = _TIMEOUT_KEYS, depth: int = 0, ms: bool = False) -> tuple[str, Any, bool] | None:
    """The first timeout setting anywhere in a call's arguments, and whether it is in milliseconds:
    `timeout=`, `http_client=httpx.Client(timeout=...)`, `request_options={"timeout": ...}`,
    `http_options=HttpOptions(timeout=...)` (milliseconds), `config=Config(read_timeout=...)`."""
    if depth > 6:
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            if k in keys:
                return str(k), v, ms
        for k, v in value.items():
            hit = _timeout_in(v, keys, depth + 1, ms or k in _MS_CONTAINERS)
            if hit:
                return hit
    elif isinstance(value, (list, tuple)):
        for v in value:
            hit = _timeout_in(v, keys, depth + 1, ms)
            if hit:
                return hit
    elif isinstance(value, CallValue):
        return _timeout_in(value.kwargs, keys, depth + 1, ms or _tail(value.qualname) in _MS_CONTAINERS)
    return None


@dataclass
class _Sites:
    limit: float
    good: list[Evidence]
    default_ok: list[Evidence]
    missing: list[Evidence]
    unknown: int = 0

    def add(self, f: SourceFile, line: int, what: str, verdict: _Verdict) -> None:
        ev = evidence_at(f, line, f"{what}: {verdict.note}")
        if not verdict.ok:
            self.missing.append(ev)
        elif verdict.explicit:
            self.good.append(ev)
        else:
            self.default_ok.append(ev)

    def judge(self, f: SourceFile, line: int, what: str, hit: tuple[str, Any, bool] | None, otherwise: _Verdict, ms: bool = False) -> bool:
        verdict = _judge(hit[0], hit[1], self.limit, ms or hit[2]) if hit else otherwise
        self.add(f, line, what, verdict)
        return verdict.ok


def _root(qualname: str) -> str:
    return _q(qualname).split(".")[0]


def _module_timeouts(index: RepoIndex) -> dict[str, tuple[str, Any, bool]]:
    """Module-wide settings: `litellm.request_timeout = 30`, `openai.timeout = 20`."""
    out: dict[str, tuple[str, Any, bool]] = {}
    for f in index.by_kind("python"):
        if f.python is None:
            continue
        aliases = {i.alias: i.module for i in f.python.imports if i.name is None}
        for target, value, _ in f.python.assignments:
            head, _, attr = target.rpartition(".")
            module = aliases.get(head, head)
            if attr in ("request_timeout", "timeout") and module in ("litellm", "openai"):
                out[module] = (target, value, False)
    return out


_TIMEOUT_RELEVANT: dict[str, bool] = {}


def _py_timeout_relevant(q: str) -> bool:
    """Whether a Python call's name passes one of _python_timeouts' name tests (the first loop's);
    memoised by name."""
    try:
        return _TIMEOUT_RELEVANT[q]
    except KeyError:
        pass
    relevant = (
        provider_of(q) is not None
        or (_tail(q) == "with_options" and _root(q) in _SDK_DEFAULT_600)
        or first_match(q, _PY_REQUESTS) is not None
        or first_match(q, _PY_HTTPX) is not None
        or first_match(q, _PY_HTTPX_METHODS) is not None
        or first_match(q, _AIOHTTP_VERBS) is not None
        or qualname_matches(q, "aiohttp.request")
        or qualname_matches(q, "urllib.request.urlopen")
        or qualname_matches(q, "urllib3.PoolManager")
        or qualname_matches(q, "urllib3.request")
    )
    if len(_TIMEOUT_RELEVANT) > 200_000:
        _TIMEOUT_RELEVANT.clear()
    _TIMEOUT_RELEVANT[q] = relevant
    return relevant


def _python_timeouts(f: SourceFile, facts: PythonFacts, sites: _Sites, module_wide: dict[str, tuple[str, Any, bool]]) -> dict[str, bool]:
    """Judge LLM and HTTP calls; return, per SDK, whether every call through a client sets its own timeout."""
    covered: dict[str, bool] = {}
    aiohttp_timed = aiohttp_bare = 0
    for call in facts.calls:
        q = call.qualname
        if not _py_timeout_relevant(q):
            continue  # no branch below can apply: its timeout need not be read
        provider = provider_of(q)
        hit = _timeout_in(call.kwargs)
        if provider == "bedrock":
            sites.judge(f, call.line, "Bedrock call", hit, _Verdict(True, False, "botocore's default read timeout (60 s)"))
        elif provider is not None and "()" in q:  # through a client object: judged with the client
            if hit:
                covered[_root(q)] = sites.judge(f, call.line, f"{provider} call", hit, _Verdict(True, True, "")) and covered.get(_root(q), True)
            elif not call.has_star_kwargs:
                covered[_root(q)] = False
        elif provider is not None:  # module-level API: litellm.completion, openai.ChatCompletion.create
            hit = hit or module_wide.get(_root(q))
            if hit is None and call.has_star_kwargs:
                sites.unknown += 1
                continue
            default = "no timeout set (LiteLLM's default is 6000 s)" if _root(q) == "litellm" else "no timeout set"
            sites.judge(f, call.line, f"{provider} call", hit, _Verdict(False, False, default))
        elif _tail(q) == "with_options" and _root(q) in _SDK_DEFAULT_600 and hit:
            covered[_root(q)] = sites.judge(f, call.line, "client.with_options", hit, _Verdict(True, True, "")) and covered.get(_root(q), True)
        elif first_match(q, _PY_REQUESTS) is not None:
            if hit is None and call.has_star_kwargs:
                sites.unknown += 1
                continue
            sites.judge(f, call.line, f"{call.func}()", hit, _Verdict(False, False, "no timeout: requests waits forever by default"))
        elif first_match(q, _PY_HTTPX) is not None:
            sites.judge(f, call.line, f"{call.func}()", hit, _Verdict(True, False, "httpx's default timeout (5 s)"))
        elif first_match(q, _PY_HTTPX_METHODS) is not None:
            if hit:  # a per-request override of the client's timeout
                sites.judge(f, call.line, f"{call.func}()", hit, _Verdict(True, True, ""))
        elif first_match(q, _AIOHTTP_VERBS) is not None:
            if hit:
                aiohttp_timed += 1
                sites.judge(f, call.line, f"{call.func}()", hit, _Verdict(True, True, ""))
            else:
                aiohttp_bare += 1
        elif qualname_matches(q, "aiohttp.request"):
            sites.judge(f, call.line, "aiohttp.request()", hit, _Verdict(False, False, "no timeout: aiohttp's default allows 5 minutes"))
        elif qualname_matches(q, "urllib.request.urlopen"):
            if hit is None and len(call.args) >= 3:
                hit = ("timeout", call.args[2], False)
            sites.judge(f, call.line, f"{call.func}()", hit, _Verdict(False, False, "no timeout: waits as long as the socket allows"))
        elif qualname_matches(q, "urllib3.PoolManager") or qualname_matches(q, "urllib3.request"):
            sites.judge(f, call.line, f"{call.func}()", hit, _Verdict(False, False, "no timeout: urllib3 waits forever by default"))
    for call in facts.calls:
        if qualname_matches(call.qualname, "aiohttp.ClientSession"):
            hit = _timeout_in(call.kwargs)
            if hit is None and aiohttp_timed and not aiohttp_bare:
                sites.add(f, call.line, "aiohttp.ClientSession", _Verdict(True, True, "every request through it passes timeout="))
            else:
                sites.judge(f, call.line, "aiohttp.ClientSession", hit, _Verdict(False, False, "no timeout: aiohttp's default allows 5 minutes per request"))
    return covered


def _js_http_name(q: str) -> bool:
    """fetch() or axios, as _js_timeouts names them."""
    plain = _q(q)
    return plain in _JS_FETCH or plain in _JS_AXIOS or plain in ("axios.create", "axios.default.create")


def _js_timeouts(f: SourceFile, sites: _Sites) -> dict[str, bool]:
    covered: dict[str, bool] = {}
    js = f.js
    if js is None:
        return covered
    for jc in js.calls:
        q = jc.qualname
        provider = provider_of(q)
        if provider is None and not _js_http_name(q):
            continue  # no branch below can apply: its timeout need not be read
        options = jc.options if isinstance(jc.options, dict) else {}
        hit = _timeout_in(options, _JS_TIMEOUT_KEYS)
        if provider == "vercel-ai":
            sites.judge(f, jc.line, "AI SDK call", hit, _Verdict(False, False, "no abortSignal or timeout: waits as long as the provider does"), ms=True)
        elif provider is not None:
            if hit:
                covered[_root(q)] = sites.judge(f, jc.line, f"{provider} call", hit, _Verdict(True, True, ""), ms=True) and covered.get(_root(q), True)
            else:
                covered[_root(q)] = False
        elif _q(q) in _JS_FETCH:
            sites.judge(f, jc.line, "fetch()", hit, _Verdict(False, False, "no AbortSignal: fetch has no timeout of its own"), ms=True)
        elif _q(q) in _JS_AXIOS or _q(q) in ("axios.create", "axios.default.create"):
            sites.judge(f, jc.line, f"{jc.func}()", hit, _Verdict(False, False, "no timeout: axios waits forever by default"), ms=True)
    return covered


def client_timeouts(ctx: Context) -> Outcome:
    sites = _Sites(float(ctx.param("max_seconds", 300)), [], [], [])
    module_wide = _module_timeouts(ctx.index)
    covered: dict[tuple[str, str], bool] = {}
    for f in ctx.index.by_kind("python"):
        if not is_test_path(f.path) and f.python is not None:
            for root, ok in _python_timeouts(f, f.python, sites, module_wide).items():
                covered[(f.path, root)] = ok
    for f in ctx.index.by_kind("javascript", "typescript"):
        if not is_test_path(f.path):
            for root, ok in _js_timeouts(f, sites).items():
                covered[(f.path, root)] = ok
    for client in llm_clients(ctx.index):
        if is_test_path(client.file.path):
            continue
        js = client.language == "js"
        hit = _timeout_in(client.kwargs, _JS_TIMEOUT_KEYS if js else _TIMEOUT_KEYS)
        if hit is None and covered.get((client.file.path, _root(client.qualname))):
            continue  # every call through it sets a timeout; those calls are the evidence
        default_s = _CLIENT_DEFAULTS.get(_root(client.qualname), _CLIENT_DEFAULTS.get(client.provider))
        if default_s is None:
            default = _Verdict(False, False, "no timeout set")
        elif default_s <= sites.limit:
            default = _Verdict(True, False, f"the SDK's default timeout ({default_s:g} s)")
        else:
            default = _Verdict(False, False, f"no timeout set: the SDK's default is {default_s:g} s")
        sites.judge(client.file, client.line, f"{_q(client.qualname)}()", hit, default, ms=js)
    judged = len(sites.good) + len(sites.default_ok) + len(sites.missing)
    if not judged:
        if sites.unknown:
            verb = "passes its" if sites.unknown == 1 else "pass their"
            return outcome(Status.SKIP, f"{plural(sites.unknown, 'call')} {verb} options through **kwargs; timeouts cannot be read")
        return outcome(Status.SKIP, "no LLM clients or HTTP calls found")
    if not sites.missing:
        return outcome(Status.PASS, f"every LLM client and HTTP call has a timeout ({plural(judged, 'site')})", sites.good + sites.default_ok)
    if sites.good:
        return outcome(Status.WARN, f"{plural(len(sites.missing), 'LLM client or HTTP call', 'LLM clients or HTTP calls')} of {judged} without a usable timeout", sites.missing)
    return outcome(Status.FAIL, f"no timeout set anywhere: {plural(len(sites.missing), 'LLM client or HTTP call', 'LLM clients or HTTP calls')} can hang on a stalled provider", sites.missing)
