"""Value objects shared by every stage: statuses, severities, check specs, results, the report."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping


class Status(str, enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


class Severity(str, enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 0,
    Severity.HIGH: 1,
    Severity.MEDIUM: 2,
    Severity.LOW: 3,
    Severity.INFO: 4,
}


class Answer(str, enum.Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Verdict(str, enum.Enum):
    GO = "GO"
    NO_GO = "NO-GO"


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    slug: str
    title: str
    phase: str


PHASES: tuple[tuple[str, str], ...] = (
    ("pre-flight", "Phase 1: Pre-flight"),
    ("reliability", "Phase 2: Reliability"),
    ("security", "Phase 3: Security"),
    ("operations", "Phase 4: Operations"),
    ("go-no-go", "The Go/No-Go decision"),
)

ITEMS: tuple[Item, ...] = (
    Item(1, "rate-limits", "Rate limiting and cost controls", "pre-flight"),
    Item(2, "credentials", "Credential rotation", "pre-flight"),
    Item(3, "observability", "Observability", "pre-flight"),
    Item(4, "degradation", "Graceful degradation", "reliability"),
    Item(5, "idempotency", "Idempotency", "reliability"),
    Item(6, "retries", "Retry logic", "reliability"),
    Item(7, "input-validation", "Input validation", "security"),
    Item(8, "output-filtering", "Output filtering", "security"),
    Item(9, "permissions", "Permission boundaries", "security"),
    Item(10, "runbook", "Runbook", "operations"),
    Item(11, "load-testing", "Load testing", "operations"),
    Item(12, "rollback", "Rollback procedures", "operations"),
    Item(13, "deploy-awareness", "Deploy awareness", "go-no-go"),
)
ITEMS_BY_NUMBER: Mapping[int, Item] = {i.number: i for i in ITEMS}
ITEMS_BY_SLUG: Mapping[str, Item] = {i.slug: i for i in ITEMS}


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str


QUESTIONS: tuple[Question, ...] = (
    Question("see-now", "Can I see what the agent is doing right now?"),
    Question("provider-outage", "Will the agent survive a provider outage?"),
    Question("spend-limit", "Is there a hard limit on spend?"),
    Question("rollback-5min", "Can I roll back in 5 minutes?"),
    Question("deploy-awareness", "Does someone know this is deploying?"),
)
QUESTION_IDS: tuple[str, ...] = tuple(q.id for q in QUESTIONS)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A concrete place in the target that a result stands on."""

    path: str
    line: int | None = None
    snippet: str | None = None
    note: str | None = None
    # A finding a team may suppress or baseline: a stable key without line numbers (for a secret,
    # the fingerprint of its value), the sub-rule that found it, and why it is suppressed if it is.
    fingerprint: str | None = None
    rule: str | None = None
    suppressed: str | None = None

    def fingerprinted(self, fingerprint: str) -> Evidence:
        """This evidence with ``fingerprint``: ``dataclasses.replace``'s answer at half its cost
        (the engine gives one to every finding of a failed or warned result)."""
        return Evidence(self.path, self.line, self.snippet, self.note, fingerprint, self.rule, self.suppressed)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "line": self.line}
        for name in ("snippet", "note", "rule", "fingerprint", "suppressed"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a detector concludes; the engine attaches the check's metadata to make a Result."""

    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckDocs:
    what: str
    why: str
    fix: str
    example: str
    options: str | None = None
    limits: str | None = None


@dataclass(frozen=True, slots=True)
class CheckSpec:
    id: str
    slug: str
    title: str
    item: int
    questions: tuple[str, ...]
    severity: Severity
    confidence: str
    blocking: bool
    tags: tuple[str, ...]
    detector: str
    params: Mapping[str, Any]
    applies_to: tuple[str, ...]
    docs: CheckDocs
    remediation: str
    source: str  # where the spec came from: "builtin", a distribution name, or a folder
    status: str = "active"
    # "file": judges files one by one, so it can run on a subset (the staged files);
    # "repo": judges the repository as a whole (a runbook exists, every call is capped...).
    scope: str = "repo"
    # The entries of external standards this check serves, by framework:
    # {"owasp-llm": ("LLM10",), "aws-genai-lens": ("GENCOST03",)} (see STANDARDS).
    standards: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def item_info(self) -> Item:
        return ITEMS_BY_NUMBER[self.item]

    @property
    def item_slug(self) -> str:
        return self.item_info.slug

    @property
    def phase(self) -> str:
        return self.item_info.phase


@dataclass(frozen=True, slots=True)
class Result:
    spec: CheckSpec
    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()
    severity: Severity | None = None  # effective severity after config overrides
    blocking: bool | None = None  # effective blocking after config overrides
    duration_ms: float = 0.0
    # Why this result does not count towards the verdict although it failed or warned (an inline
    # comment, a config ignore entry with its reason, the baseline, --diff): None when it counts.
    suppressed: str | None = None

    @property
    def effective_severity(self) -> Severity:
        return self.severity if self.severity is not None else self.spec.severity

    @property
    def effective_blocking(self) -> bool:
        return self.blocking if self.blocking is not None else self.spec.blocking

    def to_dict(self) -> dict[str, Any]:
        s = self.spec
        return {
            "id": s.id,
            "slug": s.slug,
            "title": s.title,
            "item": s.item,
            "item_slug": s.item_slug,
            "phase": s.phase,
            "severity": self.effective_severity.value,
            "blocking": self.effective_blocking,
            "questions": list(s.questions),
            "status": self.status.value,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            "remediation": s.remediation,
            **({"suppressed": self.suppressed} if self.suppressed is not None else {}),
            **({"standards": {k: list(v) for k, v in s.standards.items()}} if s.standards else {}),
        }


@dataclass(frozen=True, slots=True)
class QuestionAnswer:
    question: Question
    answer: Answer
    checks: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.question.id,
            "question": self.question.text,
            "answer": self.answer.value,
            "checks": list(self.checks),
            "reason": self.reason,
        }


SKIPPED_LISTED = 1000  # skipped files named one by one in the JSON report (the count is always whole)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file the index passed over, and why (binary, too large, outside the root...)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Report:
    tool_version: str
    target_path: str
    git: Mapping[str, Any] | None
    started_at: str
    duration_ms: int
    verdict: Verdict
    verdict_reason: str
    questions: tuple[QuestionAnswer, ...]
    results: tuple[Result, ...]
    files_scanned: int
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    mode: str = "full"  # "full": the working tree; "staged": the files staged in the git index
    cloud: Mapping[str, Any] | None = None  # the cloud snapshot the audit read: account, regions, services
    suppressed_count: int = 0  # findings that do not count (inline, config, baseline, --diff)
    suppressed_results: int = 0  # results with at least one such finding
    profile: str | None = None  # the environment profile of the configuration in use
    diff: Mapping[str, Any] | None = None  # --diff: {"ref": REF, "base": commit, "files": changed files}

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for r in self.results:
            counts[r.status.value] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        skipped_reasons: dict[str, int] = {}
        for s in self.skipped:
            skipped_reasons[s.reason] = skipped_reasons.get(s.reason, 0) + 1
        return {
            "schema_version": "1",
            "tool": {"name": "readycheck", "version": self.tool_version},
            "target": {"path": self.target_path, "git": dict(self.git) if self.git else None},
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "mode": self.mode,
            "verdict": self.verdict.value,
            "verdict_reason": self.verdict_reason,
            "questions": [q.to_dict() for q in self.questions],
            "results": [r.to_dict() for r in self.results],
            "summary": self.summary(),
            "files": {
                "scanned": self.files_scanned,
                "skipped": len(self.skipped),
                "skipped_by_reason": dict(sorted(skipped_reasons.items())),
                "skipped_files": [{"path": s.path, "reason": s.reason} for s in self.skipped[:SKIPPED_LISTED]],
            },
            "notes": list(self.notes),
            "cloud": dict(self.cloud) if self.cloud is not None else None,
            "suppressed": {"findings": self.suppressed_count, "results": self.suppressed_results},
            "profile": self.profile,
            "diff": dict(self.diff) if self.diff is not None else None,
        }
