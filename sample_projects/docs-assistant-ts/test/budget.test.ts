import { describe, expect, it } from "vitest";
import { BudgetExceededError, DailyBudget } from "../src/budget.js";

const pricing = { "gpt-4o-mini": { input: 0.15, output: 0.6 } };

describe("DailyBudget", () => {
  it("allows calls under the cap and tracks spend", () => {
    const budget = new DailyBudget(50, pricing);
    const cost = budget.record("gpt-4o-mini", { inputTokens: 1_000_000, outputTokens: 1_000_000 });
    expect(cost).toBeCloseTo(0.75);
    expect(() => budget.assertAvailable()).not.toThrow();
  });

  it("refuses further calls once the daily cap is reached", () => {
    const budget = new DailyBudget(1, pricing);
    budget.record("gpt-4o-mini", { inputTokens: 0, outputTokens: 2_000_000 });
    expect(() => budget.assertAvailable()).toThrow(BudgetExceededError);
  });

  it("resets at midnight UTC", () => {
    let now = new Date("2026-02-10T23:59:00Z");
    const budget = new DailyBudget(1, pricing, () => now);
    budget.record("gpt-4o-mini", { inputTokens: 0, outputTokens: 2_000_000 });
    expect(() => budget.assertAvailable()).toThrow(BudgetExceededError);
    now = new Date("2026-02-11T00:00:01Z");
    expect(() => budget.assertAvailable()).not.toThrow();
    expect(budget.spent).toBe(0);
  });
});
