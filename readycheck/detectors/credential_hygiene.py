"""Item 2, credential hygiene: keys injected at run time, rotated on a schedule, separate per
environment, and revocable in an emergency.

One project-wide reading (`credential_use`, computed once per audit) says where the agent's code
gets its credentials: environment reads, secret-manager calls, settings classes, SDK clients that
read their key from the environment by default, and string literals handed to a client or an SDK
credential argument. It is read from the Python AST facts and the JS/TS facts: comments, strings
and code under `if False:` / `if TYPE_CHECKING:` never count. The four detectors build on it:

- `credentials_injected` (RC0204): no literal reaches a client, and credentials are injected;
- `secret_rotation` (RC0205): rotation declared in IaC (Terraform, CloudFormation, Kubernetes
  operators, Vault dynamic secrets) or, weaker, documented with a period;
- `per_environment_credentials` (RC0206): secret names, env files and deploy jobs that differ per
  environment, and no development or staging config that points at a production secret;
- `key_revocation_procedure` (RC0207): a runbook section on a leaked key with concrete steps.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.llm import JS_LLM_CLIENTS, PY_LLM_CLIENTS
from readycheck.detectors.project import is_test_path
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.markdown import Heading, section_spans
from readycheck.parsers.python_facts import CallValue, Unknown, first_match

if TYPE_CHECKING:
    from readycheck.index import RepoIndex, SourceFile
    from readycheck.parsers.js_facts import JsCall, JsFacts
    from readycheck.parsers.python_facts import CallFact, PythonFacts
    from readycheck.parsers.structured import StructuredDoc

__all__ = [
    "CredentialUse",
    "Injection",
    "LiteralCredential",
    "cred_env",
    "credential_use",
    "credentials_injected",
    "secret_rotation",
    "per_environment_credentials",
    "key_revocation_procedure",
]


# --- names --------------------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def _norm(name: str) -> str:
    """`aws_secret_access_key`, `secretAccessKey` and `X-Api-Key` all become one spelling."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


# Keyword arguments and options that carry a credential, normalised.
_CRED_KW = frozenset({
    "apikey", "apitoken", "apisecret", "token", "secret", "secretkey", "clientsecret", "password",
    "passwd", "accesstoken", "authtoken", "bearertoken", "awsaccesskeyid", "awssecretaccesskey",
    "awssessiontoken", "accesskeyid", "secretaccesskey", "sessiontoken", "privatekey",
    "signingsecret", "webhooksecret", "bottoken", "apptoken", "refreshtoken", "accountkey",
    "subscriptionkey", "connectionstring", "hftoken", "githubtoken", "personalaccesstoken",
})  # fmt: skip
_CRED_KW_SUFFIX = (
    "apikey", "apitoken", "apisecret", "secretkey", "accesstoken", "authtoken", "secretaccesskey",
    "clientsecret", "password", "privatekey", "bottoken",
)  # fmt: skip
# HTTP headers that carry a credential (inside `headers=` / `defaultHeaders`).
_CRED_HEADERS = frozenset({"authorization", "xapikey", "apikey", "xauthtoken", "xaccesstoken", "ocpapimsubscriptionkey", "xgoogapikey", "proxyauthorization"})
# Nested options that hold credentials: `credentials: {accessKeyId, ...}`, `headers: {...}`.
_CRED_CONTAINERS = frozenset({"credentials", "auth", "clientkwargs", "clientoptions", "configuration", "httpoptions"})
_HEADER_CONTAINERS = frozenset({"headers", "defaultheaders", "extraheaders", "httpheaders", "customheaders"})
_AUTH_SCHEMES = re.compile(r"^(bearer|token|basic|bot|apikey|key)\s+", re.I)

# Environment variables that hold credentials (not MAX_TOKENS, SECRETS_BACKEND or KEY_ID).
_CRED_ENV = re.compile(r"(API_?KEY|_KEY$|^KEY$|SECRET|TOKEN|PASSWORD|PASSWD|_PWD$|CREDENTIAL|PRIVATE_KEY|ACCESS_KEY|(^|_)AUTH($|_)|_DSN$|^DSN$|DATABASE_URL|CONN(ECTION)?_STR)", re.I)
_NOT_CRED_ENV = re.compile(r"(MAX|LIMIT|COUNT|BUDGET|TTL|TIMEOUT|BACKEND|PROVIDER|REGION|_NAME$|_IDS?$|_ARN$|_PATH$|_FILE$|_URL$|_URI$|_TYPE$|_MODE$|ENABLED|PREFIX|LENGTH|AUTHOR|_HEADER$)", re.I)

# Values that are not credentials even where one is expected: local model servers (vLLM, Ollama,
# LM Studio) want any non-empty key.
_DUMMY_KEYS = frozenset({"empty", "ollama", "lm-studio", "lmstudio", "not-needed", "not_needed", "notneeded", "no-key", "nokey", "sk-no-key-required", "anything", "local", "unused", "none", "na", "x", "xx", "xxx", "abc", "foo", "bar", "secret", "fake"})
_LOCAL_ENDPOINT = re.compile(r"^\w+://(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|host\.docker\.internal)([:/]|$)", re.I)
_ENDPOINT_KW = frozenset({"baseurl", "apibase", "endpoint", "host", "azureendpoint", "url", "serverurl"})


@lru_cache(maxsize=8192)
def _cred_kw(name: str) -> bool:
    n = _norm(name)
    return n in _CRED_KW or (n.endswith(_CRED_KW_SUFFIX) and not n.startswith(("max", "num")))


def cred_env(name: str) -> bool:
    """Whether an environment variable's name says it holds a credential."""
    if re.search(r"(DATABASE_URL|_DSN$|^DSN$)", name, re.I):
        return True
    return bool(_CRED_ENV.search(name)) and not _NOT_CRED_ENV.search(name)


# --- what the project does with credentials -----------------------------------------------------

@dataclass(frozen=True, slots=True)
class LiteralCredential:
    """A string literal handed to a client, an SDK credential argument or the environment."""

    path: str
    line: int
    snippet: str
    note: str
    rule: str  # literal-argument, literal-fallback, literal-env-write, literal-sdk-attribute
    fingerprint: str  # of the value: a baseline entry or an inline comment can accept it
    origin: Evidence | None = None  # where the literal is written, when that is elsewhere


@dataclass(frozen=True, slots=True)
class Injection:
    """A place where a credential comes from outside the code."""

    path: str
    line: int
    kind: str  # secret-manager, environment, settings, sdk-default, aws-chain, variable
    note: str
    name: str | None = None  # the environment variable, when the code names it


@dataclass(frozen=True, slots=True)
class CredentialUse:
    literals: tuple[LiteralCredential, ...]
    injections: tuple[Injection, ...]
    env_names: frozenset[str]  # credential variables read by code or listed in env files
    env_files: tuple[tuple[str, int, str], ...]  # (path, line, name) of credential names in env files

    @property
    def any(self) -> bool:
        return bool(self.literals or self.injections or self.env_files)


_KIND_RANK = {"secret-manager": 0, "environment": 1, "settings": 2, "sdk-default": 3, "aws-chain": 4, "variable": 5}


def credential_use(index: RepoIndex) -> CredentialUse:
    """The project's credential facts, computed once per audit and shared by the four checks."""
    cached: CredentialUse = index.memo("credential-hygiene-use", lambda: _collect(index))
    return cached


def _collect(index: RepoIndex) -> CredentialUse:
    literals: list[LiteralCredential] = []
    injections: list[Injection] = []
    modules = _py_modules(index)
    roots = {name.split(".")[0] for name in modules}
    for f in index.by_kind("python"):
        facts = f.python
        if facts is None or facts.error:
            continue
        lits, inj = _python_file(index, f, facts, modules, roots)
        literals += lits
        injections += inj
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if js is None:
            continue
        lits, inj = _js_file(f, js)
        literals += lits
        injections += inj
    env_files: list[tuple[str, int, str]] = []
    from readycheck.secrets import env_assignments

    for f in index.by_kind("env"):
        for line, key, _value in env_assignments(f.text):
            if cred_env(key):
                env_files.append((f.path, line, key))
    names = {i.name for i in injections if i.name and i.kind == "environment"} | {k for _, _, k in env_files}
    seen: set[tuple[str, int, str]] = set()
    unique_inj = []
    for i in injections:
        if (i.path, i.line, i.kind) not in seen:
            seen.add((i.path, i.line, i.kind))
            unique_inj.append(i)
    unique_lit = {(lit.path, lit.line): lit for lit in literals}
    return CredentialUse(
        tuple(sorted(unique_lit.values(), key=lambda x: (x.path, x.line))),
        tuple(sorted(unique_inj, key=lambda x: (_KIND_RANK.get(x.kind, 9), x.path, x.line))),
        frozenset(names),
        tuple(env_files),
    )


def _real_literal(value: str, test_file: bool) -> bool:
    """A literal that looks like a credential: not empty, not a placeholder, a template or a
    local-server dummy; in test files only keys in a provider's own format count."""
    from readycheck.secrets import is_placeholder, scan_text

    v = _AUTH_SCHEMES.sub("", value.strip())
    if not v or is_placeholder(v) or v.lower() in _DUMMY_KEYS:
        return False
    if test_file:
        return bool(scan_text(v))
    if "://" in v:  # a URL or DSN is a credential when it embeds a password for a remote host
        m = re.search(r"://[^/\s:@]+:([^/\s@]+)@([^/:?\s]+)", v)
        return (
            m is not None and not is_placeholder(m.group(1)) and not re.fullmatch(r"\$\{?\w+\}?", m.group(1))
            and not _LOCAL_ENDPOINT.match("x://" + m.group(2))
        )
    if any(c.isspace() for c in v) or v.startswith(("/", "./", "~/", "file:")) or ("{" in v and "}" in v):
        return False
    return len(v) >= 6


def _fingerprint(value: str) -> str:
    """The secrets module's fingerprint of a value: stable, and never the value itself."""
    from readycheck.secrets import fingerprint

    return fingerprint(value)


def _redacted(line: str, value: str) -> str:
    from readycheck.secrets import redact

    text = line.strip()
    if value and value in text:
        text = text.replace(value, redact(value))
    return text if len(text) <= 160 else text[:159] + "…"


def _kw_line(f: SourceFile, start: int, end: int, key: str) -> int:
    """The line of `key=` / `key:` inside a call spanning start..end (the call's line otherwise)."""
    rx = re.compile(r"""(^|[\s,({"'])""" + re.escape(key) + r"""["']?\s*[=:]""")
    for n in range(start, min(end, start + 200) + 1):
        if rx.search(f.line(n)):
            return n
    return start


def _credential_values(options: Mapping[Any, Any], *, headers: bool = False, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(name, value) for every credential-carrying option, nested containers included."""
    if depth > 3:
        return
    for key, value in options.items():
        if not isinstance(key, str):
            continue
        n = _norm(key)
        if headers and n in _CRED_HEADERS:
            yield key, value
        elif isinstance(value, dict) and n in _HEADER_CONTAINERS:
            yield from _credential_values(value, headers=True, depth=depth + 1)
        elif isinstance(value, dict) and n in _CRED_CONTAINERS:
            yield from _credential_values(value, depth=depth + 1)
        elif n == "auth" and isinstance(value, str):
            yield key, value
        elif _cred_kw(key) and not isinstance(value, (dict, list, tuple, bool, int, float)):
            yield key, value


# `password` and `secret` name data as often as credentials (`z.object({ password: ... })`,
# `db.insert(user).values({ password })`): they count only where a client or a connection is made.
_DATA_WORDS = frozenset({"password", "passwd", "secret"})
_CONNECT = re.compile(r"(^|_)(connect|create_engine|create_pool|create_client|login|sign_?in|authenticate|auth)$|^(connect|login|signIn|createClient|createPool|createConnection|authenticate)$", re.I)


@lru_cache(maxsize=8192)
def _client_call(tail: str, is_new: bool) -> bool:
    """A constructor (`new X(...)`, `X(...)`) or a connect / log-in function."""
    return is_new or tail[:1].isupper() or bool(_CONNECT.search(tail))


def _local_endpoint(options: Mapping[Any, Any]) -> bool:
    return any(
        isinstance(k, str) and _norm(k) in _ENDPOINT_KW and isinstance(v, str) and bool(_LOCAL_ENDPOINT.match(v))
        for k, v in options.items()
    )


# --- Python -------------------------------------------------------------------------------------

# Secret managers and settings loaders, by resolved qualname.
_PY_SECRET_PREFIXES: tuple[tuple[str, str], ...] = (
    ("hvac", "HashiCorp Vault"),
    ("google.cloud.secretmanager", "Google Secret Manager"),
    ("google.cloud.secretmanager_v1", "Google Secret Manager"),
    ("azure.keyvault.secrets", "Azure Key Vault"),
    ("aws_secretsmanager_caching", "AWS Secrets Manager"),
    ("aws_lambda_powertools.utilities.parameters", "AWS Parameters and Secrets"),
    ("infisical_client", "Infisical"),
    ("infisical_sdk", "Infisical"),
    ("onepassword", "1Password"),
    ("doppler_sdk", "Doppler"),
)
_PY_SECRET_STARTS = tuple(prefix for prefix, _ in _PY_SECRET_PREFIXES)
_PY_ENV_LOADERS = ("dotenv.load_dotenv", "dotenv.dotenv_values", "environs.Env", "decouple.config", "decouple.AutoConfig", "dynaconf.Dynaconf")
_PY_SETTINGS = ("pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings")
_PY_ENV_READS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop"})
# Clients that find their credentials themselves when none is passed.
_PY_DEFAULT_CHAIN = ("boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session", "aioboto3.Session")
# Clients whose credential is a positional argument: qualname -> positions.
_PY_POSITIONAL: dict[str, tuple[int, ...]] = {
    "stripe.StripeClient": (0,), "slack_sdk.WebClient": (0,), "slack_sdk.web.async_client.AsyncWebClient": (0,),
    "slack.WebClient": (0,), "github.Github": (0,), "github.Auth.Token": (0,), "telegram.Bot": (0,),
    "twilio.rest.Client": (1,), "azure.core.credentials.AzureKeyCredential": (0,), "discord.Client.run": (0,),
}  # fmt: skip
_PY_POSITIONAL_KEYS = tuple(_PY_POSITIONAL)


def _py_modules(index: RepoIndex) -> dict[str, SourceFile]:
    from readycheck.detectors.llm import python_modules

    return python_modules(index)


def _py_libraries(facts: PythonFacts, roots: set[str]) -> frozenset[str]:
    """Top-level names of the libraries a module imports (not the project's own modules)."""
    return frozenset(imp.module.split(".")[0] for imp in facts.imports if not imp.module.startswith(".")) - roots


def _py_external(qualname: str, libraries: frozenset[str]) -> bool:
    """The call goes to an imported library, not to the project's own code."""
    return qualname.split(".", 1)[0].replace("()", "") in libraries


@dataclass(frozen=True, slots=True)
class _PyExtra:
    """What the facts leave out: dead branches, and `os.environ[...]` reads and writes."""

    dead: tuple[tuple[int, int], ...]
    reads: tuple[tuple[int, str | None], ...]
    writes: tuple[tuple[int, str, Any], ...]

    def is_dead(self, line: int) -> bool:
        return any(a <= line <= b for a, b in self.dead)


def _always_false(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return not test.value
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return False


def _dotted(node: ast.AST, aliases: Mapping[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _py_extra(f: SourceFile, aliases: Mapping[str, str]) -> _PyExtra:
    try:
        tree = ast.parse(f.text, filename=f.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _PyExtra((), (), ())
    dead: list[tuple[int, int]] = []
    reads: list[tuple[int, str | None]] = []
    writes: list[tuple[int, str, Any]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and node.body and _always_false(node.test):
            dead.append((node.body[0].lineno, getattr(node.body[-1], "end_lineno", None) or node.body[-1].lineno))
        elif isinstance(node, ast.Subscript) and _dotted(node.value, aliases) == "os.environ":
            key = node.slice
            name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
            if isinstance(node.ctx, ast.Load):
                reads.append((node.lineno, name))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for t in node.targets:
                if isinstance(t, ast.Subscript) and _dotted(t.value, aliases) == "os.environ":
                    k = t.slice
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        writes.append((node.lineno, k.value, node.value.value))
    return _PyExtra(tuple(dead), tuple(reads), tuple(writes))


def _py_module_file(index: RepoIndex, f: SourceFile, module: str, modules: Mapping[str, SourceFile]) -> SourceFile | None:
    """The project file a module name points at; relative names are resolved from `f`'s package."""
    if module.startswith("."):
        level = len(module) - len(module.lstrip("."))
        pkg = f.path.split("/")[:-1]
        if level > 1:
            pkg = pkg[: len(pkg) - (level - 1)]
        rest = module.lstrip(".")
        base = "/".join(pkg + (rest.split(".") if rest else []))
        return index.get(base + ".py") or index.get(base + "/__init__.py")
    return modules.get(module)


def _join(module: str, name: str) -> str:
    return module + name if not module or module.endswith(".") else f"{module}.{name}"


def _py_literal(
    value: Any, f: SourceFile, facts: PythonFacts, index: RepoIndex, modules: Mapping[str, SourceFile]
) -> tuple[str, Evidence | None] | None:
    """The string a credential argument receives, when it is a literal: written in place, a
    constant of this module (`openai.api_key = "..."`), or a constant of a project module
    (`config.AWS_SECRET_ACCESS_KEY`, `from settings import KEY`, `from .config import KEY`)."""
    if isinstance(value, str):
        return value, None
    if not isinstance(value, Unknown) or not re.fullmatch(r"[A-Za-z_][\w.]*", value.source):
        return None
    for name, lit, line in facts.assignments:
        if name == value.source and isinstance(lit, str):
            return lit, Evidence(f.path, line, _redacted(f.line(line), lit), "the literal is written here")
    head, *rest = value.source.split(".")
    imp = next((i for i in facts.imports if i.alias == head), None)
    if imp is None:
        return None
    base = imp.module if imp.name is None else _join(imp.module, imp.name)
    dots = len(base) - len(base.lstrip("."))
    segs = [s for s in base[dots:].split(".") if s] + rest
    if not segs:
        return None
    target = _py_module_file(index, f, "." * dots + ".".join(segs[:-1]), modules)
    if target is None or target is f or target.python is None:
        return None
    for name, lit, line in target.python.assignments:
        if name == segs[-1] and isinstance(lit, str):
            return lit, Evidence(target.path, line, _redacted(target.line(line), lit), "the literal is written here")
    return None


def _py_secret_manager(plain: str, call: CallFact) -> str | None:
    tail = plain.rsplit(".", 1)[-1]
    if tail in ("get_secret_value", "batch_get_secret_value") and (call.kwargs or call.args):
        return "AWS Secrets Manager"
    if tail in ("get_parameter", "get_parameters", "get_parameters_by_path") and call.kw("WithDecryption") is True:
        return "AWS SSM Parameter Store (SecureString)"
    if plain.startswith(_PY_SECRET_STARTS):
        for prefix, name in _PY_SECRET_PREFIXES:
            if plain == prefix or plain.startswith(prefix + "."):
                return name
    return None


_PyName = tuple[str, bool, str | None, str | None, bool, str]
_PY_NAMES: dict[str, _PyName] = {}


def _py_name(qualname: str) -> _PyName:
    """What _python_file reads from a call's name alone, memoised by name: (name without `()`,
    an environment loader, its _PY_POSITIONAL pattern, its LLM client pattern, an AWS client with
    the default credential chain, the first segment `_py_external` looks up)."""
    try:
        return _PY_NAMES[qualname]
    except KeyError:
        pass
    found: _PyName = (
        qualname.replace("()", ""),
        bool(first_match(qualname, _PY_ENV_LOADERS)),
        first_match(qualname, _PY_POSITIONAL_KEYS),
        first_match(qualname, _PY_LLM_CLIENT_KEYS),
        bool(first_match(qualname, _PY_DEFAULT_CHAIN)),
        qualname.split(".", 1)[0].replace("()", ""),
    )
    if len(_PY_NAMES) > 200_000:
        _PY_NAMES.clear()
    _PY_NAMES[qualname] = found
    return found


def _python_file(
    index: RepoIndex, f: SourceFile, facts: PythonFacts, modules: Mapping[str, SourceFile], roots: set[str]
) -> tuple[list[LiteralCredential], list[Injection]]:
    test = is_test_path(f.path)
    aliases = {imp.alias: imp.qualname for imp in facts.imports}
    libraries = _py_libraries(facts, roots)
    lits: list[LiteralCredential] = []
    inj: list[Injection] = []

    def literal(line: int, value: str, note: str, rule: str, origin: Evidence | None = None) -> None:
        if _real_literal(value, test):
            lits.append(LiteralCredential(f.path, line, _redacted(f.line(line), value), note, rule, _fingerprint(value), origin))

    for imp in facts.imports:
        if imp.qualname in _PY_SETTINGS:
            inj.append(Injection(f.path, imp.line, "settings", "settings class read from the environment (pydantic-settings)"))
    for call in facts.calls:
        plain, env_loader, positional_key, llm_client, aws_chain, head = _py_name(call.qualname)
        if plain in _PY_ENV_READS:
            name = call.args[0] if call.args and isinstance(call.args[0], str) else None
            if name is not None and cred_env(name):
                inj.append(Injection(f.path, call.line, "environment", f"{name} read from the environment", name))
                default = call.args[1] if len(call.args) > 1 else call.kw("default")
                if isinstance(default, str) and plain != "os.environ.setdefault":
                    literal(call.line, default, f"falls back to a literal when {name} is unset", "literal-fallback")
                elif isinstance(default, str):
                    literal(call.line, default, f"writes a literal {name} into the environment", "literal-env-write")
            continue
        if plain == "os.putenv" and len(call.args) >= 2 and isinstance(call.args[0], str) and isinstance(call.args[1], str) and cred_env(call.args[0]):
            literal(call.line, call.args[1], f"writes a literal {call.args[0]} into the environment", "literal-env-write")
            continue
        if plain == "os.environ.update" and call.args and isinstance(call.args[0], dict):
            for k, v in call.args[0].items():
                if isinstance(k, str) and isinstance(v, str) and cred_env(k):
                    literal(_kw_line(f, call.line, call.end_line, k), v, f"writes a literal {k} into the environment", "literal-env-write")
            continue
        if env_loader:
            arg = call.args[0] if call.args else None
            if not isinstance(arg, str) or cred_env(arg) or plain.startswith("dotenv"):
                inj.append(Injection(f.path, call.line, "environment", f"{plain.split('.')[0]} loads settings from the environment"))
            continue
        manager = _py_secret_manager(plain, call)
        if manager is not None:
            inj.append(Injection(f.path, call.line, "secret-manager", f"credentials read from {manager}"))
            continue
        if head not in libraries:  # _py_external: the call goes to the project's own code
            continue
        has_credential = False
        client_call = _client_call(plain.rsplit(".", 1)[-1], False)
        for key, value in _credential_values(call.kwargs):
            if _norm(key) in _DATA_WORDS and not client_call:
                continue
            has_credential = True
            local = _local_endpoint(call.kwargs)
            found = _py_literal(value, f, facts, index, modules)
            line = _kw_line(f, call.line, call.end_line, key)
            if found is not None:
                if not local:
                    where = f" (from {found[1].path}:{found[1].line})" if found[1] is not None and found[1].path != f.path else ""
                    literal(line, found[0], f"{key}= of {plain}() is a string literal{where}", "literal-argument", found[1])
            elif isinstance(value, CallValue) and value.qualname.replace("()", "") in _PY_ENV_READS:
                pass  # the environment read is recorded on its own
            else:
                src = value.source if isinstance(value, (Unknown, CallValue)) else repr(value)
                kind = "environment" if re.search(r"\b(environ|getenv)\b", src) else "variable"
                if kind == "environment" or client_call:
                    inj.append(Injection(f.path, line, kind, f"{key}= of {plain}() comes from {src[:60]}"))
        positions = _PY_POSITIONAL.get(positional_key or "", ())
        for pos in positions:
            if pos < len(call.args):
                has_credential = True
                found = _py_literal(call.args[pos], f, facts, index, modules)
                if found is not None:
                    literal(call.line, found[0], f"{plain}() gets a literal credential", "literal-argument", found[1])
        if not has_credential and not call.has_star_kwargs:
            client = llm_client
            if client is not None and PY_LLM_CLIENTS[client] not in _KEYLESS:
                provider = PY_LLM_CLIENTS[client]
                inj.append(Injection(f.path, call.line, "sdk-default", f"{plain}() reads its key from the environment ({_DEFAULT_ENV.get(provider, 'SDK default')})"))
            elif aws_chain:
                inj.append(Injection(f.path, call.line, "aws-chain", f"{plain}() uses the AWS default credential chain (role or environment)"))
    for name, value, line in facts.assignments:  # openai.api_key = "..."
        if "." in name and isinstance(value, str):
            base, attr = name.rsplit(".", 1)
            if base in aliases and _py_external(aliases[base], libraries) and _cred_kw(attr):
                literal(line, value, f"{aliases[base]}.{attr} is set to a string literal", "literal-sdk-attribute")
    # A second look at the tree, only where it can change the answer: `os.environ[...]` reads and
    # writes (the facts record calls, not subscripts), and dead branches around a literal.
    environ = {"environ"} | {alias for alias, q in aliases.items() if q == "os.environ"}
    if lits or any(re.search(re.escape(name) + r"\s*\[", f.text) for name in environ if name in f.text):
        extra = _py_extra(f, aliases)
        for line, var in extra.reads:
            if var is not None and cred_env(var):
                inj.append(Injection(f.path, line, "environment", f"{var} read from the environment", var))
        for line, var, value in extra.writes:
            if cred_env(var):
                literal(line, value, f"writes a literal {var} into the environment", "literal-env-write")
        lits = [lit for lit in lits if not extra.is_dead(lit.line)]
        inj = [i for i in inj if not extra.is_dead(i.line)]
    return lits, inj


_DEFAULT_ENV = {
    "openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "google": "GOOGLE_API_KEY / GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY", "groq": "GROQ_API_KEY", "cohere": "CO_API_KEY", "bedrock": "AWS default credential chain",
    "litellm": "provider variables", "langchain": "provider variables",
}  # fmt: skip


_PY_LLM_CLIENT_KEYS = tuple(PY_LLM_CLIENTS)
_KEYLESS = frozenset({"ollama"})  # local model servers: no credential to inject


# --- JavaScript / TypeScript ----------------------------------------------------------------------

_JS_ENV = re.compile(r"\b(process\.env|import\.meta\.env|Deno\.env|Bun\.env)\b")
_JS_ENV_MARKERS = ("process.env", "import.meta.env", "Deno.env", "Bun.env")
_JS_ENV_NAME = re.compile(r"""(?:process\.env|import\.meta\.env|Bun\.env)(?:\.([A-Za-z_]\w*)|\[\s*["'`]([A-Za-z_]\w*)["'`]\s*\])|Deno\.env\.get\(\s*["'`]([A-Za-z_]\w*)""")
_JS_SECRET_MODULES: tuple[tuple[str, str], ...] = (
    ("@aws-sdk/client-secrets-manager", "AWS Secrets Manager"),
    ("@google-cloud/secret-manager", "Google Secret Manager"),
    ("@azure/keyvault-secrets", "Azure Key Vault"),
    ("node-vault", "HashiCorp Vault"),
    ("hashi-vault-js", "HashiCorp Vault"),
    ("@1password/sdk", "1Password"),
    ("@infisical/sdk", "Infisical"),
    ("@dopplerhq/node-sdk", "Doppler"),
)
_JS_SECRET_LABELS = dict(_JS_SECRET_MODULES)
_JS_SSM = ("GetParameterCommand", "GetParametersCommand", "GetParametersByPathCommand", "getParameter", "getParameters")
_JS_ENV_MODULES = ("dotenv", "dotenv/config", "@dotenvx/dotenvx", "envalid", "@t3-oss/env-core", "@t3-oss/env-nextjs")
_JS_POSITIONAL: dict[str, tuple[int, ...]] = {
    "stripe": (0,), "stripe.Stripe": (0,), "@slack/web-api.WebClient": (0,), "telegraf.Telegraf": (0,),
    "node-telegram-bot-api": (0,), "twilio": (1,), "@azure/core-auth.AzureKeyCredential": (0,),
}  # fmt: skip
_JS_DEFAULT_CHAIN = ("@aws-sdk/",)
# Calls that validate the whole environment: `envSchema.parse(process.env)`, `cleanEnv(process.env, ...)`.
_JS_ENV_PARSERS = frozenset({"parse", "safeParse", "cleanEnv", "createEnv", "load", "config"})


def _js_external(module: str) -> bool:
    return bool(module) and not module.startswith((".", "/", "~", "#", "@/", "node:"))


def _js_env_name(source: str, js: JsFacts) -> tuple[bool, str | None]:
    """Whether a value's code reads the environment (directly, or through names bound to an
    environment read such as `const { KEY } = process.env`), and the variable it names."""
    text = source
    for ident in set(re.findall(r"[A-Za-z_$][\w$]*", source)):
        bound = js.bindings.get(ident)
        if bound is not None and _JS_ENV.match(bound):
            text += " " + bound
    if not _JS_ENV.search(text):
        return False, None
    m = _JS_ENV_NAME.search(text)
    return True, (next((g for g in m.groups() if g), None) if m else None)


def _js_callee(call: JsCall) -> str:
    return f"{'new ' if call.is_new else ''}{call.func}()"


def _values(value: Any, depth: int = 0) -> Iterator[Any]:
    if depth > 4:
        return
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _values(v, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _values(v, depth + 1)


def _js_file(f: SourceFile, js: JsFacts) -> tuple[list[LiteralCredential], list[Injection]]:
    test = is_test_path(f.path)
    lits: list[LiteralCredential] = []
    inj: list[Injection] = []
    external = sorted({imp.module for imp in js.imports if _js_external(imp.module)}, key=len, reverse=True)

    def literal(line: int, value: str, note: str) -> None:
        if _real_literal(value, test):
            lits.append(LiteralCredential(f.path, line, _redacted(f.line(line), value), note, "literal-argument", _fingerprint(value)))

    for imp in js.imports:
        if imp.module in _JS_ENV_MODULES:
            inj.append(Injection(f.path, imp.line, "environment", f"{imp.module} loads settings from the environment"))
    # Only a file that mentions an environment object can read one (bindings are per file).
    text = f.text
    reads_env = any(marker in text for marker in _JS_ENV_MARKERS)
    modules: dict[str, str | None] = {}
    for call in js.calls:
        q = call.qualname
        if q not in modules:
            modules[q] = next((m for m in external if q == m or q.startswith(m + ".")), None)
        module = modules[q]
        for value in _values(list(call.args)) if reads_env else ():
            if isinstance(value, Unknown):
                reads, name = _js_env_name(value.source, js)
                if reads and (cred_env(name) if name else q.rsplit(".", 1)[-1] in _JS_ENV_PARSERS):
                    # constants are inlined into calls: the read may be written elsewhere in the file
                    at = next((n for n in range(call.line, call.end_line + 1) if name and name in f.line(n)), None)
                    at = at or next((n for n, t in enumerate(f.lines, 1) if name and name in t and _JS_ENV.search(t)), call.line)
                    inj.append(Injection(f.path, at, "environment", f"{name or 'credentials'} read from the environment", name))
                    break
        secret = _JS_SECRET_LABELS.get(module) if module is not None else None
        tail = q.rsplit(".", 1)[-1]
        if secret is None and module in ("@aws-sdk/client-ssm", "aws-sdk") and tail in _JS_SSM and call.opt("WithDecryption") is True:
            secret = "AWS SSM Parameter Store (SecureString)"
        if secret is None and module == "aws-sdk" and tail == "getSecretValue":
            secret = "AWS Secrets Manager"
        if secret is not None:
            inj.append(Injection(f.path, call.line, "secret-manager", f"credentials read from {secret}"))
            continue
        if module is None and q not in ("fetch",):
            continue
        options: dict[Any, Any] = {}
        for arg in call.args:
            if isinstance(arg, dict):
                for k, v in arg.items():
                    options.setdefault(k, v)
        has_credential = False
        client_call = _client_call(tail, call.is_new)
        for key, value in _credential_values(options):
            if _norm(key) in _DATA_WORDS and not client_call:
                continue
            has_credential = True
            local = _local_endpoint(options)
            line = _kw_line(f, call.line, call.end_line, key)
            if isinstance(value, str):
                if not local:
                    literal(line, value, f"{key} of {_js_callee(call)} is a string literal")
            elif isinstance(value, Unknown):
                reads = reads_env and _js_env_name(value.source, js)[0]
                if not reads and client_call:
                    inj.append(Injection(f.path, line, "variable", f"{key} of {_js_callee(call)} comes from {value.source[:60]}"))
        for pos in _JS_POSITIONAL.get(q, ()):
            if pos < len(call.args):
                has_credential = True
                arg = call.args[pos]
                if isinstance(arg, str):
                    literal(call.line, arg, f"{_js_callee(call)} gets a literal credential")
        if not has_credential and call.is_new:
            provider = JS_LLM_CLIENTS.get(q)
            if provider is not None:
                inj.append(Injection(f.path, call.line, "sdk-default", f"{_js_callee(call)} reads its key from the environment ({_DEFAULT_ENV.get(provider, 'SDK default')})"))
            elif module is not None and module.startswith(_JS_DEFAULT_CHAIN):
                inj.append(Injection(f.path, call.line, "aws-chain", f"{_js_callee(call)} uses the AWS default credential chain (role or environment)"))
    # `const key = process.env.OPENAI_API_KEY` outside any call
    seen = {i.name for i in inj if i.name}
    for local_name, bound in js.bindings.items() if reads_env else ():
        m = _JS_ENV_NAME.fullmatch(bound) if _JS_ENV.match(bound) else None
        name = next((g for g in m.groups() if g), None) if m else None
        if name and cred_env(name) and name not in seen:
            seen.add(name)
            where = next((n for n, text in enumerate(f.lines, 1) if name in text and _JS_ENV.search(text)), None)
            if where is not None:
                inj.append(Injection(f.path, where, "environment", f"{name} read from the environment", name))
    return lits, inj


# --- RC0204: credentials injected at run time ---------------------------------------------------

def credentials_injected(ctx: Context) -> Outcome:
    from readycheck.suppress import summarise

    use = credential_use(ctx.index)
    ignore = ctx.param("ignore_paths", ())
    skip = {f.path for f in ctx.index.glob(ignore)} if ignore else set()
    literals = [lit for lit in use.literals if lit.path not in skip]
    findings = [Evidence(lit.path, lit.line, lit.snippet, lit.note, fingerprint=lit.fingerprint, rule=lit.rule) for lit in literals]
    counted, suppressed = ctx.triage(findings)
    tail = summarise(suppressed)
    if counted:
        origins = {(lit.path, lit.line): lit.origin for lit in literals}
        evidence: list[Evidence] = []
        for ev in counted:
            evidence.append(ev)
            origin = origins.get((ev.path, ev.line or 0))
            if origin is not None and origin.path != ev.path:
                evidence.append(origin)
        files = sorted({ev.path for ev in counted})
        return outcome(
            Status.FAIL,
            f"{plural(len(counted), 'credential')} passed to clients as string literals "
            f"({', '.join(files[:5])}{'…' if len(files) > 5 else ''}){tail}",
            _dedupe(evidence) + suppressed,
        )
    injections = [i for i in use.injections if i.path not in skip]
    # test files prove nothing about production: they are shown only when nothing else is
    injections = [i for i in injections if not is_test_path(i.path)] or injections
    if injections:
        limit = int(ctx.param("max_evidence", 10))
        kinds = sorted({i.kind for i in injections}, key=lambda k: _KIND_RANK.get(k, 9))
        evidence = _dedupe(_at(ctx.index, i.path, i.line, i.note) for i in injections)[:limit]
        what = ", ".join(_KIND_LABEL.get(k, k) for k in kinds)
        return outcome(Status.PASS, f"credentials are injected at run time ({what}); no literal reaches a client{tail}", evidence + suppressed)
    if use.env_files:
        return outcome(
            Status.PASS,
            f"credentials are listed in environment files and no literal reaches a client{tail}",
            [_at(ctx.index, p, n, f"{k} set through the environment") for p, n, k in use.env_files[:5]] + suppressed,
        )
    if suppressed:
        return outcome(Status.PASS, f"no literal credential counts{tail}", suppressed)
    return outcome(Status.SKIP, "no credential use found: no provider clients, credential environment variables or secret managers")


_KIND_LABEL = {
    "secret-manager": "secret manager", "environment": "environment variables", "settings": "settings classes",
    "sdk-default": "SDK environment defaults", "aws-chain": "the AWS credential chain", "variable": "variables",
}  # fmt: skip


def _at(index: RepoIndex, path: str, line: int | None, note: str) -> Evidence:
    """Evidence at a line of an indexed file, the line as its snippet; env-file lines show the
    variable's name only, never its value."""
    f = index.get(path)
    if f is None or f.kind == "env":
        return Evidence(path, line, None, note)
    return evidence_at(f, line, note)


def _dedupe(evidence: Iterable[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, int | None]] = set()
    out = []
    for e in evidence:
        if (e.path, e.line) not in seen:
            seen.add((e.path, e.line))
            out.append(e)
    return out


# --- RC0205: secret rotation ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Rotation:
    evidence: Evidence
    days: float | None  # the period, when it can be read
    covers: str | None = None  # the secret it rotates: "tf:<name>", "cfn:<logical id>", "tf:*" when unresolved


_RATE = re.compile(r"rate\(\s*(\d+)\s*(minute|hour|day|week|month)s?\s*\)", re.I)
_DURATION = re.compile(r"(?<![\d.])(\d{1,12}(?:\.\d{1,9})?)\s{0,8}(ms|s|m|h|d|w)", re.I)
_ISO = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", re.I)
_UNIT_DAYS = {"ms": 1 / 86_400_000, "s": 1 / 86400, "m": 1 / 1440, "h": 1 / 24, "d": 1.0, "w": 7.0, "minute": 1 / 1440, "hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 30.0}


def _days(value: Any, seconds: bool = False) -> float | None:
    """A period in days from 30, "rate(30 days)", "2592000s", "720h", "P30D" or seconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) / 86400 if seconds else float(value)
    if not isinstance(value, str):
        return None
    v = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", v):
        return float(v) / 86400 if seconds else float(v)
    m = _RATE.search(v)
    if m:
        return int(m.group(1)) * _UNIT_DAYS[m.group(2).lower()]
    iso = _ISO.match(v)
    if iso and any(iso.groups()):
        y, mo, w, d, h, mi, s = (int(g) if g else 0 for g in iso.groups())
        return y * 365 + mo * 30 + w * 7 + d + h / 24 + mi / 1440 + s / 86400
    parts = _DURATION.findall(v)
    if parts and re.fullmatch(r"(\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w))+\s*", v, re.I):
        return sum(float(n) * _UNIT_DAYS[u.lower()] for n, u in parts)
    return None


def _first(value: Any) -> dict[str, Any]:
    """An HCL block (a list of one mapping once parsed) or a mapping, as a mapping."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value if isinstance(value, dict) else {}


_TF_SECRETS = frozenset({
    "aws_secretsmanager_secret", "aws_iam_access_key", "vault_generic_secret", "vault_kv_secret_v2", "vault_kv_secret",
    "google_secret_manager_secret", "azurerm_key_vault_secret", "kubernetes_secret", "kubernetes_secret_v1",
})  # fmt: skip
_TF_VAULT_DYNAMIC = re.compile(r"^vault_\w+_secret_backend_role$")
_CFN_SECRETS = frozenset({"AWS::SecretsManager::Secret", "AWS::IAM::AccessKey"})


@dataclass(frozen=True, slots=True)
class _Declared:
    evidence: Evidence
    key: str  # "tf:<name>" or "cfn:<logical id>", what a rotation's secret_id points at
    rotatable: bool  # a Secrets Manager secret: a rotation schedule is expected on it


def _rotation_evidence(index: RepoIndex) -> tuple[list[_Rotation], list[_Declared]]:
    """Rotations declared in IaC, and the secrets declared there."""
    rotations: list[_Rotation] = []
    declared: list[_Declared] = []
    for f in index.by_kind("terraform"):
        tf = f.terraform
        if tf is None:
            continue
        for b in tf.blocks:
            if b.kind == "resource" and b.type == "aws_secretsmanager_secret_rotation":
                rules = _first(b.body.get("rotation_rules"))
                days = _days(rules.get("automatically_after_days")) or _days(rules.get("schedule_expression"))
                ref = re.search(r"aws_secretsmanager_secret\.([\w-]+)", str(b.body.get("secret_id", "")))
                rotations.append(_Rotation(evidence_at(f, b.line, f"{b.type}.{b.name}: {_every(days)}"), days, f"tf:{ref.group(1)}" if ref else "tf:*"))
            elif b.kind == "resource" and b.type == "aws_secretsmanager_secret":
                declared.append(_Declared(evidence_at(f, b.line, f"{b.type}.{b.name}"), f"tf:{b.name}", True))
                if b.body.get("rotation_lambda_arn") or b.body.get("rotation_rules"):
                    days = _days(_first(b.body.get("rotation_rules")).get("automatically_after_days"))
                    rotations.append(_Rotation(evidence_at(f, b.line, f"{b.type}.{b.name} rotates: {_every(days)}"), days, f"tf:{b.name}"))
            elif b.kind == "resource" and b.type == "google_secret_manager_secret":
                declared.append(_Declared(evidence_at(f, b.line, f"{b.type}.{b.name}"), f"tf:{b.name}", False))
                rot = _first(b.body.get("rotation"))
                if rot:
                    days = _days(rot.get("rotation_period"))
                    rotations.append(_Rotation(evidence_at(f, b.line, f"{b.type}.{b.name} rotation: {_every(days)}"), days, f"tf:{b.name}"))
            elif b.kind == "resource" and b.type == "azurerm_key_vault_key" and b.body.get("rotation_policy"):
                policy = _first(b.body.get("rotation_policy"))
                auto = _first(policy.get("automatic"))
                days = _days(auto.get("time_after_creation")) or _days(policy.get("expire_after"))
                rotations.append(_Rotation(evidence_at(f, b.line, f"{b.type}.{b.name} rotation policy: {_every(days)}"), days))
            elif b.kind == "resource" and _TF_VAULT_DYNAMIC.match(b.type):
                ttl = b.body.get("max_ttl") or b.body.get("default_ttl") or b.body.get("max_sts_ttl") or b.body.get("default_sts_ttl") or b.body.get("ttl")
                days = _days(ttl, seconds=True)
                rotations.append(_Rotation(evidence_at(f, b.line, f"{b.type}.{b.name}: dynamic credentials{', ttl ' + _human(days) if days else ''}"), days))
            elif b.kind == "resource" and b.type == "vault_database_secret_backend_static_role":
                days = _days(b.body.get("rotation_period"), seconds=True)
                rotations.append(_Rotation(evidence_at(f, b.line, f"{b.type}.{b.name}: {_every(days)}"), days))
            elif b.kind == "resource" and b.type in _TF_SECRETS:
                declared.append(_Declared(evidence_at(f, b.line, f"{b.type}.{b.name}"), f"tf:{b.name}", False))
            elif b.kind == "resource" and b.type == "aws_ssm_parameter" and str(b.body.get("type", "")) == "SecureString":
                declared.append(_Declared(evidence_at(f, b.line, f"{b.type}.{b.name} (SecureString)"), f"tf:{b.name}", False))
            elif b.kind == "module" and (b.body.get("enable_rotation") is True or b.body.get("rotation_rules")):
                days = _days(_first(b.body.get("rotation_rules")).get("automatically_after_days"))
                rotations.append(_Rotation(evidence_at(f, b.line, f"module {b.type}: rotation {_every(days)}"), days))
    for f in index.by_kind("yaml", "json"):
        for doc in f.documents:
            data = doc.data
            if not isinstance(data, dict):
                continue
            for path, res in _cfn_resources(data):
                rtype = str(res.get("Type", ""))
                props = _first(res.get("Properties"))
                line = doc.line_of(path)
                if rtype == "AWS::SecretsManager::RotationSchedule":
                    rules = _first(props.get("RotationRules"))
                    days = _days(rules.get("AutomaticallyAfterDays")) or _days(rules.get("ScheduleExpression"))
                    target = props.get("SecretId")
                    ref = target.get("Ref") if isinstance(target, dict) else target
                    rotations.append(_Rotation(evidence_at(f, line, f"{path[-1]} ({rtype}): {_every(days)}"), days, f"cfn:{ref}" if isinstance(ref, str) else "cfn:*"))
                elif rtype in _CFN_SECRETS:
                    declared.append(_Declared(evidence_at(f, line, f"{path[-1]} ({rtype})"), f"cfn:{path[-1]}", rtype == "AWS::SecretsManager::Secret"))
            kind = str(data.get("kind", ""))
            api = str(data.get("apiVersion", ""))
            spec = _first(data.get("spec"))
            if kind in ("ExternalSecret", "ClusterExternalSecret") and "external-secrets.io" in api:
                inner = _first(spec.get("externalSecretSpec")) if kind == "ClusterExternalSecret" else spec
                interval = inner.get("refreshInterval", "1h")
                days = _days(interval)
                if days:
                    rotations.append(_Rotation(evidence_at(f, doc.line_of(("spec", "refreshInterval")) or doc.line_of(()), f"{kind} re-reads the store every {interval}"), None))
            elif kind == "VaultDynamicSecret":
                rotations.append(_Rotation(evidence_at(f, doc.line_of(()), "VaultDynamicSecret: dynamic credentials renewed by the Vault operator"), None))
            elif kind == "VaultStaticSecret" and spec.get("refreshAfter"):
                rotations.append(_Rotation(evidence_at(f, doc.line_of(("spec", "refreshAfter")), f"VaultStaticSecret refreshes every {spec.get('refreshAfter')}"), None))
    return rotations, declared


def _cfn_resources(data: dict[Any, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """CloudFormation / SAM resources, and those under serverless.yml's `resources:`."""
    for prefix, res in ((("Resources",), data.get("Resources")), (("resources", "Resources"), _first(data.get("resources")).get("Resources"))):
        if isinstance(res, dict):
            for name, body in res.items():
                if isinstance(body, dict) and isinstance(body.get("Type"), str):
                    yield prefix + (name,), body


def _human(days: float | None) -> str:
    if days is None:
        return "period not read"
    if days >= 1:
        return f"{days:g} days" if days != 1 else "1 day"
    hours = days * 24
    return f"{hours:g} hours" if hours >= 1 else f"{hours * 60:g} minutes"


def _every(days: float | None) -> str:
    return "rotation period not read" if days is None else f"rotates every {_human(days)}"


_PERIOD = re.compile(
    r"\b(every\s+(\d+|one|two|three|four|six|twelve)\s*[- ]?\s*(day|week|month|year|hour)s?|every\s+(day|week|month|quarter|year)|"
    r"(\d+)[- ]day|daily|weekly|fortnightly|bi-?weekly|monthly|quarterly|semi-?annually|annually|yearly|once\s+a\s+(day|week|month|quarter|year))\b",
    re.I,
)
_WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "six": 6, "twelve": 12}
_PERIOD_DAYS = {"day": 1, "week": 7, "month": 30, "quarter": 90, "year": 365, "hour": 1 / 24}
_ROTATE = re.compile(r"\brotat\w*", re.I)
_CRED_WORDS = re.compile(r"\b(keys?|secrets?|credentials?|tokens?|passwords?|api[- ]?keys?)\b", re.I)


_PERIOD_WORDS = {
    "daily": 1, "weekly": 7, "fortnightly": 14, "biweekly": 14, "bi-weekly": 14, "monthly": 30, "quarterly": 90,
    "semiannually": 182, "semi-annually": 182, "annually": 365, "yearly": 365,
}  # fmt: skip


def _period_days(m: re.Match[str]) -> float | None:
    """Days in a matched period: "every 90 days", "every month", "30-day", "quarterly"."""
    count, unit, every_unit, n_day, once_unit = (g.lower() if g else None for g in m.groups()[1:6])
    if count and unit:
        n = int(count) if count.isdigit() else _WORD_NUM.get(count)
        return None if n is None else n * _PERIOD_DAYS[unit]
    if every_unit:
        return float(_PERIOD_DAYS[every_unit])
    if n_day:
        return float(n_day)
    if once_unit:
        return float(_PERIOD_DAYS[once_unit])
    word = m.group(0).lower()
    return float(_PERIOD_WORDS[word]) if word in _PERIOD_WORDS else None


@dataclass(frozen=True, slots=True)
class _Section:
    file: SourceFile
    heading: Heading
    end: int  # last line of the section, subsections included

    def lines(self) -> Iterator[tuple[int, str, bool]]:
        """(line number, text, inside a code fence) for the section's body."""
        fence: str | None = None
        for n in range(self.heading.line + 1, self.end + 1):
            text = self.file.line(n)
            m = re.match(r"^ {0,3}(`{3,}|~{3,})", text)
            if m:
                marker = m.group(1)
                if fence is None:
                    fence = marker[0] * len(marker)
                elif marker.startswith(fence):
                    fence = None
                yield n, text, True
                continue
            yield n, text, fence is not None


def _sections(index: RepoIndex) -> list[_Section]:
    def build() -> list[_Section]:
        out: list[_Section] = []
        for f in index.by_kind("markdown", "text"):
            heads = f.headings
            if not heads or heads[0].line > 1:  # text before the first heading
                out.append(_Section(f, Heading(0, "", 0), heads[0].line - 1 if heads else len(f.lines)))
            for h, end in section_spans(heads, len(f.lines)):
                out.append(_Section(f, h, end))
        return out

    cached: list[_Section] = index.memo("credential-hygiene-sections", build)
    return cached


def _paragraphs(s: _Section) -> Iterator[list[tuple[int, str]]]:
    """The section's own prose (not its subsections, not code), paragraph by paragraph."""
    starts = {h.line for h in s.file.headings}
    para: list[tuple[int, str]] = []
    for n, text, code in s.lines():
        if n in starts:
            break
        if code or not text.strip():
            if para:
                yield para
            para = []
            continue
        para.append((n, text.strip()))
    if para:
        yield para


def _documented_rotation(index: RepoIndex) -> list[tuple[Evidence, float | None]]:
    """Prose that states a rotation period for keys or credentials ("API keys are rotated every
    90 days", or a "Key rotation" section saying "quarterly"): the first statement per file."""
    out: list[tuple[Evidence, float | None]] = []
    done: set[str] = set()
    for s in _sections(index):
        if s.file.path in done or is_test_path(s.file.path):
            continue
        heading_rotates = bool(_ROTATE.search(s.heading.text))
        heading_cred = heading_rotates or bool(_CRED_WORDS.search(s.heading.text))
        for para in _paragraphs(s):
            sentences = re.split(r"(?<=[.!?;])\s+", " ".join(t for _, t in para))
            for i, sentence in enumerate(sentences):
                period = _PERIOD.search(sentence)
                about_keys = heading_cred or _CRED_WORDS.search(sentence) or (i and _CRED_WORDS.search(sentences[i - 1]))
                if period and about_keys and (heading_rotates or _ROTATE.search(sentence)):
                    word = _ROTATE.search(sentence)
                    line = next((n for n, t in para if word and word.group(0) in t), para[0][0])
                    out.append((evidence_at(s.file, line, f"documented rotation: {period.group(0)}"), _period_days(period)))
                    done.add(s.file.path)
                    break
            if s.file.path in done:
                break
    return out


def _managed_secrets(index: RepoIndex, use: CredentialUse, declared: Sequence[_Declared]) -> list[Evidence]:
    """Signs that the project holds credentials: declared secrets, Kubernetes secrets, code."""
    out = [d.evidence for d in declared]
    for f in index.by_kind("yaml"):
        for doc in f.documents:
            data = doc.data
            if not isinstance(data, dict):
                continue
            kind = str(data.get("kind", ""))
            if kind in ("Secret", "SealedSecret", "ExternalSecret"):
                out.append(evidence_at(f, doc.line_of(()), f"Kubernetes {kind}"))
                continue
            for path, value in doc.walk():
                if path and str(path[-1]) in ("secretKeyRef", "secretRef") and isinstance(value, dict):
                    out.append(evidence_at(f, doc.line_of(path), f"workload reads Kubernetes secret {value.get('name', '')}".strip()))
                    break
    out += [_at(index, i.path, i.line, i.note) for i in use.injections if i.kind in ("secret-manager", "environment", "settings", "sdk-default")][:5]
    out += [Evidence(lit.path, lit.line, lit.snippet, lit.note) for lit in use.literals][:5]
    out += [_at(index, p, n, f"{k} in an environment file") for p, n, k in use.env_files][:3]
    return _dedupe(out)


def secret_rotation(ctx: Context) -> Outcome:
    max_days = float(ctx.param("max_rotation_days", 90))
    use = credential_use(ctx.index)
    rotations, declared = _rotation_evidence(ctx.index)
    if rotations:
        slow = [r for r in rotations if r.days is not None and r.days > max_days]
        covered = {r.covers for r in rotations if r.covers}
        # a rotation whose secret cannot be resolved (an ARN, a variable) may cover any of them
        bare = [d.evidence for d in declared if d.rotatable and d.key not in covered and d.key.split(":")[0] + ":*" not in covered]
        evidence = [r.evidence for r in rotations]
        if slow:
            worst = max(r.days or 0 for r in slow)
            return outcome(
                Status.WARN,
                f"rotation is configured, but {plural(len(slow), 'schedule')} {'exceeds' if len(slow) == 1 else 'exceed'} {max_days:g} days (longest {_human(worst)})",
                [r.evidence for r in slow] + [r.evidence for r in rotations if r not in slow],
            )
        if bare:
            notes = [Evidence(e.path, e.line, e.snippet, f"{e.note}: no rotation configured") for e in bare]
            return outcome(Status.WARN, f"rotation is configured for some secrets, but {plural(len(bare), 'secret')} in Secrets Manager {'has' if len(bare) == 1 else 'have'} none", notes + evidence)
        return outcome(Status.PASS, f"secret rotation is configured ({plural(len(rotations), 'rotation')} declared)", evidence)
    documented = _documented_rotation(ctx.index)
    if documented:
        evidence = [e for e, _ in documented]
        over = [d for _, d in documented if d is not None and d > max_days]
        msg = "rotation is only documented, not configured where it can be checked (no IaC rotation schedule)"
        if over:
            msg += f"; the documented period exceeds {max_days:g} days"
        return outcome(Status.WARN, msg, evidence)
    managed = _managed_secrets(ctx.index, use, declared)
    if managed:
        return outcome(Status.FAIL, "the project uses credentials but no rotation is configured or documented", managed[:10])
    return outcome(Status.SKIP, "no credentials or secrets found: nothing to rotate")


# --- RC0206: separate credentials per environment --------------------------------------------------

_ENV_CANON = {
    "prod": "production", "production": "production", "prd": "production",
    "staging": "staging", "stage": "staging", "stg": "staging", "preprod": "staging", "uat": "staging",
    "dev": "development", "develop": "development", "development": "development",
    "test": "test", "testing": "test", "qa": "test",
    "local": "local", "sandbox": "sandbox", "preview": "preview",
}  # fmt: skip
_ENV_VARS = re.compile(r"\$\{\s*(var\.|local\.)?(env|environment|stage|stage_name|tier|deploy_env|app_env)\s*\}|\$\{\s*terraform\.workspace\s*\}|"
                       r"\$\{\s*(Environment|Env|Stage|EnvName|EnvironmentName|AWS::StackName)\s*\}|\$\{(sls:stage|opt:stage|self:provider\.stage)[^}]*\}|"
                       r"\{\{-?\s*\.Values\.(global\.)?(env|environment|stage)\b|\{\s*([\w.]+\.)?(env|environment|stage|app_env|deploy_env)\s*\}|\$\{\s*(process\.env\.)?(NODE_ENV|APP_ENV|ENVIRONMENT|STAGE)\s*\}", re.I)
_ARN = re.compile(r"arn:aws[\w-]*:(secretsmanager|ssm):[^\s\"']+")
_REF_KEYS = frozenset({"secretid", "secretname", "secretarn", "secretpath", "parametername", "ssmparameter", "ssmpath", "vaultpath"})
_REF_SUFFIX = ("secretid", "secretname", "secretarn", "ssmparameter", "ssmpath", "parametername", "secretpath")


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


def _envs_in(text: str) -> list[str]:
    toks = _tokens(text)
    out = []
    for i, t in enumerate(toks):
        if t in _ENV_CANON and not (t in ("prod", "production") and i and toks[i - 1] == "pre"):
            out.append(_ENV_CANON[t])
    return out


def _env_of_path(path: str) -> str | None:
    """The environment a config file belongs to, from its path (`overlays/staging/`, `.env.production`,
    `values-prod.yaml`): the most specific mention wins."""
    found = _envs_in(path.rsplit(".", 1)[0] if path.endswith((".yaml", ".yml", ".json", ".toml", ".tfvars", ".tf")) else path)
    return found[-1] if found else None


@dataclass(frozen=True, slots=True)
class _Ref:
    file: SourceFile
    line: int | None
    value: str
    store: bool  # a secret-store name (Secrets Manager, SSM, Vault, GCP): global within an account


def _is_ref_key(key: str, parents: Sequence[str]) -> tuple[bool, bool]:
    """(is a secret reference, is a secret-store name) for a config key and its parents.
    Kubernetes secret names (`secretKeyRef.name`, `secretName`) are references but not store
    names: each cluster or namespace has its own secret of that name."""
    n = _norm(key)
    low = [_norm(p) for p in parents]
    if key == "secretName" or (n == "name" and any(p in ("secretkeyref", "secretref") for p in low)):
        return True, False
    if n in _REF_KEYS or n.endswith(_REF_SUFFIX):
        return True, True
    if n == "key" and "remoteref" in low:
        return True, True
    if n == "path" and any("vault" in p for p in low):
        return True, True
    return False, False


_REF_PLACEHOLDER = re.compile(r"\s*(<[^<>]*>|\$\{?\w+\}?|x+|\.\.\.|changeme|todo|tbd)?\s*", re.I)


def _config_refs(index: RepoIndex) -> list[_Ref]:
    """Secret references in configuration: YAML/JSON/TOML, env files, Terraform and tfvars."""
    refs = _all_config_refs(index)
    return [r for r in refs if not _REF_PLACEHOLDER.fullmatch(r.value)]


def _all_config_refs(index: RepoIndex) -> list[_Ref]:
    from readycheck.secrets import env_assignments

    out: list[_Ref] = []
    for f in index.files:
        if is_test_path(f.path) or f.name in ("package.json", "package-lock.json", "tsconfig.json", "pnpm-lock.yaml", "composer.lock"):
            continue
        if f.kind in ("yaml", "json", "toml"):
            for doc in f.documents:
                for path, value in doc.walk():
                    if not isinstance(value, str) or not path:
                        continue
                    keys = [str(p) for p in path if isinstance(p, str)]
                    is_ref, store = _is_ref_key(keys[-1] if keys else "", keys[:-1])
                    if _ARN.search(value):
                        is_ref, store = True, True
                    if is_ref and value.strip():
                        out.append(_Ref(f, doc.line_of(path), value, store))
            for ref in _cfn_secret_names(f):
                out.append(ref)
        elif f.kind == "env":
            for line, key, value in env_assignments(f.text):
                is_ref, store = _is_ref_key(key, [])
                if (is_ref or _ARN.search(value)) and value.strip():
                    out.append(_Ref(f, line, value, True))
        elif f.kind == "terraform" and f.path.endswith(".tfvars"):
            for n, text in enumerate(f.lines, 1):
                m = re.match(r'^\s*([A-Za-z_][\w-]*)\s*=\s*"([^"]*)"', text)
                if m and (_is_ref_key(m.group(1), [])[0] or _ARN.search(m.group(2))):
                    out.append(_Ref(f, n, m.group(2), True))
        elif f.kind == "terraform" and f.terraform is not None:
            for b in f.terraform.blocks:
                if b.kind not in ("resource", "data"):
                    continue
                for attr in _TF_NAME_ATTRS.get(b.type, ()):
                    value = b.body.get(attr)
                    if isinstance(value, str) and value:
                        out.append(_Ref(f, b.line, value, b.type != "kubernetes_secret"))
    return out


_TF_NAME_ATTRS: dict[str, tuple[str, ...]] = {
    "aws_secretsmanager_secret": ("name", "name_prefix"),
    "aws_secretsmanager_secret_version": ("secret_id",),
    "aws_ssm_parameter": ("name",),
    "vault_kv_secret_v2": ("name",),
    "vault_generic_secret": ("path",),
    "google_secret_manager_secret": ("secret_id",),
    "google_secret_manager_secret_version": ("secret",),
    "azurerm_key_vault_secret": ("name",),
}


def _cfn_secret_names(f: SourceFile) -> Iterator[_Ref]:
    for doc in f.documents:
        if not isinstance(doc.data, dict):
            continue
        for path, res in _cfn_resources(doc.data):
            props = _first(res.get("Properties"))
            if res.get("Type") in ("AWS::SecretsManager::Secret", "AWS::SSM::Parameter"):
                name = props.get("Name")
                text = name if isinstance(name, str) else _flat(name)
                if text:
                    yield _Ref(f, doc.line_of(path + ("Properties", "Name")), text, True)


def _flat(value: Any) -> str:
    """`{"Fn::Sub": "/${Env}/key"}` and `["/${Env}/key", {...}]` read as their text."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(_flat(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(_flat(v) for v in value)
    return ""


def _workflow_jobs(index: RepoIndex) -> Iterator[tuple[SourceFile, str, int | None, str, str]]:
    """(file, job, line, environment, job text) for GitHub Actions jobs that name an environment."""
    import yaml

    for f in index.by_kind("yaml"):
        if not f.path.startswith(".github/workflows/"):
            continue
        for doc in f.documents:
            jobs = doc.data.get("jobs") if isinstance(doc.data, dict) else None
            if not isinstance(jobs, dict):
                continue
            for name, job in jobs.items():
                if not isinstance(job, dict) or "environment" not in job:
                    continue
                env = job["environment"]
                env_name = str(env.get("name", "")) if isinstance(env, dict) else str(env)
                text = yaml.safe_dump(job, sort_keys=False, width=1000)
                yield f, str(name), doc.line_of(("jobs", name)), env_name, text


_WF_SECRET = re.compile(r"\$\{\{\s*(secrets|vars)\.([A-Za-z0-9_]+)\s*\}\}")


def _env_files(index: RepoIndex) -> dict[str, list[SourceFile]]:
    """Environment files with credential names, by the environment their name says."""
    from readycheck.secrets import env_assignments

    out: dict[str, list[SourceFile]] = {}
    for f in index.by_kind("env"):
        env = _env_of_path(f.name)
        if env and any(cred_env(k) for _, k, _ in env_assignments(f.text)):
            out.setdefault(env, []).append(f)
    return out


def per_environment_credentials(ctx: Context) -> Outcome:
    use = credential_use(ctx.index)
    refs = _config_refs(ctx.index)
    jobs = list(_workflow_jobs(ctx.index))
    bad: list[Evidence] = []
    good: list[Evidence] = []
    # a development or staging config that points at a production secret
    for ref in refs:
        env = _env_of_path(ref.file.path)
        if env and env != "production" and "production" in _envs_in(_ENV_VARS.sub("", ref.value)):
            bad.append(evidence_at(ref.file, ref.line, f"{env} configuration references production secret '{_short(ref.value)}'"))
    for f, name, line, env_name, text in jobs:
        env = _ENV_CANON.get(env_name.lower()) or (_envs_in(env_name)[-1] if _envs_in(env_name) else None)
        if env and env != "production":
            for _kind, secret in _WF_SECRET.findall(text):
                if "production" in _envs_in(secret):
                    bad.append(evidence_at(f, line, f"job '{name}' runs in {env_name} but reads {secret}"))
    # the same secret-store name in every environment's configuration
    by_env: dict[str, dict[str, _Ref]] = {}
    for ref in refs:
        env = _env_of_path(ref.file.path)
        if env and ref.store and not _ENV_VARS.search(ref.value) and not _envs_in(ref.value):
            by_env.setdefault(env, {}).setdefault(ref.value, ref)
    envs_with_refs = {_env_of_path(r.file.path) for r in refs if r.store} - {None}
    if len(envs_with_refs) >= 2:
        shared = set.intersection(*(set(by_env.get(e or "", {})) for e in envs_with_refs))
        for value in sorted(shared):
            for e in sorted(x for x in envs_with_refs if x):
                r = by_env[e][value]
                bad.append(evidence_at(r.file, r.line, f"'{_short(value)}' is used by every environment ({', '.join(sorted(x for x in envs_with_refs if x))})"))
    if bad:
        bad = _dedupe(bad)
        return outcome(Status.FAIL, f"credentials are shared across environments ({plural(len(bad), 'reference')} across an environment boundary)", bad)
    # evidence of separation
    for ref in refs:
        if _ENV_VARS.search(ref.value):
            good.append(evidence_at(ref.file, ref.line, f"secret name parameterised by environment: '{_short(ref.value)}'"))
    named: dict[str, list[_Ref]] = {}
    for ref in refs:
        envs = _envs_in(_ENV_VARS.sub("", ref.value))
        if envs:
            named.setdefault(envs[-1], []).append(ref)
    if len(named) >= 2:
        for env in sorted(named):
            r = named[env][0]
            good.append(evidence_at(r.file, r.line, f"{env} secret '{_short(r.value)}'"))
    files = _env_files(ctx.index)
    if len(files) >= 2:
        for env in sorted(files):
            good.append(Evidence(files[env][0].path, 1, None, f"{env} environment file"))
    job_envs: dict[str, tuple[SourceFile, str, int | None, str]] = {}
    for f, name, line, env_name, text in jobs:
        if "${{" in env_name:
            good.append(evidence_at(f, line, f"job '{name}' picks its environment (and its secrets) at run time"))
        elif _envs_in(env_name):  # a deployment stage, not an approval gate such as "snyk"
            job_envs.setdefault(_envs_in(env_name)[-1], (f, name, line, env_name))
    if len(job_envs) >= 2:
        for f, name, line, env_name in sorted(job_envs.values(), key=lambda j: (j[0].path, j[2] or 0)):
            good.append(evidence_at(f, line, f"job '{name}' uses the '{env_name}' environment and its own secrets"))
    overlays: dict[str, _Ref] = {}
    for ref in refs:
        env = _env_of_path(ref.file.path)
        if env:
            overlays.setdefault(env, ref)
    if len(overlays) >= 2:
        for env, r in sorted(overlays.items()):
            good.append(evidence_at(r.file, r.line, f"{env} configuration with its own secret references"))
    good += _code_refs(ctx.index)
    if good:
        return outcome(Status.PASS, "credentials are separated per environment", _dedupe(good)[:12])
    if not use.any and not refs:
        return outcome(Status.SKIP, "no credential use found: nothing to separate per environment")
    where = [_at(ctx.index, i.path, i.line, i.note) for i in use.injections[:3]] + [_at(ctx.index, p, n, f"{k} in an environment file") for p, n, k in use.env_files[:2]]
    where += [evidence_at(r.file, r.line, f"secret reference '{_short(r.value)}'") for r in refs[:3]]
    return outcome(
        Status.WARN,
        "nothing shows separate credentials per environment (no environment in secret names, per-environment env files or deploy environments)",
        _dedupe(where),
    )


def _code_refs(index: RepoIndex) -> list[Evidence]:
    """Secret-manager calls whose secret name is built from the environment (`f"/{env}/openai"`,
    `` `agent/${process.env.APP_ENV}/openai` ``)."""
    out: list[Evidence] = []
    for f in index.by_kind("python"):
        facts = f.python
        if facts is None or is_test_path(f.path):
            continue
        for call in facts.calls:
            if _py_secret_manager(call.qualname.replace("()", ""), call) is None:
                continue
            if any(isinstance(v, Unknown) and _ENV_VARS.search(v.source) for v in [*call.kwargs.values(), *call.args]):
                out.append(evidence_at(f, call.line, "secret name built from the environment"))
    for f in index.by_kind("javascript", "typescript"):
        js = f.js
        if js is None or is_test_path(f.path):
            continue
        for jc in js.calls:
            if not jc.qualname.startswith(tuple(m for m, _ in _JS_SECRET_MODULES) + ("@aws-sdk/client-ssm",)):
                continue
            if any(isinstance(v, Unknown) and _ENV_VARS.search(v.source) for v in _values(list(jc.args))):
                out.append(evidence_at(f, jc.line, "secret name built from the environment"))
    return out


def _short(value: str) -> str:
    return value if len(value) <= 80 else value[:79] + "…"


# --- RC0207: key revocation procedure -------------------------------------------------------------

_INCIDENT = re.compile(r"\b(leak\w*|compromis\w*|expos(ed|ure)|stolen|revo(ke|ked|king|cation)|breach\w*)\b", re.I)
_ACTION = re.compile(r"\b(revok\w*|rotat\w*|disabl\w*|deactivat\w*|invalidat\w*|delet\w*|regenerat\w*|roll\s+(the\s+)?(key|secret|credential)s?|inactive|update-access-key|rotate-secret)\b", re.I)
_ORDERED_STEP = re.compile(r"^\s*\d+[.)]\s+\S")
_CLI = re.compile(
    r"^\s*(\$\s+)?(aws|gcloud|az|vault|kubectl|gh|curl|heroku|doppler|op|terraform|helm|stripe|openssl|npx|flyctl|fly|vercel|"
    r"ssh-keygen|infisical|sops|kubeseal|openai|gsutil|git)\b"
)
_WHERE = re.compile(r"\b(console|dashboard|portal|settings page|admin page|api[- ]keys page|organi[sz]ation settings)\b|https?://|`(aws|gcloud|az|vault|kubectl|gh)\b", re.I)
_WHO = re.compile(r"\b(on-?call|security (team|on-?call|channel)|owners?|incident (commander|lead)|platform team|pagerduty|opsgenie|escalat\w*)\b|(^|[\s`(])[@#][\w-]+", re.I)


@dataclass(frozen=True, slots=True)
class _Procedure:
    section: _Section
    action: bool
    steps: int
    where: bool
    who: bool

    @property
    def concrete(self) -> bool:
        return self.action and self.steps > 0


def _procedures(index: RepoIndex) -> list[_Procedure]:
    out: list[_Procedure] = []
    for s in _sections(index):
        if is_test_path(s.file.path) or s.file.name.lower().startswith(("changelog", "history")):
            continue
        body = list(s.lines())
        prose = " ".join(t for _, t, code in body if not code)
        heading = s.heading.text
        about_leak = bool(_INCIDENT.search(heading)) and bool(_CRED_WORDS.search(heading) or _CRED_WORDS.search(prose))
        about_emergency = bool(_CRED_WORDS.search(heading)) and bool(re.search(r"rotat|disabl|emergenc|incident", heading, re.I)) and bool(_INCIDENT.search(prose))
        if not (about_leak or about_emergency):
            continue
        steps = commands = 0
        for _, text, code in body:
            if code:
                if _CLI.match(text):
                    steps += 1
                    commands += 1
            elif _ORDERED_STEP.match(text) or any(_CLI.match(c) for c in re.findall(r"`([^`]+)`", text)):
                steps += 1
        action = bool(_ACTION.search(prose) or _ACTION.search(heading))
        where = commands > 0 or bool(_WHERE.search(prose))
        out.append(_Procedure(s, action, steps, where, bool(_WHO.search(prose))))
    return out


def key_revocation_procedure(ctx: Context) -> Outcome:
    use = credential_use(ctx.index)
    found = _procedures(ctx.index)
    concrete = [p for p in found if p.concrete]
    if concrete:
        evidence = [_procedure_evidence(p) for p in concrete] + [_procedure_evidence(p) for p in found if not p.concrete]
        missing = []
        if not any(p.where for p in concrete):
            missing.append("where to revoke")
        if not any(p.who for p in found):
            missing.append("who does it")
        msg = "an emergency key revocation procedure is documented with concrete steps"
        if missing:
            msg += f" (it does not say {' or '.join(missing)})"
        return outcome(Status.PASS, msg, evidence)
    if found:
        return outcome(
            Status.WARN,
            "a section covers leaked or compromised keys, but it lists no concrete step (no command or numbered list)",
            [_procedure_evidence(p) for p in found],
        )
    if not use.any:
        return outcome(Status.SKIP, "no credential use found: no keys to revoke")
    runbooks = [f for f in ctx.index.by_kind("markdown", "text") if re.search(r"runbook|playbook|on-?call|incident|security|operations|ops", f.path, re.I)]
    return outcome(
        Status.FAIL,
        "no documented procedure for revoking a leaked or compromised key",
        [Evidence(f.path, None, None, "no section about leaked or compromised keys") for f in runbooks[:3]],
    )


def _procedure_evidence(p: _Procedure) -> Evidence:
    parts = []
    parts.append(f"{plural(p.steps, 'step')}" if p.steps else "no concrete step")
    if p.action:
        parts.append("says to revoke or rotate")
    if p.where:
        parts.append("says where")
    if p.who:
        parts.append("says who")
    return evidence_at(p.section.file, p.section.heading.line, f"section '{p.section.heading.text}': {', '.join(parts)}")
