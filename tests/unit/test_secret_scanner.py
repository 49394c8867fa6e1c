"""Unit tests of the static secret scanner (readycheck.secrets).

Every fake credential here is assembled at run time from pieces and seeded random characters, so
this file holds no literal that a secret scanner (readycheck included) would report.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import random
import re
import string
import subprocess
import sys
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from readycheck.config import schema_path
from readycheck.secrets import (
    VALIDATORS,
    SecretFinding,
    SecretRule,
    entropy,
    env_assignments,
    fingerprint,
    is_placeholder,
    load_rules,
    redact,
    redact_line,
    rule_from_mapping,
    scan_file,
    scan_text,
)
from readycheck.secrets import scanner

try:  # the regex parser, to check that rules stay linear
    from re import _constants as sre_constants, _parser as sre_parse  # Python 3.11+
except ImportError:  # Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"
B32 = string.ascii_uppercase + "234567"
UPPER_DIGITS = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_TELLTALES = ("example", "dummy", "fake", "sample", "xxxx", "here", "your", "mock", "invalid", "test", "pass")


def _plausible(value: str) -> bool:
    """No accidental runs (aaa, 123), no placeholder words: a value that looks issued."""
    low = value.lower()
    if any(word in low for word in _TELLTALES):
        return False
    for a, b, c in zip(low, low[1:], low[2:]):
        if a == b == c or (ord(b) - ord(a) == ord(c) - ord(b) and abs(ord(b) - ord(a)) == 1):
            return False
    return True


def tok(n: int, alphabet: str = ALNUM, seed: str = "") -> str:
    """``n`` seeded random characters of ``alphabet``; the same arguments give the same value."""
    groups = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    wanted = sum(any(c in alphabet for c in group) for group in groups)
    for attempt in range(1000):
        rng = random.Random(f"{seed}|{n}|{alphabet}|{attempt}")
        value = "".join(rng.choice(alphabet) for _ in range(n))
        if _plausible(value) and sum(any(c in value for c in group) for group in groups) >= wanted:
            return value
    raise AssertionError("no plausible value")


def digits(n: int, seed: str = "") -> str:
    return tok(n, string.digits, seed)


def base62(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number, 62)
        out = BASE62[rest] + out
    return out.rjust(6, "0")


def github_token(prefix: str, seed: str, *, valid: bool = True) -> str:
    """A token in GitHub's format: 30 random characters and the base62 CRC32 of them."""
    body = tok(30, ALNUM, seed)
    checksum = base62(zlib.crc32(body.encode()))
    if not valid:  # one character off: the checksum no longer matches
        checksum = checksum[:-1] + ("A" if checksum[-1] != "A" else "B")
    return prefix + body + checksum


def uuid4(seed: str) -> str:
    h = tok(32, HEX, seed)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def b64url_json(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def make_jwt(payload: dict[str, Any], *, alg: str = "RS256", seed: str = "jwt") -> str:
    return b64url_json({"alg": alg, "typ": "JWT"}) + "." + b64url_json(payload) + "." + tok(43, URLSAFE, seed)


@dataclass(frozen=True, slots=True)
class Keys:
    """One fake credential of each kind, assembled from pieces."""

    akid: str = "AK" + "IA" + tok(16, B32, "akid")
    asia: str = "AS" + "IA" + tok(16, B32, "asia")
    aws_secret: str = tok(40, ALNUM + "/+", "aws-secret")
    openai_legacy: str = "sk" + "-" + tok(48, ALNUM, "openai-legacy")
    openai_marker: str = "sk" + "-" + tok(20, ALNUM, "m1") + "T3Blbk" + "FJ" + tok(20, ALNUM, "m2")
    openai_project: str = "sk" + "-proj-" + tok(156, URLSAFE, "openai-project")
    openai_project_marker: str = "sk" + "-proj-" + tok(74, URLSAFE, "p1") + "T3Blbk" + "FJ" + tok(74, URLSAFE, "p2")
    openai_svcacct: str = "sk" + "-svcacct-" + tok(120, URLSAFE, "openai-svc")
    openai_admin: str = "sk" + "-admin-" + tok(120, URLSAFE, "openai-admin")
    anthropic: str = "sk" + "-ant-" + "api03-" + tok(93, URLSAFE, "anthropic") + "AA"
    anthropic_admin: str = "sk" + "-ant-" + "admin01-" + tok(93, URLSAFE, "anthropic-admin") + "AA"
    google: str = "AI" + "za" + tok(35, URLSAFE, "google")
    ghp: str = github_token("gh" + "p_", "ghp")
    gho: str = github_token("gh" + "o_", "gho")
    ghu: str = github_token("gh" + "u_", "ghu")
    ghs: str = github_token("gh" + "s_", "ghs")
    ghr: str = github_token("gh" + "r_", "ghr")
    ghp_unverified: str = github_token("gh" + "p_", "ghp-bad", valid=False)
    github_pat: str = "github" + "_pat_" + tok(22, ALNUM, "fg1") + "_" + tok(59, ALNUM, "fg2")
    xoxb: str = "xo" + "xb-" + digits(13, "b1") + "-" + digits(13, "b2") + "-" + tok(24, ALNUM, "b3")
    xoxp: str = "xo" + "xp-" + digits(12, "p1") + "-" + digits(12, "p2") + "-" + digits(13, "p3") + "-" + tok(32, HEX, "p4")
    webhook_path: str = "T" + tok(8, UPPER_DIGITS, "w1") + "/B" + tok(10, UPPER_DIGITS, "w2") + "/" + tok(24, ALNUM, "w3")
    stripe_live: str = "sk" + "_live_" + tok(99, ALNUM, "stripe")
    stripe_restricted: str = "rk" + "_live_" + tok(99, ALNUM, "stripe-rk")
    hf: str = "hf" + "_" + tok(34, string.ascii_letters, "hf")
    generic: str = tok(32, ALNUM, "generic")
    generic_short: str = tok(22, ALNUM, "generic-short")
    hex32: str = tok(32, HEX, "hex32")
    pem_body: str = "MII" + "EvQIBADANBgkqhkiG9w0BAQEFAASC" + tok(1200, ALNUM + "+/", "pem")
    # the other providers and formats
    aws_session: str = "IQoJb3JpZ2lu" + "X2Vj" + tok(320, B64, "sts")
    anthropic_oauth: str = "sk" + "-ant-" + "oat01-" + tok(93, URLSAFE, "oat") + "AA"
    gocspx: str = "GOC" + "SPX-" + tok(28, URLSAFE, "gocspx")
    azure_hex: str = tok(32, HEX, "azure")
    azure_account_key: str = tok(86, B64, "azure-account") + "=="
    azure_bus_key: str = tok(43, B64, "azure-bus") + "="
    azure_sig: str = tok(43, B64, "azure-sas") + "%3D"
    entra: str = tok(3, ALNUM, "entra1") + "8" + "Q~" + tok(34, ALNUM, "entra2")
    glpat: str = "gl" + "pat-" + tok(20, URLSAFE, "glpat")
    gldt: str = "gl" + "dt-" + tok(20, URLSAFE, "gldt")
    glrt: str = "gl" + "rt-" + tok(20, URLSAFE, "glrt")
    glptt: str = "gl" + "ptt-" + tok(40, HEX, "glptt")
    gl_runner: str = "GR13" + "48941" + tok(20, URLSAFE, "runner")
    glft: str = "gl" + "ft-" + tok(20, URLSAFE, "glft")
    slack_workflow_path: str = "T" + tok(9, UPPER_DIGITS, "sw1") + "/A" + tok(10, UPPER_DIGITS, "sw2") + "/" + digits(18, "sw3") + "/" + tok(32, ALNUM, "sw4")
    hf_org: str = "api" + "_org_" + tok(34, string.ascii_letters, "hf-org")
    groq: str = "gs" + "k_" + tok(52, ALNUM, "groq")
    replicate: str = "r8" + "_" + tok(37, ALNUM, "replicate")
    openrouter: str = "sk" + "-or-v1-" + tok(64, HEX, "openrouter")
    perplexity: str = "pp" + "lx-" + tok(48, ALNUM, "pplx")
    xai: str = "xa" + "i-" + tok(80, ALNUM, "xai")
    langsmith: str = "lsv2" + "_pt_" + tok(32, HEX, "ls1") + "_" + tok(10, HEX, "ls2")
    langfuse: str = "sk" + "-lf-" + uuid4("langfuse")
    tavily: str = "tv" + "ly-" + tok(32, ALNUM, "tavily")
    pcsk: str = "pc" + "sk_" + tok(5, ALNUM, "pc1") + "_" + tok(63, ALNUM, "pc2")
    pinecone_uuid: str = uuid4("pinecone")
    mistral: str = tok(32, ALNUM, "mistral")
    cohere: str = tok(40, ALNUM, "cohere")
    sendgrid: str = "SG" + "." + tok(22, URLSAFE, "sg1") + "." + tok(43, URLSAFE, "sg2")
    twilio_sk: str = "S" + "K" + tok(32, HEX, "twilio-sk")
    twilio_ac: str = "A" + "C" + tok(32, HEX, "twilio-ac")
    twilio_token: str = tok(32, HEX, "twilio-token")
    discord_path: str = digits(18, "discord1") + "/" + tok(68, URLSAFE, "discord2")
    telegram: str = digits(10, "tg1") + ":" + "AA" + tok(33, URLSAFE, "tg2")
    npm: str = github_token("np" + "m_", "npm")
    pypi: str = "pypi-" + "AgEIcHlwaS5vcmc" + tok(120, URLSAFE, "pypi")
    databricks: str = "da" + "pi" + tok(32, HEX, "dapi")
    digitalocean: str = "do" + "p_v1_" + tok(64, HEX, "do")
    supabase: str = "sb" + "p_" + tok(40, HEX, "sbp")
    notion: str = "nt" + "n_" + digits(11, "ntn1") + tok(35, ALNUM, "ntn2")
    linear: str = "lin" + "_api_" + tok(40, ALNUM, "linear")
    shopify: str = "shp" + "at_" + tok(32, HEX, "shopify")
    doppler: str = "dp" + ".pt." + tok(43, ALNUM, "doppler")
    grafana: str = "gl" + "sa_" + tok(32, ALNUM, "gr1") + "_" + tok(8, HEX, "gr2")
    sentry: str = "sntr" + "yu_" + tok(64, HEX, "sentry")
    newrelic: str = "NR" + "AK-" + tok(27, UPPER_DIGITS, "nr")
    postman: str = "PM" + "AK-" + tok(24, HEX, "pm1") + "-" + tok(34, HEX, "pm2")
    age: str = "AGE-SECRET" + "-KEY-1" + tok(58, UPPER_DIGITS, "age")
    db_password: str = tok(24, ALNUM, "db-password")
    url_password: str = tok(18, ALNUM, "url-password")
    hex64: str = tok(64, HEX, "hex64")
    jwt: str = make_jwt({"sub": "svc-ingest", "iss": "https://auth.acme-agents.io", "iat": 1718000000, "scope": "ingest:write"})

    @property
    def webhook(self) -> str:
        return "https://hooks.slack" + ".com/services/" + self.webhook_path

    @property
    def slack_workflow(self) -> str:
        return "https://hooks.slack" + ".com/workflows/" + self.slack_workflow_path

    @property
    def discord(self) -> str:
        return "https://discord" + ".com/api/webhooks/" + self.discord_path


K = Keys()
PEM_HEADER = "-----BEGIN " + "RSA PRIVATE KEY" + "-----"
PEM_PKCS8 = "-----BEGIN " + "PRIVATE KEY" + "-----"
PEM_END = "-----END " + "PRIVATE KEY" + "-----"


# --- true positives -------------------------------------------------------------------------------

# (case, text, rule id, secret): realistic lines of the file kinds agents are written in.
POSITIVES: list[tuple[str, str, str, str]] = [
    # Python
    ("py-openai-legacy", f'openai.api_key = "{K.openai_legacy}"', "openai-api-key", K.openai_legacy),
    ("py-openai-marker", f"OPENAI_KEY = '{K.openai_marker}'", "openai-api-key", K.openai_marker),
    ("py-openai-project-kwarg", f'client = OpenAI(api_key="{K.openai_project}", max_retries=0)', "openai-project-key", K.openai_project),
    ("py-openai-project-marker", f'key = "{K.openai_project_marker}"', "openai-project-key", K.openai_project_marker),
    ("py-aws-secret", f'aws_secret_access_key = "{K.aws_secret}"', "aws-secret-access-key", K.aws_secret),
    ("py-boto3-akid", f'boto3.client("s3", aws_access_key_id="{K.akid}")', "aws-access-key-id", K.akid),
    ("py-slack-bot", f'SLACK_BOT_TOKEN = "{K.xoxb}"', "slack-token", K.xoxb),
    ("py-stripe-restricted", f'stripe.api_key = "{K.stripe_restricted}"', "stripe-restricted-key", K.stripe_restricted),
    ("py-hf-login", f'login(token="{K.hf}")', "huggingface-token", K.hf),
    ("py-generic-password", f'DB_PASSWORD = "{K.generic}"', "generic-secret-high-entropy", K.generic),
    ("py-generic-annotated", f'    openai_api_key: str = "{K.generic}"', "generic-secret-high-entropy", K.generic),
    ("py-generic-bytes", f"SIGNING_KEY = b'{K.generic}'", "generic-secret-high-entropy", K.generic),
    # JavaScript / TypeScript
    ("ts-openai-svcacct", f"const apiKey: string = '{K.openai_svcacct}';", "openai-service-account-key", K.openai_svcacct),
    ("js-anthropic", f"const anthropic = new Anthropic({{ apiKey: '{K.anthropic}' }});", "anthropic-api-key", K.anthropic),
    ("js-google", f'const maps = new Client({{ key: "{K.google}" }});', "google-api-key", K.google),
    ("ts-generic-template", f"const authToken = `{K.generic}`;", "generic-secret-high-entropy", K.generic),
    ("js-generic-object", f'  clientSecret: "{K.generic}",', "generic-secret-high-entropy", K.generic),
    # .env
    ("env-openai-admin", f"OPENAI_ADMIN_KEY={K.openai_admin}", "openai-admin-key", K.openai_admin),
    ("env-akid", f"AWS_ACCESS_KEY_ID={K.akid}", "aws-access-key-id", K.akid),
    ("env-stripe-live", f"STRIPE_SECRET_KEY={K.stripe_live}", "stripe-live-secret-key", K.stripe_live),
    ("env-generic-hex", f"DD_API_KEY={K.hex32}", "generic-secret", K.hex32),
    ("env-generic-quoted", f'SESSION_SECRET="{K.generic}"', "generic-secret-high-entropy", K.generic),
    ("env-generic-short", f"DB_PASS={K.generic_short}", "generic-secret-high-entropy", K.generic_short),
    # YAML
    ("yaml-aws-secret", f"  AWS_SECRET_ACCESS_KEY: {K.aws_secret}", "aws-secret-access-key", K.aws_secret),
    ("yaml-anthropic-admin", f"anthropic_admin_key: {K.anthropic_admin}", "anthropic-admin-key", K.anthropic_admin),
    ("yaml-gh-app", f"    token: {K.ghs}", "github-app-token", K.ghs),
    ("yaml-generic", f"  client_secret: {K.generic}", "generic-secret-high-entropy", K.generic),
    ("yaml-generic-quoted", f"  password: '{K.generic}'", "generic-secret-high-entropy", K.generic),
    # JSON
    ("json-google", f'  "google_maps_key": "{K.google}",', "google-api-key", K.google),
    ("json-gh-oauth", f'{{"access_token": "{K.gho}", "scope": "repo"}}', "github-oauth-token", K.gho),
    ("json-gh-refresh", f'"refresh_token":"{K.ghr}"', "github-refresh-token", K.ghr),
    ("json-generic", f'  "apiKey": "{K.generic}"', "generic-secret-high-entropy", K.generic),
    # TOML
    ("toml-slack-user", f'slack_token = "{K.xoxp}"', "slack-token", K.xoxp),
    ("toml-generic", f'secret_key = "{K.generic}"', "generic-secret-high-entropy", K.generic),
    # Terraform
    ("tf-asia", f'  access_key = "{K.asia}"', "aws-access-key-id", K.asia),
    ("tf-generic", f'  password = "{K.generic}"', "generic-secret-high-entropy", K.generic),
    ("tf-gh-user", f'  github_token = "{K.ghu}"', "github-app-token", K.ghu),
    # Dockerfile
    ("docker-fine-grained", f"ENV GH_PAT={K.github_pat}", "github-fine-grained-token", K.github_pat),
    ("docker-generic-arg", f"ARG NPM_TOKEN={K.generic}", "generic-secret-high-entropy", K.generic),
    # shell
    ("sh-github", f"export GITHUB_TOKEN={K.ghp}", "github-personal-access-token", K.ghp),
    ("sh-generic", f"export DATADOG_API_KEY='{K.hex32}'", "generic-secret", K.hex32),
    ("sh-curl-webhook", f"curl -X POST -d @payload.json {K.webhook}", "slack-webhook-url", K.webhook_path),
    ("sh-bearer", f'curl -H "Authorization: Bearer {K.openai_project}" https://api.openai.com/v1/models', "openai-project-key", K.openai_project),
    # Markdown
    ("md-inline-code", f"Set `HF_TOKEN` to `{K.hf}` before running.", "huggingface-token", K.hf),
    ("md-table", f"| prod | `{K.stripe_live}` |", "stripe-live-secret-key", K.stripe_live),
    ("md-pem-block", PEM_HEADER, "private-key", PEM_HEADER),
    # other languages
    ("go-generic", f'apiKey := "{K.generic}"', "generic-secret-high-entropy", K.generic),
    ("php-generic", f"'secret' => '{K.generic}',", "generic-secret-high-entropy", K.generic),
    # assignments through a subscript, aligned assignments, escaped quotes (JSON inside strings)
    ("py-environ-subscript", f'os.environ["SESSION_SECRET"] = "{K.generic}"', "generic-secret-high-entropy", K.generic),
    ("js-subscript", f"config['apiKey'] = '{K.generic}';", "generic-secret-high-entropy", K.generic),
    ("tf-aligned", f'db_password        = "{K.generic}"', "generic-secret-high-entropy", K.generic),
    ("json-escaped", f'"body": "{{\\"client_secret\\": \\"{K.generic}\\"}}"', "generic-secret-high-entropy", K.generic),
    ("env-short-password", f"DB_PASSWORD={K.generic[:12]}!{K.generic[12:16]}#x", "generic-secret-high-entropy", f"{K.generic[:12]}!{K.generic[12:16]}#x"),
    ("env-hex64", f"ENCRYPTION_KEY={K.hex64}", "generic-secret", K.hex64),
    # AWS
    ("py-aws-session", f'aws_session_token = "{K.aws_session}"', "aws-session-token", K.aws_session),
    # Anthropic, Google
    ("env-anthropic-oauth", f"CLAUDE_CODE_OAUTH_TOKEN={K.anthropic_oauth}", "anthropic-oauth-token", K.anthropic_oauth),
    ("json-google-oauth", f'{{"web": {{"client_id": "{digits(12, "cid")}.apps.googleusercontent.com", "client_secret": "{K.gocspx}"}}}}', "google-oauth-client-secret", K.gocspx),
    # Azure
    ("env-azure-openai", f"AZURE_OPENAI_API_KEY={K.azure_hex}", "azure-openai-api-key", K.azure_hex),
    ("py-aoai", f'AOAI_KEY = "{K.azure_hex}"', "azure-openai-api-key", K.azure_hex),
    ("cs-azure-storage", f'var conn = "DefaultEndpointsProtocol=https;AccountName=agentdocs;AccountKey={K.azure_account_key};EndpointSuffix=core.windows.net";', "azure-storage-account-key", K.azure_account_key),
    ("yaml-service-bus", f"  connection: Endpoint=sb://agents.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={K.azure_bus_key}", "azure-shared-access-key", K.azure_bus_key),
    ("py-azure-sas", f'url = "https://agentdocs.blob.core.windows.net/raw/a.pdf?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-01-01T00:00:00Z&spr=https&sig={K.azure_sig}"', "azure-sas-token", K.azure_sig),
    ("json-entra", f'"ClientSecret": "{K.entra}",', "azure-ad-client-secret", K.entra),
    # GitLab
    ("yaml-glpat", f"  token: {K.glpat}", "gitlab-personal-access-token", K.glpat),
    ("env-gldt", f"CI_DEPLOY_PASSWORD={K.gldt}", "gitlab-deploy-token", K.gldt),
    ("toml-glrt", f'token = "{K.glrt}"', "gitlab-runner-token", K.glrt),
    ("sh-runner-registration", f"gitlab-runner register --registration-token {K.gl_runner}", "gitlab-runner-token", K.gl_runner),
    ("sh-glptt", f'curl -X POST -F token={K.glptt} -F ref=main https://gitlab.example.org/api/v4/projects/42/trigger/pipeline', "gitlab-pipeline-trigger-token", K.glptt),
    ("env-glft", f"GITLAB_FEED_TOKEN={K.glft}", "gitlab-token", K.glft),
    ("sh-gitlab-in-url", f"git clone https://oauth2:{K.glpat}@gitlab.com/acme/agent.git", "gitlab-personal-access-token", K.glpat),
    # Slack, messaging
    ("md-slack-workflow", f"Trigger: {K.slack_workflow}", "slack-webhook-url", K.slack_workflow_path),
    ("py-sendgrid", f'sg = SendGridAPIClient("{K.sendgrid}")', "sendgrid-api-key", K.sendgrid),
    ("env-twilio-sk", f"TWILIO_API_KEY={K.twilio_sk}", "twilio-api-key", K.twilio_sk),
    ("env-twilio-token", f"TWILIO_AUTH_TOKEN={K.twilio_token}", "twilio-auth-token", K.twilio_token),
    ("js-discord", f'await fetch("{K.discord}", {{ method: "POST" }});', "discord-webhook-url", K.discord_path.split("/")[1]),
    ("env-telegram", f"TELEGRAM_BOT_TOKEN={K.telegram}", "telegram-bot-token", K.telegram),
    # Hugging Face and model providers
    ("py-hf-org", f'HfApi(token="{K.hf_org}")', "huggingface-org-token", K.hf_org),
    ("py-groq", f'client = Groq(api_key="{K.groq}")', "groq-api-key", K.groq),
    ("ts-replicate", f'const replicate = new Replicate({{ auth: "{K.replicate}" }});', "replicate-api-token", K.replicate),
    ("env-openrouter", f"OPENROUTER_API_KEY={K.openrouter}", "openrouter-api-key", K.openrouter),
    ("env-perplexity", f"PPLX_API_KEY={K.perplexity}", "perplexity-api-key", K.perplexity),
    ("env-xai", f"XAI_API_KEY={K.xai}", "xai-api-key", K.xai),
    ("env-langsmith", f"LANGCHAIN_API_KEY={K.langsmith}", "langsmith-api-key", K.langsmith),
    ("env-langfuse", f"LANGFUSE_SECRET_KEY={K.langfuse}", "langfuse-secret-key", K.langfuse),
    ("py-tavily", f'tavily = TavilyClient(api_key="{K.tavily}")', "tavily-api-key", K.tavily),
    ("ts-pinecone", f'const pc = new Pinecone({{ apiKey: "{K.pcsk}" }});', "pinecone-api-key", K.pcsk),
    ("env-pinecone-uuid", f"PINECONE_API_KEY={K.pinecone_uuid}", "pinecone-legacy-api-key", K.pinecone_uuid),
    ("py-pinecone-uuid-ctor", f'pc = Pinecone(api_key="{K.pinecone_uuid}")', "pinecone-legacy-api-key", K.pinecone_uuid),
    ("env-mistral", f"MISTRAL_API_KEY={K.mistral}", "mistral-api-key", K.mistral),
    ("py-mistral-ctor", f'client = Mistral(api_key="{K.mistral}")', "mistral-api-key", K.mistral),
    ("env-cohere", f"CO_API_KEY={K.cohere}", "cohere-api-key", K.cohere),
    ("py-cohere-ctor", f'co = cohere.ClientV2(api_key="{K.cohere}")', "cohere-api-key", K.cohere),
    ("py-cohere-environ", f'os.environ["COHERE_API_KEY"] = "{K.cohere}"', "cohere-api-key", K.cohere),
    # developer platforms
    ("npmrc", f"//registry.npmjs.org/:_authToken={K.npm}", "npm-access-token", K.npm),
    ("pypirc", f"password = {K.pypi}", "pypi-api-token", K.pypi),
    ("env-databricks", f"DATABRICKS_TOKEN={K.databricks}", "databricks-token", K.databricks),
    ("tf-digitalocean", f'  token = "{K.digitalocean}"', "digitalocean-token", K.digitalocean),
    ("env-supabase", f"SUPABASE_ACCESS_TOKEN={K.supabase}", "supabase-secret-key", K.supabase),
    ("env-notion", f"NOTION_TOKEN={K.notion}", "notion-integration-token", K.notion),
    ("env-linear", f"LINEAR_API_KEY={K.linear}", "linear-api-key", K.linear),
    ("tf-shopify", f'  access_token = "{K.shopify}"', "shopify-access-token", K.shopify),
    ("env-doppler", f"DOPPLER_TOKEN={K.doppler}", "doppler-token", K.doppler),
    ("env-grafana", f"GRAFANA_SA_TOKEN={K.grafana}", "grafana-service-account-token", K.grafana),
    ("env-sentry", f"SENTRY_AUTH_TOKEN={K.sentry}", "sentry-auth-token", K.sentry),
    ("env-newrelic", f"NEW_RELIC_API_KEY={K.newrelic}", "new-relic-user-api-key", K.newrelic),
    ("env-postman", f"POSTMAN_API_KEY={K.postman}", "postman-api-key", K.postman),
    ("txt-age", f"# created: 2025-01-04T10:00:00Z\n{K.age}".split("\n")[1], "age-secret-key", K.age),
    # connection URLs
    ("py-postgres-url", f'engine = create_engine("postgresql+psycopg://agent:{K.db_password}@db.internal:5432/agent")', "database-url-password", K.db_password),
    ("env-mongodb-srv", f"MONGODB_URI=mongodb+srv://ingest:{K.db_password}@cluster0.x1y2z.mongodb.net/agent", "database-url-password", K.db_password),
    ("yaml-redis-no-user", f"  url: rediss://:{K.db_password}@cache.internal:6380/0", "database-url-password", K.db_password),
    ("env-amqp", f"CELERY_BROKER_URL=amqp://agent:{K.db_password}@rabbitmq:5672//", "database-url-password", K.db_password),
    ("js-basic-auth", f'const registry = "https://ci:{K.url_password}@npm.acme-agents.io/";', "url-basic-auth", K.url_password),
    # a JWT on its own: low confidence
    ("js-bearer-jwt", f"headers: {{ Authorization: `Bearer {K.jwt}` }},", "jwt", K.jwt),
]


@pytest.mark.parametrize(("case", "text", "rule_id", "secret"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_true_positive(case: str, text: str, rule_id: str, secret: str) -> None:
    findings = scan_text(text)
    assert [f.rule_id for f in findings] == [rule_id], f"{case}: {findings}"
    hit = findings[0]
    assert hit.line == 1
    assert hit.column == text.index(secret) + 1
    assert hit.redacted == redact(secret)
    assert hit.fingerprint == fingerprint(secret)
    assert hit.confidence in ("high", "medium", "low")
    assert secret not in repr(hit)


def test_generic_confidence_tiers() -> None:
    strong = scan_text(f'api_key = "{K.generic}"')
    weak = scan_text(f'api_key = "{K.hex32}"')
    assert [(f.rule_id, f.confidence) for f in strong] == [("generic-secret-high-entropy", "medium")]
    assert [(f.rule_id, f.confidence) for f in weak] == [("generic-secret", "low")]


def test_private_key_in_service_account_json() -> None:
    line = f'  "private_key": "{PEM_PKCS8}\\n{K.pem_body}\\n{PEM_END}\\n",'
    findings = scan_text('{\n  "type": "service_account",\n' + line + "\n}")
    assert [(f.rule_id, f.line, f.column, f.confidence) for f in findings] == [
        ("gcp-service-account-key", 3, line.index("-----BEGIN") + 1, "high")
    ]
    safe = redact_line(line)
    assert K.pem_body[:40] not in safe and K.pem_body[-40:] not in safe
    assert safe.startswith('  "private_key": "-----BEGIN')


def test_private_key_field_outside_a_service_account_file_is_a_private_key() -> None:
    line = f'  "private_key": "{PEM_PKCS8}\\n{K.pem_body}\\n{PEM_END}\\n",'
    assert [f.rule_id for f in scan_text('{\n  "type": "signing_key",\n' + line + "\n}")] == ["private-key"]


def test_service_account_json_escaped_inside_an_environment_value() -> None:
    blob = json.dumps({"type": "service_account", "private_key": f"{PEM_PKCS8}\n{K.pem_body[:400]}\n{PEM_END}\n"})
    line = "GOOGLE_CREDENTIALS_JSON=" + json.dumps(blob)  # JSON in a JSON string: escaped quotes
    assert [f.rule_id for f in scan_text(line)] == ["gcp-service-account-key"]


def test_pem_file() -> None:
    text = "\n".join([PEM_HEADER, *(K.pem_body[i : i + 64] for i in range(0, 640, 64)), "-----END " + "RSA PRIVATE KEY-----", ""])
    findings = scan_text(text, path="deploy/id_rsa")
    assert [(f.rule_id, f.line, f.column) for f in findings] == [("private-key", 1, 1)]


@pytest.mark.parametrize("kind", ["RSA ", "EC ", "DSA ", "OPENSSH ", "ENCRYPTED ", ""])
def test_private_key_kinds(kind: str) -> None:
    header = "-----BEGIN " + kind + "PRIVATE KEY-----"
    assert [f.rule_id for f in scan_text(header + "\n" + K.pem_body[:64])] == ["private-key"]


def test_encrypted_legacy_pem_in_one_line() -> None:
    line = f'key = "{PEM_HEADER}\\nProc-Type: 4,ENCRYPTED\\nDEK-Info: AES-128-CBC,{tok(32, HEX, "iv")}\\n\\n{K.pem_body}"'
    assert [f.rule_id for f in scan_text(line)] == ["private-key"]


# --- hard negatives -------------------------------------------------------------------------------

AWS_EXAMPLE_ID = "AKIA" + "IOSFODNN7" + "EXAMPLE"
JWT_IO = ".".join(
    [
        b64url_json({"alg": "HS256", "typ": "JWT"}),
        b64url_json({"sub": "1234567890", "name": "John Doe", "iat": 1516239022}),
        "SflKxwRJSMeKKF2Q" + "T4fwpMeJf36POk6yJV_adQssw5c",
    ]
)
AZURITE = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq" + "/K1SZFPTOtr/KBHBeksoGMGw=="
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI" + "/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
SHA1 = hashlib.sha1(b"readycheck").hexdigest()
SHA256 = hashlib.sha256(b"readycheck").hexdigest()
UUID = "3f2b8c1e-9a4d-4e7f-b6a2-0c5d8e1f7a93"
B64_BLOB = base64.b64encode(random.Random("blob").randbytes(300)).decode()

NEGATIVES: list[tuple[str, str]] = [
    # documented example keys
    ("aws-example-id", f"AWS_ACCESS_KEY_ID={AWS_EXAMPLE_ID}"),
    ("aws-example-secret", f"aws_secret_access_key = {AWS_EXAMPLE_SECRET}"),
    ("aws-example-pair-yaml", f"  aws_access_key_id: {AWS_EXAMPLE_ID}\n  aws_secret_access_key: {AWS_EXAMPLE_SECRET}"),
    ("example-word", f'OPENAI_API_KEY="sk-proj-example{tok(40, ALNUM, "ex")}"'),
    ("dummy-word", f"api_key = 'dummy-{tok(30, ALNUM, 'dummy')}'"),
    ("fake-word", f"SECRET_KEY=fake_{tok(30, ALNUM, 'fake')}"),
    ("placeholder-word", f"token: placeholder-{tok(30, ALNUM, 'ph')}"),
    ("your-word", "OPENAI_API_KEY=your_openai_api_key_here"),
    ("your-token-slack", "SLACK_BOT_TOKEN=xoxb-your-bot-token"),
    ("x-run", "OPENAI_API_KEY=sk-" + "x" * 48),
    ("x-run-project", "OPENAI_API_KEY=sk-proj-" + "X" * 64),
    ("zero-run", "GITHUB_TOKEN=ghp_" + "0" * 36),
    ("same-char-run", "key = 'sk-proj-" + "a" * 40 + "'"),
    ("sequential-hex", 'api_key = "' + "1234567890abcdef" * 2 + '"'),
    ("sequential-letters", "AWS_ACCESS_KEY_ID=AKIA" + string.ascii_uppercase[:16]),
    ("sequential-mixed-case", '"passphrase": "AB1C2defGHijkLMNo3PqQRstUvwxyzaBCDEfghh4ijklMN5opqrStuVWxyz"'),
    # placeholders and references
    ("sk-dots", "OPENAI_API_KEY=sk-..."),
    ("sk-xxxx", 'api_key = "sk-xxxx"'),
    ("angle", 'api_key = "<your key>"'),
    ("angle-dashed", "api_key: <your-openai-api-key-goes-here>"),
    ("dollar-brace", "api_key: ${OPENAI_API_KEY}"),
    ("dollar-brace-default", "PASSWORD=${DB_PASSWORD:-}"),
    ("dollar-brace-message", 'export PREVIEW_GOOGLE_API_KEY="${PREVIEW_GOOGLE_API_KEY:?PREVIEW_GOOGLE_API_KEY must be set}"'),
    ("dollar-var", 'token = "$GITHUB_TOKEN_FOR_RELEASES_V2"'),
    ("gha-secrets", "          token: ${{ secrets.GITHUB_TOKEN }}"),
    ("jinja", 'password: "{{ vault_db_password }}"'),
    ("percent-format", '"password": "%(db_password)s"'),
    ("os-environ", 'api_key = os.environ["OPENAI_API_KEY"]'),
    ("os-getenv", 'api_key = os.getenv("OPENAI_API_KEY", "")'),
    ("process-env", "const apiKey = process.env.OPENAI_API_KEY;"),
    ("process-env-object", "  apiKey: process.env.OPENAI_API_KEY_FOR_PRODUCTION_V2,"),
    ("import-meta-env", "const token = import.meta.env.VITE_API_TOKEN_V2;"),
    ("changeme", "DB_PASSWORD=changeme"),
    ("replace-me", "SECRET_KEY=REPLACE_ME"),
    ("stars", 'password = "***"'),
    ("masked", "API_KEY=************************"),
    ("empty", "API_KEY="),
    ("empty-quoted", 'API_KEY=""'),
    ("subshell", "TOKEN=$(cat /run/secrets/token)"),
    ("arn-reference", "OPENAI_API_KEY=arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-Ab12Cd"),
    ("vault-reference", "db_password: vault:secret/data/agent#password"),
    ("op-reference", "OPENAI_API_KEY=op://Production/OpenAI/credential"),
    # test and publishable keys
    ("stripe-test", "STRIPE_SECRET_KEY=sk" + "_test_" + tok(24, ALNUM, "st")),
    ("stripe-publishable", "STRIPE_PUBLISHABLE_KEY=pk" + "_live_" + tok(24, ALNUM, "pk")),
    ("stripe-publishable-test", "const stripe = Stripe('pk" + "_test_" + tok(24, ALNUM, "pt") + "');"),
    # digests, ids, blobs
    ("git-sha", f'auth_commit = "{SHA1}"'),
    ("sha256-hex", f"token_digest: {SHA256}"),
    ("uuid", f'session_token = "{UUID}"'),
    ("integrity", '"integrity": "sha512-' + B64_BLOB[:86] + '==",'),
    ("integrity-secretish", "secret_integrity: sha512-" + B64_BLOB[:86] + "=="),
    ("image-digest", f"auth_image: ghcr.io/acme/agent@sha256:{SHA256}"),
    ("data-uri", f'icon = "data:image/png;base64,{B64_BLOB}"'),
    ("data-uri-secretish", f'auth_logo: "data:image/png;base64,{B64_BLOB}"'),
    # public keys
    ("public-key-pem", "-----BEGIN " + "PUBLIC KEY-----"),
    ("ssh-rsa", f"ssh_authorized_key: ssh-rsa AAAAB3NzaC1yc2E{tok(200, ALNUM + '+/', 'ssh')} deploy@agent"),
    ("ssh-pubkey-value", f"auth_public_key: AAAAB3NzaC1yc2E{tok(200, ALNUM + '+/', 'ssh2')}"),
    ("ed25519", f'public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5{tok(40, ALNUM, "ed")} ops@agent"'),
    # code, not values
    ("call", "api_key = get_key()"),
    ("long-call", "api_key = load_api_key_from_vault_v2(settings)"),
    ("annotation", "token: str"),
    ("annotation-optional", "    password: Optional[SecretStr] = None"),
    ("signature", "def login(username: str, password: str) -> Session:"),
    ("attribute", "token = self.settings.openai_api_key_v2"),
    ("terraform-var", "  password = var.db_password_v2"),
    ("terraform-data", "  token = data.aws_secretsmanager_secret_version.openai_v2.secret_string"),
    ("constant-name", "API_KEY = OPENAI_API_KEY_PRODUCTION_V2"),
    ("subscript", '"output_token": "StreamDescription.Shards[-1].ShardId",'),
    ("tokenizer", 'tokenizer = AutoTokenizer.from_pretrained("sentence-transformers/all-MiniLM-L6-v2")'),
    ("tokenizer-env", "TOKENIZER_MODEL=sentence-transformers/all-MiniLM-L6-v2"),
    ("max-tokens", "max_tokens = 4096"),
    ("author", 'AUTHOR = "Jane Doe <jane.doe@agents.acme.io>"'),
    ("bcrypt", "password_hash = '$2b$12$" + tok(53, ALNUM + "./", "bcrypt") + "'"),
    ("secret-name", "secret_name: prod/openai/api-key-2024-v2"),
    ("secret-arn-camel", "secretArn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:agent-Xy12"),
    ("auth-url", "AUTH_URL=https://login.acme-agents.io/oauth2/v2.0/token"),
    ("credentials-path", "GOOGLE_APPLICATION_CREDENTIALS=/app/secrets/gcp-sa-2024.json"),
    ("credentials-file", "credentials_json: config/gcp-service-account-2.json"),
    ("auth-domain", "AUTH0_DOMAIN=dev-k2x9q7.us.auth0.com"),
    ("page-token", f'"nextPageToken": "{tok(40, ALNUM, "page")}"'),
    ("idempotency-token", f'"ClientToken": "{UUID}:{tok(12, ALNUM, "ct")}"'),
    ("token-names-itself", f'"ExportToken": "export-token-{tok(16, string.ascii_lowercase + string.digits, "et")}",'),
    ("arn-value", '"encryptionKey": "arn:aws:kms:us-west-2:123456789012:key/' + UUID + '",'),
    ("timestamp", '"PasswordLastUsed": "2016-09-08T21:47:36Z",'),
    ("numbers", "PASSWORD_RESET_TIMEOUT=86400000000000000000"),
    # prose
    ("prose-password", "Store the password in a password manager, never in the repository."),
    ("prose-token", "The token is rotated every 90 days; see the password policy: https://acme.io/policy-2024"),
    ("md-instructions", "1. Set `OPENAI_API_KEY` in your shell: `export OPENAI_API_KEY=sk-...`"),
    # private-key look-alikes
    ("pem-constant", f'if line.startswith("{PEM_HEADER}"):'),
    ("pem-prose", f"Never commit a file that starts with `{PEM_HEADER}`."),
    ("pem-placeholder-json", f'"private_key": "{PEM_PKCS8}\\n...\\n{PEM_END}\\n",'),
    ("pem-angle-placeholder", f'"PrivateKey": "{PEM_HEADER}<a very long private key string>-----END",'),
    ("pem-your-key", f'"private_key": "{PEM_PKCS8}\\nYOUR_PRIVATE_KEY\\n{PEM_END}"'),
    ("pem-omitted", f'"PrivateKey": "{PEM_HEADER}\\nkey omitted for security reasons\\n{PEM_END}\\n"'),
    # boundaries: provider prefixes inside longer words
    ("akia-in-word", "XAKIA" + tok(16, B32, "inword") + "Z"),
    ("sk-in-word", "task-" + tok(48, ALNUM, "task")),
    # documented examples of other providers
    ("stripe-docs-key", "STRIPE_SECRET_KEY=sk" + "_live_" + "4eC39HqLyj" + "WDarjtT1zdp7dc"),
    ("jwt-io-example", f"token = '{JWT_IO}'"),
    ("azurite", "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AZURITE + ";"),
    # placeholders of the new formats
    ("glpat-placeholder", "GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx"),
    ("sendgrid-placeholder", 'SENDGRID_API_KEY="SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'),
    ("hf-placeholder", "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("azure-placeholder", "DefaultEndpointsProtocol=https;AccountName=<account>;AccountKey=<key>;EndpointSuffix=core.windows.net"),
    ("azure-key-in-env", "AZURE_OPENAI_API_KEY=${AZURE_OPENAI_API_KEY}"),
    # identifiers, not secrets
    ("twilio-account-sid", f"TWILIO_ACCOUNT_SID={K.twilio_ac}"),
    ("pinecone-environment", "PINECONE_ENVIRONMENT=us-west1-gcp-free"),
    ("langfuse-public-key", f"LANGFUSE_PUBLIC_KEY=pk-lf-{uuid4('lf-public')}"),
    ("supabase-publishable", f"SUPABASE_KEY=sb_publishable_{tok(31, URLSAFE, 'sb-pub')}"),
    ("azure-tenant", f'"TenantId": "{uuid4("tenant")}",'),
    ("sentry-dsn", f"SENTRY_DSN=https://{tok(32, HEX, 'dsn')}@o{digits(6, 'org')}.ingest.sentry.io/{digits(7, 'proj')}"),
    # digests and revisions named as such
    ("token-sha256", f'token_sha256 = "{SHA256}"'),
    ("secret-checksum", f"secret_checksum: {SHA1}"),
    ("auth-commit-40", f'AUTH_COMMIT = "{SHA1}"'),
    ("password-digest-md5", f"password_md5: {tok(32, HEX, 'md5')}"),
    ("auth-version", 'auth_version: "v1.2.3-beta.4+build5"'),
    ("png-no-data-prefix", f'"logo_token": "iVBORw0KGgo{tok(120, B64, "png")}"'),
    # connection URLs without a real password
    ("db-docs", "DATABASE_URL=postgresql://user:password@localhost:5432/mydb"),
    ("db-env-ref", "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app"),
    ("db-same-as-user", "TEST_DATABASE_URL=mysql://root:root@127.0.0.1:3306/test"),
    ("db-angle", "REDIS_URL=redis://:<password>@cache.internal:6379/0"),
    ("db-format", 'url = "postgresql://{user}:{password}@{host}/{db}"'),
    ("db-printf", 'url = "mysql://%s:%s@%s/%s" % (user, pw, host, db)'),
    ("db-word", "DATABASE_URL=postgres://postgres:postgres@db:5432/agent"),
    ("db-guest", "BROKER_URL=amqp://guest:guest@localhost:5672//"),
    ("db-changeme", "MONGO_URL=mongodb://admin:changeme@mongo:27017/agent"),
    ("db-dev-password", "DATABASE_URL=postgresql://agent:devpassword123@localhost/agent"),
    ("db-no-password", "DATABASE_URL=postgresql://agent@db.internal:5432/agent"),
    ("url-template", "git clone https://x-access-token:${GITHUB_TOKEN}@github.com/acme/agent.git"),
    ("url-jinja", "url: https://{{ user }}:{{ token }}@registry.acme.io"),
    ("url-port", "PROXY=http://proxy.internal:3128"),
    ("url-git-ssh", "git@github.com:acme/agent.git"),
    ("url-user-only", f"https://{tok(32, HEX, 'user-only')}@o1.ingest.sentry.io/2"),
    # JWTs that are not credentials
    ("jwt-anon", f"const supabase = createClient(url, '{make_jwt({'iss': 'supabase', 'ref': 'abcd', 'role': 'anon'}, alg='HS256', seed='anon')}');"),
    ("jwt-anon-named", f"SUPABASE_ANON_KEY={make_jwt({'iss': 'supabase', 'role': 'anon'}, alg='HS256', seed='anon2')}"),
    ("jwt-unsigned", f"token = '{make_jwt({'sub': '42'}, alg='none', seed='none')}'"),
    ("jwt-not-json", "eyJ" + tok(40, ALNUM, "nj1") + ".eyJ" + tok(40, ALNUM, "nj2") + "." + tok(43, URLSAFE, "nj3")),
]


@pytest.mark.parametrize(("case", "text"), NEGATIVES, ids=[n[0] for n in NEGATIVES])
def test_hard_negative(case: str, text: str) -> None:
    assert scan_text(text) == [], case


def test_random_base64_megabyte_line_has_no_findings() -> None:
    line = base64.b64encode(random.Random("megabyte").randbytes(786_432)).decode()
    assert len(line) == 1_048_576
    assert scan_text(line) == []


def test_secret_at_the_end_of_a_huge_line() -> None:
    line = "x" * 500_000 + f' openai_key = "{K.openai_project}"'
    [hit] = scan_text(line)
    assert (hit.rule_id, hit.column) == ("openai-project-key", line.index(K.openai_project) + 1)


@pytest.mark.parametrize(
    "text",
    [
        "token=" + "a" * 200_000,
        "api_key" * 30_000,
        "password: " + "=" * 100_000,
        "secret" + "_" * 100_000 + "=" + "b" * 1000,
        '"token": "' + "A1b2" * 50_000,
        "-----BEGIN " + "PRIVATE KEY-----" + "A" * 100_000,
        ("aws_secret" + " ") * 20_000,
        "sk-" * 50_000,
    ],
    ids=["long-value", "repeated-name", "equals", "underscores", "unterminated", "pem-run", "aws", "sk"],
)
def test_adversarial_lines_finish(text: str) -> None:
    assert isinstance(scan_text(text), list)


# --- overlaps, ordering, positions ----------------------------------------------------------------


def test_overlapping_rules_keep_the_specific_one() -> None:
    assert [f.rule_id for f in scan_text(f'AWS_SECRET_ACCESS_KEY = "{K.aws_secret}"')] == ["aws-secret-access-key"]
    assert [f.rule_id for f in scan_text(f"OPENAI_API_KEY={K.openai_project}")] == ["openai-project-key"]
    assert [f.rule_id for f in scan_text(f"OPENAI_API_KEY={K.openai_project_marker}")] == ["openai-project-key"]
    assert [f.rule_id for f in scan_text(f"GITHUB_TOKEN={K.ghp}")] == ["github-personal-access-token"]


def test_findings_sorted_by_line_and_column() -> None:
    text = "\n".join(
        [
            "# settings",
            f'a = "{K.ghp}"; b = "{K.akid}"',
            "",
            f"SLACK={K.xoxb}",
            f'x = ["{K.hf}", "{K.google}"]',
        ]
    )
    got = [(f.line, f.column, f.rule_id) for f in scan_text(text)]
    lines = text.splitlines()
    assert got == [
        (2, lines[1].index(K.ghp) + 1, "github-personal-access-token"),
        (2, lines[1].index(K.akid) + 1, "aws-access-key-id"),
        (4, 7, "slack-token"),
        (5, lines[4].index(K.hf) + 1, "huggingface-token"),
        (5, lines[4].index(K.google) + 1, "google-api-key"),
    ]
    assert got == sorted(got)


def test_one_finding_per_occurrence() -> None:
    text = f"KEY={K.ghp}\nAGAIN={K.ghp}\nBOTH={K.ghp} {K.ghp}"
    findings = scan_text(text)
    assert [(f.line, f.column) for f in findings] == [(1, 5), (2, 7), (3, 6), (3, 7 + len(K.ghp))]
    assert len({f.fingerprint for f in findings}) == 1


def test_line_numbers_with_crlf_and_blank_lines() -> None:
    text = f"one\r\n\r\nthree\r\nHF_TOKEN={K.hf}\r\n"
    [hit] = scan_text(text)
    assert (hit.line, hit.column) == (4, 10)


def test_template_files_drop_low_confidence_only() -> None:
    text = f"DD_API_KEY={K.hex32}\nGITHUB_TOKEN={K.ghp}\n"
    assert [f.rule_id for f in scan_text(text, path=".env")] == ["generic-secret", "github-personal-access-token"]
    assert [f.rule_id for f in scan_text(text, path="deploy/.env.example")] == ["github-personal-access-token"]


# --- redaction and fingerprints -------------------------------------------------------------------

KNOWN_PREFIXES = {
    K.openai_project: "sk-proj-",
    K.openai_legacy: "sk-",
    K.akid: "AKIA",
    K.ghp: "ghp_",
    K.xoxb: "xoxb-",
    K.stripe_live: "sk_live_",
    K.hf: "hf_",
    K.google: "AIza",
    K.github_pat: "github_pat_",
}
ALL_SECRETS = sorted({p[3] for p in POSITIVES} | {K.pem_body, K.openai_admin})


@pytest.mark.parametrize(("secret", "prefix"), KNOWN_PREFIXES.items(), ids=list(KNOWN_PREFIXES.values()))
def test_redact_keeps_exactly_the_known_prefix(secret: str, prefix: str) -> None:
    digest = hashlib.sha256(secret.encode()).hexdigest()[:8]
    assert redact(secret) == f"{prefix}\u2026[{digest}]"


@pytest.mark.parametrize("secret", ALL_SECRETS, ids=range(len(ALL_SECRETS)))
def test_redaction_never_holds_the_secret(secret: str) -> None:
    shown = redact(secret)
    assert re.fullmatch(r"(.{0,15})\u2026\[[0-9a-f]{8}\]", shown)
    prefix = shown.split("\u2026")[0]
    assert secret.startswith(prefix) and len(prefix) <= 15
    rest = secret[len(prefix) :]
    assert rest not in shown
    for i in range(len(rest) - 5):
        assert rest[i : i + 6] not in shown


def test_redact_prefix_rules_for_unknown_shapes() -> None:
    long_secret = tok(30, ALNUM, "long")
    short_secret = tok(12, ALNUM, "short")
    assert redact(long_secret).startswith(long_secret[:4] + "\u2026[")
    assert redact(short_secret).startswith("\u2026[")
    assert redact("sk-abc").startswith("\u2026[")  # a known prefix is not kept on a value that short


def test_fingerprint_is_stable() -> None:
    assert fingerprint(K.ghp) == hashlib.sha256(K.ghp.encode()).hexdigest()[:16]
    assert fingerprint(K.ghp) == fingerprint("" + K.ghp)
    assert fingerprint(K.ghp) != fingerprint(K.gho)
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint(K.generic))
    first = scan_text(f"a={K.ghp}")[0].fingerprint
    second = scan_text(f'\n\n  token: "{K.ghp}"')[0].fingerprint
    assert first == second == fingerprint(K.ghp)


def test_redact_line_replaces_every_secret() -> None:
    line = f'creds = {{"openai": "{K.openai_project}", "aws": "{K.akid}", "gh": "{K.ghp}"}}'
    safe = redact_line(line)
    for secret in (K.openai_project, K.akid, K.ghp):
        assert secret not in safe
        assert redact(secret) in safe
    assert safe.startswith('creds = {"openai": "sk-proj-\u2026[')


def test_redact_line_keeps_clean_and_placeholder_lines() -> None:
    for line in ("print('hello')", "OPENAI_API_KEY=sk-...", f"AWS_ACCESS_KEY_ID={AWS_EXAMPLE_ID}", ""):
        assert redact_line(line) == line


def test_redact_line_handles_several_lines() -> None:
    text = f"A={K.ghp}\r\nB=plain\nC={K.hf}\n"
    assert redact_line(text) == f"A={redact(K.ghp)}\r\nB=plain\nC={redact(K.hf)}\n"


def test_redact_line_generic_value() -> None:
    line = f'  password: "{K.generic}"  # prod'
    assert redact_line(line) == f'  password: "{redact(K.generic)}"  # prod'


# --- rules: built-in and user ---------------------------------------------------------------------

BUILTIN_IDS = {
    # AWS
    "aws-access-key-id", "aws-key-pair", "aws-secret-access-key", "aws-session-token",
    # OpenAI, Anthropic, Google
    "openai-api-key", "openai-project-key", "openai-service-account-key", "openai-admin-key",
    "anthropic-api-key", "anthropic-admin-key", "anthropic-oauth-token",
    "google-api-key", "google-oauth-client-secret", "gcp-service-account-key",
    # Azure
    "azure-openai-api-key", "azure-storage-account-key", "azure-shared-access-key", "azure-sas-token", "azure-ad-client-secret",
    # GitHub, GitLab
    "github-personal-access-token", "github-oauth-token", "github-app-token", "github-refresh-token", "github-fine-grained-token",
    "gitlab-personal-access-token", "gitlab-deploy-token", "gitlab-runner-token", "gitlab-pipeline-trigger-token", "gitlab-token",
    # messaging, payments
    "slack-token", "slack-webhook-url", "stripe-live-secret-key", "stripe-restricted-key", "sendgrid-api-key",
    "twilio-api-key", "twilio-auth-token", "discord-webhook-url", "telegram-bot-token",
    # model and AI platforms
    "huggingface-token", "huggingface-org-token", "groq-api-key", "replicate-api-token", "openrouter-api-key",
    "perplexity-api-key", "xai-api-key", "langsmith-api-key", "langfuse-secret-key", "tavily-api-key",
    "pinecone-api-key", "pinecone-legacy-api-key", "mistral-api-key", "cohere-api-key",
    # developer platforms
    "npm-access-token", "pypi-api-token", "databricks-token", "digitalocean-token", "supabase-secret-key",
    "notion-integration-token", "linear-api-key", "shopify-access-token", "doppler-token",
    "grafana-service-account-token", "sentry-auth-token", "new-relic-user-api-key", "postman-api-key",
    # keys, URLs, tokens, generic
    "private-key", "age-secret-key", "database-url-password", "url-basic-auth", "jwt",
    "generic-secret-high-entropy", "generic-secret", "generic-secret-hex",
}  # fmt: skip


def test_builtin_rules_are_well_formed() -> None:
    rules = load_rules()
    assert load_rules() is rules  # parsed once
    assert {r.id for r in rules} == BUILTIN_IDS
    assert len(rules) == len(BUILTIN_IDS)
    for rule in rules:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id)
        assert rule.provider and rule.description
        assert rule.confidence in ("high", "medium", "low")
        assert rule.keywords and all(k == k.lower() for k in rule.keywords)
        assert isinstance(rule.pattern, re.Pattern)
    assert {r.confidence for r in rules if r.id.startswith("generic-")} == {"low", "medium"}
    assert {r.id for r in rules if r.generic} == {
        "database-url-password", "url-basic-auth", "jwt", "generic-secret-high-entropy", "generic-secret", "generic-secret-hex"
    }  # fmt: skip
    for rule in rules:
        assert_linear(rule.regex, rule.id)


_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}


def assert_linear(pattern: str, name: str) -> None:
    """Every repetition bounded, and no repetition of more than 2 inside another one."""

    def walk(items: Any, outer: int) -> None:
        for op, av in items:
            if op in _REPEATS:
                low, high, sub = av
                assert high != sre_constants.MAXREPEAT, f"{name}: unbounded repetition"
                assert not (outer > 2 and high > 2), f"{name}: nested repetition"
                walk(sub, max(outer, high))
            elif op is sre_constants.SUBPATTERN:
                walk(av[-1], outer)
            elif op is sre_constants.BRANCH:
                for branch in av[1]:
                    walk(branch, outer)
            elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                walk(av[1], outer)
            elif op is sre_constants.GROUPREF_EXISTS:
                walk(av[1], outer)
                if av[2] is not None:
                    walk(av[2], outer)

    walk(sre_parse.parse(pattern), 1)


def test_every_match_holds_a_keyword_of_its_rule() -> None:
    """The pre-filter may skip a line only when no match could contain one of the keywords."""
    rules = {r.id: r for r in load_rules()}
    for case, text, rule_id, secret in POSITIVES:
        for match in rules[rule_id].pattern.finditer(text):
            assert rules[rule_id].wants(match.group(0).lower()), case


ACME = {
    "id": "acme-api-key",
    "provider": "Acme",
    "description": "Acme API key",
    "confidence": "high",
    "regex": r"(?<![a-z0-9_])acme_(?P<secret>live_[a-z0-9]{32})(?![a-z0-9])",
    "secret_group": "secret",
    "keywords": ["ACME_"],
}


def test_user_rule_loads_and_fires() -> None:
    rules = load_rules([ACME])
    assert rules[: len(load_rules())] == load_rules()
    assert rules[-1].id == "acme-api-key" and rules[-1].keywords == ("acme_",)
    secret = "live_" + tok(32, string.ascii_lowercase + string.digits, "acme")
    line = f'ACME_KEY = "acme_{secret}"'
    [hit] = scan_text(line, rules=rules)
    assert (hit.rule_id, hit.provider, hit.column) == ("acme-api-key", "Acme", line.index(secret) + 1)
    assert hit.fingerprint == fingerprint(secret)
    assert scan_text(line) == []  # not a built-in
    assert secret not in redact_line(line, rules)


def test_user_rule_with_defaults_and_allow() -> None:
    rule = {
        "id": "acme-internal",
        "provider": "Acme",
        "description": "Acme internal token",
        "confidence": "low",
        "regex": "acmeint-[A-Za-z0-9]{24}",
        "allow": ["^acmeint-0"],
        "min_entropy": 3,
    }
    rules = load_rules([rule])
    good = "acmeint-" + tok(24, ALNUM, "int")
    allowed = "acmeint-0" + tok(23, ALNUM, "int2")
    assert [f.rule_id for f in scan_text(f"x = {good}", rules=rules)] == ["acme-internal"]
    assert scan_text(f"x = {allowed}", rules=rules) == []
    assert rules[-1].min_entropy == 3.0 and rules[-1].secret_group == 0


def test_rules_argument_restricts_the_scan() -> None:
    only_github = [r for r in load_rules() if r.provider == "GitHub"]
    text = f"A={K.ghp}\nB={K.akid}"
    assert [f.rule_id for f in scan_text(text, rules=only_github)] == ["github-personal-access-token"]
    assert scan_text(text, rules=[]) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"regex": "acme_[a-z"}, "invalid regex"),
        ({"confidence": "certain"}, "confidence"),
        ({"regex": None}, "missing field 'regex'"),
        ({"provider": ""}, "missing field 'provider'"),
        ({"keyword": ["acme"]}, "unknown field"),
        ({"secret_group": 3}, "secret_group"),
        ({"secret_group": "token"}, "secret_group"),
        ({"regex": "(?P<secret>[a-z]*)", "secret_group": "secret"}, "empty string"),
        ({"keywords": "acme_"}, "keywords"),
        ({"keywords": ["acme_", ""]}, "keywords"),
        ({"allow": ["("]}, "invalid allow"),
        ({"min_entropy": "high"}, "min_entropy"),
        ({"min_entropy": -1}, "min_entropy"),
        ({"id": "bad id!"}, "id must be"),
    ],
)
def test_invalid_user_rule_raises_naming_it(change: dict[str, object], message: str) -> None:
    entry = {**ACME, "id": "acme-broken", **change}
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        load_rules([entry])
    assert repr(entry["id"]) in str(info.value)


def test_user_rule_cannot_reuse_a_builtin_id() -> None:
    with pytest.raises(ValueError, match="'github-oauth-token'.*duplicate"):
        load_rules([{**ACME, "id": "github-oauth-token"}])
    with pytest.raises(ValueError, match="'acme-api-key'.*duplicate"):
        load_rules([ACME, ACME])


@pytest.mark.parametrize("extra", [ACME, "acme", [["not", "a", "mapping"]]], ids=["mapping", "string", "list"])
def test_extra_rules_must_be_a_list_of_mappings(extra: object) -> None:
    with pytest.raises(ValueError):
        load_rules(extra)  # type: ignore[arg-type]


def test_no_extra_rules_means_builtins() -> None:
    assert load_rules(None) is load_rules() is load_rules([])


def test_values_are_frozen() -> None:
    rule = load_rules()[0]
    [hit] = scan_text(f"k={K.akid}")
    for obj, attr in ((rule, "regex"), (hit, "line")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, attr, None)
        assert not hasattr(obj, "__dict__")
    assert isinstance(hit, SecretFinding) and isinstance(rule, SecretRule)


def test_rule_built_directly_is_validated() -> None:
    with pytest.raises(ValueError, match="'direct'"):
        SecretRule(id="direct", provider="x", description="x", confidence="high", regex="a", keywords=("UPPER",))
    rule = SecretRule(id="direct", provider="x", description="x", confidence="high", regex="zq[0-9]{20}")
    assert scan_text("zq" + digits(20, "zq"), rules=[rule])[0].rule_id == "direct"


# --- .env helpers, placeholders, entropy ----------------------------------------------------------


def test_env_assignments() -> None:
    text = "\n".join(
        [
            "# comment",
            "",
            "PORT=8080",
            "export OPENAI_API_KEY=sk-...",
            'DOUBLE="quoted value" # trailing comment',
            "SINGLE='it''s'",
            "INLINE=value # comment",
            "HASH=abc#def",
            "EMPTY=",
            "   SPACED = spaced ",
            "not an assignment",
            "  # indented comment=1",
            'ESCAPED="a\\"b"',
            "EMPTY_WITH_COMMENT= # nothing",
        ]
    )
    assert env_assignments(text) == [
        (3, "PORT", "8080"),
        (4, "OPENAI_API_KEY", "sk-..."),
        (5, "DOUBLE", "quoted value"),
        (6, "SINGLE", "it"),
        (7, "INLINE", "value"),
        (8, "HASH", "abc#def"),
        (9, "EMPTY", ""),
        (10, "SPACED", "spaced"),
        (13, "ESCAPED", 'a"b'),
        (14, "EMPTY_WITH_COMMENT", ""),
    ]


def test_env_assignments_feed_placeholder_check() -> None:
    text = f"OPENAI_API_KEY={K.openai_project}\nSTRIPE_KEY=${{STRIPE_KEY}}\nDB_PASSWORD=changeme\nTOKEN=\n"
    real = [(n, k) for n, k, v in env_assignments(text) if not is_placeholder(v)]
    assert real == [(1, "OPENAI_API_KEY")]


@pytest.mark.parametrize(
    "value",
    [
        "", "   ", '""', "sk-...", "sk-xxxx", "<your key>", "<OPENAI_API_KEY>", "${VAR}", "$VAR", "$(cat key)",
        "{{ secrets.X }}", "{% raw %}", "%(x)s", "%APPDATA%", "os.environ['X']", "os.getenv('X')",
        "process.env.X", "changeme", "CHANGE_ME", "REPLACE_ME", "***", "xxxxxxxx", "\u2022\u2022\u2022\u2022",
        "none", "null", "password", "your_api_key", "example-token", "DUMMY", "fake", "placeholder",
        AWS_EXAMPLE_ID, AWS_EXAMPLE_SECRET, "aaaaaaaaaaaaaaaa", "1234567890abcdef", "abcdefghij", "9876543210", "xyAbCdEfGh2",
        "arn:aws:secretsmanager:us-east-1:1:secret:x", "op://vault/item/field", "vault:secret/data/x",
    ],
)  # fmt: skip
def test_is_placeholder_true(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    [K.generic, K.hex32, K.openai_project, K.aws_secret, K.xoxb, K.pem_body, "$2b$12$" + tok(53, ALNUM, "bc"), "8080", "gpt-4o"],
    ids=["generic", "hex32", "project", "aws", "slack", "pem", "bcrypt", "port", "model"],
)
def test_is_placeholder_false(value: str) -> None:
    assert not is_placeholder(value)


def test_a_mixed_case_run_in_a_random_key_body_is_chance_not_a_placeholder() -> None:
    from tests import fakes

    key = fakes.openai_project_key("I6aWdy2Rc1Jv")
    assert "JIhGFe" in key  # j-i-h-g-f-e once lowercased: a run of six, by chance
    assert not is_placeholder(key)
    assert [f.line for f in scan_text(f'OPENAI_API_KEY="{key}"\n')] == [1]
    # Written runs still read as placeholders: in one case from six characters, mixed from eight.
    assert is_placeholder("sk-proj-abcdefQ2x9") and is_placeholder("sk-proj-FEDCBAq2x9")
    assert is_placeholder("token-QRsTUvwx-9f") and not is_placeholder("token-QRsTUv-9f2Lp")


def test_entropy() -> None:
    assert entropy("") == 0.0
    assert entropy("aaaa") == 0.0
    assert entropy("abcd") == pytest.approx(2.0)
    assert entropy(HEX) == pytest.approx(4.0)
    assert entropy(K.generic) > 4.0


# --- the repository's own files -------------------------------------------------------------------


def test_scanner_sources_and_this_file_hold_no_findings() -> None:
    here = Path(__file__)
    for path in (here, here.parent.parent / "secrets" / "test_corpus.py", schema_path("secret-rules")):
        assert scan_file(str(path), path.read_text(encoding="utf-8")) == [], path.name
    package = resources.files("readycheck.secrets")
    for name in ("scanner.py", "rules.yaml", "__init__.py"):
        assert scan_file(name, package.joinpath(name).read_text(encoding="utf-8")) == [], name


def test_linearity_check_itself() -> None:
    assert_linear(r"(?P<s>[a-z]{0,40}?)x(?:\\{1,2}[nr]){0,2}", "bounded")
    for pattern in (r"a+", r"[a-z]*x", r"a{3,}", r"(?:a{0,9}){0,9}"):
        with pytest.raises(AssertionError):
            assert_linear(pattern, pattern)


# --- validators: the GitHub checksum and JWTs -----------------------------------------------------


def test_github_checksum_validator() -> None:
    check = VALIDATORS["github-checksum"]
    for token in (K.ghp, K.gho, K.ghu, K.ghs, K.ghr, K.npm):
        assert check(token), token[:4]
    body = K.ghp[4:]
    assert not check(K.ghp_unverified)
    assert not check("gh" + "p_" + body[1:] + body[0])  # the same characters, rotated
    assert not check("gh" + "p_" + body[:10] + "-" + body[11:])  # not base62
    assert not check("gh" + "p_" + body[:5])  # too short to hold a checksum
    assert not check("gh" + "p_")


def test_github_checksum_is_crc32_of_the_random_part_in_base62() -> None:
    """The published scheme, spelled out: 30 random characters, then the CRC32 of them written in
    base62 with the digits 0-9, A-Z, a-z, left-padded with 0 to 6 characters."""
    body = tok(30, ALNUM, "scheme")
    number, digits62 = zlib.crc32(body.encode("ascii")), ""
    while number:
        number, rest = divmod(number, 62)
        digits62 = (string.digits + string.ascii_uppercase + string.ascii_lowercase)[rest] + digits62
    assert VALIDATORS["github-checksum"]("gh" + "o_" + body + digits62.rjust(6, "0"))
    assert not VALIDATORS["github-checksum"]("gh" + "o_" + body + digits62.rjust(6, "0").swapcase())


def test_github_token_failing_its_checksum_is_low_confidence() -> None:
    [good] = scan_text(f"GITHUB_TOKEN={K.ghp}")
    assert (good.rule_id, good.confidence, good.description) == ("github-personal-access-token", "high", "GitHub personal access token (classic)")
    [bad] = scan_text(f"GITHUB_TOKEN={K.ghp_unverified}")
    assert (bad.rule_id, bad.confidence) == ("github-personal-access-token", "low")
    assert "checksum does not match" in bad.description
    # the generic rules do not take over the text, and example files leave low findings out
    assert [(f.rule_id, f.confidence) for f in scan_text(f'token = "{K.ghp_unverified}"')] == [("github-personal-access-token", "low")]
    assert scan_text(f"GITHUB_TOKEN={K.ghp_unverified}", path="deploy/.env.example") == []
    assert K.ghp_unverified not in redact_line(f"GITHUB_TOKEN={K.ghp_unverified}")


@pytest.mark.parametrize("prefix", ["gh" + "o_", "gh" + "u_", "gh" + "s_", "gh" + "r_", "np" + "m_"])
def test_checksum_applies_to_every_token_kind(prefix: str) -> None:
    good = github_token(prefix, "kind-" + prefix)
    bad = github_token(prefix, "kind-" + prefix, valid=False)
    assert [f.confidence for f in scan_text(f"TOKEN={good}")] == ["high"]
    assert [f.confidence for f in scan_text(f"TOKEN={bad}")] == ["low"]


def test_jwt_validator() -> None:
    check = VALIDATORS["jwt"]
    assert check(K.jwt)
    assert check(JWT_IO)  # well formed: it is the published example list that rules it out
    assert not check(make_jwt({"iss": "supabase", "role": "anon"}, alg="HS256"))
    assert not check(make_jwt({"sub": "1"}, alg="none"))
    assert not check(b64url_json({"typ": "JWT"}) + "." + b64url_json({"sub": "1"}) + "." + tok(43, URLSAFE, "s"))
    assert not check(b64url_json({"alg": "HS256"}) + "." + base64.urlsafe_b64encode(b"[1, 2]").decode() + ".c2ln")
    assert not check("eyJ" + tok(20, ALNUM, "j1") + ".eyJ" + tok(20, ALNUM, "j2") + "." + tok(20, ALNUM, "j3"))
    assert not check("a.b")


def test_jwt_findings() -> None:
    assert [(f.rule_id, f.confidence) for f in scan_text(f"Authorization: Bearer {K.jwt}")] == [("jwt", "low")]
    assert scan_text(f"Bearer {JWT_IO}") == []
    # assigned to a secret-like name, a (short enough) JWT is reported by the generic rule
    short = make_jwt({"sub": "svc"}, seed="short")
    assert [(f.rule_id, f.confidence) for f in scan_text(f'SERVICE_TOKEN = "{short}"')] == [("generic-secret-high-entropy", "medium")]
    # a key that is public by design is no finding under any name
    anon = make_jwt({"iss": "supabase", "role": "anon"}, alg="HS256", seed="anon3")
    assert scan_text(f'SUPABASE_KEY = "{anon}"') == []


# --- pairs and conditions on the rest of the file --------------------------------------------------


def test_aws_secret_is_paired_with_a_key_id_in_the_same_file() -> None:
    secret_line = f'AWS_SECRET_ACCESS_KEY = "{K.aws_secret}"'
    assert [(f.rule_id, f.confidence) for f in scan_text(secret_line)] == [("aws-secret-access-key", "medium")]
    paired = scan_text(f'AWS_ACCESS_KEY_ID = "{K.akid}"\n' + "\n" * 20 + secret_line)
    assert [(f.rule_id, f.confidence, f.line) for f in paired] == [("aws-access-key-id", "high", 1), ("aws-key-pair", "high", 22)]
    assert paired[1].fingerprint == fingerprint(K.aws_secret)
    assert [f.rule_id for f in scan_text(secret_line + f'\nAWS_ACCESS_KEY_ID = "{K.akid}"')] == ["aws-key-pair", "aws-access-key-id"]
    # a documented example ID is no finding, so it pairs with nothing
    assert [f.rule_id for f in scan_text(f"AWS_ACCESS_KEY_ID={AWS_EXAMPLE_ID}\n{secret_line}")] == ["aws-secret-access-key"]
    # without the key-ID rule in the rule set there is no pair
    no_id = [r for r in load_rules() if r.id != "aws-access-key-id"]
    assert [f.rule_id for f in scan_text(f"k={K.akid}\n{secret_line}", rules=no_id)] == ["aws-secret-access-key"]


def test_aws_pair_forms() -> None:
    tf = f'provider "aws" {{\n  access_key = "{K.akid}"\n  secret_key = "{K.aws_secret}"\n}}'
    assert [(f.rule_id, f.line) for f in scan_text(tf)] == [("aws-access-key-id", 2), ("aws-key-pair", 3)]
    created = f'{{"AccessKey": {{"AccessKeyId": "{K.akid}", "SecretAccessKey": "{K.aws_secret}", "Status": "Active"}}}}'
    assert [f.rule_id for f in scan_text(created)] == ["aws-access-key-id", "aws-key-pair"]
    csv = f"User name,Password,Access key ID,Secret access key\nci-bot,,{K.akid},{K.aws_secret}"
    assert [(f.rule_id, f.line) for f in scan_text(csv)] == [("aws-access-key-id", 2), ("aws-key-pair", 2)]
    # a secret_key without a key ID in the file: only the generic rules judge it
    assert [f.rule_id for f in scan_text(f'secret_key = "{K.aws_secret}"')] == ["generic-secret-high-entropy"]


def test_azure_key_needs_azure_in_the_file() -> None:
    azure = f'client = AzureOpenAI(\n    api_key="{K.azure_hex}",\n    azure_endpoint="https://agents.openai.azure.com/",\n)'
    assert [(f.rule_id, f.line, f.confidence) for f in scan_text(azure)] == [("azure-openai-api-key", 2, "medium")]
    other = f'client = Client(\n    api_key="{K.azure_hex}",\n)'
    assert [(f.rule_id[:8], f.confidence) for f in scan_text(other)] == [("generic-", "low")]


def test_twilio_auth_token_needs_twilio_in_the_file() -> None:
    assert [f.rule_id for f in scan_text(f"from twilio.rest import Client\nauth_token = '{K.twilio_token}'")] == ["twilio-auth-token"]
    assert [f.rule_id[:8] for f in scan_text(f"auth_token = '{K.twilio_token}'")] == ["generic-"]


def test_provider_rule_wins_over_url_rules() -> None:
    line = f"git clone https://x-access-token:{K.ghs}@github.com/acme/agent.git"
    assert [f.rule_id for f in scan_text(line)] == ["github-app-token"]
    assert [f.rule_id for f in scan_text(f"https://ci:{K.url_password}@npm.acme-agents.io/")] == ["url-basic-auth"]


def test_published_examples_are_never_findings() -> None:
    examples = scanner._builtin().examples
    assert examples and all(len(e) >= 8 for e in examples)
    for example in examples:
        assert is_placeholder(example) and is_placeholder("sk" + "_live_" + example)


# --- scan_file: notebooks -------------------------------------------------------------------------


def notebook(cells: list[dict[str, Any]]) -> str:
    kernel = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    return json.dumps({"cells": cells, "metadata": kernel, "nbformat": 4, "nbformat_minor": 5}, indent=1, ensure_ascii=False) + "\n"


def code_cell(source: list[str], outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": outputs or [], "source": source}


def test_notebook_cells_are_read_as_code() -> None:
    text = notebook([code_cell(["import os\n", 'x = "é"; ' + f'api_key = "{K.generic}"\n', f'os.environ["HF_TOKEN"] = "{K.hf}"'])])
    lines = text.splitlines()
    found = scan_file("notebooks/explore.ipynb", text)
    assert [f.rule_id for f in found] == ["generic-secret-high-entropy", "huggingface-token"]
    for hit, secret in zip(found, (K.generic, K.hf)):
        raw = lines[hit.line - 1]
        assert raw.lstrip().startswith('"') and '\\"' in raw  # the JSON string as written in the file
        assert raw[hit.column - 1 :].startswith(secret)
        assert secret not in redact_line(raw)


def test_notebook_outputs_are_scanned_and_images_skipped() -> None:
    blob = base64.b64encode(random.Random("png").randbytes(3000)).decode()
    image = blob[:2000] + "+" + K.akid + "/" + blob[2000:]  # would read as a key in a plain scan
    outputs = [
        {"name": "stdout", "output_type": "stream", "text": [K.openai_project + "\n"]},
        {"data": {"image/png": image, "text/plain": ["<Figure size 640x480 with 1 Axes>"]}, "metadata": {}, "output_type": "display_data"},
    ]
    text = notebook([code_cell(["print(client.api_key)"], outputs)])
    assert "aws-access-key-id" in {f.rule_id for f in scan_text(text)}
    assert [f.rule_id for f in scan_file("a.ipynb", text)] == ["openai-project-key"]


def test_notebook_private_key_across_source_lines() -> None:
    body = [K.pem_body[i : i + 64] + "\n" for i in range(0, 320, 64)]
    text = notebook([code_cell(['KEY = """' + PEM_HEADER + "\n", *body, '-----END RSA PRIVATE KEY-----"""'])])
    assert scan_text(text) == []  # in the raw JSON the header is followed by a quote
    [hit] = scan_file("keys.ipynb", text)
    assert hit.rule_id == "private-key" and PEM_HEADER in text.splitlines()[hit.line - 1]


def test_notebook_without_line_breaks() -> None:
    cells = [code_cell(["import os\n", f"SECRET_KEY = '{K.generic}'\n"]), code_cell(['KEY = """' + PEM_HEADER + "\n", K.pem_body[:64] + "\n", '"""'])]
    text = json.dumps(json.loads(notebook(cells)))
    assert "\n" not in text
    assert [(f.line, f.rule_id) for f in scan_file("m.ipynb", text)] == [(1, "private-key"), (1, "generic-secret-high-entropy")]


# --- scan_file: Kubernetes Secrets ----------------------------------------------------------------


def enc(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


PEM_FILE = PEM_HEADER + "\n" + K.pem_body[:64] + "\n" + K.pem_body[64:128] + "\n-----END RSA PRIVATE KEY-----\n"
BINARY = base64.b64encode(bytes(range(256))).decode()


def test_kubernetes_secret_data_is_decoded() -> None:
    lines = [
        "apiVersion: v1", "kind: Secret", "metadata:", "  name: agent", "type: Opaque", "data:",
        f"  OPENAI_API_KEY: {enc(K.openai_project)}",
        f"  password: {enc(K.generic)}",
        f"  username: {enc('agent')}",
        f"  DATABASE_URL: \"{enc('postgresql://agent:' + K.db_password + '@db:5432/agent')}\"",
        f"  id_rsa: {enc(PEM_FILE)}",
        f"  keystore.p12: {BINARY}",
        "stringData:",
        f"  SLACK_BOT_TOKEN: {K.xoxb}",
        "",
    ]  # fmt: skip
    text = "\n".join(lines)
    found = scan_file("deploy/secret.yaml", text)
    assert [(f.line, f.rule_id) for f in found] == [
        (7, "openai-project-key"), (8, "generic-secret-high-entropy"), (10, "database-url-password"), (11, "private-key"), (14, "slack-token"),
    ]  # fmt: skip
    assert [f.fingerprint for f in found[:3]] == [fingerprint(K.openai_project), fingerprint(K.generic), fingerprint(K.db_password)]
    assert found[0].column == lines[6].index(":") + 3  # the encoded value
    assert "openai-project-key" not in {f.rule_id for f in scan_text(text)}
    for number in (7, 8, 10):
        assert lines[number - 1].split(":")[1].strip(' "') not in redact_line(lines[number - 1])


def test_kubernetes_secret_forms() -> None:
    listed = f"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  data:\n    token: {enc(K.ghp)}\n"
    assert [(f.line, f.rule_id) for f in scan_file("all.yml", listed)] == [(7, "github-personal-access-token")]
    manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {"HF_TOKEN": enc(K.hf)}}
    as_json = json.dumps(manifest, indent=2)
    [hit] = scan_file("secret.json", as_json)
    assert (hit.rule_id, as_json.splitlines()[hit.line - 1].strip().startswith('"HF_TOKEN"')) == ("huggingface-token", True)
    multi = f"---\napiVersion: v1\nkind: ConfigMap\ndata:\n  model: {enc(K.hf)}\n---\nkind: Secret\ndata:\n  hf: {enc(K.hf)}\n"
    assert [(f.line, f.rule_id) for f in scan_file("both.yaml", multi)] == [(9, "huggingface-token")]  # a ConfigMap is not decoded
    assert scan_file("secret.txt", f"kind: Secret\ndata:\n  HF: {enc(K.hf)}\n") == []  # not a manifest's file type


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("bad.ipynb", '{"cells": [{"source": ["x = 1'),
        ("bad.ipynb", "not json\n" * 3),
        ("empty.ipynb", ""),
        ("secret.yaml", "kind: Secret\ndata:\n  a: [unclosed\n  b: {"),
        ("secret.yaml", "kind: Secret\ndata: !!python/object:os.system ls\n"),
        ("secret.yaml", "kind: Secret\ndata:\n  a: *missing_alias\n"),
        ("secret.yaml", "kind: Secret\ndata:\n  a: {{ .Values.token | b64enc }}\n"),
        ("secret.json", '{"kind": "Secret", "data": {"a": 12, "b": null, "c": ["x"], "d": "!!!", "e": "' + BINARY + '"}}'),
        ("list.yaml", "kind: List\nitems: 5\n"),
        ("Dockerfile", "ENV\nENV \nARG  \nENV =x\n"),
    ],
)
def test_malformed_files_fall_back_to_plain_text(path: str, text: str) -> None:
    assert scan_file(path, text) == scan_text(text, path=path)
    broken = text + f'\napi_key = "{K.generic}"\n'
    assert [f.rule_id for f in scan_file(path, broken)] == ["generic-secret-high-entropy"]


def test_decoding_is_bounded() -> None:
    huge = "kind: Secret\ndata:\n  blob: " + enc(K.generic * 3000) + f"\n  hf: {enc(K.hf)}\n"
    assert [f.rule_id for f in scan_file("big.yaml", huge)] == ["huggingface-token"]  # the 96 kB value is not decoded
    assert scanner._base64_text(enc("x" * 70_000)) is None


# --- scan_file: Dockerfiles, other files ----------------------------------------------------------


def test_dockerfile_legacy_env_form() -> None:
    text = f"FROM python:3.12\nENV SENTRY_AUTH_TOKEN {K.generic}\nENV PATH /opt/venv/bin:$PATH\nARG VERSION\nENV A=1 B=2\n"
    line = text.splitlines()[1]
    [hit] = scan_file("Dockerfile", text)
    assert (hit.line, hit.column, hit.rule_id) == (2, line.index(K.generic) + 1, "generic-secret-high-entropy")
    assert scan_text(text) == []  # as plain text there is no assignment
    assert K.generic not in redact_line(line)
    for name in ("Dockerfile.prod", "build.dockerfile", "Containerfile", "docker/Dockerfile"):
        assert len(scan_file(name, text)) == 1, name
    assert scan_file("notes.txt", text) == []


@pytest.mark.parametrize("path", ["app.py", "src/index.ts", ".env", "values.yaml", "main.tf", "README.md", "deploy/.env.example"])
def test_scan_file_is_scan_text_for_other_files(path: str) -> None:
    text = "\n".join(p[1] for p in POSITIVES)
    assert scan_file(path, text) == scan_text(text, path=path)


def test_redact_line_decodes_base64_values() -> None:
    url = "postgresql://agent:" + K.db_password + "@db:5432/agent"
    line = f"  dsn: {enc(url)}"
    assert redact_line(line) == f"  dsn: {redact(K.db_password)}"
    assert redact_line(f"  logo: {BINARY}") == f"  logo: {BINARY}"
    assert redact_line(f"  name: {enc('research-agent')}") == f"  name: {enc('research-agent')}"


# --- the rule schema and the rule fields ----------------------------------------------------------

SCHEMA = json.loads(schema_path("secret-rules").read_text(encoding="utf-8"))
RULE_SCHEMA = jsonschema.Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": "#/$defs/rule"})
BUILTIN_FILE = yaml.safe_load(resources.files("readycheck.secrets").joinpath("rules.yaml").read_text(encoding="utf-8"))


def test_rules_file_validates_against_its_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(BUILTIN_FILE)
    assert set(SCHEMA["$defs"]["rule"]["properties"]) == scanner._RULE_KEYS
    assert set(SCHEMA["$defs"]["rule"]["properties"]["verify"]["enum"]) == set(VALIDATORS)
    assert set(SCHEMA["properties"]) == scanner._FILE_KEYS


_DROP = object()


def _rule(change: dict[str, Any]) -> dict[str, Any]:
    entry = {**ACME, "id": "acme-broken", **change}
    return {k: v for k, v in entry.items() if v is not _DROP}


BOTH_REFUSE = [
    {"id": _DROP}, {"provider": _DROP}, {"regex": _DROP}, {"confidence": _DROP}, {"description": "  "},
    {"id": "bad id!"}, {"confidence": "certain"}, {"keyword": ["acme"]}, {"keywords": "acme_"}, {"keywords": ["acme_", ""]},
    {"allow": [3]}, {"min_entropy": "high"}, {"min_entropy": -1}, {"min_entropy": True}, {"secret_group": -1},
    {"secret_group": True}, {"secret_group": 1.5}, {"verify": "luhn"}, {"verify": None}, {"unverified_confidence": "low"},
    {"verify": "jwt", "unverified_confidence": "high"}, {"verify": "jwt", "confidence": "low", "unverified_confidence": "low"},
    {"verify": "jwt", "confidence": "medium", "unverified_confidence": "medium"}, {"requires_finding": 3},
    {"requires_finding": "bad id!"}, {"requires_text": "acme"}, {"generic": "yes"}, {"generic": None},
]  # fmt: skip
ENGINE_ONLY = [  # what a JSON Schema cannot say: checked by readycheck alone
    {"regex": "acme_[a-z"}, {"regex": "(?P<secret>[a-z]*)", "secret_group": "secret"}, {"secret_group": 3},
    {"secret_group": "token"}, {"allow": ["("]}, {"requires_text": ["("]}, {"requires_finding": "acme-broken"},
    {"requires_finding": "no-such-rule"}, {"requires_finding": "aws-key-pair"},
]  # fmt: skip
BOTH_ACCEPT = [
    {}, {"min_entropy": 3}, {"min_entropy": None}, {"keywords": None}, {"allow": None}, {"secret_group": 0},
    {"verify": "jwt"}, {"verify": "github-checksum", "unverified_confidence": "medium"},
    {"verify": "jwt", "confidence": "medium", "unverified_confidence": "low"}, {"requires_finding": "aws-access-key-id"},
    {"requires_text": ["(?i)acme"]}, {"generic": True},
]  # fmt: skip


@pytest.mark.parametrize("change", BOTH_REFUSE, ids=range(len(BOTH_REFUSE)))
def test_schema_and_engine_both_refuse(change: dict[str, Any]) -> None:
    entry = _rule(change)
    assert not RULE_SCHEMA.is_valid(entry)
    with pytest.raises(ValueError, match=re.escape(repr(entry.get("id")))):
        load_rules([entry])


@pytest.mark.parametrize("change", ENGINE_ONLY, ids=range(len(ENGINE_ONLY)))
def test_engine_refuses_what_the_schema_cannot_say(change: dict[str, Any]) -> None:
    entry = _rule(change)
    assert RULE_SCHEMA.is_valid(entry)
    with pytest.raises(ValueError, match="'acme-broken'"):
        load_rules([entry])


@pytest.mark.parametrize("change", BOTH_ACCEPT, ids=range(len(BOTH_ACCEPT)))
def test_schema_and_engine_both_accept(change: dict[str, Any]) -> None:
    entry = _rule(change)
    assert RULE_SCHEMA.is_valid(entry), list(RULE_SCHEMA.iter_errors(entry))
    assert load_rules([entry])[-1].id == "acme-broken"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"verify": "luhn"}, "verify must be one of github-checksum, jwt"),
        ({"unverified_confidence": "low"}, "unverified_confidence needs a verify validator"),
        ({"verify": "jwt", "unverified_confidence": "high"}, "unverified_confidence must be lower than confidence: medium, low"),
        ({"requires_finding": "no-such-rule"}, "requires_finding names no rule: 'no-such-rule'"),
        ({"requires_finding": "acme-broken"}, "requires_finding cannot name the rule itself"),
        ({"requires_finding": "aws-key-pair"}, "requires_finding names 'aws-key-pair', which has a requires_finding itself"),
        ({"requires_text": ["("]}, "invalid requires_text '('"),
        ({"generic": "yes"}, "generic must be true or false"),
    ],
)
def test_invalid_rule_fields_are_explained(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"secret rule 'acme-broken': {message}")):
        load_rules([_rule(change)])


def test_every_builtin_rule_matches_the_rule_schema() -> None:
    for entry in BUILTIN_FILE["rules"]:
        assert RULE_SCHEMA.is_valid(entry), entry["id"]
        assert rule_from_mapping(entry).id == entry["id"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 2}, "version must be 1"),
        ({"version": True}, "version must be 1"),
        ({"rules": []}, "expected a non-empty 'rules' list"),
        ({"examples": ["short"]}, "examples must be a list of strings of at least 8 characters"),
        ({"extra": 1}, "unknown field(s): extra"),
    ],
)
def test_invalid_rule_files(change: dict[str, Any], message: str) -> None:
    data = {**BUILTIN_FILE, **change}
    assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(data)
    with pytest.raises(ValueError, match=re.escape(f"rules.yaml: {message}")):
        scanner._parse_rule_file(data, "rules.yaml")


# --- the keyword plan ------------------------------------------------------------------------------


def test_trie_regex_matches_exactly_its_words() -> None:
    words = ["sk", "sk-proj-", "sk_live_", "key", "keyword", "a", "ab", "abc", "b.c", "x?y"]
    pattern = re.compile(scanner._trie_regex(words))
    assert all(pattern.fullmatch(w) for w in words)
    assert not any(pattern.fullmatch(w) for w in ["s", "sk-", "ke", "abcd", "bxc", "b.", "xy", "keywords"])


def test_keyword_search_finds_exactly_the_lines_rules_want() -> None:
    rules = load_rules()
    plan = scanner._plan_for(rules)
    keywords = sorted({k for r in rules for k in r.keywords})
    pieces = keywords + [k.upper() for k in keywords] + ["x", " ", "=", "\u0130", "\u00df", "\t", "\u00e9", "k", "s", "t", "\x85"]
    rng = random.Random("plan")
    for _ in range(400):
        lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(1, 8))]
        text = rng.choice(["\n", "\r\n", "\n", "\u2028"]).join(lines)
        want = [i for i, line in enumerate(text.splitlines()) if any(r.wants(line.lower()) for r in rules)]
        assert [i for i, _ in scanner._keyword_lines(text, text.lower(), plan)] == want, repr(text)
        for line in text.splitlines():
            assert plan.rules_for(line.lower()) == [i for i, r in enumerate(rules) if r.wants(line.lower())], repr(line)


@pytest.mark.parametrize(
    ("host", "found"),
    [("example.test", False), ("api.example.com", False), ("svc.example", False), ("db.invalid", False),
     ("db.internal.acme.io", True), ("example.com.attacker.io", True)],
)  # fmt: skip
def test_urls_to_hosts_reserved_for_documentation_are_not_findings(host: str, found: bool) -> None:
    password = tok(14, ALNUM, seed="reserved-host")
    for scheme in ("https", "postgresql"):
        hits = scan_text(f'url = "{scheme}://svc:{password}@{host}/v1"')
        assert bool(hits) is found, (scheme, host)


@pytest.mark.parametrize(
    "line",
    [
        "options.genaiehAuthClientSecret = config.genaieh?.clientSecret;",  # optional chaining
        "clientSecret: env.SLACK_CLIENT_SECRET!,",  # TypeScript non-null assertion
        "const secretKey = `lf-whsec_${rawSecret}`;",  # a template literal built at run time
        "hashedSecretKey: `test-hashed-secret-key-${v4()}`,",
        "  -c credential.https://github.com.helper= \\",  # git's credential helper option
        'secret_access_key = "s3-secret-command-sentinel"',  # a value that names itself
        'redactUrlCredentials("http://exporter:hunter2@169.254.169.254/"),',  # the proverbial example
        '"https://user:malformed-secret@[invalid",',  # not a host: a parser's test input
    ],
)
def test_real_world_code_that_is_not_a_secret(line: str) -> None:
    """Lines found in public agent repositories (openai-agents-python, langfuse, aws-genai-llm-chatbot)."""
    assert scan_text(line) == []


def test_a_password_in_a_url_to_an_ipv6_host_is_found() -> None:
    password = tok(14, ALNUM, seed="ipv6-host")
    assert [h.rule_id for h in scan_text(f'url = "https://svc:{password}@[2001:db8::1]/v1"')] == ["url-basic-auth"]


def test_builtin_rules_compile_on_first_use_and_a_broken_user_rule_fails_at_load() -> None:
    # A fresh interpreter: this process's other tests have compiled the shared built-in rules.
    probe = (
        "import json, sys\n"
        "from readycheck.secrets import scanner\n"
        "rules = scanner.load_rules()\n"
        "before = sum(r._pattern is not None for r in rules)\n"
        "found = [f.rule_id for f in scanner.scan_text(sys.argv[1])]\n"
        "after = sorted(r.id for r in rules if r._pattern is not None)\n"
        "print(json.dumps([len(rules), before, found, after]))\n"
    )
    line = f'GITHUB_TOKEN = "{github_token("gh" + "p_", "lazy")}"\n'
    out = subprocess.run([sys.executable, "-c", probe, line], capture_output=True, text=True, check=True).stdout
    total, before, found, compiled = json.loads(out)
    assert before == 0 and found == ["github-personal-access-token"]
    assert "github-personal-access-token" in compiled and len(compiled) < total // 2  # the rules its keywords chose
    # A rule given by a user is still compiled and checked when loaded, not when first used.
    with pytest.raises(ValueError, match="invalid regex"):
        load_rules([{"id": "acme", "provider": "Acme", "description": "d", "confidence": "high", "regex": "acme_(["}])
