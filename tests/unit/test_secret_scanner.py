"""Unit tests of the static secret scanner (readycheck.secrets).

Every fake credential here is assembled at run time from pieces and seeded random characters, so
this file holds no literal that a secret scanner (readycheck included) would report.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import random
import re
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest

from readycheck.secrets import (
    SecretFinding,
    SecretRule,
    entropy,
    env_assignments,
    fingerprint,
    is_placeholder,
    load_rules,
    redact,
    redact_line,
    scan_text,
)

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
B32 = string.ascii_uppercase + "234567"
UPPER_DIGITS = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
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
    ghp: str = "gh" + "p_" + tok(36, ALNUM, "ghp")
    gho: str = "gh" + "o_" + tok(36, ALNUM, "gho")
    ghu: str = "gh" + "u_" + tok(36, ALNUM, "ghu")
    ghs: str = "gh" + "s_" + tok(36, ALNUM, "ghs")
    ghr: str = "gh" + "r_" + tok(36, ALNUM, "ghr")
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

    @property
    def webhook(self) -> str:
        return "https://hooks.slack" + ".com/services/" + self.webhook_path


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
    assert [(f.rule_id, f.line, f.column) for f in findings] == [("private-key", 3, line.index("-----BEGIN") + 1)]
    safe = redact_line(line)
    assert K.pem_body[:40] not in safe and K.pem_body[-40:] not in safe
    assert safe.startswith('  "private_key": "-----BEGIN')


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
    "aws-access-key-id",
    "aws-secret-access-key",
    "openai-api-key",
    "openai-project-key",
    "openai-service-account-key",
    "openai-admin-key",
    "anthropic-api-key",
    "anthropic-admin-key",
    "google-api-key",
    "github-personal-access-token",
    "github-oauth-token",
    "github-app-token",
    "github-refresh-token",
    "github-fine-grained-token",
    "slack-token",
    "slack-webhook-url",
    "stripe-live-secret-key",
    "stripe-restricted-key",
    "huggingface-token",
    "private-key",
    "generic-secret-high-entropy",
    "generic-secret",
}


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


def test_entropy() -> None:
    assert entropy("") == 0.0
    assert entropy("aaaa") == 0.0
    assert entropy("abcd") == pytest.approx(2.0)
    assert entropy(HEX) == pytest.approx(4.0)
    assert entropy(K.generic) > 4.0


# --- the repository's own files -------------------------------------------------------------------


def test_scanner_sources_and_this_file_hold_no_findings() -> None:
    assert scan_text(Path(__file__).read_text(encoding="utf-8"), path=__file__) == []
    package = resources.files("readycheck.secrets")
    for name in ("scanner.py", "rules.yaml", "__init__.py"):
        assert scan_text(package.joinpath(name).read_text(encoding="utf-8"), path=name) == [], name
