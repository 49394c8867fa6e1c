"""Item 2, credentials: secrets anywhere in git history, found with the working-tree rules.

A key deleted in a later commit is still in every clone: it must be revoked all the same. The scan
reads the lines each commit added (oldest first), reports each secret once, at the commit that
first added it, and says whether HEAD still holds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Sequence

from readycheck.detectors.base import Context, outcome, plural
from readycheck.model import Evidence, Outcome, Status

if TYPE_CHECKING:
    from readycheck.index.history import AddedLines
    from readycheck.secrets import SecretFinding, SecretRule

__all__ = ["secrets_in_history", "secret_rules_for", "confidence_counts", "rules_digest", "NOT_SCANNED"]

CONFIDENCE_ORDER = {"high": 0, "medium": 1, "low": 2}
# Files whose content is generated or packed: lock files, minified bundles, source maps.
NOT_SCANNED = re.compile(
    r"(^|/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|Pipfile\.lock|uv\.lock"
    r"|Cargo\.lock|go\.sum|composer\.lock|Gemfile\.lock)$|\.min\.(js|css)$|\.map$"
)
_BINARY = re.compile(r"\.(png|jpe?g|gif|bmp|ico|webp|pdf|zip|gz|tgz|bz2|xz|7z|jar|whl|so|dylib|dll|exe|pyc|woff2?|ttf|mp[34]|mov|sqlite|db|parquet|pkl|pt|onnx|h5)$", re.I)


def secret_rules_for(ctx: Context) -> Sequence[SecretRule]:
    """The built-in rules, the team's `secret_rules` from the config, and the check's own
    `extra_rules` parameter."""
    from readycheck.secrets import load_rules

    extra = list(ctx.policy.secret_rules) + list(ctx.param("extra_rules", ()) or ())
    return load_rules(extra)


def confidence_counts(ctx: Context, confidence: str) -> bool:
    """Does a finding of this confidence fail the check (rather than warn)?"""
    wanted = CONFIDENCE_ORDER.get(str(ctx.param("min_confidence", "medium")), 1)
    return CONFIDENCE_ORDER.get(confidence, 2) <= wanted


@dataclass(frozen=True, slots=True)
class _FirstSeen:
    commit: str
    timestamp: int
    path: str
    line: int
    text: str
    finding: SecretFinding


def secrets_in_history(ctx: Context) -> Outcome:
    if not ctx.policy.history:
        return outcome(Status.SKIP, "git history not scanned: run with --history to scan every commit reachable from HEAD")
    from readycheck.secrets import scan_text

    rules = secret_rules_for(ctx)
    salt = rules_digest(rules)
    max_commits = ctx.param("max_commits")
    first: dict[str, _FirstSeen] = {}
    commits: set[str] = set()
    batch: list[AddedLines] = []

    def scan(chunk: AddedLines) -> list[SecretFinding]:
        return scan_text(chunk.text, rules=rules, path=chunk.path)

    def judge_batch() -> None:
        # The lines a commit added never change: their scan is cached like a file's (by path,
        # lines, rules and code), so a second --history run scans only the new commits.
        for chunk, found in zip(batch, ctx.index.map_keyed("secrets.history", batch, _chunk_identity, scan, salt=salt)):
            hits = [h for h in found if h.fingerprint not in first]
            if not hits:
                continue
            lines = chunk.text.split("\n")
            for hit in hits:
                if hit.fingerprint not in first and hit.line <= len(lines):
                    number = chunk.numbers[hit.line - 1]
                    first[hit.fingerprint] = _FirstSeen(chunk.commit, chunk.timestamp, chunk.path, number, lines[hit.line - 1], hit)
        batch.clear()

    try:
        for chunk in ctx.index.history(max_commits=int(max_commits) if max_commits else None):
            commits.add(chunk.commit)
            if NOT_SCANNED.search(chunk.path) or _BINARY.search(chunk.path):
                continue
            batch.append(chunk)  # oldest first, and judged in that order: the first commit that added a value wins
            if len(batch) >= _BATCH:
                judge_batch()
        judge_batch()
    except LookupError as exc:
        return outcome(Status.SKIP, f"git history not scanned: {exc}")
    if not first:
        return outcome(
            Status.PASS,
            f"no secret in the history of {plural(len(commits), 'commit')} with changes",
            [Evidence(".", None, None, f"{plural(len(commits), 'commit')} reachable from HEAD scanned")],
        )
    in_head = _fingerprints_in_head(ctx, {seen.path for seen in first.values()}, rules)
    return _judge(ctx, list(first.values()), in_head, rules)


_BATCH = 2000  # added-line chunks looked up in the cache at once


def _chunk_identity(chunk: AddedLines) -> tuple[str, str]:
    return chunk.path, chunk.text


def rules_digest(rules: Sequence[SecretRule]) -> str:
    """What identifies a rule set for cached scan results: every rule's definition."""
    import hashlib

    return hashlib.blake2b("\0".join(map(repr, rules)).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _fingerprints_in_head(ctx: Context, paths: set[str], rules: Sequence[SecretRule]) -> set[str]:
    from readycheck.secrets import scan_text

    found: set[str] = set()
    for path in sorted(paths):
        text = ctx.index.head_text(path)
        if text is not None:
            found.update(hit.fingerprint for hit in scan_text(text, rules=rules, path=path))
    return found


def _judge(ctx: Context, seen: list[_FirstSeen], in_head: set[str], rules: Sequence[SecretRule]) -> Outcome:
    from readycheck.secrets import redact_line
    from readycheck.suppress import summarise

    evidence: list[Evidence] = []
    texts: dict[str, str] = {}  # fingerprint -> the line as committed, for inline comments
    confidence: dict[str, str] = {}
    for s in sorted(seen, key=lambda s: (s.timestamp, s.path, s.line)):
        hit = s.finding
        date = datetime.fromtimestamp(s.timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
        where = "still in HEAD" if hit.fingerprint in in_head else "deleted since, but still in history: revoke it"
        note = f"{hit.description} ({hit.redacted}) added in commit {s.commit[:12]} on {date}; {where}"
        snippet = redact_line(s.text, rules).strip()[:160]
        evidence.append(Evidence(s.path, s.line, snippet, note, fingerprint=hit.fingerprint, rule=hit.rule_id))
        texts[hit.fingerprint] = s.text
        confidence[hit.fingerprint] = hit.confidence
    counted, suppressed = ctx.triage(evidence, line_of=lambda e: texts.get(e.fingerprint or ""))
    failing = [e for e in counted if confidence_counts(ctx, confidence[e.fingerprint or ""])]
    tail = summarise(suppressed)
    if failing:
        gone = sum(1 for e in failing if "deleted since" in (e.note or ""))
        detail = f" ({gone} deleted from HEAD but still in every clone)" if gone else ""
        return outcome(
            Status.FAIL,
            f"{plural(len(failing), 'secret')} in git history{detail}: revoke and rotate each, "
            f"then load it from the environment or a secret manager{tail}",
            counted + suppressed,
        )
    if counted:
        return outcome(Status.WARN, f"{plural(len(counted), 'possible secret')} (low confidence) in git history{tail}", counted + suppressed)
    return outcome(Status.PASS, f"every secret found in git history is accepted{tail}", suppressed)
