import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { DailyBudget } from "./budget.js";
import { logger } from "./logger.js";

export type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
export type ToolDefinition = OpenAI.Chat.Completions.ChatCompletionTool;

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface LlmResult {
  text: string;
  toolCalls: ToolCall[];
  provider: "openai" | "anthropic";
  model: string;
}

const tracer = trace.getTracer("docs-assistant.llm");

export function createOpenAI(): OpenAI {
  return new OpenAI({ maxRetries: 2, timeout: 20_000 });
}

export function createAnthropic(): Anthropic {
  return new Anthropic();
}

/** Flatten an OpenAI-style transcript (including tool turns) for Anthropic. */
export function toAnthropic(messages: ChatMessage[]): { system: string; messages: Anthropic.MessageParam[] } {
  const system: string[] = [];
  const out: Anthropic.MessageParam[] = [];
  for (const message of messages) {
    const content = typeof message.content === "string" ? message.content : "";
    if (message.role === "system") {
      system.push(content);
      continue;
    }
    const role = message.role === "assistant" ? "assistant" : "user";
    const text = message.role === "tool" ? `Tool result:\n${content}` : content;
    if (!text) continue;
    const last = out[out.length - 1];
    if (last && last.role === role && typeof last.content === "string") {
      last.content += `\n\n${text}`;
    } else {
      out.push({ role, content: text });
    }
  }
  if (out[0]?.role !== "user") out.unshift({ role: "user", content: "(continuing conversation)" });
  return { system: system.join("\n\n"), messages: out };
}

export class LlmClient {
  constructor(
    private readonly budget: DailyBudget,
    private readonly models: { openai: string; anthropic: string },
    private readonly openai: OpenAI = createOpenAI(),
    private readonly anthropic: Anthropic = createAnthropic(),
  ) {}

  async complete(messages: ChatMessage[], tools: ToolDefinition[]): Promise<LlmResult> {
    this.budget.assertAvailable();
    return tracer.startActiveSpan("llm.complete", async (span) => {
      try {
        const response = await this.openai.chat.completions.create({
          model: this.models.openai,
          messages,
          tools: tools.length > 0 ? tools : undefined,
          max_tokens: 1024,
        });
        const choice = response.choices[0]?.message;
        this.budget.record(this.models.openai, {
          inputTokens: response.usage?.prompt_tokens ?? 0,
          outputTokens: response.usage?.completion_tokens ?? 0,
        });
        span.setAttributes({ "llm.provider": "openai", "llm.model": this.models.openai });
        return {
          text: choice?.content ?? "",
          toolCalls: (choice?.tool_calls ?? []).map((c) => ({
            id: c.id,
            name: c.function.name,
            arguments: c.function.arguments,
          })),
          provider: "openai" as const,
          model: this.models.openai,
        };
      } catch (err) {
        logger.warn({ err }, "openai call failed, falling back to anthropic");
        span.addEvent("fallback", { to: "anthropic" });
        try {
          const { system, messages: converted } = toAnthropic(messages);
          const response = await this.anthropic.messages.create({
            model: this.models.anthropic,
            system,
            messages: converted,
            max_tokens: 1024,
          });
          this.budget.record(this.models.anthropic, {
            inputTokens: response.usage.input_tokens,
            outputTokens: response.usage.output_tokens,
          });
          span.setAttributes({ "llm.provider": "anthropic", "llm.model": this.models.anthropic });
          const text = response.content
            .map((block) => (block.type === "text" ? block.text : ""))
            .join("");
          return { text, toolCalls: [], provider: "anthropic" as const, model: this.models.anthropic };
        } catch (fallbackErr) {
          span.recordException(fallbackErr as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw fallbackErr;
        }
      } finally {
        span.end();
      }
    });
  }
}
