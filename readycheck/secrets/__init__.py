"""Secret scanning for readycheck: provider-format and high-entropy credential rules over text.

``scan_text`` finds secrets in text and ``scan_file`` in a file by its type (notebooks,
Kubernetes Secrets, Dockerfiles); ``redact`` and ``redact_line`` make any evidence safe to show,
and ``env_assignments`` / ``is_placeholder`` read ``.env`` files. Rules live in ``rules.yaml``,
in the shape of ``schemas/secret-rules.schema.json``.
"""

from __future__ import annotations

from readycheck.secrets.scanner import (
    CONFIDENCES,
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

__all__ = [
    "CONFIDENCES",
    "VALIDATORS",
    "SecretFinding",
    "SecretRule",
    "entropy",
    "env_assignments",
    "fingerprint",
    "is_placeholder",
    "load_rules",
    "redact",
    "redact_line",
    "rule_from_mapping",
    "scan_file",
    "scan_text",
]
