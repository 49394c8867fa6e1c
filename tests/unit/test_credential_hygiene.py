"""Credential hygiene (item 2): the shared reading of where credentials come from, the small
parsers the detectors rely on, and the sample projects' results."""

from __future__ import annotations

from pathlib import Path

import pytest

from readycheck.config import Policy
from readycheck.detectors import credential_hygiene as ch
from readycheck.engine import run_check
from readycheck.index import build_index
from readycheck.registry import load_registry

from tests.conftest import SAMPLES

REGISTRY = load_registry(plugins=False)


def audit(root: Path, check_id: str):  # noqa: ANN201 - a Result
    spec = REGISTRY.get(check_id)
    assert spec is not None
    return run_check(spec, REGISTRY.detector(spec.detector), build_index(root, use_git=False), Policy(root=root))


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


# --- names and periods ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("OPENAI_API_KEY", True), ("STRIPE_SECRET_KEY", True), ("SLACK_BOT_TOKEN", True),
        ("DATABASE_URL", True), ("SENTRY_DSN", True), ("POSTGRES_PASSWORD", True),
        ("MAX_TOKENS", False), ("SECRETS_BACKEND", False), ("AWS_ACCESS_KEY_ID", False),
        ("OPENAI_MODEL", False), ("AUTH_URL", False), ("SECRET_NAME", False),
    ],
)
def test_credential_environment_names(name: str, credential: bool) -> None:
    assert ch.cred_env(name) is credential


@pytest.mark.parametrize(
    ("value", "seconds", "days"),
    [
        (30, False, 30.0), ("30", False, 30.0), ("rate(10 days)", False, 10.0), ("rate(4 hours)", False, 4 / 24),
        ("2592000s", False, 30.0), ("720h", False, 30.0), ("1h30m", False, 1.5 / 24), ("P90D", False, 90.0),
        ("P1Y", False, 365.0), (86400, True, 1.0), ("cron(0 16 1,15 * ? *)", False, None), (True, False, None),
    ],
)
def test_periods_read_in_days(value: object, seconds: bool, days: float | None) -> None:
    got = ch._days(value, seconds=seconds)
    assert got == pytest.approx(days) if days is not None else got is None


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("keys are rotated every 90 days", 90), ("we rotate them every month", 30), ("rotated quarterly", 90),
        ("a 30-day rotation", 30), ("rotate every two weeks", 14), ("rotated once a year", 365), ("rotated weekly", 7),
    ],
)
def test_documented_periods(text: str, days: float) -> None:
    m = ch._PERIOD.search(text)
    assert m is not None and ch._period_days(m) == days


@pytest.mark.parametrize(
    ("path", "env"),
    [
        (".env.production.example", "production"), ("deploy/overlays/staging/secret.yaml", "staging"),
        ("chart/values-prod.yaml", "production"), ("config/development.json", "development"),
        ("envs/pre-prod/main.tf", None), ("deploy/k8s/deployment.yaml", None), ("devops/values.yaml", None),
        ("deploy/prod/values-staging.yaml", "staging"),
    ],
)
def test_environment_of_a_config_path(path: str, env: str | None) -> None:
    assert ch._env_of_path(path) == env


# --- RC0204 beyond the fixtures ------------------------------------------------------------------

def test_literal_constants_through_a_package_import_and_a_wrapper_module(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "acme/__init__.py": "",
        "acme/keys.py": 'GROQ_KEY = "gq-acme-7Rm2Kp9Wc4Zb1Fd6Hq3Vn8Lx"\n',
        "acme/llm.py": "from acme import keys\nfrom groq import Groq\n\nclient = Groq(api_key=keys.GROQ_KEY)\n",
    })
    result = audit(root, "RC0204")
    assert result.status.value == "fail"
    assert {(e.path, e.line) for e in result.evidence} == {("acme/llm.py", 4), ("acme/keys.py", 1)}
    assert all("gq-acme-7Rm2" not in (e.snippet or "") for e in result.evidence)


def test_keys_in_notes_and_messages_are_never_shown_in_full(tmp_path: Path) -> None:
    secret = "orgkey-4Wc7Zb1Fd5Hq8Vn2Lx6Rm9Kp3T"
    root = project(tmp_path, {"a.py": f'import cohere\n\nco = cohere.ClientV2(api_key="{secret}")\n'})
    result = audit(root, "RC0204")
    assert result.status.value == "fail"
    text = result.message + " ".join(f"{e.snippet} {e.note}" for e in result.evidence)
    assert secret not in text


def test_project_functions_taking_a_password_are_not_clients(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "auth.py": "def login(user, password):\n    return user, password\n",
        "main.py": 'from auth import login\n\nlogin("ada", password="correct-horse-battery")\n',
    })
    assert audit(root, "RC0204").status.value == "skip"


def test_a_key_for_a_local_model_server_is_no_credential(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "local.py": 'from openai import OpenAI\n\nc = OpenAI(base_url="http://localhost:1234/v1", api_key="lm-studio-dev-key")\n',
    })
    assert audit(root, "RC0204").status.value == "skip"


def test_provider_format_keys_count_even_in_tests(tmp_path: Path) -> None:
    key = "AKIA" + "ZT2MQ7XV4PL7ACME"  # built here so the file itself holds no key
    root = project(tmp_path, {
        "tests/s3_cases.py": f'import boto3\n\ns3 = boto3.client("s3", aws_access_key_id="{key}", aws_secret_access_key="x")\n',
    })
    result = audit(root, "RC0204")
    assert result.status.value == "fail"
    assert [(e.path, e.line) for e in result.evidence] == [("tests/s3_cases.py", 3)]


# --- RC0206 / RC0207 beyond the fixtures --------------------------------------------------------------

def test_a_workflow_that_chooses_its_environment_at_run_time(tmp_path: Path) -> None:
    root = project(tmp_path, {
        ".github/workflows/deploy.yml": (
            "on: workflow_dispatch\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
            "    environment: ${{ inputs.environment }}\n    steps:\n      - run: ./deploy.sh\n"
        ),
        "app.py": "import os\n\nKEY = os.environ['OPENAI_API_KEY']\n",
    })
    result = audit(root, "RC0206")
    assert result.status.value == "pass"
    assert result.evidence[0].path == ".github/workflows/deploy.yml"


def test_revocation_needs_a_step_not_only_a_heading(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "app.py": "import os\n\nKEY = os.getenv('ANTHROPIC_API_KEY')\n",
        "RUNBOOK.md": "# Runbook\n\n## Compromised credentials\n\nSee the security wiki.\n",
    })
    assert audit(root, "RC0207").status.value == "warn"
    (root / "RUNBOOK.md").write_text(
        "# Runbook\n\n## Compromised credentials\n\nSee the security wiki, then disable the key:\n\n"
        "    $ vault lease revoke -prefix aws/creds/agent\n\n```sh\nvault lease revoke -prefix aws/creds/agent\n```\n"
    )
    assert audit(root, "RC0207").status.value == "pass"


# --- the sample projects -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("support-agent-go", {"RC0204": "pass", "RC0205": "pass", "RC0206": "pass", "RC0207": "pass"}),
        ("quickbot-nogo", {"RC0204": "fail", "RC0205": "fail", "RC0206": "warn", "RC0207": "fail"}),
        ("docs-assistant-ts", {"RC0204": "pass", "RC0205": "warn", "RC0206": "warn", "RC0207": "warn"}),
    ],
)
def test_samples(sample: str, expected: dict[str, str]) -> None:
    got = {check: audit(SAMPLES / sample, check).status.value for check in expected}
    assert got == expected


def test_quickbot_literals_are_found_where_they_reach_clients() -> None:
    result = audit(SAMPLES / "quickbot-nogo", "RC0204")
    where = {(e.path, e.line) for e in result.evidence}
    assert {("llm.py", 6), ("llm.py", 8), ("reports.py", 13), ("tools/notify.py", 12), ("config.py", 15)} <= where
