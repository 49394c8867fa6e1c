"""From results to the five go/no-go questions and the verdict. Fails closed.

A failed or warned result whose every finding is suppressed (``Result.suppressed``: an inline
comment, a config entry, the baseline, ``--diff``) blocks nothing and counts like a warning: the
question it feeds is answered "yes, with accepted risks", and a GO that suppressions made possible
says so.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from readycheck.model import QUESTIONS, Answer, QuestionAnswer, Result, Severity, Status, Verdict

__all__ = ["decide", "exit_code_for", "counted", "suppressed_findings"]


def _names(results: Sequence[Result]) -> str:
    return ", ".join(f"{r.spec.id} {r.spec.slug}" for r in results)


def counted(result: Result) -> bool:
    """Whether a result counts towards the verdict: not a failure or warning wholly suppressed."""
    return result.suppressed is None or result.status not in (Status.FAIL, Status.WARN)


def suppressed_findings(result: Result) -> int:
    """How many of a result's findings are suppressed (a suppressed result without evidence: 1)."""
    n = sum(1 for e in result.evidence if e.suppressed is not None)
    return n if n or result.suppressed is None else 1


def _answer(question_id: str, results: Sequence[Result]) -> tuple[Answer, str]:
    feeding = [r for r in results if question_id in r.spec.questions]
    if not feeding:
        return Answer.UNKNOWN, "no selected check answers this question"
    failed = [r for r in feeding if r.status is Status.FAIL and counted(r)]
    if failed:
        return Answer.NO, f"failed: {_names(failed)} ({failed[0].message})"
    errored = [r for r in feeding if r.status is Status.ERROR]
    if errored:
        return Answer.UNKNOWN, f"could not be checked: {_names(errored)} ({errored[0].message})"
    decided = [r for r in feeding if r.status in (Status.PASS, Status.WARN, Status.FAIL)]
    if not decided:
        return Answer.UNKNOWN, f"no evidence either way: {_names(feeding)} skipped"
    accepted = [r for r in decided if not counted(r)]
    warned = [r for r in decided if r.status is Status.WARN and counted(r)]
    parts = []
    if accepted:
        parts.append("with accepted risks: " + ", ".join(f"{r.spec.id} suppressed ({r.suppressed})" for r in accepted))
    if warned:
        parts.append(f"with warnings: {_names(warned)}")
    if parts:
        return Answer.YES, "yes, " + "; ".join(parts)
    return Answer.YES, f"evidence found by {_names(decided)}"


_STAGED = "not judged on staged files: the five questions need a full audit"


def _decide(results: Sequence[Result], staged: bool) -> tuple[Verdict, str, tuple[QuestionAnswer, ...]]:
    answers = []
    for q in QUESTIONS:
        answer, reason = (Answer.UNKNOWN, _STAGED) if staged else _answer(q.id, results)
        feeding = tuple(r.spec.id for r in results if q.id in r.spec.questions)
        answers.append(QuestionAnswer(q, answer, feeding, reason))
    reasons = []
    not_yes = [a for a in answers if a.answer is not Answer.YES]
    if not_yes and not staged:
        reasons.append("; ".join(f"{a.question.id}: {a.answer.value}" for a in not_yes))
    blocking_failed = [r for r in results if r.effective_blocking and r.status is Status.FAIL and counted(r)]
    if blocking_failed:
        reasons.append(f"blocking check(s) failed: {', '.join(r.spec.id for r in blocking_failed)}")
    blocking_errored = [r for r in results if r.effective_blocking and r.status is Status.ERROR]
    if blocking_errored:
        reasons.append(f"blocking check(s) could not run: {', '.join(r.spec.id for r in blocking_errored)}")
    if reasons:
        return Verdict.NO_GO, " | ".join(reasons), tuple(answers)
    if staged:
        return Verdict.GO, "no blocking finding in the staged files", tuple(answers)
    return Verdict.GO, "every question is answered yes and no blocking check failed", tuple(answers)


def _unsuppressed(result: Result) -> Result:
    """The result as it would be without any suppression. A secret check whose every finding was
    suppressed by its own triage passed: without the suppressions it would have failed."""
    if result.suppressed is not None:
        return dataclasses.replace(result, suppressed=None)
    if result.status is Status.PASS and any(e.suppressed is not None for e in result.evidence):
        return dataclasses.replace(result, status=Status.FAIL)
    return result


def _suppressed_summary(results: Sequence[Result]) -> tuple[int, str]:
    from readycheck.suppress import suppression_kind

    total = 0
    parts = []
    for r in results:
        n = suppressed_findings(r)
        if not n:
            continue
        total += n
        reasons = [e.suppressed for e in r.evidence if e.suppressed is not None] or [r.suppressed or ""]
        kinds = list(dict.fromkeys(suppression_kind(reason) for reason in reasons))
        parts.append(f"{r.spec.id} ({', '.join(kinds)})")
    return total, ", ".join(parts)


def decide(results: Sequence[Result], *, staged: bool = False) -> tuple[Verdict, str, tuple[QuestionAnswer, ...]]:
    """The verdict. A ``staged`` run (a pre-commit hook) judges the staged files only: it answers
    no question, and its verdict is NO-GO exactly when a blocking check failed or could not run.
    Suppressed results block nothing; when they are what makes a GO, the reason says so."""
    verdict, reason, answers = _decide(results, staged)
    if verdict is Verdict.GO:
        without = [_unsuppressed(r) for r in results]
        if any(a is not b for a, b in zip(without, results)):
            would, why_not, _ = _decide(without, staged)
            if would is Verdict.NO_GO:
                n, listed = _suppressed_summary(results)
                reason = f"GO thanks to {n} suppressed finding(s): {listed} (without them: {why_not})"
    return verdict, reason, answers


_SEVERITY_GATES = {s.value: s for s in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)}


def exit_code_for(verdict: Verdict, results: Sequence[Result], fail_on: str) -> int:
    """1 on NO-GO; under ``warn`` also on any counted warning, failure or error; under a severity
    (``critical``, ``high``, ``medium``, ``low``) also on any counted failure or warning of at least
    that severity; never under ``never``. Suppressed results never trip a gate."""
    if fail_on == "never":
        return 0
    if verdict is Verdict.NO_GO:
        return 1
    live = [r for r in results if counted(r)]
    if fail_on == "warn" and any(r.status in (Status.WARN, Status.FAIL, Status.ERROR) for r in live):
        return 1
    gate = _SEVERITY_GATES.get(fail_on)
    if gate is not None and any(
        r.status in (Status.WARN, Status.FAIL) and r.effective_severity.rank <= gate.rank for r in live
    ):
        return 1
    return 0
