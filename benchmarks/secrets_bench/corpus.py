"""A seeded, labeled corpus of agent-repository files for benchmarking secret scanners.

``generate(root, files, seed)`` writes ``files`` files under ``root`` and returns the labels:

* ``positives``: every planted credential, as ``{path, line, end_line, kind, needle}``. ``line``
  is the 1-based line where the credential starts; ``end_line`` differs from it only for
  multi-line values (PEM blocks), whose whole span belongs to the one label, from
  ``start_line`` (present when the value opens on an earlier line, as ``KEY: |`` does) to
  ``end_line``. ``needle`` is a
  substring of that line (the value itself, its base64 form in a Kubernetes Secret, or the PEM
  armour line).
* ``negatives``: the planted look-alikes that are not credentials (placeholders, documented
  example keys, digests, lockfile hashes, images, public keys...), same shape without end_line.
* ``ignore``: lines that belong to a credential without being one (a Twilio account SID next to
  its auth token, a service account's ``private_key_id``): findings there count neither way.

Three file populations: files with credentials (about 8%; mixed with a few look-alikes, as real
leaks are), files built around hard negatives (about 7%), and filler (code, configuration and
documentation without secrets). Credential kinds are drawn round-robin so each one is measured.
"""

from __future__ import annotations

import json
import random
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

from . import values as V

T = TypeVar("T")

# --------------------------------------------------------------------------- vocabulary

NOUNS = (
    "agent", "tool", "prompt", "memory", "retriever", "planner", "router", "session", "message", "document",
    "chunk", "embedding", "index", "cache", "queue", "worker", "task", "job", "event", "report", "invoice",
    "ticket", "customer", "order", "account", "search", "summary", "review", "policy", "model", "dataset",
    "batch", "pipeline", "vector", "store", "client", "handler", "schema", "metric", "trace", "budget",
    "quota", "feedback", "score", "label", "topic", "reply", "context", "citation", "webhook", "channel",
)
VERBS = (
    "fetch", "build", "load", "parse", "render", "score", "rank", "route", "plan", "summarize", "classify",
    "extract", "validate", "normalize", "embed", "dispatch", "sync", "export", "collect", "merge", "filter",
    "split", "format", "resolve", "refresh", "enqueue", "archive", "hydrate", "dedupe", "annotate",
)
AREAS = (
    "support", "billing", "research", "sales", "ops", "docs", "triage", "onboarding", "insights", "content",
    "voice", "ledger", "catalog", "compliance", "scheduler", "analytics", "growth", "security", "intake", "claims",
)
SUFFIXES = ("agent", "service", "bot", "api", "worker", "assistant", "pipeline", "copilot")
COMPANIES = ("acme", "globex", "initech", "hooli", "vandelay", "tyrell", "wonka", "cyberdyne", "soylent",
             "aperture", "northwind", "contoso", "fabrikam", "umbrella", "stark", "oscorp", "dunder")
TLDS = ("com", "io", "net", "dev", "ai", "cloud", "co")
DB_USERS = ("app", "agent", "svc_rag", "admin", "postgres", "readonly", "etl", "deploy", "reporter", "api")
MODELS = ("gpt-4o-mini", "gpt-4.1", "claude-3-5-sonnet-latest", "gemini-1.5-pro", "mistral-large-latest",
          "llama-3.1-70b-versatile", "command-r-plus")
ENVS = ("prod", "staging", "dev", "qa", "preview")
SENTENCES = (
    "The agent retries transient provider errors with exponential backoff and jitter.",
    "Each tool call is traced and the span carries the model, the token usage and the latency.",
    "Requests above the per-tenant budget are rejected before they reach the model provider.",
    "The retriever returns the top eight chunks and the planner decides whether to call a tool.",
    "Configuration is read from the environment at start-up; nothing is loaded lazily.",
    "Run the evaluation suite before every release and compare against the last tagged baseline.",
    "Long conversations are summarized once they exceed the context budget.",
    "The worker drains the queue in batches of fifty and acknowledges messages only after success.",
    "Alerts page the on-call engineer when the error rate stays above two percent for ten minutes.",
    "Secrets are stored in the cloud secret manager and injected as environment variables.",
    "Responses are cached for fifteen minutes, keyed by the normalized prompt and the model name.",
    "A circuit breaker opens after five consecutive failures and half-opens after thirty seconds.",
    "Tool outputs are validated against their JSON schema before they are shown to the model.",
    "The staging deployment mirrors production but uses a smaller instance class.",
)

TEXT_FORMATS = ("py", "js", "ts", "env", "yaml", "json", "toml", "tf", "dockerfile", "sh", "md", "ipynb")


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]


def camel(name: str) -> str:
    first, *rest = name.lower().split("_")
    return first + "".join(part.capitalize() for part in rest)


@dataclass
class Ctx:
    """Per-file context: the project a file belongs to and the rng that drives everything."""

    rng: random.Random
    project: str
    company: str
    used: set[str] = field(default_factory=set)  # keys and section names taken in this file

    def fresh(self, candidates: tuple[str, ...]) -> str:
        """A key or section name not used yet in this file (parsers keep only the last duplicate)."""
        free = [c for c in candidates if c not in self.used]
        name = pick(self.rng, free) if free else f"{pick(self.rng, candidates)}_{len(self.used)}"
        self.used.add(name)
        return name

    def claim(self, item: Item) -> None:
        """Give ``item`` a variable name not used yet in this file."""
        if item.name in self.used:
            item.name = f"{pick(self.rng, ENVS).upper()}_{item.name}"
        while item.name in self.used:
            item.name = f"{item.name}_{len(self.used)}"
        self.used.add(item.name)

    def host(self, role: str = "") -> str:
        rng = self.rng
        role = role or pick(rng, ("db", "pg", "mysql", "cache", "mq", "search", "vault", "api"))
        return f"{role}-{pick(rng, ENVS)}-{rng.randint(1, 4)}.{self.company}.{pick(rng, ('internal', 'corp'))}"

    def domain(self) -> str:
        return f"{self.company}.{pick(self.rng, TLDS)}"

    def ident(self) -> str:
        return f"{pick(self.rng, VERBS)}_{pick(self.rng, NOUNS)}"

    def word(self) -> str:
        return pick(self.rng, NOUNS)


# --------------------------------------------------------------------------- items


@dataclass
class Item:
    """One planted value. ``value`` is one line, or a list of lines for a multi-line block.

    ``ref`` marks an expression reading the value from elsewhere (``os.environ[...]``,
    ``process.env.X``, ``${{ secrets.X }}``...), rendered per format. ``number`` renders unquoted.
    ``role`` is "pos", "neg" or "ignore"; ``needle`` is what must appear on the labeled line.
    """

    name: str
    value: str | list[str]
    kind: str
    role: str
    needle: str = ""
    ref: bool = False
    number: bool = False
    bind: bool = False  # keep on the line right before the next item (an AWS key pair, a Twilio SID)
    lead: int = 0  # lines of the rendering before the labeled one (``KEY: |`` above a PEM block)

    def __post_init__(self) -> None:
        if not self.needle:
            self.needle = self.value[0] if isinstance(self.value, list) else self.value

    def on(self, line: str) -> bool:
        """Whether this item's needle is on ``line`` (references: the variable name in any casing)."""
        if self.ref:
            return self.needle.replace("_", "").lower() in line.replace("_", "").lower()
        return self.needle in line


def styled(name: str, fmt: str, rng: random.Random) -> str:
    if fmt in ("env", "dockerfile", "sh", "md"):
        return name
    if fmt in ("py", "ipynb"):
        return name if rng.random() < 0.55 else name.lower()
    if fmt in ("js", "ts"):
        return camel(name) if rng.random() < 0.7 else name
    if fmt == "json":
        return camel(name) if rng.random() < 0.5 else name.lower()
    return name.lower()


def ref_expr(fmt: str, name: str, rng: random.Random) -> str:
    """An expression that reads ``name`` from the environment or a secret store, per format."""
    if fmt in ("py", "ipynb"):
        return pick(rng, (f'os.environ["{name}"]', f'os.getenv("{name}")', f'os.environ.get("{name}", "")'))
    if fmt in ("js", "ts"):
        return pick(rng, (f"process.env.{name}", f'process.env["{name}"]', f"process.env.{name} ?? \"\""))
    if fmt == "yaml":
        return pick(rng, (f"${{{{ secrets.{name} }}}}", f'"${{{name}}}"', f'"{{{{ .Values.secrets.{camel(name)} }}}}"',
                          f'"{{{{ vault_{name.lower()} }}}}"'))
    if fmt == "tf":
        return f"var.{name.lower()}"
    if fmt == "sh":
        return f'"${{{name}:?{name} must be set}}"'
    if fmt in ("env", "dockerfile", "md"):
        return f"${{{name}}}"
    return json.dumps(f"${{{name}}}")  # json, toml: a quoted template string


def render_item(fmt: str, item: Item, rng: random.Random) -> tuple[list[str], int, int]:
    """Lines for ``item`` in ``fmt``, with the offsets of its first and last labeled line."""
    n = styled(item.name, fmt, rng)
    v = item.value
    if isinstance(v, list):
        lines, first, last = _render_block(fmt, n, v, rng)
        item.lead = first
        return lines, first, last
    if item.ref:
        expr = ref_expr(fmt, item.name, rng)
        return [_assign(fmt, n, expr, raw=True, rng=rng)], 0, 0
    return [_assign(fmt, n, v, raw=item.number, rng=rng)], 0, 0


def _assign(fmt: str, n: str, v: str, *, raw: bool, rng: random.Random) -> str:
    q = v if raw else json.dumps(v)
    if fmt in ("py", "ipynb"):
        if not raw and rng.random() < 0.2:
            return f'os.environ["{n.upper()}"] = {q}'
        return f"{n} = {q}"
    if fmt == "js":
        return pick(rng, (f"const {n} = {q};", f"export const {n} = {q};", f"  {n}: {q},"))
    if fmt == "ts":
        return pick(rng, (f"const {n}: string = {q};", f"export const {n} = {q};", f"  {n}: {q},"))
    if fmt == "env":
        plain = raw or (rng.random() < 0.6 and " " not in v and '"' not in v)
        return f"{n}={v}" if plain else f"{n}='{v}'" if '"' in v else f'{n}="{v}"'
    if fmt == "yaml":
        plain = raw or (rng.random() < 0.6 and _YAML_PLAIN.fullmatch(v) is not None)
        return f"  {n}: {v}" if plain else f"  {n}: {q}"
    if fmt == "json":
        return f'    "{n}": {q}'
    if fmt == "toml":
        return f"{n} = {q}"
    if fmt == "tf":
        return f"  {n} = {q}"
    if fmt == "dockerfile":
        return f"{pick(rng, ('ENV', 'ENV', 'ARG'))} {n}={v}"
    if fmt == "sh":
        return f"export {n}={v}" if raw else f"export {n}='{v}'" if ("$" in v or '"' in v) else f'export {n}="{v}"'
    if fmt == "md":
        return f"export {n}={v}"
    raise ValueError(fmt)


_YAML_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./:+=@;,?&%-]*")


def _render_block(fmt: str, n: str, lines: list[str], rng: random.Random) -> tuple[list[str], int, int]:
    last = len(lines)
    if fmt in ("py", "ipynb", "toml"):
        return [f'{n} = """', *lines, '"""'], 1, last
    if fmt in ("js", "ts"):
        return [f"const {n} = `", *lines, "`;"], 1, last
    if fmt == "env":
        return [f'{n}="{lines[0]}', *lines[1:-1], f'{lines[-1]}"'], 0, last - 1
    if fmt == "yaml":
        return [f"  {n}: |", *("    " + line for line in lines)], 1, last
    if fmt == "tf":
        return [f"  {n} = <<-EOT", *("    " + line for line in lines), "  EOT"], 1, last
    if fmt == "sh":
        return [f"cat > \"$HOME/.ssh/{n.lower()}\" <<'EOF'", *lines, "EOF"], 1, last
    if fmt == "md":
        return ["```", *lines, "```"], 1, last
    if fmt == "json":
        return [f'    "{n}": {json.dumps(chr(10).join(lines) + chr(10))}'], 0, 0
    if fmt == "dockerfile":
        joined = "\\n".join(lines)
        return [f'RUN echo "{joined}" > /root/.ssh/{n.lower()}'], 0, 0
    raise ValueError(fmt)


# --------------------------------------------------------------------------- planting: positives

POS_NAMES: dict[str, tuple[str, ...]] = {
    "openai_legacy": ("OPENAI_API_KEY", "OPENAI_KEY", "LLM_API_KEY", "API_KEY"),
    "openai_project": ("OPENAI_API_KEY", "OPENAI_KEY", "LLM_API_KEY"),
    "openai_svcacct": ("OPENAI_API_KEY", "OPENAI_SERVICE_ACCOUNT_KEY"),
    "openai_admin": ("OPENAI_ADMIN_KEY", "OPENAI_API_KEY"),
    "anthropic": ("ANTHROPIC_API_KEY", "CLAUDE_API_KEY", "LLM_API_KEY"),
    "google_api_key": ("GOOGLE_API_KEY", "GEMINI_API_KEY", "MAPS_API_KEY", "PALM_API_KEY"),
    "azure_openai_key": ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_KEY", "AOAI_API_KEY"),
    "azure_storage_conn": ("AZURE_STORAGE_CONNECTION_STRING", "STORAGE_CONNECTION_STRING", "AZURE_WEB_JOBS_STORAGE"),
    "github_classic": ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT", "GITHUB_ACCESS_TOKEN"),
    "github_fine_grained": ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"),
    "gitlab_pat": ("GITLAB_TOKEN", "GITLAB_PRIVATE_TOKEN", "CI_JOB_TOKEN_OVERRIDE"),
    "slack_token": ("SLACK_BOT_TOKEN", "SLACK_TOKEN", "SLACK_USER_TOKEN"),
    "slack_webhook": ("SLACK_WEBHOOK_URL", "ALERT_WEBHOOK", "SLACK_WEBHOOK"),
    "stripe_live_key": ("STRIPE_SECRET_KEY", "STRIPE_API_KEY", "STRIPE_KEY"),
    "huggingface": ("HF_TOKEN", "HUGGINGFACEHUB_API_TOKEN", "HUGGING_FACE_HUB_TOKEN"),
    "sendgrid": ("SENDGRID_API_KEY", "EMAIL_API_KEY", "SENDGRID_KEY"),
    "twilio_api_key": ("TWILIO_API_KEY", "TWILIO_API_KEY_SID"),
    "twilio_auth_token": ("TWILIO_AUTH_TOKEN",),
    "mistral": ("MISTRAL_API_KEY",),
    "groq": ("GROQ_API_KEY", "LLM_API_KEY"),
    "cohere": ("COHERE_API_KEY", "CO_API_KEY"),
    "replicate": ("REPLICATE_API_TOKEN", "REPLICATE_TOKEN"),
    "pinecone": ("PINECONE_API_KEY", "VECTOR_DB_API_KEY"),
    "database_url": ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "MONGO_URI", "REDIS_URL", "DB_URL", "BROKER_URL"),
    "basic_auth_url": ("PIP_EXTRA_INDEX_URL", "ELASTICSEARCH_URL", "PROXY_URL", "REGISTRY_URL", "WEBHOOK_ENDPOINT"),
    "jwt": ("SUPABASE_SERVICE_ROLE_KEY", "SERVICE_TOKEN", "AUTH_BEARER", "INTERNAL_API_JWT"),
    "private_key_pem": ("PRIVATE_KEY", "TLS_PRIVATE_KEY", "JWT_SIGNING_KEY", "GITHUB_APP_PRIVATE_KEY"),
    "openssh_private_key": ("SSH_PRIVATE_KEY", "DEPLOY_KEY", "GIT_SSH_KEY"),
    "generic_secret": ("PASSWORD", "DB_PASSWORD", "SECRET_KEY", "API_SECRET", "CLIENT_SECRET", "AUTH_TOKEN",
                       "SESSION_SECRET", "JWT_SECRET", "WEBHOOK_SECRET", "ACCESS_TOKEN", "ADMIN_PASSWORD",
                       "TOKEN", "REDIS_PASSWORD", "SMTP_PASSWORD", "ENCRYPTION_KEY"),
    "gcp_service_account": ("GOOGLE_CREDENTIALS_JSON", "GCP_SA_KEY", "GOOGLE_APPLICATION_CREDENTIALS_JSON"),
}

PLANT_KINDS = ("aws", *POS_NAMES, "k8s_secret_data")
SPECIAL_PLANTS = {"gcp_service_account": 0.65, "private_key_pem": 0.35, "openssh_private_key": 0.4,
                  "k8s_secret_data": 1.0}


@dataclass
class Plant:
    kind: str
    special: bool


def plant_stream(rng: random.Random) -> Iterator[Plant]:
    """Endless round-robin over the credential kinds, shuffled each round."""
    while True:
        kinds = list(PLANT_KINDS)
        rng.shuffle(kinds)
        for kind in kinds:
            yield Plant(kind, rng.random() < SPECIAL_PLANTS.get(kind, 0.0))


def positive_items(ctx: Ctx, kind: str) -> list[Item]:
    rng = ctx.rng
    if kind == "aws":
        shape = rng.random()
        items = []
        if shape < 0.8:
            items.append(Item("AWS_ACCESS_KEY_ID", V.aws_access_key_id(rng), "aws_access_key_id", "pos", bind=shape > 0.2))
        if shape > 0.2:
            items.append(Item("AWS_SECRET_ACCESS_KEY", V.aws_secret_access_key(rng), "aws_secret_access_key", "pos"))
        return items
    name = pick(rng, POS_NAMES[kind])
    if kind == "twilio_auth_token":
        return [Item("TWILIO_ACCOUNT_SID", V.twilio_account_sid(rng), "twilio_account_sid", "ignore", bind=True),
                Item(name, V.twilio_auth_token(rng), kind, "pos")]
    if kind == "gcp_service_account":
        blob = json.dumps(service_account(ctx), separators=(",", ":"))
        return [Item(name, blob, kind, "pos", needle=V.pem_armour("PRIVATE KEY"))]
    value: str | list[str]
    if kind.startswith("openai_"):
        value = V.openai_key(rng, kind.split("_", 1)[1].replace("project", "proj"))
    elif kind == "anthropic":
        value = V.anthropic_key(rng)
    elif kind == "google_api_key":
        value = V.google_api_key(rng)
    elif kind == "azure_openai_key":
        value = V.azure_openai_key(rng)
    elif kind == "azure_storage_conn":
        value = V.azure_storage_connection_string(rng, f"{ctx.company}{pick(rng, AREAS)}{rng.randint(1, 99)}")
    elif kind == "github_classic":
        value = V.github_token(rng, pick(rng, ("ghp_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_")))
    elif kind == "github_fine_grained":
        value = V.github_fine_grained(rng)
    elif kind == "gitlab_pat":
        value = V.gitlab_pat(rng)
    elif kind == "slack_token":
        value = V.slack_token(rng)
    elif kind == "slack_webhook":
        value = V.slack_webhook(rng)
    elif kind == "stripe_live_key":
        value = V.stripe_live_key(rng)
    elif kind == "huggingface":
        value = V.huggingface_token(rng)
    elif kind == "sendgrid":
        value = V.sendgrid_key(rng)
    elif kind == "twilio_api_key":
        value = V.twilio_api_key(rng)
    elif kind == "mistral":
        value = V.mistral_key(rng)
    elif kind == "groq":
        value = V.groq_key(rng)
    elif kind == "cohere":
        value = V.cohere_key(rng)
    elif kind == "replicate":
        value = V.replicate_token(rng)
    elif kind == "pinecone":
        value = V.pinecone_key(rng)
    elif kind == "database_url":
        value = V.database_url(rng, pick(rng, DB_USERS), ctx.host(), ctx.project.replace("-", "_"))
    elif kind == "basic_auth_url":
        value = V.basic_auth_url(rng, pick(rng, DB_USERS + ("ci-bot", "jenkins")), ctx.host(pick(rng, ("pypi", "nexus", "es", "proxy", "hooks"))))
    elif kind == "jwt":
        value = V.jwt(rng, f"{ctx.project}-{pick(rng, SUFFIXES)}")
    elif kind == "private_key_pem":
        value = V.pem_private_key(rng)
    elif kind == "openssh_private_key":
        value = V.openssh_private_key(rng)
    elif kind == "generic_secret":
        value = V.password(rng)
    else:
        raise ValueError(kind)
    return [Item(name, value, kind, "pos")]


def service_account(ctx: Ctx) -> dict[str, str]:
    rng = ctx.rng
    project = f"{ctx.project}-{rng.randint(100000, 999999)}"
    account = f"{pick(rng, SUFFIXES)}-{pick(rng, ENVS)}"
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": V.rand(rng, V.HEX, 40),
        "private_key": "\n".join(V.pem_private_key(rng, "PRIVATE KEY")) + "\n",
        "client_email": f"{account}@{project}.iam.gserviceaccount.com",
        "client_id": V.rand(rng, V.DIGITS, 21),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{account}%40{project}.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com",
    }


# --------------------------------------------------------------------------- planting: negatives

SECRETISH = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "API_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "SECRET_KEY",
             "HF_TOKEN", "SLACK_BOT_TOKEN", "STRIPE_SECRET_KEY", "AWS_SECRET_ACCESS_KEY", "AUTH_TOKEN",
             "GOOGLE_API_KEY", "PASSWORD", "CLIENT_SECRET", "PINECONE_API_KEY", "GROQ_API_KEY")
SECRET_LIKE_NAMES = (
    ("TOKEN_URL", "https://oauth2.googleapis.com/token", False),
    ("TOKEN_URL", "https://login.microsoftonline.com/common/oauth2/v2.0/token", False),
    ("SECRET_NAME", "prod/agent/openai-api-key", False),
    ("SECRET_ID", "projects/agent-prod/secrets/anthropic-key/versions/latest", False),
    ("PASSWORD_FIELD", "password", False),
    ("PASSWORD_FIELD_NAME", "user_password", False),
    ("MAX_TOKENS", "4096", True),
    ("MAX_OUTPUT_TOKENS", "1024", True),
    ("TOKEN_LIMIT", "128000", True),
    ("TOKEN_TYPE", "Bearer", False),
    ("TOKEN_ENCODING", "cl100k_base", False),
    ("PASSWORD_MIN_LENGTH", "12", True),
    ("API_KEY_HEADER", "X-API-Key", False),
    ("AUTH_TOKEN_HEADER", "Authorization", False),
    ("SECRET_KEY_ENV_VAR", "DJANGO_SECRET_KEY", False),
    ("PASSWORD_RESET_PATH", "/account/password/reset", False),
    ("TOKEN_CACHE_TTL", "3300", True),
    ("SECRETS_BACKEND", "aws-secretsmanager", False),
    ("KEY_VAULT_NAME", "kv-agents-prod", False),
    ("API_KEY_PREFIX", "sk-", False),
    ("TOKENIZER", "tiktoken", False),
    ("SECRET_MOUNT_PATH", "/var/run/secrets/agent", False),
)

PLACEHOLDER_NAMES = (("sk-ant", "ANTHROPIC_API_KEY"), ("sk-", "OPENAI_API_KEY"), ("ghp_", "GITHUB_TOKEN"),
                     ("hf_", "HF_TOKEN"), ("AI" + "za", "GOOGLE_API_KEY"), ("xox", "SLACK_BOT_TOKEN"),
                     ("glpat-", "GITLAB_TOKEN"))

NEG_KINDS = ("aws_doc_example", "placeholder", "env_reference", "git_sha", "sha256_digest", "uuid",
             "stripe_publishable_or_test", "bcrypt_hash", "random_id", "semver", "secret_like_name",
             "ssh_public_key", "data_uri_image")


def negative_item(ctx: Ctx, kind: str) -> Item:
    rng = ctx.rng
    if kind == "aws_doc_example":
        name, value = pick(rng, V.aws_documented_examples())
        return Item(name, value, kind, "neg")
    if kind == "placeholder":
        value = V.placeholder_literal(rng)
        names = [name for prefix, name in PLACEHOLDER_NAMES if value.startswith(prefix)]
        return Item(names[0] if names else pick(rng, SECRETISH), value, kind, "neg")
    if kind == "env_reference":
        name = pick(rng, SECRETISH)
        return Item(name, "", kind, "neg", needle=name, ref=True)
    if kind == "git_sha":
        return Item(pick(rng, ("GIT_COMMIT", "COMMIT_SHA", "BUILD_SHA", "SOURCE_REVISION", "BASE_REF")),
                    V.git_sha(rng), kind, "neg")
    if kind == "sha256_digest":
        digest = V.sha256_hex(rng)
        name, value = pick(rng, (("IMAGE_DIGEST", "sha256:" + digest), ("MODEL_SHA256", digest),
                                 ("ARTIFACT_CHECKSUM", "sha256:" + digest), ("BASE_IMAGE", f"python:3.12-slim@sha256:{digest}")))
        return Item(name, value, kind, "neg")
    if kind == "uuid":
        return Item(pick(rng, ("AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "WORKSPACE_ID",
                               "RUN_ID", "ASSISTANT_ID", "DATASET_ID", "TRACE_PROJECT_ID")), V.uuid4(rng), kind, "neg")
    if kind == "stripe_publishable_or_test":
        value = V.stripe_public_or_test(rng)
        name = "STRIPE_PUBLISHABLE_KEY" if value.startswith("pk_") else "STRIPE_TEST_SECRET_KEY"
        return Item(name, value, kind, "neg")
    if kind == "bcrypt_hash":
        return Item(pick(rng, ("ADMIN_PASSWORD_HASH", "PASSWORD_HASH", "HASHED_PASSWORD", "BASIC_AUTH_HTPASSWD")),
                    V.bcrypt_hash(rng), kind, "neg")
    if kind == "random_id":
        shape = rng.randrange(7)
        if shape == 0:
            return Item("REQUEST_ID", "req_" + V.rand(rng, V.ALNUM, 24), kind, "neg")
        if shape == 1:
            return Item("CACHE_KEY", f"emb:v2:{V.rand(rng, V.HEX, 32)}", kind, "neg")
        if shape == 2:
            return Item("CSS_CLASS", f"css-{V.rand(rng, V.LOWER + V.DIGITS, 7)} sc-{V.rand(rng, V.LETTERS, 6)}", kind, "neg")
        if shape == 3:
            return Item("MAIN_BUNDLE", f"/static/js/main.{V.rand(rng, V.HEX, 8)}.chunk.js", kind, "neg")
        if shape == 4:
            return Item("TRACE_ID", V.rand(rng, V.HEX, 32), kind, "neg")
        if shape == 5:
            return Item("ASSET_HASH", V.rand(rng, V.HEX, 20), kind, "neg")
        return Item("ETAG", f"{V.rand(rng, V.HEX, 4)}-{V.rand(rng, V.URLSAFE, 27)}", kind, "neg")
    if kind == "semver":
        return Item(pick(rng, ("APP_VERSION", "VERSION", "IMAGE_TAG", "SDK_VERSION")), V.semver(rng), kind, "neg")
    if kind == "secret_like_name":
        name, value, number = pick(rng, SECRET_LIKE_NAMES)
        return Item(name, value, kind, "neg", number=number)
    if kind == "ssh_public_key":
        comment = f"{pick(rng, DB_USERS)}@{ctx.project}-{pick(rng, ENVS)}"
        return Item(pick(rng, ("SSH_PUBLIC_KEY", "DEPLOY_PUBLIC_KEY", "AUTHORIZED_KEY")),
                    V.ssh_public_key(rng, comment), kind, "neg")
    if kind == "data_uri_image":
        return Item(pick(rng, ("LOGO_DATA_URI", "PLACEHOLDER_IMAGE", "FAVICON")),
                    "data:image/png;base64," + V.png_base64(rng, rng.randint(60, 900)), kind, "neg")
    raise ValueError(kind)


def negative_stream(rng: random.Random) -> Iterator[str]:
    while True:
        kinds = list(NEG_KINDS)
        rng.shuffle(kinds)
        yield from kinds


# --------------------------------------------------------------------------- buffers


@dataclass
class Buf:
    """Lines of one file plus where each planted item landed (0-based first and last line)."""

    lines: list[str] = field(default_factory=list)
    marks: list[tuple[int, int, Item]] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def extend(self, lines: list[str]) -> None:
        self.lines.extend(lines)

    def put(self, fmt: str, item: Item, rng: random.Random) -> None:
        lines, first, last = render_item(fmt, item, rng)
        base = len(self.lines)
        self.lines.extend(lines)
        self.marks.append((base + first, base + last, item))

    def mark(self, line: str, item: Item) -> None:
        self.marks.append((len(self.lines), len(self.lines), item))
        self.lines.append(line)


# --------------------------------------------------------------------------- filler chunks


def py_chunk(ctx: Ctx) -> list[str]:
    rng = ctx.rng
    fn, noun = ctx.ident(), ctx.word()
    shape = rng.randrange(5)
    if shape == 0:
        return ["", "", f"def {fn}(items: list[dict[str, object]], limit: int = {rng.randint(5, 200)}) -> list[str]:",
                f'    """{pick(rng, SENTENCES)}"""',
                "    out: list[str] = []", "    for item in items[:limit]:",
                f'        value = str(item.get("{noun}", "")).strip()', "        if value:",
                "            out.append(value)", f'    log.debug("{fn}: %d of %d kept", len(out), len(items))',
                "    return out"]
    if shape == 1:
        cls = noun.capitalize() + pick(rng, ("Store", "Client", "Router", "Planner", "Cache"))
        return ["", "", f"class {cls}:", f'    """{pick(rng, SENTENCES)}"""', "",
                f"    def __init__(self, timeout: float = {rng.randint(5, 60)}.0) -> None:",
                "        self.timeout = timeout", f"        self._{noun}s: dict[str, int] = {{}}", "",
                f"    def {pick(rng, VERBS)}(self, key: str) -> int:",
                f"        return self._{noun}s.get(key, {rng.randint(0, 9)})"]
    if shape == 2:
        return ["", "", f"@retry(stop=stop_after_attempt({rng.randint(3, 6)}), wait=wait_random_exponential(max={rng.randint(10, 60)}))",
                f"async def {fn}(prompt: str) -> str:",
                "    reply = await client.chat.completions.create(",
                f'        model="{pick(rng, MODELS)}",', '        messages=[{"role": "user", "content": prompt}],',
                f"        max_tokens={rng.choice((256, 512, 1024))},", "    )",
                '    return reply.choices[0].message.content or ""']
    if shape == 3:
        return ["", "", "@dataclass(frozen=True)", f"class {noun.capitalize()}Config:",
                f"    name: str = \"{ctx.project}\"", f"    batch_size: int = {rng.choice((8, 16, 32, 64))}",
                f"    timeout_s: float = {rng.randint(5, 120)}.0", "    enabled: bool = True"]
    return ["", "", f"def {fn}(text: str) -> dict[str, int]:", "    counts: dict[str, int] = {}",
            "    for word in text.split():", "        counts[word] = counts.get(word, 0) + 1", "    return counts"]


def py_header(ctx: Ctx) -> list[str]:
    rng = ctx.rng
    return [f'"""{pick(rng, SENTENCES)}"""', "", "from __future__ import annotations", "", "import logging",
            "import os", *(["from dataclasses import dataclass"] if rng.random() < 0.5 else []),
            "", "from openai import AsyncOpenAI",
            "from tenacity import retry, stop_after_attempt, wait_random_exponential", "",
            "log = logging.getLogger(__name__)", "client = AsyncOpenAI(max_retries=0, timeout=30)", ""]


def js_chunk(ctx: Ctx, ts: bool) -> list[str]:
    rng = ctx.rng
    fn, noun = camel(ctx.ident()), ctx.word()
    t = (lambda s: s) if ts else (lambda s: "")
    shape = rng.randrange(4)
    if shape == 0:
        return ["", f"export async function {fn}(input{t(': string')}){t(': Promise<string>')} {{",
                f"  const res = await fetch(`${{BASE_URL}}/{noun}s`, {{",
                '    method: "POST",', '    headers: { "Content-Type": "application/json" },',
                "    body: JSON.stringify({ input }),", "  });",
                f"  if (!res.ok) throw new Error(`{fn} failed: ${{res.status}}`);", "  return res.text();", "}"]
    if shape == 1 and ts:
        return ["", f"export interface {noun.capitalize()}Options {{", "  id: string;", "  limit?: number;",
                "  tags: string[];", "}"]
    if shape == 2:
        return ["", f"export const {fn} = (items{t(': number[]')}) =>",
                f"  items.filter((x) => x > {rng.randint(0, 9)}).map((x) => x * {rng.randint(2, 9)});"]
    return ["", f"function {fn}(value{t(': unknown')}){t(': boolean')} {{",
            '  return typeof value === "string" && value.length > 0;', "}"]


def js_header(ctx: Ctx) -> list[str]:
    return ['import OpenAI from "openai";', 'import pRetry from "p-retry";', "",
            f'const BASE_URL = "https://api.{ctx.domain()}/v1";',
            "const client = new OpenAI({ maxRetries: 0, timeout: 20_000 });", ""]


def env_chunk(ctx: Ctx) -> list[str]:
    rng = ctx.rng
    pool = (f"LOG_LEVEL={pick(rng, ('info', 'debug', 'warning'))}", f"PORT={rng.choice((3000, 8000, 8080))}",
            f"MODEL_NAME={pick(rng, MODELS)}", f"REQUEST_TIMEOUT_S={rng.randint(10, 120)}",
            f"APP_ENV={pick(rng, ENVS)}", f"QUEUE_NAME={ctx.word()}-{pick(rng, ENVS)}",
            f"OTEL_SERVICE_NAME={ctx.project}", f"AWS_REGION={pick(rng, ('us-east-1', 'eu-west-1', 'us-west-2'))}",
            f"MAX_CONCURRENCY={rng.randint(2, 32)}", "FEATURE_STREAMING=true", f"API_BASE_URL=https://api.{ctx.domain()}")
    free = [entry for entry in pool if entry.split("=", 1)[0] not in ctx.used]
    chosen = rng.sample(free, min(len(free), rng.randint(2, 5)))
    ctx.used.update(entry.split("=", 1)[0] for entry in chosen)
    return ["", f"# {pick(rng, SENTENCES)}", *chosen]


def yaml_chunk(ctx: Ctx) -> list[str]:
    rng = ctx.rng
    section = ctx.fresh(("server", "logging", "retries", "limits", "queue", "tracing", "model"))
    body = [f"  timeout_s: {rng.randint(5, 120)}", f"  enabled: {pick(rng, ('true', 'false'))}",
            f"  name: {ctx.project}-{section}", f"  max_attempts: {rng.randint(2, 6)}",
            f"  model: {pick(rng, MODELS)}", f"  endpoint: https://{section}.{ctx.domain()}/v1",
            f"  level: {pick(rng, ('INFO', 'DEBUG', 'WARN'))}", f"  batch_size: {rng.choice((16, 32, 64))}"]
    return [f"{section}:", *rng.sample(body, rng.randint(2, 5))]


def json_props(ctx: Ctx) -> list[list[str]]:
    rng = ctx.rng
    return [[f'  "name": "{ctx.project}"'], [f'  "version": "{V.semver(rng).split("-")[0].split("+")[0]}"'],
            [f'  "description": "{pick(rng, SENTENCES)}"'],
            ['  "limits": {', f'    "requestsPerMinute": {rng.randint(10, 600)},',
             f'    "tokensPerMinute": {rng.randint(10, 300) * 1000}', "  }"],
            ['  "logging": {', f'    "level": "{pick(rng, ("info", "debug"))}",', '    "json": true', "  }"]]


def toml_chunk(ctx: Ctx) -> list[str]:
    rng = ctx.rng
    section = ctx.fresh(("server", "model", "retry", "queue", "tracing", "cache"))
    return ["", f"[{section}]", f"timeout_s = {rng.randint(5, 120)}", f'name = "{ctx.project}-{section}"',
            f"enabled = {pick(rng, ('true', 'false'))}", f"max_attempts = {rng.randint(2, 6)}"]


def tf_chunk(ctx: Ctx) -> list[str]:
    rng = ctx.rng
    name = ctx.fresh(NOUNS)
    shape = rng.randrange(3)
    if shape == 0:
        return ["", f'resource "aws_cloudwatch_log_group" "{name}" {{', f'  name              = "/{ctx.project}/{name}"',
                f"  retention_in_days = {rng.choice((7, 14, 30, 90))}", "}"]
    if shape == 1:
        return ["", f'resource "aws_sqs_queue" "{name}" {{', f'  name                       = "{ctx.project}-{name}"',
                f"  visibility_timeout_seconds = {rng.randint(30, 900)}", "  tags = {",
                f'    team = "{pick(rng, AREAS)}"', "  }", "}"]
    return ["", f'variable "{name}_replicas" {{', "  type    = number", f"  default = {rng.randint(1, 6)}", "}"]


def sh_chunk(ctx: Ctx) -> list[str]:
    rng = ctx.rng
    fn = ctx.ident()
    return ["", f"{fn}() {{", f'  echo "==> {fn} ({ctx.project})"',
            f"  python -m {ctx.project.replace('-', '_')}.{ctx.word()} --limit {rng.randint(10, 500)}", "}"]


def md_chunk(ctx: Ctx) -> list[str]:
    rng = ctx.rng
    heading = pick(rng, ("Overview", "Configuration", "Deployment", "Troubleshooting", "Architecture",
                         "Local development", "Evaluation", "Rate limits", "Observability"))
    para = " ".join(rng.sample(SENTENCES, rng.randint(2, 4)))
    out = ["", f"## {heading}", "", para]
    if rng.random() < 0.4:
        out += ["", "```bash", f"make {pick(rng, ('test', 'run', 'deploy', 'eval'))} ENV={pick(rng, ENVS)}", "```"]
    return out


def css_chunk(ctx: Ctx) -> list[str]:
    rng = ctx.rng
    return ["", f".{ctx.word()}-{pick(rng, ('card', 'panel', 'list', 'header'))} {{",
            f"  padding: {rng.randint(2, 24)}px;", f"  color: #{V.rand(rng, V.HEX, 6)};",
            f"  border-radius: {rng.randint(0, 12)}px;", "}"]


def docker_lines(ctx: Ctx) -> tuple[list[str], list[str]]:
    rng = ctx.rng
    head = [f"FROM python:3.{rng.randint(10, 12)}-slim", "", "WORKDIR /app", "COPY requirements.txt .",
            "RUN pip install --no-cache-dir -r requirements.txt", "COPY . .",
            f"ENV PORT={rng.choice((8000, 8080))}", f"ENV APP_ENV={pick(rng, ENVS)}"]
    tail = ["", f'CMD ["python", "-m", "{ctx.project.replace("-", "_")}"]']
    return head, tail


# --------------------------------------------------------------------------- file builders


def build_text(fmt: str, ctx: Ctx, items: list[Item], chunks: int) -> Buf:
    """A file of ``fmt`` holding ``items`` among ``chunks`` filler chunks."""
    rng = ctx.rng
    if fmt == "json":
        return build_json(ctx, items)
    if fmt == "ipynb":
        return build_notebook(ctx, items, chunks)
    buf = Buf()
    slots = sorted(rng.randint(0, chunks) for _ in items)  # the chunk index each item follows
    for i in range(1, len(items)):
        if items[i - 1].bind:
            slots[i] = slots[i - 1]
    chunk_fn: Callable[[], list[str]]
    if fmt == "py":
        buf.extend(py_header(ctx))
        chunk_fn = lambda: py_chunk(ctx)  # noqa: E731
    elif fmt in ("js", "ts"):
        buf.extend(js_header(ctx))
        chunk_fn = lambda: js_chunk(ctx, fmt == "ts")  # noqa: E731
    elif fmt == "env":
        buf.add(f"# {ctx.project} ({pick(rng, ENVS)})")
        chunk_fn = lambda: env_chunk(ctx)  # noqa: E731
    elif fmt == "yaml":
        buf.add(f"# {ctx.project} configuration")
        chunk_fn = lambda: yaml_chunk(ctx)  # noqa: E731
    elif fmt == "toml":
        buf.extend(["[app]", f'name = "{ctx.project}"', f'env = "{pick(rng, ENVS)}"'])
        chunk_fn = lambda: toml_chunk(ctx)  # noqa: E731
    elif fmt == "tf":
        buf.extend(['terraform {', '  required_version = ">= 1.5"', "}", "", 'provider "aws" {',
                    f'  region = "{pick(rng, ("us-east-1", "eu-west-1"))}"', "}"])
        chunk_fn = lambda: tf_chunk(ctx)  # noqa: E731
    elif fmt == "sh":
        buf.extend(["#!/usr/bin/env bash", "set -euo pipefail", ""])
        chunk_fn = lambda: sh_chunk(ctx)  # noqa: E731
    elif fmt == "md":
        buf.extend([f"# {ctx.project}", "", pick(rng, SENTENCES)])
        chunk_fn = lambda: md_chunk(ctx)  # noqa: E731
    elif fmt == "dockerfile":
        head, tail = docker_lines(ctx)
        buf.extend(head)
        for item in items:
            ctx.claim(item)
            buf.put(fmt, item, rng)
        buf.extend(tail)
        return buf
    elif fmt == "css":
        chunk_fn = lambda: css_chunk(ctx)  # noqa: E731
    else:
        raise ValueError(fmt)
    pending = deque(zip(slots, items))
    for index in range(chunks + 1):
        group = []
        while pending and pending[0][0] == index:
            group.append(pending.popleft()[1])
        if group:
            _put_group(buf, fmt, ctx, group)
        if index < chunks:
            buf.extend(chunk_fn())
    return buf


def _put_group(buf: Buf, fmt: str, ctx: Ctx, group: list[Item]) -> None:
    """Items that sit together: a settings block in the file's own idiom."""
    rng = ctx.rng
    for item in group:
        ctx.claim(item)
    if fmt == "yaml":
        buf.add(ctx.fresh(("credentials", "providers", "env", "settings", "secrets")) + ":")
    elif fmt == "toml":
        buf.extend(["", f'[{ctx.fresh(("providers", "credentials", "settings", "secrets"))}]'])
    elif fmt == "tf":
        buf.extend(["", "locals {"])
    elif fmt == "md":
        buf.extend(["", pick(rng, ("Set the credentials before running:", "Example environment:", "Configuration used in staging:")), ""])
        if not any(isinstance(i.value, list) for i in group):
            buf.add("```bash")
    else:
        buf.add("")
    # object-property renderings ("  name: value,") need an enclosing object in JS/TS
    js_object = fmt in ("js", "ts") and rng.random() < 0.4
    objects = ("config", "settings", "providerConfig", "credentials", "env", "clientOptions")
    if js_object:
        buf.add(f"const {ctx.fresh(objects)} = {{")
    for item in group:
        if js_object and not isinstance(item.value, list):
            n = styled(item.name, fmt, rng)
            value = ref_expr(fmt, item.name, rng) if item.ref else item.value if item.number else json.dumps(item.value)
            buf.mark(f"  {n}: {value},", item)
        elif js_object:
            buf.add("};")
            buf.put(fmt, item, rng)
            buf.add(f"const {ctx.fresh(objects)} = {{")
        else:
            buf.put(fmt, item, rng)
    if js_object:
        buf.add("};")
    if fmt == "tf":
        buf.add("}")
    elif fmt == "md" and not any(isinstance(i.value, list) for i in group):
        buf.add("```")


def _join_json(entries: list[tuple[list[str], list[tuple[int, int, Item]]]]) -> tuple[list[str], list[tuple[int, int, Item]]]:
    """JSON object members, comma-separated, with their marks moved to the joined line numbers."""
    lines: list[str] = []
    marks: list[tuple[int, int, Item]] = []
    for i, (member, member_marks) in enumerate(entries):
        if i < len(entries) - 1:
            member = [*member[:-1], member[-1] + ","]
        marks.extend((len(lines) + a, len(lines) + b, item) for a, b, item in member_marks)
        lines.extend(member)
    return lines, marks


def build_json(ctx: Ctx, items: list[Item]) -> Buf:
    rng = ctx.rng
    props: list[tuple[list[str], list[tuple[int, int, Item]]]] = [(p, []) for p in json_props(ctx)]
    rng.shuffle(props)
    if items:
        inner: list[tuple[list[str], list[tuple[int, int, Item]]]] = []
        for item in items:
            ctx.claim(item)
            lines, first, last = render_item("json", item, rng)
            inner.append((lines, [(first, last, item)]))
        inner.insert(rng.randint(0, len(inner)), ([f'    "timeoutMs": {rng.randint(5, 60) * 1000}'], []))
        body, marks = _join_json(inner)
        head = f'  "{pick(rng, ("providers", "credentials", "config", "secrets"))}": {{'
        props.insert(rng.randint(0, len(props)), ([head, *body, "  }"], [(a + 1, b + 1, it) for a, b, it in marks]))
    lines, marks = _join_json(props)
    buf = Buf()
    buf.add("{")
    buf.marks.extend((a + 1, b + 1, item) for a, b, item in marks)
    buf.extend(lines)
    buf.add("}")
    return buf


def _nb_cell(kind: str, source: list[str], outputs: list[list[str]], ctx: Ctx, count: int) -> list[str]:
    """A notebook cell in nbformat's indent=1 layout; ``source`` holds the already-escaped lines."""
    head = ["  {", f'   "cell_type": "{kind}",']
    if kind == "code":
        head.append(f'   "execution_count": {count},')
    head += [f'   "id": "{V.rand(ctx.rng, V.HEX, 8)}",', '   "metadata": {},']
    if kind == "code":
        if outputs:
            head.append('   "outputs": [')
            for i, out in enumerate(outputs):
                head.extend(out[:-1] + [out[-1] + ("," if i < len(outputs) - 1 else "")])
            head.append("   ],")
        else:
            head.append('   "outputs": [],')
    head.append('   "source": [')
    body = [f"    {line}{',' if i < len(source) - 1 else ''}" for i, line in enumerate(source)]
    return head + body + ["   ]", "  }"]


def _nb_source(lines: list[str]) -> list[str]:
    return [json.dumps(line + "\n") for line in lines[:-1]] + [json.dumps(lines[-1])]


def _nb_stream(text: list[str]) -> list[str]:
    return ["    {", '     "name": "stdout",', '     "output_type": "stream",', '     "text": [',
            *(f"      {json.dumps(t + chr(10))}{',' if i < len(text) - 1 else ''}" for i, t in enumerate(text)),
            "     ]", "    }"]


def _nb_image(payload: str) -> list[str]:
    return ["    {", '     "data": {', f'      "image/png": {json.dumps(payload)},', '      "text/plain": [',
            '       "<Figure size 640x480 with 1 Axes>"', "      ]", "     },", '     "metadata": {},',
            '     "output_type": "display_data"', "    }"]


def build_notebook(ctx: Ctx, items: list[Item], chunks: int, images: int = 0) -> Buf:
    """A Jupyter notebook; items go into code cells, ``images`` adds labeled image/png outputs."""
    rng = ctx.rng
    cells: list[tuple[list[str], list[tuple[int, int, Item]]]] = []
    count = 0
    pending = list(items)
    image_left = images
    for index in range(max(chunks, 1) + len(items)):
        count += 1
        if pending and (index % 2 == 1 or index >= chunks):
            item = pending.pop(0)
            ctx.claim(item)
            py = ["import os", ""]
            lines, first, last = render_item("ipynb", item, rng)
            start = len(py)
            py.extend(lines)
            py.append(f"client = OpenAI(timeout={rng.randint(10, 60)})")
            src = _nb_source(py)
            outputs = [_nb_stream([f"client ready: {pick(rng, MODELS)}"])] if rng.random() < 0.3 else []
            cell = _nb_cell("code", src, outputs, ctx, count)
            src_start = cell.index('   "source": [') + 1
            cells.append((cell, [(src_start + start + first, src_start + start + last, item)]))
            continue
        if rng.random() < 0.3:
            cells.append((_nb_cell("markdown", _nb_source([f"## {ctx.word().capitalize()}", "", pick(rng, SENTENCES)]), [], ctx, 0), []))
            continue
        code = py_chunk(ctx)[2:]
        outputs, marks_out = [], []
        if image_left:
            image_left -= 1
            payload = V.png_base64(rng, rng.randint(300, 4000))
            outputs.append(_nb_image(payload))
            marks_out.append(("image", payload))
        elif rng.random() < 0.5:
            outputs.append(_nb_stream([f"{ctx.word()}: {rng.randint(0, 999)}", f"done in {rng.random():.2f}s"]))
        cell = _nb_cell("code", _nb_source(code), outputs, ctx, count)
        marks = []
        for _, payload in marks_out:
            at = next(i for i, line in enumerate(cell) if payload in line)
            marks.append((at, at, Item("image/png", payload, "notebook_image_output", "neg", needle=payload[:40])))
        cells.append((cell, marks))
    buf = Buf()
    buf.add("{", ' "cells": [')
    for i, (cell, marks) in enumerate(cells):
        if i < len(cells) - 1:
            cell = [*cell[:-1], cell[-1] + ","]
        base = len(buf.lines)
        buf.marks.extend((base + a, base + b, item) for a, b, item in marks)
        buf.extend(cell)
    buf.extend([" ],", ' "metadata": {', '  "kernelspec": {', '   "display_name": "Python 3",', '   "language": "python",',
                '   "name": "python3"', "  },", '  "language_info": {', '   "name": "python",',
                f'   "version": "3.{rng.randint(10, 12)}.{rng.randint(0, 9)}"', "  }", " },", ' "nbformat": 4,',
                ' "nbformat_minor": 5', "}"])
    return buf


# --------------------------------------------------------------------------- special files


def build_k8s_secret(ctx: Ctx) -> Buf:
    rng = ctx.rng
    buf = Buf()
    buf.extend(["apiVersion: v1", "kind: Secret", "metadata:", f"  name: {ctx.project}-{pick(rng, ('credentials', 'secrets', 'env'))}",
                f"  namespace: {pick(rng, AREAS)}", "  labels:", f"    app.kubernetes.io/name: {ctx.project}", "type: Opaque", "data:"])
    fields: list[Item] = []
    for _ in range(rng.randint(1, 3)):
        kind = pick(rng, ("openai_legacy", "anthropic", "generic_secret", "database_url", "huggingface", "groq"))
        item = positive_items(ctx, kind)[0]
        ctx.claim(item)
        fields.append(item)
    plain = [("DB_HOST", ctx.host("pg")), ("USERNAME", pick(rng, DB_USERS)), ("PORT", "5432"), ("LOG_LEVEL", "info"),
             ("MODEL_NAME", pick(rng, MODELS))]
    entries: list[tuple[str, str, str]] = [(f.name, f.value if isinstance(f.value, str) else "", "pos") for f in fields]
    entries += [(k, v, "neg") for k, v in rng.sample(plain, rng.randint(1, 3)) if k not in ctx.used]
    rng.shuffle(entries)
    for name, value, role in entries:
        encoded = V.b64(value.encode())
        kind = "k8s_secret_data" if role == "pos" else "k8s_nonsecret_field"
        buf.mark(f"  {name}: {encoded}", Item(name, encoded, kind, role))
    return buf


def build_service_account_file(ctx: Ctx) -> Buf:
    data = service_account(ctx)
    buf = Buf()
    text = json.dumps(data, indent=2).splitlines()
    for line in text:
        if line.startswith('  "private_key":'):
            buf.mark(line, Item("private_key", data["private_key"], "gcp_service_account", "pos",
                                needle=V.pem_armour("PRIVATE KEY")))
        elif line.startswith('  "private_key_id":'):
            buf.mark(line, Item("private_key_id", data["private_key_id"], "gcp_private_key_id", "ignore"))
        else:
            buf.add(line)
    return buf


def build_key_file(item: Item) -> Buf:
    assert isinstance(item.value, list)
    buf = Buf()
    buf.marks.append((0, len(item.value) - 1, item))
    buf.extend(item.value)
    return buf


def build_package_lock(ctx: Ctx) -> Buf:
    rng = ctx.rng
    buf = Buf()
    buf.extend(["{", f'  "name": "{ctx.project}-web",', '  "version": "0.1.0",', '  "lockfileVersion": 3,',
                '  "requires": true,', '  "packages": {', '    "": {', f'      "name": "{ctx.project}-web",',
                '      "version": "0.1.0"', "    },"])
    count = rng.randint(15, 80)
    for i in range(count):
        pkg = ctx.fresh((f"{pick(rng, NOUNS)}-{pick(rng, VERBS)}{'' if rng.random() < 0.6 else '-' + pick(rng, NOUNS)}",))
        version = V.semver(rng).split("-")[0].split("+")[0]
        integrity = V.npm_integrity(rng)
        buf.extend([f'    "node_modules/{pkg}": {{', f'      "version": "{version}",',
                    f'      "resolved": "https://registry.npmjs.org/{pkg}/-/{pkg}-{version}.tgz",'])
        buf.mark(f'      "integrity": "{integrity}",', Item("integrity", integrity, "lockfile_integrity", "neg"))
        buf.extend(['      "license": "MIT"', "    }" + ("," if i < count - 1 else "")])
    buf.extend(["  }", "}"])
    return buf


def build_poetry_lock(ctx: Ctx) -> Buf:
    rng = ctx.rng
    buf = Buf()
    buf.add("# This file is automatically @generated by Poetry 1.8.3 and should not be changed by hand.")
    for _ in range(rng.randint(8, 40)):
        pkg = f"{pick(rng, NOUNS)}-{pick(rng, VERBS)}"
        version = V.semver(rng).split("-")[0].split("+")[0]
        buf.extend(["", "[[package]]", f'name = "{pkg}"', f'version = "{version}"', f'description = "{pick(rng, SENTENCES)}"',
                    "optional = false", 'python-versions = ">=3.8"', "files = ["])
        for tag in rng.sample(("py3-none-any.whl", "tar.gz", "cp311-cp311-manylinux_2_17_x86_64.whl", "cp312-cp312-macosx_11_0_arm64.whl"), rng.randint(1, 3)):
            digest = V.sha256_hex(rng)
            sep = "-" if tag.endswith("gz") else "-"
            buf.mark(f'    {{file = "{pkg.replace("-", "_")}{sep}{version}{"." if tag == "tar.gz" else "-"}{tag}", hash = "sha256:{digest}"}},',
                     Item("hash", "sha256:" + digest, "lockfile_integrity", "neg"))
        buf.add("]")
    buf.extend(["", "[metadata]", 'lock-version = "2.0"', 'python-versions = "^3.10"'])
    content_hash = V.sha256_hex(rng)
    buf.mark(f'content-hash = "{content_hash}"', Item("content-hash", content_hash, "lockfile_integrity", "neg"))
    return buf


def build_yarn_lock(ctx: Ctx) -> Buf:
    rng = ctx.rng
    buf = Buf()
    buf.extend(["# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.", "# yarn lockfile v1", ""])
    for _ in range(rng.randint(10, 50)):
        pkg = f"{pick(rng, NOUNS)}-{pick(rng, VERBS)}"
        version = V.semver(rng).split("-")[0].split("+")[0]
        integrity = V.npm_integrity(rng)
        buf.extend(["", f'{pkg}@^{version}:', f'  version "{version}"',
                    f'  resolved "https://registry.yarnpkg.com/{pkg}/-/{pkg}-{version}.tgz#{V.git_sha(rng)}"'])
        buf.mark(f"  integrity {integrity}", Item("integrity", integrity, "lockfile_integrity", "neg"))
    return buf


def build_pubkeys(ctx: Ctx) -> Buf:
    rng = ctx.rng
    buf = Buf()
    for _ in range(rng.randint(1, 6)):
        key = V.ssh_public_key(rng, f"{pick(rng, DB_USERS)}@{ctx.project}-{pick(rng, ENVS)}")
        buf.mark(key, Item("ssh", key, "ssh_public_key", "neg"))
    return buf


def build_css(ctx: Ctx) -> Buf:
    rng = ctx.rng
    buf = Buf()
    for _ in range(rng.randint(3, 10)):
        buf.extend(css_chunk(ctx))
    for _ in range(rng.randint(1, 3)):
        css_hash = V.rand(rng, V.LOWER + V.DIGITS, 7)
        buf.add("")
        buf.mark(f".css-{css_hash} {{", Item("css", css_hash, "random_id", "neg"))
        buf.extend(["  display: flex;", "}"])
    payload = V.png_base64(rng, rng.randint(60, 600))
    buf.extend(["", ".logo {"])
    buf.mark(f'  background-image: url("data:image/png;base64,{payload}");', Item("bg", payload, "data_uri_image", "neg"))
    buf.add("}")
    return buf


def build_webpack_manifest(ctx: Ctx) -> Buf:
    rng = ctx.rng
    buf = Buf()
    buf.extend(["{", '  "files": {'])
    names = rng.sample(("main.js", "main.css", "vendors.js", "runtime.js", "chat.js", "settings.js", "index.html"), 5)
    for i, name in enumerate(names):
        stem, ext = name.rsplit(".", 1)
        chunk = V.rand(rng, V.HEX, rng.choice((8, 20)))
        comma = "," if i < len(names) - 1 else ""
        buf.mark(f'    "{name}": "/static/{ext}/{stem}.{chunk}.{ext}"{comma}', Item(name, chunk, "random_id", "neg"))
    buf.extend(["  },", f'  "buildId": "{V.rand(rng, V.URLSAFE, 21)}",', '  "entrypoints": [', '    "static/js/main.js"', "  ]", "}"])
    return buf


def build_fixtures(ctx: Ctx) -> Buf:
    rng = ctx.rng
    buf = Buf()
    buf.add("[")
    count = rng.randint(2, 8)
    for i in range(count):
        uid, pw_hash, req = V.uuid4(rng), V.bcrypt_hash(rng), "req_" + V.rand(rng, V.ALNUM, 24)
        buf.add("  {")
        buf.mark(f'    "id": "{uid}",', Item("id", uid, "uuid", "neg"))
        buf.add(f'    "email": "{pick(rng, DB_USERS)}{i}@{ctx.domain()}",')
        buf.mark(f'    "password_hash": "{pw_hash}",', Item("password_hash", pw_hash, "bcrypt_hash", "neg"))
        buf.mark(f'    "last_request_id": "{req}",', Item("last_request_id", req, "random_id", "neg"))
        buf.add(f'    "created_at": "2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T0{rng.randint(0, 9)}:00:00Z"')
        buf.add("  }" + ("," if i < count - 1 else ""))
    buf.add("]")
    return buf


def build_workflow(ctx: Ctx) -> Buf:
    rng = ctx.rng
    buf = Buf()
    buf.extend([f"name: {pick(rng, ('ci', 'deploy', 'eval', 'release'))}", "on:", "  push:", "    branches: [main]", "",
                "jobs:", "  build:", "    runs-on: ubuntu-latest", "    env:"])
    for name in rng.sample(SECRETISH, rng.randint(1, 4)):
        buf.mark(f"      {name}: ${{{{ secrets.{name} }}}}", Item(name, name, "env_reference", "neg"))
    buf.add("    steps:")
    for action in rng.sample(("actions/checkout", "actions/setup-python", "actions/cache", "docker/login-action"), 3):
        sha = V.git_sha(rng)
        buf.mark(f"      - uses: {action}@{sha}  # v{rng.randint(2, 5)}", Item(action, sha, "git_sha", "neg"))
    buf.extend(["      - run: pip install -e '.[test]'", "      - run: pytest -q"])
    return buf


# --------------------------------------------------------------------------- paths


class Paths:
    def __init__(self, rng: random.Random, projects: list[str]) -> None:
        self.rng = rng
        self.projects = projects
        self.used: set[str] = set()

    def unique(self, path: str) -> str:
        rng = self.rng
        while path in self.used:
            head, _, tail = path.rpartition("/")
            path = f"{head}/{pick(rng, NOUNS)}/{tail}" if head else f"{pick(rng, NOUNS)}/{tail}"
            if len(path) > 180:
                path = f"{pick(rng, NOUNS)}{rng.randint(0, 10**6)}/{tail}"
        self.used.add(path)
        return path

    def for_format(self, fmt: str, project: str, role: str) -> str:
        rng = self.rng
        pkg, mod = project.replace("-", "_"), f"{pick(rng, VERBS)}_{pick(rng, NOUNS)}"
        if fmt == "py":
            if role == "pos" and rng.random() < 0.4:
                return self.unique(f"{project}/src/{pkg}/{pick(rng, ('settings.py', 'config.py', 'constants.py', 'client.py'))}")
            if role == "filler" and rng.random() < 0.2:
                return self.unique(f"{project}/tests/test_{mod}.py")
            return self.unique(f"{project}/src/{pkg}/{pick(rng, NOUNS)}/{mod}.py")
        if fmt in ("js", "ts"):
            ext = fmt if rng.random() < 0.7 or fmt == "js" else "tsx"
            return self.unique(f"{project}/web/src/{pick(rng, ('lib', 'api', 'components', 'hooks'))}/{camel(mod)}.{ext}")
        if fmt == "env":
            if role == "neg":
                return self.unique(f"{project}/{pick(rng, ('.env.example', '.env.sample', '.env.template', '.env'))}")
            return self.unique(f"{project}/{pick(rng, ('.env', '.env', '.env.local', '.env.production', 'deploy/prod.env'))}")
        if fmt == "yaml":
            return self.unique(pick(rng, (f"{project}/config/{pick(rng, NOUNS)}.yaml", f"{project}/docker-compose.yml",
                                          f"{project}/helm/values-{pick(rng, ENVS)}.yaml", f"{project}/deploy/{pick(rng, NOUNS)}.yml")))
        if fmt == "json":
            return self.unique(pick(rng, (f"{project}/config/{pick(rng, NOUNS)}.json", f"{project}/appsettings.json",
                                          f"{project}/web/{pick(rng, NOUNS)}.config.json")))
        if fmt == "toml":
            return self.unique(pick(rng, (f"{project}/config/{pick(rng, ENVS)}.toml", f"{project}/.streamlit/secrets.toml",
                                          f"{project}/settings.toml")))
        if fmt == "tf":
            return self.unique(pick(rng, (f"infra/{pick(rng, ENVS)}/{pick(rng, NOUNS)}.tf", f"{project}/terraform/main.tf",
                                          f"{project}/terraform/{pick(rng, NOUNS)}.tf")))
        if fmt == "dockerfile":
            return self.unique(pick(rng, (f"{project}/Dockerfile", f"{project}/docker/{pick(rng, NOUNS)}.Dockerfile")))
        if fmt == "sh":
            return self.unique(f"{project}/scripts/{pick(rng, ('deploy', 'bootstrap', 'run', 'seed', 'release'))}_{pick(rng, NOUNS)}.sh")
        if fmt == "md":
            return self.unique(pick(rng, (f"{project}/README.md", f"{project}/docs/{pick(rng, NOUNS)}.md",
                                          f"docs/{project}/{pick(rng, NOUNS)}.md")))
        if fmt == "ipynb":
            return self.unique(pick(rng, (f"notebooks/{mod}.ipynb", f"{project}/notebooks/{mod}.ipynb")))
        if fmt == "css":
            return self.unique(f"{project}/web/src/styles/{pick(rng, NOUNS)}.css")
        raise ValueError(fmt)


# --------------------------------------------------------------------------- driver

TP_FORMATS = (("env", 20), ("py", 18), ("yaml", 12), ("js", 5), ("ts", 7), ("json", 8), ("toml", 5), ("tf", 6),
              ("dockerfile", 5), ("sh", 6), ("md", 5), ("ipynb", 5))
NEG_FORMATS = (("env", 14), ("py", 18), ("yaml", 14), ("js", 5), ("ts", 7), ("json", 10), ("toml", 5), ("tf", 7),
               ("dockerfile", 5), ("sh", 6), ("md", 9))
FILLER_FORMATS = (("py", 34), ("ts", 12), ("js", 6), ("md", 10), ("yaml", 10), ("json", 7), ("toml", 3), ("tf", 5),
                  ("dockerfile", 2), ("sh", 4), ("ipynb", 2), ("css", 3), ("env", 2))
NEG_SCENARIOS = (("config", 46), ("package_lock", 6), ("poetry_lock", 5), ("yarn_lock", 3), ("notebook_images", 6),
                 ("ssh_pubkeys", 4), ("css", 5), ("webpack_manifest", 4), ("fixtures", 6), ("workflow", 6),
                 ("env_example", 9))


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _dockerfile_safe(item: Item) -> bool:
    return not (isinstance(item.value, list) or " " in item.value or item.kind == "data_uri_image")


@dataclass
class _Out:
    root: Path
    positives: list[dict[str, Any]] = field(default_factory=list)
    negatives: list[dict[str, Any]] = field(default_factory=list)
    ignore: list[dict[str, Any]] = field(default_factory=list)
    made_dirs: set[Path] = field(default_factory=set)

    def write(self, rel: str, buf: Buf) -> None:
        seen: set[int] = set()
        for first, last, item in buf.marks:
            line = buf.lines[first]
            if not item.on(line):
                raise AssertionError(f"{rel}:{first + 1}: planted {item.kind} value is not on its line")
            if first in seen:
                raise AssertionError(f"{rel}:{first + 1}: two planted values on one line")
            seen.add(first)
            if item.role == "pos":
                self.positives.append({"path": rel, "line": first + 1, "end_line": last + 1, "kind": item.kind,
                                       "needle": item.needle, **({"start_line": first + 1 - item.lead} if item.lead else {})})
            elif item.role == "neg":
                self.negatives.append({"path": rel, "line": first + 1, "kind": item.kind, "needle": item.needle})
            else:
                self.ignore.append({"path": rel, "line": first + 1, "kind": item.kind})
        path = self.root / rel
        if path.parent not in self.made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.made_dirs.add(path.parent)
        path.write_text("\n".join(buf.lines) + "\n", encoding="utf-8")


def generate(root: Path, files: int = 2000, seed: int = 1) -> dict[str, Any]:
    """Write ``files`` files under ``root`` (created if missing) and return the labels."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    n_projects = max(3, files // 150)
    projects: list[str] = []
    while len(projects) < n_projects:
        name = f"{pick(rng, AREAS)}-{pick(rng, SUFFIXES)}"
        projects.append(name if name not in projects else f"{name}-{len(projects)}")
    paths = Paths(rng, projects)
    out = _Out(root)
    n_pos = max(1, round(files * 0.08)) if files >= 3 else min(files, 1)
    n_neg = max(1, round(files * 0.07)) if files >= 3 else max(0, files - n_pos)
    n_fill = max(0, files - n_pos - n_neg)
    roles = ["pos"] * n_pos + ["neg"] * n_neg + ["filler"] * n_fill
    rng.shuffle(roles)
    plants = plant_stream(rng)
    queue: deque[Plant] = deque()
    negs = negative_stream(rng)

    def next_plant() -> Plant:
        return queue.popleft() if queue else next(plants)

    for role in roles:
        ctx = Ctx(rng, pick(rng, projects), pick(rng, COMPANIES))
        if role == "pos":
            rel, buf = _positive_file(ctx, paths, next_plant, queue, plants, negs)
        elif role == "neg":
            rel, buf = _negative_file(ctx, paths, negs)
        else:
            fmt = _weighted(rng, FILLER_FORMATS)
            rel = paths.for_format(fmt, ctx.project, "filler")
            buf = build_text(fmt, ctx, [], rng.randint(3, 14))
        out.write(rel, buf)
    return {"version": 1, "seed": seed, "files": files, "positives": out.positives, "negatives": out.negatives,
            "ignore": out.ignore}


def _positive_file(ctx: Ctx, paths: Paths, next_plant: Callable[[], Plant], queue: deque[Plant],
                   plants: Iterator[Plant], negs: Iterator[str]) -> tuple[str, Buf]:
    rng = ctx.rng
    plant = next_plant()
    if plant.special:
        if plant.kind == "k8s_secret_data":
            return paths.unique(f"{ctx.project}/deploy/k8s/{pick(rng, NOUNS)}-secret.yaml"), build_k8s_secret(ctx)
        if plant.kind == "gcp_service_account":
            name = pick(rng, ("service-account.json", "gcp-key.json", f"{ctx.project}-sa.json", "credentials.json"))
            return paths.unique(f"{ctx.project}/{pick(rng, ('credentials', 'secrets', 'config'))}/{name}"), build_service_account_file(ctx)
        item = positive_items(ctx, plant.kind)[0]
        if plant.kind == "private_key_pem":
            name = pick(rng, ("server.key", "tls.key", "private.pem", "jwt-signing.pem", f"{ctx.project}.pem"))
            return paths.unique(f"{ctx.project}/{pick(rng, ('certs', 'deploy', 'secrets'))}/{name}"), build_key_file(item)
        name = pick(rng, ("id_rsa", "id_ed25519", "deploy_key", "github_deploy_key"))
        return paths.unique(f"{ctx.project}/{pick(rng, ('deploy/keys', '.ssh', 'ci'))}/{name}"), build_key_file(item)
    group = [plant]
    want = pick(rng, (1, 2, 2, 3))
    while len(group) < want:
        candidate = next_plant()
        if candidate.special:
            queue.appendleft(candidate)
            break
        group.append(candidate)
    groups = [positive_items(ctx, p.kind) for p in group]
    fmt = _weighted(rng, TP_FORMATS)
    if fmt == "dockerfile" and not all(_dockerfile_safe(i) for g in groups for i in g):
        fmt = "env" if not any(isinstance(i.value, list) for g in groups for i in g) else "py"
    for _ in range(pick(rng, (0, 0, 1, 1, 2))):
        neg = negative_item(ctx, next(negs))
        if fmt != "dockerfile" or _dockerfile_safe(neg):
            groups.insert(rng.randint(0, len(groups)), [neg])
    items = [item for g in groups for item in g]
    buf = build_text(fmt, ctx, items, rng.randint(1, 8))
    return paths.for_format(fmt, ctx.project, "pos"), buf


def _negative_file(ctx: Ctx, paths: Paths, negs: Iterator[str]) -> tuple[str, Buf]:
    rng = ctx.rng
    scenario = _weighted(rng, NEG_SCENARIOS)
    p = ctx.project
    if scenario == "package_lock":
        return paths.unique(f"{p}/web/package-lock.json"), build_package_lock(ctx)
    if scenario == "poetry_lock":
        return paths.unique(f"{p}/poetry.lock"), build_poetry_lock(ctx)
    if scenario == "yarn_lock":
        return paths.unique(f"{p}/web/yarn.lock"), build_yarn_lock(ctx)
    if scenario == "notebook_images":
        items = [negative_item(ctx, pick(rng, ("env_reference", "placeholder", "uuid")))]
        return paths.for_format("ipynb", p, "neg"), build_notebook(ctx, items, rng.randint(3, 8), images=rng.randint(1, 3))
    if scenario == "ssh_pubkeys":
        return paths.unique(f"{p}/deploy/{pick(rng, ('authorized_keys', 'keys/id_ed25519.pub', 'keys/deploy.pub', 'keys/id_rsa.pub'))}"), build_pubkeys(ctx)
    if scenario == "css":
        return paths.for_format("css", p, "neg"), build_css(ctx)
    if scenario == "webpack_manifest":
        return paths.unique(f"{p}/web/build/asset-manifest.json"), build_webpack_manifest(ctx)
    if scenario == "fixtures":
        return paths.unique(f"{p}/{pick(rng, ('fixtures', 'seed', 'data'))}/{pick(rng, ('users', 'accounts', 'members'))}.json"), build_fixtures(ctx)
    if scenario == "workflow":
        return paths.unique(f"{p}/.github/workflows/{pick(rng, ('ci', 'deploy', 'eval', 'release'))}.yml"), build_workflow(ctx)
    if scenario == "env_example":
        items = [negative_item(ctx, pick(rng, ("placeholder", "placeholder", "env_reference", "aws_doc_example",
                                              "secret_like_name", "uuid"))) for _ in range(rng.randint(3, 8))]
        return paths.for_format("env", p, "neg"), build_text("env", ctx, items, rng.randint(1, 4))
    fmt = _weighted(rng, NEG_FORMATS)
    mixed: list[Item] = []
    target = rng.randint(3, 8)
    while len(mixed) < target:
        item = negative_item(ctx, next(negs))
        if fmt != "dockerfile" or _dockerfile_safe(item):
            mixed.append(item)
    return paths.for_format(fmt, p, "neg"), build_text(fmt, ctx, mixed, rng.randint(2, 8))
