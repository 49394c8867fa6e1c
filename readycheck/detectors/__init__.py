"""Built-in detectors, listed in one explicit table: name -> "module:function".

Modules are imported on first use, so a check that is not selected costs nothing. A third-party
pack may add detectors of its own (see registry.py); a name clash is an error.
"""

from __future__ import annotations

__all__ = ["BUILTIN_DETECTORS"]

BUILTIN_DETECTORS: dict[str, str] = {
    # generic detectors: a check written in YAML alone
    "file-exists": "readycheck.detectors.generic:file_exists",
    "pattern": "readycheck.detectors.generic:pattern",
    "config-key": "readycheck.detectors.generic:config_key",
    # item 1: rate limits and cost controls
    "spend-ceiling": "readycheck.detectors.cost:spend_ceiling",
    "llm-token-cap": "readycheck.detectors.cost:llm_token_cap",
    "unbounded-agent-loop": "readycheck.detectors.cost:unbounded_agent_loop",
    "iac-throttling": "readycheck.detectors.iac_limits:iac_throttling",
    "cloud-budget-enforced": "readycheck.detectors.cloud_cost:cloud_budget_enforced",
    "cloud-cost-anomaly-monitor": "readycheck.detectors.cloud_cost:cloud_cost_anomaly_monitor",
    "cloud-throttling-live": "readycheck.detectors.cloud_cost:cloud_throttling_live",
    # item 2: credentials
    "hardcoded-secrets": "readycheck.detectors.credentials:hardcoded_secrets",
    "committed-env-file": "readycheck.detectors.credentials:committed_env_file",
    "secrets-in-history": "readycheck.detectors.secret_history:secrets_in_history",
    "credentials-injected": "readycheck.detectors.credential_hygiene:credentials_injected",
    "secret-rotation": "readycheck.detectors.credential_hygiene:secret_rotation",
    "per-environment-credentials": "readycheck.detectors.credential_hygiene:per_environment_credentials",
    "key-revocation-procedure": "readycheck.detectors.credential_hygiene:key_revocation_procedure",
    "cloud-access-key-age": "readycheck.detectors.cloud_credentials:cloud_access_key_age",
    "cloud-secret-rotation-live": "readycheck.detectors.cloud_credentials:cloud_secret_rotation_live",
    # item 3: observability
    "observability-stack": "readycheck.detectors.observability:observability_stack",
    "iac-alerting": "readycheck.detectors.iac_alerting:iac_alerting",
    "cloud-alarms-live": "readycheck.detectors.cloud_ops:cloud_alarms_live",
    "cloud-log-retention": "readycheck.detectors.cloud_ops:cloud_log_retention",
    # item 4: graceful degradation
    "provider-fallback": "readycheck.detectors.degradation:provider_fallback",
    "client-timeouts": "readycheck.detectors.degradation:client_timeouts",
    "tool-failure-isolation": "readycheck.detectors.tools:tool_failure_isolation",
    # item 5: idempotency
    "idempotency-keys": "readycheck.detectors.idempotency:idempotency_keys",
    # item 6: retries
    "retry-policy": "readycheck.detectors.retries:retry_policy",
    # items 7-9: security
    "library-evidence": "readycheck.detectors.libraries:library_evidence",
    "iam-wildcards": "readycheck.detectors.permissions:iam_wildcards",
    "unsafe-tool-execution": "readycheck.detectors.code_permissions:unsafe_tool_execution",
    "container-privileges": "readycheck.detectors.containers:container_privileges",
    "audit-trail": "readycheck.detectors.containers:audit_trail",
    "iam-role-limits": "readycheck.detectors.containers:iam_role_limits",
    "cloud-iam-least-privilege": "readycheck.detectors.cloud_iam:cloud_iam_least_privilege",
    "cloud-audit-trail": "readycheck.detectors.cloud_iam:cloud_audit_trail",
    "cloud-bedrock-guardrails": "readycheck.detectors.cloud_guardrails:cloud_bedrock_guardrails",
    # items 10-13: operations
    "runbook-quality": "readycheck.detectors.runbook:runbook_quality",
    "load-testing": "readycheck.detectors.loadtest:load_testing",
    "rollback-readiness": "readycheck.detectors.operations:rollback_readiness",
    "deploy-awareness": "readycheck.detectors.operations:deploy_awareness",
    "irreversible-migration": "readycheck.detectors.rollback:irreversible_migration",
    "rollback-procedure-time": "readycheck.detectors.rollback:rollback_procedure_time",
    "feature-flags": "readycheck.detectors.rollback:feature_flags",
    "cloud-rollback-targets": "readycheck.detectors.cloud_ops:cloud_rollback_targets",
}
