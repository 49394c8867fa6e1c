import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import { describe, expect, it, vi } from "vitest";
import { DailyBudget } from "../src/budget.js";
import { LlmClient, toAnthropic } from "../src/llm.js";

const models = { openai: "gpt-4o-mini", anthropic: "claude-3-5-haiku-20241022" };
const pricing = {
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "claude-3-5-haiku-20241022": { input: 0.8, output: 4 },
};

function fakeOpenAI(create: (...args: unknown[]) => unknown) {
  return { chat: { completions: { create: vi.fn(create) } } } as unknown as OpenAI;
}

function fakeAnthropic(text: string) {
  const create = vi.fn(async () => ({
    content: [{ type: "text", text }],
    usage: { input_tokens: 100, output_tokens: 20 },
  }));
  return { client: { messages: { create } } as unknown as Anthropic, create };
}

describe("LlmClient", () => {
  it("caps OpenAI output tokens", async () => {
    const openai = fakeOpenAI(async () => ({
      choices: [{ message: { content: "Use `acme login`.", tool_calls: [] } }],
      usage: { prompt_tokens: 200, completion_tokens: 10 },
    }));
    const llm = new LlmClient(new DailyBudget(50, pricing), models, openai, fakeAnthropic("").client);
    const result = await llm.complete([{ role: "user", content: "how do I log in?" }], []);
    expect(result.text).toBe("Use `acme login`.");
    expect(vi.mocked(openai.chat.completions.create).mock.calls[0]?.[0]).toMatchObject({ max_tokens: 1024 });
  });

  it("falls back to Anthropic when OpenAI fails", async () => {
    const openai = fakeOpenAI(async () => {
      throw new Error("503 Service Unavailable");
    });
    const anthropic = fakeAnthropic("From the docs: run `acme login`.");
    const llm = new LlmClient(new DailyBudget(50, pricing), models, openai, anthropic.client);
    const result = await llm.complete(
      [
        { role: "system", content: "be brief" },
        { role: "user", content: "how do I log in?" },
      ],
      [],
    );
    expect(result.provider).toBe("anthropic");
    expect(anthropic.create).toHaveBeenCalledWith(expect.objectContaining({ system: "be brief", max_tokens: 1024 }));
  });

  it("refuses to call any provider when the budget is spent", async () => {
    const budget = new DailyBudget(0.0001, pricing);
    budget.record("gpt-4o-mini", { inputTokens: 0, outputTokens: 1_000 });
    const openai = fakeOpenAI(async () => ({}));
    const llm = new LlmClient(budget, models, openai, fakeAnthropic("").client);
    await expect(llm.complete([{ role: "user", content: "hi" }], [])).rejects.toThrow(/daily LLM spend cap/);
    expect(openai.chat.completions.create).not.toHaveBeenCalled();
  });
});

describe("toAnthropic", () => {
  it("merges tool results into user turns", () => {
    const { system, messages } = toAnthropic([
      { role: "system", content: "sys" },
      { role: "user", content: "q" },
      { role: "tool", tool_call_id: "1", content: "[]" },
    ]);
    expect(system).toBe("sys");
    expect(messages).toHaveLength(1);
    expect(messages[0]?.content).toContain("Tool result");
  });
});
