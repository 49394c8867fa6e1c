"""Item 2, credentials: keys committed to the repository, and committed .env files with values."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from readycheck.detectors.base import Context, outcome, plural
from readycheck.detectors.project import is_test_path
from readycheck.model import Evidence, Outcome, Status

if TYPE_CHECKING:
    from readycheck.secrets import SecretFinding, SecretRule

__all__ = ["hardcoded_secrets", "committed_env_file"]

_EXAMPLE_ENV = re.compile(r"(^|[./_-])(example|sample|template|dist|defaults?|tpl|schema)$", re.I)
_SECRET_NAME = re.compile(r"(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|CREDENTIAL|AUTH|PRIVATE|DSN|DATABASE_URL|CONN(ECTION)?_STR)", re.I)


def hardcoded_secrets(ctx: Context) -> Outcome:
    from readycheck.detectors.secret_history import NOT_SCANNED, confidence_counts, rules_digest, secret_rules_for
    from readycheck.suppress import summarise

    rules = secret_rules_for(ctx)
    ignore = ctx.param("ignore_paths", ())
    skip_paths = {f.path for f in ctx.index.glob(ignore)} if ignore else set()
    files = [f for f in ctx.index.files if f.path not in skip_paths and not NOT_SCANNED.search(f.path)]
    if not files:
        return outcome(Status.SKIP, "no files to scan")
    findings: list[Evidence] = []
    strong: set[int] = set()
    # The scan of each file is its own: an unchanged file's findings come from the cache.
    scanned = ctx.index.map_files("secrets.scan", files, lambda f: _scan(f.path, f.text, rules), salt=rules_digest(rules))
    for f, hits in zip(files, scanned):
        in_tests = is_test_path(f.path)
        for hit in hits:
            if in_tests and hit.confidence == "low":
                continue  # a test's made-up value on a secret-like name: noise, not a leak
            note = f"{hit.description} ({hit.redacted})"
            ev = Evidence(f.path, hit.line, _redacted_line(f.line(hit.line), rules), note, fingerprint=hit.fingerprint, rule=hit.rule_id)
            if confidence_counts(ctx, hit.confidence):
                strong.add(len(findings))
            findings.append(ev)
    failing = [e for i, e in enumerate(findings) if i in strong]
    failing_counted, failing_suppressed = ctx.triage(failing)
    weak_counted, weak_suppressed = ctx.triage(e for i, e in enumerate(findings) if i not in strong)
    suppressed = failing_suppressed + weak_suppressed
    tail = summarise(suppressed)
    if failing_counted:
        return outcome(
            Status.FAIL,
            f"{plural(len(failing_counted), 'secret')} committed to the repository: revoke and rotate each, "
            f"then load it from the environment or a secret manager{tail}",
            failing_counted + weak_counted + suppressed,
        )
    if weak_counted:
        return outcome(Status.WARN, f"{plural(len(weak_counted), 'possible secret')} (low confidence) in the repository{tail}", weak_counted + suppressed)
    # A pre-commit run judges the staged files alone: where credentials come from instead is a
    # whole-repository fact (and the costliest part of this check), left to the full audit.
    injected = [] if ctx.policy.staged else _injection_evidence(ctx)
    evidence = suppressed or injected or [Evidence(".", None, None, f"{plural(len(files), 'file')} scanned, no secret found")]
    return outcome(Status.PASS, f"no secrets found in {plural(len(files), 'file')}{tail}", evidence)


def _scan(path: str, text: str, rules: Sequence[SecretRule]) -> list[SecretFinding]:
    from readycheck import secrets

    scan = getattr(secrets, "scan_file", None)
    if scan is not None:
        found: list[SecretFinding] = scan(path, text, rules=rules)
        return found
    return secrets.scan_text(text, rules=rules, path=path)


def _redacted_line(line: str, rules: Sequence[SecretRule]) -> str:
    """The line with every secret the check's rules find redacted: the engine's own pass over
    evidence knows only the built-in rules, not a team's `extra_rules`."""
    from readycheck.secrets import redact_line

    text = redact_line(line, rules).strip()
    return text if len(text) <= 160 else text[:159] + "…"


def _injection_evidence(ctx: Context) -> list[Evidence]:
    """Where credentials come from instead: environment reads and secret-manager calls (the
    credential pass RC0204 also uses, computed once per audit)."""
    from readycheck.detectors.credential_hygiene import credential_use

    out: list[Evidence] = []
    for inj in credential_use(ctx.index).injections[:5]:
        f = ctx.index.get(inj.path)
        out.append(Evidence(inj.path, inj.line, f.snippet(inj.line) if f else None, f"credential injected at run time: {inj.note}"))
    return out


def committed_env_file(ctx: Context) -> Outcome:
    from readycheck.secrets import env_assignments, fingerprint, is_placeholder, redact
    from readycheck.suppress import summarise

    findings: list[Evidence] = []
    clean_files: list[Evidence] = []
    for f in ctx.index.by_kind("env"):
        if _EXAMPLE_ENV.search(f.name):
            continue
        real = [(line, key, value) for line, key, value in env_assignments(f.text) if value and not is_placeholder(value)]
        secrets = [(line, key, value) for line, key, value in real if _SECRET_NAME.search(key)]
        for line, key, value in secrets:
            findings.append(Evidence(f.path, line, f"{key}={redact(value)}", f"{key} holds a value", fingerprint=fingerprint(value), rule="env-file-value"))
        if not secrets:
            clean_files.append(Evidence(f.path, None, None, "environment file without credentials"))
    counted, suppressed = ctx.triage(findings)
    if counted:
        files = sorted({e.path for e in counted})
        return outcome(
            Status.FAIL,
            f"{plural(len(files), 'environment file')} with credential values committed ({', '.join(files)}){summarise(suppressed)}",
            counted + suppressed,
        )
    if suppressed or clean_files:
        return outcome(Status.PASS, "environment files hold no credentials" + summarise(suppressed), suppressed + clean_files)
    return outcome(Status.SKIP, "no environment files (.env) in the repository")
