"""From results to the five go/no-go questions and the verdict. Fails closed."""

from __future__ import annotations

from typing import Sequence

from readycheck.model import QUESTIONS, Answer, QuestionAnswer, Result, Status, Verdict

__all__ = ["decide", "exit_code_for"]


def _names(results: Sequence[Result]) -> str:
    return ", ".join(f"{r.spec.id} {r.spec.slug}" for r in results)


def _answer(question_id: str, results: Sequence[Result]) -> tuple[Answer, str]:
    feeding = [r for r in results if question_id in r.spec.questions]
    if not feeding:
        return Answer.UNKNOWN, "no selected check answers this question"
    failed = [r for r in feeding if r.status is Status.FAIL]
    if failed:
        return Answer.NO, f"failed: {_names(failed)} ({failed[0].message})"
    errored = [r for r in feeding if r.status is Status.ERROR]
    if errored:
        return Answer.UNKNOWN, f"could not be checked: {_names(errored)} ({errored[0].message})"
    decided = [r for r in feeding if r.status in (Status.PASS, Status.WARN)]
    if not decided:
        return Answer.UNKNOWN, f"no evidence either way: {_names(feeding)} skipped"
    warned = [r for r in decided if r.status is Status.WARN]
    if warned:
        return Answer.YES, f"yes, with warnings: {_names(warned)}"
    return Answer.YES, f"evidence found by {_names(decided)}"


_STAGED = "not judged on staged files: the five questions need a full audit"


def decide(results: Sequence[Result], *, staged: bool = False) -> tuple[Verdict, str, tuple[QuestionAnswer, ...]]:
    """The verdict. A ``staged`` run (a pre-commit hook) judges the staged files only: it answers
    no question, and its verdict is NO-GO exactly when a blocking check failed or could not run."""
    answers = []
    for q in QUESTIONS:
        answer, reason = (Answer.UNKNOWN, _STAGED) if staged else _answer(q.id, results)
        feeding = tuple(r.spec.id for r in results if q.id in r.spec.questions)
        answers.append(QuestionAnswer(q, answer, feeding, reason))
    reasons = []
    not_yes = [a for a in answers if a.answer is not Answer.YES]
    if not_yes and not staged:
        reasons.append("; ".join(f"{a.question.id}: {a.answer.value}" for a in not_yes))
    blocking_failed = [r for r in results if r.effective_blocking and r.status is Status.FAIL]
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


def exit_code_for(verdict: Verdict, results: Sequence[Result], fail_on: str) -> int:
    if fail_on == "never":
        return 0
    if verdict is Verdict.NO_GO:
        return 1
    if fail_on == "warn" and any(r.status in (Status.WARN, Status.FAIL, Status.ERROR) for r in results):
        return 1
    return 0
