"""Token and spend budgets.

* Per conversation: ``MAX_TOKENS_PER_CONVERSATION`` tokens, enforced before
  every LLM call.
* Per month: ``budget.monthly_usd_limit`` USD, tracked in DynamoDB with an atomic
  counter. With ``hard_stop: true`` every LLM call is refused once it is reached.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import boto3
import structlog

from support_agent.settings import Settings
from support_agent.telemetry import LLM_SPEND_USD, MONTHLY_SPEND_USD

log = structlog.get_logger(__name__)

MAX_TOKENS_PER_CONVERSATION = 20000


class BudgetExceeded(Exception):
    """Raised when a conversation or the monthly spend has hit its limit."""

    def __init__(self, scope: str, used: float, limit: float) -> None:
        super().__init__(f"{scope} budget exhausted: {used:.2f} of {limit:.2f}")
        self.scope = scope
        self.used = used
        self.limit = limit


@dataclass
class ConversationBudget:
    conversation_id: str
    limit: int = MAX_TOKENS_PER_CONVERSATION
    used: int = 0
    calls: list[int] = field(default_factory=list)

    def check(self, requested_max_tokens: int) -> None:
        if self.used + requested_max_tokens > self.limit:
            raise BudgetExceeded("conversation", self.used, self.limit)

    def charge(self, prompt_tokens: int, completion_tokens: int) -> None:
        total = prompt_tokens + completion_tokens
        self.used += total
        self.calls.append(total)

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


class SpendTracker:
    """Month-to-date LLM spend shared by every replica."""

    def __init__(self, settings: Settings, table=None) -> None:  # type: ignore[no-untyped-def]
        self._settings = settings
        self._pricing = settings.llm.pricing
        self._table = table or boto3.resource(
            "dynamodb", region_name=settings.aws_region
        ).Table(settings.budget.spend_table)

    @staticmethod
    def _period() -> str:
        return dt.datetime.now(dt.UTC).strftime("%Y-%m")

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        price = self._pricing.get(model, {"input": 0.0, "output": 0.0})
        prompt_usd = (prompt_tokens / 1000) * price["input"]
        return prompt_usd + (completion_tokens / 1000) * price["output"]

    def month_to_date(self) -> float:
        item = self._table.get_item(Key={"period": self._period()}).get("Item")
        spent = float(item["usd"]) if item else 0.0
        MONTHLY_SPEND_USD.set(spent)
        return spent

    def ensure_available(self) -> None:
        limit = self._settings.budget.monthly_usd_limit
        spent = self.month_to_date()
        if spent >= limit:
            log.error("budget.hard_stop", spent_usd=spent, limit_usd=limit)
            if self._settings.budget.hard_stop:
                raise BudgetExceeded("monthly", spent, limit)

    def record(
        self, provider: str, model: str, prompt_tokens: int, completion_tokens: int
    ) -> float:
        usd = self.cost(model, prompt_tokens, completion_tokens)
        LLM_SPEND_USD.labels(provider=provider).inc(usd)
        self._table.update_item(
            Key={"period": self._period()},
            UpdateExpression="ADD usd :amount",
            ExpressionAttributeValues={":amount": Decimal(str(round(usd, 6)))},
        )
        return usd
