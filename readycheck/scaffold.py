"""Starter files written from what the audit learned about a project: a runbook, a load test, a
rollback procedure. Each fills in the providers, endpoints and deploy tool the index shows, and is
shaped so the matching checks accept it in structure (the placeholders still need real values).
Never overwrites a file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from readycheck.errors import UsageError
from readycheck.index import RepoIndex, build_index

__all__ = ["KINDS", "ProjectFacts", "learn", "scaffold", "render_runbook", "render_rollback", "render_loadtest"]

KINDS = ("runbook", "loadtest", "rollback")

_PROVIDER_NAMES = {
    "openai": "OpenAI", "azure-openai": "Azure OpenAI", "anthropic": "Anthropic", "bedrock": "AWS Bedrock",
    "google": "Google Gemini", "gemini": "Google Gemini", "vertexai": "Vertex AI", "cohere": "Cohere",
    "mistral": "Mistral", "groq": "Groq", "ollama": "Ollama", "litellm": "LiteLLM", "vercel-ai": "Vercel AI SDK",
}
_STATUS_PAGES = {
    "openai": "https://status.openai.com", "anthropic": "https://status.anthropic.com",
    "bedrock": "https://health.aws.amazon.com", "google": "https://status.cloud.google.com",
}
_ROUTE = re.compile(
    r"""@\w+\.(get|post|put|patch|delete|route)\(\s*["'](/[^"']*)["']"""
    r"""|\b(?:app|router|server|fastify)\.(get|post|put|patch|delete|all)\(\s*["'`](/[^"'`]*)["'`]""",
)


@dataclass
class ProjectFacts:
    name: str
    language: str  # python or js
    providers: list[str] = field(default_factory=list)
    endpoints: list[tuple[str, str]] = field(default_factory=list)  # (METHOD, /path)
    deploy: str = "unknown"  # helm, k8s, lambda, compose, unknown
    expected_users: float | None = None
    expected_rps: float | None = None
    stated_at: str | None = None


def learn(index: RepoIndex) -> ProjectFacts:
    """Providers, endpoints, deploy tool and stated load, as the audit sees them."""
    from readycheck.detectors.llm import llm_calls, llm_clients
    from readycheck.detectors.loadtest import stated_load
    from readycheck.detectors.project import is_test_path

    py = len(index.by_kind("python"))
    js = len(index.by_kind("javascript", "typescript"))
    facts = ProjectFacts(name=index.root.name, language="js" if js > py else "python")
    providers: list[str] = []
    for provider in [c.provider for c in llm_clients(index)] + [c.provider for c in llm_calls(index)]:
        if provider not in providers:
            providers.append(provider)
    facts.providers = providers
    for f in index.by_kind("python", "javascript", "typescript"):
        if is_test_path(f.path) or f.size > 500_000:
            continue
        for m in _ROUTE.finditer(f.text):
            method = (m.group(1) or m.group(3) or "get").upper()
            path = m.group(2) or m.group(4) or "/"
            method = "GET" if method in ("ROUTE", "ALL") else method
            if (method, path) not in facts.endpoints:
                facts.endpoints.append((method, path))
    facts.deploy = _deploy_tool(index)
    for s in stated_load(index):
        if s.unit == "users" and facts.expected_users is None:
            facts.expected_users, facts.stated_at = s.value, f"{s.evidence.path}:{s.evidence.line}"
        elif s.unit == "rps" and facts.expected_rps is None:
            facts.expected_rps = s.value
            facts.stated_at = facts.stated_at or f"{s.evidence.path}:{s.evidence.line}"
    return facts


def _deploy_tool(index: RepoIndex) -> str:
    names = {f.name.lower() for f in index.files}
    if "chart.yaml" in names:
        return "helm"
    for f in index.by_kind("yaml"):
        if re.search(r"^kind:\s*(Deployment|StatefulSet)\b", f.text, re.M) and "apiVersion" in f.text:
            return "k8s"
    if {"serverless.yml", "serverless.yaml"} & names or any(
        "AWS::Serverless::Function" in f.text or "AWS::Lambda::Function" in f.text for f in index.by_kind("yaml", "json")
    ) or any("aws_lambda_function" in f.text for f in index.by_kind("terraform")):
        return "lambda"
    if names & {"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"}:
        return "compose"
    return "unknown"


def _providers_text(facts: ProjectFacts) -> str:
    names = [_PROVIDER_NAMES.get(p, p) for p in facts.providers]
    return ", ".join(names) if names else "the LLM provider"


def _main_endpoint(facts: ProjectFacts) -> tuple[str, str]:
    for method, path in facts.endpoints:
        if method == "POST":
            return method, path
    return facts.endpoints[0] if facts.endpoints else ("POST", "/v1/chat")


# --- runbook --------------------------------------------------------------------------------------

_DEPLOY_CMDS = {
    "helm": ("helm history {svc} -n {svc}", "helm rollback {svc} 0 -n {svc} --wait --timeout 5m", "kubectl -n {svc} rollout restart deployment/{svc}", "kubectl -n {svc} logs deploy/{svc} --since=10m"),
    "k8s": ("kubectl -n {svc} rollout history deployment/{svc}", "kubectl -n {svc} rollout undo deployment/{svc}", "kubectl -n {svc} rollout restart deployment/{svc}", "kubectl -n {svc} logs deploy/{svc} --since=10m"),
    "lambda": ("aws lambda list-aliases --function-name {svc}", "aws lambda update-alias --function-name {svc} --name live --function-version <previous version>", "aws lambda update-function-configuration --function-name {svc} --environment file://env.json", "aws logs tail /aws/lambda/{svc} --since 10m"),
    "compose": ("docker compose images", "IMAGE_TAG=<previous tag> docker compose up -d --no-build", "docker compose restart", "docker compose logs --since 10m"),
    "unknown": ("git tag --sort=-creatordate | head", "git checkout <previous tag> && ./deploy.sh", "./deploy.sh --restart", "tail -n 200 <service log>"),
}


def _cmds(facts: ProjectFacts) -> tuple[str, str, str, str]:
    svc = re.sub(r"[^a-z0-9-]+", "-", facts.name.lower()).strip("-") or "agent"
    history, undo, restart, logs = _DEPLOY_CMDS[facts.deploy]
    return history.format(svc=svc), undo.format(svc=svc), restart.format(svc=svc), logs.format(svc=svc)


def render_runbook(facts: ProjectFacts) -> str:
    svc = re.sub(r"[^a-z0-9-]+", "-", facts.name.lower()).strip("-") or "agent"
    providers = _providers_text(facts)
    history, undo, restart, logs = _cmds(facts)
    status = [f"{_PROVIDER_NAMES.get(p, p)}: {_STATUS_PAGES[p]}" for p in facts.providers if p in _STATUS_PAGES]
    method, path = _main_endpoint(facts)
    lines = [
        f"# {facts.name} runbook",
        "",
        f"Service: `{svc}` ({method} `{path}`). Deployed with: {facts.deploy}. LLM providers: {providers}.",
        "Replace every `<...>` placeholder before the first on-call shift.",
        "",
        "## Failure modes",
        "",
        "### Provider outage",
        "",
        f"**Symptoms:** {providers} returns 5xx or times out; error rate on `{path}` rises.",
        "**What to do:** check the provider status page"
        + (" (" + "; ".join(status) + ")" if status else "")
        + "; switch to the fallback provider if one is configured (see Recovery procedures).",
        "",
        "### Rate limits (429)",
        "",
        "**Symptoms:** 429 / `RateLimitError` in the logs; latency climbs as retries back off.",
        "**What to do:** check the usage tier on the provider dashboard; lower concurrency or shed load.",
        "",
        "### Runaway cost",
        "",
        "**Symptoms:** the spend alert fires; token usage per conversation jumps.",
        "**What to do:** find the conversations with the highest token usage; block abuse at the gateway;"
        " if a deploy caused a loop, roll back.",
        "",
        "### Bad deploy",
        "",
        "**Symptoms:** errors or latency rise right after a release.",
        "**What to do:** roll back first, investigate second (see Recovery procedures and docs/ROLLBACK.md).",
        "",
        "### Leaked key",
        "",
        "**Symptoms:** a secret-scanning alert, a provider abuse e-mail, or spend with no matching traffic.",
        "**What to do:** revoke the key at the provider immediately, then rotate the secret (see Recovery procedures).",
        "",
        "## Escalation",
        "",
        "| Level | Who | How | When |",
        "|-------|-----|-----|------|",
        f"| 1 | {facts.name} on-call (primary) | PagerDuty service `<{svc}>` (weekly on-call rotation) | any paging alert; acknowledge within 15 min |",
        "| 2 | on-call (secondary) | PagerDuty escalation after 15 min | primary unreachable, incident > 30 min |",
        "| 3 | engineering manager | phone number in the PagerDuty profile | customer-visible outage > 1 h, leaked key |",
        "",
        f"Coordinate in Slack `#{svc}-oncall`; post a status line every 30 minutes while an incident is open.",
        "",
        "## Recovery procedures",
        "",
        "### Roll back a release",
        "",
        f"1. Find the previous version: `{history}`",
        f"2. Roll back: `{undo}`",
        f"3. Watch the logs: `{logs}`",
        f"4. Verify `{path}` answers and the error alert resolves.",
        "",
        "### Revoke and rotate a key",
        "",
        "1. Revoke the key in the provider's dashboard.",
        "2. Store the new key in the secret manager: `<secret manager command>`",
        f"3. Restart so the new key is loaded: `{restart}`",
        "",
        "## Post-mortem template",
        "",
        "Copy into `docs/postmortems/YYYY-MM-DD-<slug>.md` within 2 business days. Blameless.",
        "",
        "```markdown",
        "**Title:**",
        "- **Date / duration:**",
        "- **Severity:**",
        "- **Customer impact:**",
        "**Timeline (UTC)**",
        "**Root cause**",
        "**Detection** (which alert fired?)",
        "**Resolution and recovery**",
        "**Action items** (owner, ticket, due date)",
        "```",
        "",
    ]
    return "\n".join(lines)


# --- rollback -------------------------------------------------------------------------------------


def render_rollback(facts: ProjectFacts) -> str:
    svc = re.sub(r"[^a-z0-9-]+", "-", facts.name.lower()).strip("-") or "agent"
    history, undo, _restart, logs = _cmds(facts)
    _method, path = _main_endpoint(facts)
    return "\n".join([
        f"# Rollback: {facts.name}",
        "",
        f"Deployed with: {facts.deploy}. Rollback takes under 5 minutes; if it takes longer, that is an incident of its own.",
        "",
        "## Rollback procedure",
        "",
        f"1. Find the last good version: `{history}`",
        f"2. Roll back to it: `{undo}`",
        f"3. Watch the rollout and the logs: `{logs}`",
        "4. If the release ran a database migration, check it is backward compatible before rolling back;"
        " downgrade it only through a reviewed command (`<migration tool> downgrade -1`).",
        "5. For a single misbehaving feature, turn its feature flag off instead of rolling back.",
        "",
        "## Verify",
        "",
        f"1. `{path}` answers with the previous version (check the version or health endpoint).",
        "2. The error-rate and latency alerts resolve within 10 minutes.",
        "",
        "## Who to tell",
        "",
        f"Post in Slack `#{svc}-deploys` that the release was rolled back and why; page the on-call"
        " engineer (see docs/RUNBOOK.md) if the rollback did not fix it; open a post-mortem.",
        "",
    ])


# --- load test ------------------------------------------------------------------------------------


def _targets(facts: ProjectFacts) -> tuple[float, str, bool]:
    """(expected load, unit, stated?) with a placeholder of 10 users when nothing is stated."""
    if facts.expected_users is not None:
        return facts.expected_users, "users", True
    if facts.expected_rps is not None:
        return facts.expected_rps, "rps", True
    return 10.0, "users", False


def render_loadtest(facts: ProjectFacts) -> tuple[str, str]:
    """(relative path, script): k6 for JS/TS projects, Locust for Python ones."""
    expected, unit, stated = _targets(facts)
    peak = max(int(round(expected * 10)), 1)
    method, path = _main_endpoint(facts)
    origin = f"stated in {facts.stated_at}" if stated else "a placeholder: nothing states it yet, replace it with the real number"
    shown = f"{expected:g} {'concurrent users' if unit == 'users' else 'requests/second'}"
    body = '{"message": "Where is my order?"}'
    if facts.language == "js":
        if unit == "rps":
            scenario = (
                "    peak: {\n"
                "      executor: 'ramping-arrival-rate',\n"
                f"      startRate: 0, timeUnit: '1s', preAllocatedVUs: {peak * 2}, maxVUs: {peak * 10},\n"
                f"      stages: [{{ duration: '5m', target: {peak} }}, {{ duration: '30m', target: {peak} }}, {{ duration: '5m', target: 0 }}],\n"
                "    },\n"
            )
        else:
            scenario = (
                "    peak: {\n"
                "      executor: 'ramping-vus',\n"
                "      startVUs: 0,\n"
                f"      stages: [{{ duration: '5m', target: {peak} }}, {{ duration: '30m', target: {peak} }}, {{ duration: '5m', target: 0 }}],\n"
                "    },\n"
            )
        text = (
            "// Load test at 10x the expected load, held for 30 minutes, then back to 0 to measure recovery.\n"
            f"// Expected load: {shown} ({origin}); peak here: {peak} {unit}.\n"
            "// Run against staging: k6 run -e BASE_URL=https://staging.example.com loadtest/load.js\n"
            "import http from 'k6/http';\n"
            "import { check, sleep } from 'k6';\n\n"
            "const BASE_URL = __ENV.BASE_URL || 'http://localhost:8080';\n\n"
            "export const options = {\n"
            "  scenarios: {\n" + scenario + "  },\n"
            "  thresholds: {\n"
            "    http_req_failed: ['rate<0.02'],\n"
            "    http_req_duration: ['p(95)<10000'],\n"
            "    checks: ['rate>0.98'],\n"
            "  },\n"
            "};\n\n"
            "export default function () {\n"
            f"  const res = http.request('{method}', `${{BASE_URL}}{path}`, JSON.stringify({body}), {{\n"
            "    headers: { 'Content-Type': 'application/json' },\n"
            "    timeout: '60s',\n"
            "  });\n"
            "  check(res, { 'status is 200 or 429': (r) => r.status === 200 || r.status === 429 });\n"
            "  sleep(1);\n"
            "}\n"
        )
        return "loadtest/load.js", text
    wait = "constant_throughput(1)" if unit == "rps" else "between(3, 10)"
    text = (
        '"""Load test at 10x the expected load, held for 30 minutes, then back to 1x to measure recovery.\n\n'
        f"Expected load: {shown} ({origin}); peak here: {peak} users"
        + (" at one request per second each" if unit == "rps" else "")
        + ".\n"
        "Run against staging: locust -f loadtests/locustfile.py --headless --host https://staging.example.com\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        f"from locust import HttpUser, LoadTestShape, {wait.split('(')[0]}, events, task\n\n"
        f"EXPECTED = {max(int(round(expected)), 1)}\n"
        f"PEAK = {peak}\n\n\n"
        "class AgentUser(HttpUser):\n"
        f"    wait_time = {wait}\n\n"
        "    @task\n"
        "    def ask(self) -> None:\n"
        f"        with self.client.request({method!r}, {path!r}, json={body}, timeout=60, catch_response=True) as resp:\n"
        "            if resp.status_code not in (200, 429):\n"
        '                resp.failure(f"HTTP {resp.status_code}")\n\n\n'
        "class TenXSustained(LoadTestShape):\n"
        '    """(end time in seconds, users, spawn rate): ramp to 10x, hold it 30 minutes, back to 1x."""\n\n'
        "    stages = [\n"
        "        (5 * 60, PEAK, max(PEAK // 60, 1)),\n"
        "        (35 * 60, PEAK, max(PEAK // 60, 1)),\n"
        "        (40 * 60, EXPECTED, max(PEAK // 60, 1)),\n"
        "    ]\n\n"
        "    def tick(self) -> tuple[int, float] | None:\n"
        "        run_time = self.get_run_time()\n"
        "        for end, users, rate in self.stages:\n"
        "            if run_time < end:\n"
        "                return users, rate\n"
        "        return None\n\n\n"
        "@events.quitting.add_listener\n"
        "def _pass_criteria(environment, **_kwargs) -> None:  # type: ignore[no-untyped-def]\n"
        '    """Fail the run when more than 2% of requests fail or p95 is above 10 s."""\n'
        "    stats = environment.stats.total\n"
        "    if stats.fail_ratio > 0.02 or stats.get_response_time_percentile(0.95) > 10_000:\n"
        "        environment.process_exit_code = 1\n"
    )
    return "loadtests/locustfile.py", text


def _loadtest_doc(facts: ProjectFacts, script: str) -> str:
    expected, unit, stated = _targets(facts)
    command = (
        f"k6 run -e BASE_URL=https://staging.example.com {script}"
        if script.endswith(".js")
        else f"locust -f {script} --headless --host https://staging.example.com"
    )
    lines = [
        "# Load testing",
        "",
        (f"Expected peak load: {expected:g} {'concurrent users' if unit == 'users' else 'requests/second'}."
         if stated else "Expected peak load: 10 concurrent users (a placeholder: replace with the real number)."),
        f"`{script}` ramps to 10x that, holds it for 30 minutes and drops back to measure recovery.",
        "It fails the run on more than 2% errors or a p95 above 10 s.",
        "",
        "Run it against staging before every significant release (with the LLM providers stubbed, or a",
        "spend limit set, so the test does not burn the budget):",
        "",
        "```sh",
        command,
        "```",
        "",
        "Record what broke first and how long recovery took.",
        "",
    ]
    return "\n".join(lines)


# --- writing --------------------------------------------------------------------------------------


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{path} already exists: scaffold never overwrites a file") from None


def scaffold(kind: str, root: Path, *, index: RepoIndex | None = None) -> list[Path]:
    """Write the starter files for ``kind`` under ``root``; the paths written. Raises UsageError
    (exit 2) when the main file already exists; a companion document that exists is left alone."""
    if kind not in KINDS:
        raise UsageError(f"unknown scaffold '{kind}': choose one of {', '.join(KINDS)}")
    root = root.resolve()
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory")
    idx = index or build_index(root)
    facts = learn(idx)
    plans: list[tuple[str, Callable[[], str], bool]] = []
    if kind == "runbook":
        plans.append(("docs/RUNBOOK.md", lambda: render_runbook(facts), True))
    elif kind == "rollback":
        plans.append(("docs/ROLLBACK.md", lambda: render_rollback(facts), True))
    else:
        rel, text = render_loadtest(facts)
        plans.append((rel, lambda: text, True))
        plans.append(("docs/LOAD_TESTING.md", lambda: _loadtest_doc(facts, rel), False))
    main_rel = plans[0][0]
    if (root / main_rel).exists():
        raise UsageError(f"{root / main_rel} already exists: scaffold never overwrites a file")
    written: list[Path] = []
    for rel, render, required in plans:
        target = root / rel
        if target.exists() and not required:
            continue
        _write_new(target, render())
        written.append(target)
    return written
