import { logger } from "./logger.js";
import type { Limits } from "./config.js";

export class BudgetExceededError extends Error {
  constructor(
    readonly spentUsd: number,
    readonly capUsd: number,
  ) {
    super(`daily LLM spend cap reached: $${spentUsd.toFixed(2)} of $${capUsd}`);
    this.name = "BudgetExceededError";
  }
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * Tracks estimated LLM spend for the current UTC day and refuses further calls
 * once `spend.daily_usd_cap` from config/limits.yaml is reached.
 */
export class DailyBudget {
  private day: string;
  private spentUsd = 0;

  constructor(
    private readonly capUsd: number,
    private readonly pricing: Limits["pricing"],
    private readonly now: () => Date = () => new Date(),
  ) {
    this.day = DailyBudget.today(this.now());
  }

  private static today(date: Date): string {
    return date.toISOString().slice(0, 10);
  }

  private rollover(): void {
    const today = DailyBudget.today(this.now());
    if (today !== this.day) {
      logger.info({ day: this.day, spentUsd: this.spentUsd }, "daily budget reset");
      this.day = today;
      this.spentUsd = 0;
    }
  }

  get spent(): number {
    this.rollover();
    return this.spentUsd;
  }

  /** Throws BudgetExceededError when the cap has been reached. */
  assertAvailable(): void {
    this.rollover();
    if (this.spentUsd >= this.capUsd) {
      throw new BudgetExceededError(this.spentUsd, this.capUsd);
    }
  }

  record(model: string, usage: Usage): number {
    this.rollover();
    const price = this.pricing[model];
    if (!price) {
      logger.warn({ model }, "no pricing for model; spend not tracked");
      return 0;
    }
    const cost =
      (usage.inputTokens / 1_000_000) * price.input +
      (usage.outputTokens / 1_000_000) * price.output;
    this.spentUsd += cost;
    if (this.spentUsd >= this.capUsd * 0.8) {
      logger.warn({ spentUsd: this.spentUsd, capUsd: this.capUsd }, "daily budget above 80%");
    }
    return cost;
  }
}
