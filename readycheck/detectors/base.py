"""What a detector receives and returns.

A detector is a plain function `(ctx: Context) -> Outcome`. It reads the workspace through
`ctx.index` (never the filesystem), its parameters through `ctx.params`, and the audit policy
through `ctx.policy`, the cloud account's facts through `ctx.cloud` (a snapshot, never AWS itself);
it returns a status, a message and the evidence it stands on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Protocol

from readycheck.model import Evidence, Outcome, Status

if TYPE_CHECKING:
    from readycheck.cloud import CloudSnapshot
    from readycheck.config import Policy
    from readycheck.index import RepoIndex, SourceFile
    from readycheck.model import CheckSpec
    from readycheck.suppress import Suppressions

__all__ = ["Context", "Detector", "evidence_at", "outcome", "plural"]


@dataclass(frozen=True, slots=True)
class Context:
    index: RepoIndex
    params: Mapping[str, Any]
    policy: Policy
    spec: CheckSpec
    suppressions: Suppressions | None = field(default=None)
    cloud: CloudSnapshot | None = field(default=None)  # the cloud snapshot, when the audit has one

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def triage(
        self, findings: Iterable[Evidence], line_of: Callable[[Evidence], str | None] | None = None
    ) -> tuple[list[Evidence], list[Evidence]]:
        """Split findings (evidence with a fingerprint) into those that count and those suppressed
        inline or by the baseline, which keep their reason and stay in the report. ``line_of``
        gives a finding's line text when it is not in the audited files (an old commit's line)."""
        if self.suppressions is None:
            return list(findings), []
        return self.suppressions.triage(self.spec, findings, line_of)


class Detector(Protocol):
    def __call__(self, ctx: Context) -> Outcome: ...


def evidence_at(f: SourceFile, line: int | None, note: str | None = None) -> Evidence:
    """Evidence pointing at one line of a file, with that line as the snippet."""
    return Evidence(f.path, line, f.snippet(line) if line else None, note)


def outcome(status: Status, message: str, evidence: Iterable[Evidence] = ()) -> Outcome:
    return Outcome(status, message, tuple(evidence))


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
