import pytest

from support_agent.budget import (
    MAX_TOKENS_PER_CONVERSATION,
    BudgetExceeded,
    ConversationBudget,
    SpendTracker,
)
from tests.conftest import FakeSpendTable


def test_conversation_budget_blocks_call_that_could_exceed_limit() -> None:
    budget = ConversationBudget("conv_12345678", used=MAX_TOKENS_PER_CONVERSATION - 500)
    with pytest.raises(BudgetExceeded) as exc:
        budget.check(800)
    assert exc.value.scope == "conversation"


def test_conversation_budget_tracks_usage() -> None:
    budget = ConversationBudget("conv_12345678")
    budget.charge(prompt_tokens=1200, completion_tokens=300)
    assert budget.used == 1500
    assert budget.remaining == MAX_TOKENS_PER_CONVERSATION - 1500


def test_monthly_hard_stop(settings) -> None:  # type: ignore[no-untyped-def]
    tracker = SpendTracker(settings, table=FakeSpendTable(usd=500.0))
    with pytest.raises(BudgetExceeded) as exc:
        tracker.ensure_available()
    assert exc.value.scope == "monthly"


def test_spend_is_recorded_atomically(settings) -> None:  # type: ignore[no-untyped-def]
    table = FakeSpendTable()
    tracker = SpendTracker(settings, table=table)
    usd = tracker.record("openai", "gpt-4o-mini", prompt_tokens=10_000, completion_tokens=1_000)
    assert usd == pytest.approx(0.0015 + 0.0006)
    assert table.updates[0]["UpdateExpression"] == "ADD usd :amount"
    tracker.ensure_available()
