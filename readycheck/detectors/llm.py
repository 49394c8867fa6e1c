"""What agents call: the LLM SDKs and HTTP clients readycheck recognises, by resolved qualname.

Patterns use `qualname_matches` syntax: dotted names, `*` for one segment, a trailing `.**` for any
rest; instance markers `()` are ignored, so `openai.OpenAI.chat.completions.create` matches a call
through `client = OpenAI(); client.chat.completions.create(...)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from readycheck.parsers.python_facts import CallValue, Unknown, qualname_matches

if TYPE_CHECKING:
    from readycheck.index import RepoIndex, SourceFile

__all__ = [
    "LlmCall",
    "PY_LLM_CALLS",
    "PY_LLM_CLIENTS",
    "JS_LLM_CALLS",
    "JS_LLM_CLIENTS",
    "PY_HTTP_CALLS",
    "llm_calls",
    "llm_clients",
    "agent_builders",
    "PY_AGENT_BUILDERS",
    "PY_AGENT_RUNS",
    "JS_AGENT_RUNS",
    "has_kw_deep",
    "provider_of",
    "python_modules",
]

_OPENAI_CLIENTS = ("OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI")
_ANTHROPIC_CLIENTS = ("Anthropic", "AsyncAnthropic", "AnthropicBedrock", "AsyncAnthropicBedrock", "AnthropicVertex", "AsyncAnthropicVertex")

# Client constructors: qualname pattern -> provider.
PY_LLM_CLIENTS: dict[str, str] = {
    **{f"openai.{c}": "openai" for c in _OPENAI_CLIENTS},
    **{f"anthropic.{c}": "anthropic" for c in _ANTHROPIC_CLIENTS},
    "google.genai.Client": "google",
    "google.generativeai.GenerativeModel": "google",
    "vertexai.generative_models.GenerativeModel": "google",
    "mistralai.Mistral": "mistral",
    "groq.Groq": "groq",
    "groq.AsyncGroq": "groq",
    "cohere.Client": "cohere",
    "cohere.ClientV2": "cohere",
    "litellm.Router": "litellm",
    # LangChain chat models: constructing one is where caps, retries and timeouts are set
    "langchain_openai.ChatOpenAI": "openai",
    "langchain_openai.AzureChatOpenAI": "openai",
    "langchain_openai.OpenAI": "openai",
    "langchain_anthropic.ChatAnthropic": "anthropic",
    "langchain_google_genai.ChatGoogleGenerativeAI": "google",
    "langchain_google_vertexai.ChatVertexAI": "google",
    "langchain_aws.ChatBedrock": "bedrock",
    "langchain_aws.ChatBedrockConverse": "bedrock",
    "langchain_mistralai.ChatMistralAI": "mistral",
    "langchain_groq.ChatGroq": "groq",
    "langchain_community.chat_models.ChatLiteLLM": "litellm",
    "langchain_ollama.ChatOllama": "ollama",
    "langchain.chat_models.init_chat_model": "langchain",
    "llama_index.llms.openai.OpenAI": "openai",
    "llama_index.llms.anthropic.Anthropic": "anthropic",
    "llama_index.llms.bedrock_converse.BedrockConverse": "bedrock",
    "llama_index.llms.gemini.Gemini": "google",
}

# Agent frameworks: where an agent (and so its model settings) is built. Token caps, turn
# budgets and model choices are set here, not on each request.
PY_AGENT_BUILDERS: dict[str, str] = {
    "pydantic_ai.Agent": "pydantic-ai",
    "agents.Agent": "openai-agents",
    "crewai.Agent": "crewai",
    "autogen.AssistantAgent": "autogen",
    "autogen.ConversableAgent": "autogen",
    "autogen_agentchat.agents.AssistantAgent": "autogen",
    "autogen_ext.models.openai.OpenAIChatCompletionClient": "autogen",
    "autogen_ext.models.openai.AzureOpenAIChatCompletionClient": "autogen",
    "autogen_ext.models.anthropic.AnthropicChatCompletionClient": "autogen",
    "smolagents.CodeAgent": "smolagents",
    "smolagents.ToolCallingAgent": "smolagents",
}

# Agent runs: one call, many model requests. (pattern, budget keyword, framework default or None)
PY_AGENT_RUNS: tuple[tuple[str, str, int | None], ...] = (
    ("agents.Runner.run", "max_turns", 10),
    ("agents.Runner.run_sync", "max_turns", 10),
    ("agents.Runner.run_streamed", "max_turns", 10),
    ("pydantic_ai.Agent.run", "usage_limits", 50),
    ("pydantic_ai.Agent.run_sync", "usage_limits", 50),
    ("pydantic_ai.Agent.run_stream", "usage_limits", 50),
    ("pydantic_ai.Agent.iter", "usage_limits", 50),
    ("crewai.Crew.kickoff", "max_iter", 20),
    ("autogen.ConversableAgent.initiate_chat", "max_turns", None),
    ("autogen.UserProxyAgent.initiate_chat", "max_turns", None),
    ("autogen.AssistantAgent.initiate_chat", "max_turns", None),
    ("langgraph.prebuilt.create_react_agent.invoke", "recursion_limit", 25),
    ("langgraph.prebuilt.create_react_agent.ainvoke", "recursion_limit", 25),
    ("langgraph.prebuilt.create_react_agent.stream", "recursion_limit", 25),
    ("langgraph.graph.StateGraph.compile.invoke", "recursion_limit", 25),
    ("langgraph.graph.StateGraph.compile.ainvoke", "recursion_limit", 25),
    ("langgraph.graph.StateGraph.compile.stream", "recursion_limit", 25),
    ("langchain.agents.AgentExecutor.invoke", "max_iterations", 15),
    ("langchain.agents.AgentExecutor.ainvoke", "max_iterations", 15),
    ("smolagents.CodeAgent.run", "max_steps", 20),
    ("smolagents.ToolCallingAgent.run", "max_steps", 20),
)
JS_AGENT_RUNS: tuple[tuple[str, str, int | None], ...] = (
    ("@openai/agents.run", "maxTurns", 10),
    ("@openai/agents.Runner.run", "maxTurns", 10),
    ("ai.generateText", "stopWhen", 1),
    ("ai.streamText", "stopWhen", 1),
)

# Calls that send a request to a model: pattern -> provider.
PY_LLM_CALLS: dict[str, str] = {
    **{f"openai.{c}.chat.completions.create": "openai" for c in _OPENAI_CLIENTS},
    **{f"openai.{c}.beta.chat.completions.parse": "openai" for c in _OPENAI_CLIENTS},
    **{f"openai.{c}.chat.completions.parse": "openai" for c in _OPENAI_CLIENTS},
    **{f"openai.{c}.responses.create": "openai" for c in _OPENAI_CLIENTS},
    **{f"openai.{c}.completions.create": "openai" for c in _OPENAI_CLIENTS},
    "openai.chat.completions.create": "openai",
    "openai.responses.create": "openai",
    "openai.ChatCompletion.create": "openai",
    "openai.ChatCompletion.acreate": "openai",
    "openai.Completion.create": "openai",
    **{f"anthropic.{c}.messages.create": "anthropic" for c in _ANTHROPIC_CLIENTS},
    **{f"anthropic.{c}.messages.stream": "anthropic" for c in _ANTHROPIC_CLIENTS},
    **{f"anthropic.{c}.beta.messages.create": "anthropic" for c in _ANTHROPIC_CLIENTS},
    "google.genai.Client.models.generate_content": "google",
    "google.genai.Client.models.generate_content_stream": "google",
    "google.genai.Client.aio.models.generate_content": "google",
    "google.generativeai.GenerativeModel.generate_content": "google",
    "vertexai.generative_models.GenerativeModel.generate_content": "google",
    "mistralai.Mistral.chat.complete": "mistral",
    "groq.Groq.chat.completions.create": "groq",
    "groq.AsyncGroq.chat.completions.create": "groq",
    "cohere.Client.chat": "cohere",
    "cohere.ClientV2.chat": "cohere",
    "litellm.completion": "litellm",
    "litellm.acompletion": "litellm",
    "litellm.Router.completion": "litellm",
    "litellm.Router.acompletion": "litellm",
    "boto3.client.converse": "bedrock",
    "boto3.client.converse_stream": "bedrock",
    "boto3.client.invoke_model": "bedrock",
    "boto3.client.invoke_model_with_response_stream": "bedrock",
    "boto3.Session.client.converse": "bedrock",
    "boto3.Session.client.invoke_model": "bedrock",
    "boto3.session.Session.client.converse": "bedrock",
    "boto3.session.Session.client.invoke_model": "bedrock",
}

# Keyword arguments that cap a response's tokens, anywhere in a call's arguments.
TOKEN_CAP_KEYS = frozenset(
    {
        "max_tokens", "max_completion_tokens", "max_output_tokens", "maxTokens", "maxOutputTokens",
        "max_new_tokens", "num_predict", "maxTokenCount", "max_gen_len", "max_tokens_to_sample",
    }
)

PY_HTTP_CALLS: tuple[str, ...] = (
    "requests.get", "requests.post", "requests.put", "requests.patch", "requests.delete", "requests.request",
    "requests.head", "requests.Session.get", "requests.Session.post", "requests.Session.request",
    "httpx.get", "httpx.post", "httpx.put", "httpx.delete", "httpx.request", "httpx.stream",
    "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession",
    "urllib.request.urlopen",
)

JS_LLM_CLIENTS: dict[str, str] = {
    "openai": "openai",
    "openai.OpenAI": "openai",
    "openai.AzureOpenAI": "openai",
    "@anthropic-ai/sdk": "anthropic",
    "@anthropic-ai/sdk.Anthropic": "anthropic",
    "@google/genai.GoogleGenAI": "google",
    "@google/generative-ai.GoogleGenerativeAI": "google",
    "@langchain/openai.ChatOpenAI": "openai",
    "@langchain/anthropic.ChatAnthropic": "anthropic",
}

JS_LLM_CALLS: dict[str, str] = {
    "openai.chat.completions.create": "openai",
    "openai.responses.create": "openai",
    "openai.completions.create": "openai",
    "openai.beta.chat.completions.parse": "openai",
    "openai.OpenAI.chat.completions.create": "openai",
    "openai.OpenAI.responses.create": "openai",
    "openai.AzureOpenAI.chat.completions.create": "openai",
    "@anthropic-ai/sdk.messages.create": "anthropic",
    "@anthropic-ai/sdk.messages.stream": "anthropic",
    "@anthropic-ai/sdk.Anthropic.messages.create": "anthropic",
    "@google/genai.GoogleGenAI.models.generateContent": "google",
    "ai.generateText": "vercel-ai",
    "ai.streamText": "vercel-ai",
    "ai.generateObject": "vercel-ai",
    "ai.streamObject": "vercel-ai",
}


@dataclass(frozen=True, slots=True)
class LlmCall:
    file: SourceFile
    line: int
    end_line: int
    qualname: str
    provider: str
    kwargs: dict[str, Any]  # keyword arguments (Python) or object-literal options (JS)
    has_star_kwargs: bool
    function: str | None
    in_except: bool
    language: str


_TRANSPARENT = re.compile(r"\.(with_options|with_raw_response|with_streaming_response|beta(?=\.chat\.completions\.parse))(\(\))?(?=\.)")


_BY_TAIL: dict[int, dict[str, list[tuple[str, str]]]] = {}


def _tail_index(table: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Patterns grouped by their last segment, so a call is compared with a handful, not all."""
    index = _BY_TAIL.get(id(table))
    if index is None:
        index = {}
        for pattern, provider in table.items():
            index.setdefault(pattern.replace("()", "").rsplit(".", 1)[-1], []).append((pattern, provider))
        _BY_TAIL[id(table)] = index
    return index


_MATCH_MEMO: dict[tuple[int, str], tuple[dict[str, str], str | None]] = {}


def _match(qualname: str, table: dict[str, str]) -> str | None:
    """The provider of the first pattern of `table` that `qualname` matches; memoised (the tables
    are module constants, and a project calls the same names thousands of times)."""
    key = (id(table), qualname)
    held = _MATCH_MEMO.get(key)
    if held is not None and held[0] is table:
        return held[1]
    found = _match_uncached(qualname, table)
    if len(_MATCH_MEMO) > 200_000:
        _MATCH_MEMO.clear()
    _MATCH_MEMO[key] = (table, found)
    return found


def _match_uncached(qualname: str, table: dict[str, str]) -> str | None:
    qualname = _TRANSPARENT.sub("", qualname) if "with_" in qualname else qualname
    tail = qualname.replace("()", "").rsplit(".", 1)[-1]
    for pattern, provider in _tail_index(table).get(tail, ()):
        if qualname_matches(qualname, pattern):
            return provider
    return None


_PROVIDERS: dict[str, str | None] = {}


def provider_of(qualname: str) -> str | None:
    try:
        return _PROVIDERS[qualname]
    except KeyError:
        pass
    provider = _match(qualname, PY_LLM_CALLS) or _match(qualname, JS_LLM_CALLS)
    if len(_PROVIDERS) > 200_000:
        _PROVIDERS.clear()
    _PROVIDERS[qualname] = provider
    return provider


def python_modules(index: RepoIndex) -> dict[str, SourceFile]:
    """Dotted module name -> file, for every Python file (with and without a leading src/);
    computed once per audit."""
    cached: dict[str, SourceFile] = index.memo("python-modules", lambda: _python_modules(index))
    return cached


def _python_modules(index: RepoIndex) -> dict[str, SourceFile]:
    out: dict[str, SourceFile] = {}
    for f in index.by_kind("python"):
        parts = f.path[:-3].split("/") if f.path.endswith(".py") else f.path.split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        for start in range(len(parts)):
            out.setdefault(".".join(parts[start:]), f)
    return out


def project_qualname(index: RepoIndex, qualname: str) -> str:
    """Resolve names imported from the project's own modules: `app.clients.make_client()` becomes
    `anthropic.Anthropic()` when app/clients.py's make_client returns one; likewise a client
    bound at module level (`from app.llm import client`). Answers are memoised for the audit:
    every check resolves the same call names."""
    resolved: dict[str, str] = index.memo("project-qualnames", dict)
    try:
        return resolved[qualname]
    except KeyError:
        pass
    answer = _project_qualname(index, qualname)
    resolved[qualname] = answer
    return answer


def _project_qualname(index: RepoIndex, qualname: str) -> str:
    modules = python_modules(index)
    for _ in range(3):
        segs = qualname.split(".")
        changed = False
        for i in range(len(segs) - 1, 0, -1):
            mod = ".".join(segs[:i]).lstrip(".")
            f = modules.get(mod)
            if f is None or f.python is None:
                continue
            name = segs[i]
            bare = name[:-2] if name.endswith("()") else name
            facts = f.python
            if name.endswith("()") and bare in facts.wrappers:
                qualname = ".".join([facts.wrappers[bare], *segs[i + 1:]])
                changed = True
            elif not name.endswith("()") and bare in facts.bindings:
                qualname = ".".join([facts.bindings[bare], *segs[i + 1:]])
                changed = True
            break
        if not changed:
            break
    return qualname


def llm_calls(index: RepoIndex) -> Iterator[LlmCall]:
    """Every call site that sends a request to a model, in Python and JS/TS files."""
    cached: list[LlmCall] = index.memo("llm-calls", lambda: list(_llm_calls(index)))
    return iter(cached)


# A client handed in from elsewhere (`def __init__(self, client): self.client = client`) cannot be
# resolved; the SDK's method path, a `model=` argument and the SDK imported in the same file can.
_SDK_METHOD_TAILS: dict[str, tuple[str, tuple[str, ...]]] = {
    "chat.completions.create": ("openai", ("openai", "groq", "mistralai")),
    "responses.create": ("openai", ("openai",)),
    "messages.create": ("anthropic", ("anthropic",)),
    "models.generate_content": ("google", ("google.genai", "google")),
}


def _by_method_path(qualname: str, kwargs: dict[str, Any], imported: set[str]) -> str | None:
    if "model" not in kwargs:
        return None
    plain = qualname.replace("()", "")
    for tail, (provider, modules) in _SDK_METHOD_TAILS.items():
        if plain.endswith("." + tail) and any(m in imported or any(i.startswith(m + ".") for i in imported) for m in modules):
            return provider
    return None


def _llm_calls(index: RepoIndex) -> Iterator[LlmCall]:
    for f in index.by_kind("python"):
        facts = f.python
        if facts is None or not facts.calls:
            continue
        imported = facts.imported_modules()
        for c in facts.calls:
            provider = _match(c.qualname, PY_LLM_CALLS)
            if provider is None and "." in c.qualname and not c.qualname.startswith(("self.", "?")):
                provider = _match(project_qualname(index, c.qualname), PY_LLM_CALLS)
            if provider is None:
                provider = _by_method_path(c.qualname, c.kwargs, imported)
            if provider:
                yield LlmCall(f, c.line, c.end_line, c.qualname, provider, c.kwargs, c.has_star_kwargs, c.function, c.in_except, "python")
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if js is None:
            continue
        js_imported = js.imported_modules()
        sdk_imported = {"anthropic" if m == "@anthropic-ai/sdk" else m for m in js_imported}
        for jc in js.calls:
            provider = _match(jc.qualname, JS_LLM_CALLS) or _by_method_path(jc.qualname, jc.options, sdk_imported)
            if provider:
                yield LlmCall(f, jc.line, jc.end_line, jc.qualname, provider, jc.options, False, jc.function, jc.in_catch, "js")


@dataclass(frozen=True, slots=True)
class LlmClient:
    file: SourceFile
    line: int
    qualname: str
    provider: str
    kwargs: dict[str, Any]
    language: str


def llm_clients(index: RepoIndex) -> Iterator[LlmClient]:
    """Every place an LLM client or chat model is constructed."""
    cached: list[LlmClient] = index.memo("llm-clients", lambda: list(_llm_clients(index)))
    return iter(cached)


def _llm_clients(index: RepoIndex) -> Iterator[LlmClient]:
    for f in index.by_kind("python"):
        facts = f.python
        if facts is None:
            continue
        for c in facts.calls:
            provider = _match(c.qualname, PY_LLM_CLIENTS)
            if provider:
                yield LlmClient(f, c.line, c.qualname, provider, c.kwargs, "python")
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if js is None:
            continue
        for jc in js.calls:
            if not jc.is_new:
                continue
            provider = _match(jc.qualname, JS_LLM_CLIENTS)
            if provider:
                yield LlmClient(f, jc.line, jc.qualname, provider, jc.options, "js")


def agent_builders(index: RepoIndex) -> Iterator[LlmClient]:
    """Every agent built with an agent framework (Pydantic AI, OpenAI Agents SDK, CrewAI,
    AutoGen, smolagents): where model settings such as token caps are given."""
    cached: list[LlmClient] = index.memo("agent-builders", lambda: list(_agent_builders(index)))
    return iter(cached)


def _agent_builders(index: RepoIndex) -> Iterator[LlmClient]:
    for f in index.by_kind("python"):
        facts = f.python
        if facts is None:
            continue
        for c in facts.calls:
            framework = _match(c.qualname, PY_AGENT_BUILDERS)
            if framework:
                yield LlmClient(f, c.line, c.qualname, framework, c.kwargs, "python")


_NESTED = (dict, list, tuple, CallValue, Unknown)  # the values has_kw_deep looks into


def has_kw_deep(value: Any, keys: frozenset[str], depth: int = 0, *, trust_source: bool = True) -> bool:
    """Whether `keys` appear anywhere in a call's argument values: nested dicts, config objects
    such as `GenerateContentConfig(max_output_tokens=...)`, and, with `trust_source`, the source
    text of a value we could not evaluate (`json.dumps({"max_tokens": 300})`)."""
    if depth > 6:
        return False
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and k in keys:
                return True
            # a plain scalar holds no key: no call needed to say so
            if isinstance(v, _NESTED) and has_kw_deep(v, keys, depth + 1, trust_source=trust_source):
                return True
        return False
    if isinstance(value, (list, tuple)):
        for v in value:
            if isinstance(v, _NESTED) and has_kw_deep(v, keys, depth + 1, trust_source=trust_source):
                return True
        return False
    if isinstance(value, CallValue):
        return has_kw_deep(value.kwargs, keys, depth + 1, trust_source=trust_source) or any(
            has_kw_deep(a, keys, depth + 1, trust_source=trust_source) for a in value.args
        )
    if isinstance(value, Unknown) and trust_source:
        return any(k in value.source for k in keys)
    return False
