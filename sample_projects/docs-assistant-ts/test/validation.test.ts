import { describe, expect, it } from "vitest";
import { askSchema } from "../src/validation.js";

describe("askSchema", () => {
  it("accepts a normal question", () => {
    const parsed = askSchema.parse({ question: "How do I rotate an API token?", product: "api" });
    expect(parsed.history).toEqual([]);
  });

  it("rejects questions over 2000 characters", () => {
    expect(askSchema.safeParse({ question: "a".repeat(2001) }).success).toBe(false);
  });

  it("strips control characters", () => {
    const parsed = askSchema.parse({ question: "how\u0000 do\u0007 I log in?" });
    expect(parsed.question).toBe("how do I log in?");
  });

  it("rejects unknown products and oversized history", () => {
    expect(askSchema.safeParse({ question: "hello there", product: "mainframe" }).success).toBe(false);
    const history = Array.from({ length: 11 }, () => ({ role: "user", content: "hi" }));
    expect(askSchema.safeParse({ question: "hello there", history }).success).toBe(false);
  });
});
