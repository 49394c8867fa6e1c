import request from "supertest";
import { describe, expect, it } from "vitest";
import { BudgetExceededError } from "../src/budget.js";
import type { Limits } from "../src/config.js";
import { createApp } from "../src/server.js";

const limits: Limits = {
  spend: { daily_usd_cap: 50 },
  rate_limit: { window_ms: 60_000, max_requests_per_ip: 3 },
  agent: { max_steps: 6 },
  pricing: {},
};

const answer = { answerId: "a", answer: "See /cli/login", sources: [], provider: "openai", steps: 1 };

describe("POST /v1/ask", () => {
  it("answers a valid question", async () => {
    const app = createApp({ ask: async () => answer }, limits);
    const res = await request(app).post("/v1/ask").send({ question: "How do I log in?" });
    expect(res.status).toBe(200);
    expect(res.body.answer).toBe("See /cli/login");
  });

  it("rejects an invalid body", async () => {
    const app = createApp({ ask: async () => answer }, limits);
    const res = await request(app).post("/v1/ask").send({ question: "x".repeat(2001) });
    expect(res.status).toBe(400);
  });

  it("returns 503 when the daily budget is exhausted", async () => {
    const app = createApp(
      {
        ask: async () => {
          throw new BudgetExceededError(50.2, 50);
        },
      },
      limits,
    );
    const res = await request(app).post("/v1/ask").send({ question: "How do I log in?" });
    expect(res.status).toBe(503);
  });

  it("rate limits per client", async () => {
    const app = createApp({ ask: async () => answer }, limits);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await request(app).post("/v1/ask").send({ question: "How do I log in?" })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
