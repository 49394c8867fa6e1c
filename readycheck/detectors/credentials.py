"""Item 2, credentials: keys committed to the repository, and committed .env files with values."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from readycheck.detectors.base import Context, outcome, plural
from readycheck.model import Evidence, Outcome, Status

if TYPE_CHECKING:
    from readycheck.secrets import SecretRule

__all__ = ["hardcoded_secrets", "committed_env_file"]

_EXAMPLE_ENV = re.compile(r"(^|[./_-])(example|sample|template|dist|defaults?|tpl|schema)$", re.I)
_SECRET_NAME = re.compile(r"(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|CREDENTIAL|AUTH|PRIVATE|DSN|DATABASE_URL|CONN(ECTION)?_STR)", re.I)
# Text kinds worth scanning; lock files and minified bundles are noise.
_SKIP = re.compile(r"(^|/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|Pipfile\.lock|uv\.lock|Cargo\.lock|go\.sum)$|\.min\.(js|css)$|\.map$")


def hardcoded_secrets(ctx: Context) -> Outcome:
    from readycheck.secrets import load_rules, scan_text

    rules = load_rules(ctx.param("extra_rules", ()))
    min_conf = ctx.param("min_confidence", "medium")
    order = {"high": 0, "medium": 1, "low": 2}
    ignore = ctx.param("ignore_paths", ())
    ignored = ctx.index.glob(ignore) if ignore else []
    skip_paths = {f.path for f in ignored}
    found: list[Evidence] = []
    weak: list[Evidence] = []
    for f in ctx.index.files:
        if f.path in skip_paths or _SKIP.search(f.path):
            continue
        for hit in scan_text(f.text, rules=rules, path=f.path):
            ev = Evidence(f.path, hit.line, _redacted_line(f.line(hit.line), rules), f"{hit.description} ({hit.redacted})")
            if order.get(hit.confidence, 2) <= order.get(min_conf, 1):
                found.append(ev)
            else:
                weak.append(ev)
    if found:
        return outcome(Status.FAIL, f"{plural(len(found), 'secret')} committed to the repository", found + weak)
    if weak:
        return outcome(Status.WARN, f"{plural(len(weak), 'possible secret')} (low confidence) in the repository", weak)
    scanned = len(ctx.index.files) - len(skip_paths)
    evidence = _injection_evidence(ctx) or [Evidence(".", None, None, f"{plural(scanned, 'file')} scanned, no secret found")]
    return outcome(Status.PASS, f"no secrets found in {plural(scanned, 'file')}", evidence)


def _redacted_line(line: str, rules: Sequence[SecretRule]) -> str:
    """The line with every secret the check's rules find redacted: the engine's own pass over
    evidence knows only the built-in rules, not a team's `extra_rules`."""
    from readycheck.secrets import redact_line

    text = redact_line(line, rules).strip()
    return text if len(text) <= 160 else text[:159] + "…"


def _injection_evidence(ctx: Context) -> list[Evidence]:
    """Where credentials come from instead: environment reads and secret-manager calls."""
    out: list[Evidence] = []
    for f in ctx.index.by_kind("python"):
        facts = f.python
        if facts is None:
            continue
        for call in facts.calls:
            q = call.qualname.replace("()", "")
            if q in ("os.getenv", "os.environ.get") or q.endswith("get_secret_value") or q.startswith(("hvac.", "google.cloud.secretmanager")):
                arg = call.args[0] if call.args else None
                if isinstance(arg, str) and not _SECRET_NAME.search(arg) and not q.endswith("get_secret_value"):
                    continue
                out.append(Evidence(f.path, call.line, f.snippet(call.line), "credential injected at run time"))
                if len(out) >= 5:
                    return out
    return out


def committed_env_file(ctx: Context) -> Outcome:
    from readycheck.secrets import env_assignments, is_placeholder, redact

    bad: list[Evidence] = []
    clean_files: list[Evidence] = []
    for f in ctx.index.by_kind("env"):
        if _EXAMPLE_ENV.search(f.name):
            continue
        real = [(line, key, value) for line, key, value in env_assignments(f.text) if value and not is_placeholder(value)]
        secrets = [(line, key, value) for line, key, value in real if _SECRET_NAME.search(key)]
        for line, key, value in secrets:
            bad.append(Evidence(f.path, line, f"{key}={redact(value)}", f"{key} holds a value"))
        if not secrets:
            clean_files.append(Evidence(f.path, None, None, "environment file without credentials"))
    if bad:
        files = sorted({e.path for e in bad})
        return outcome(
            Status.FAIL,
            f"{plural(len(files), 'environment file')} with credential values committed ({', '.join(files)})",
            bad,
        )
    if clean_files:
        return outcome(Status.PASS, "environment files hold no credentials", clean_files)
    return outcome(Status.SKIP, "no environment files (.env) in the repository")
