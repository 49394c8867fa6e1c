import { randomUUID } from "node:crypto";
import { trace } from "@opentelemetry/api";
import type OpenAI from "openai";
import type { ChatMessage, LlmClient } from "./llm.js";
import { logger } from "./logger.js";
import { SYSTEM_PROMPT, productHint } from "./prompts.js";
import { condenseHistory } from "./summarize.js";
import { TOOL_DEFINITIONS, runTool, type ToolDeps } from "./tools/index.js";
import type { AskRequest } from "./validation.js";

export interface Answer {
  answerId: string;
  answer: string;
  sources: string[];
  provider: string;
  steps: number;
}

export interface AgentOptions {
  maxSteps: number;
  summaryModel: string;
}

const tracer = trace.getTracer("docs-assistant.agent");

export class DocsAgent {
  constructor(
    private readonly llm: LlmClient,
    private readonly openai: OpenAI,
    private readonly tools: ToolDeps,
    private readonly options: AgentOptions,
  ) {}

  async ask(request: AskRequest): Promise<Answer> {
    return tracer.startActiveSpan("agent.ask", async (span) => {
      try {
        const history = await condenseHistory(this.openai, this.options.summaryModel, request.history);
        const messages: ChatMessage[] = [
          { role: "system", content: `${SYSTEM_PROMPT}\n${productHint(request.product)}`.trim() },
          ...history,
          { role: "user", content: request.question },
        ];
        const sources = new Set<string>();

        for (let step = 1; step <= this.options.maxSteps; step++) {
          span.setAttribute("agent.steps", step);
          const result = await this.llm.complete(messages, TOOL_DEFINITIONS);

          if (result.toolCalls.length === 0) {
            const answerId = randomUUID();
            logger.info({ answerId, steps: step, provider: result.provider }, "answered");
            return { answerId, answer: result.text, sources: [...sources], provider: result.provider, steps: step };
          }

          messages.push({
            role: "assistant",
            content: result.text || null,
            tool_calls: result.toolCalls.map((c) => ({
              id: c.id,
              type: "function" as const,
              function: { name: c.name, arguments: c.arguments },
            })),
          });
          for (const call of result.toolCalls) {
            logger.info({ tool: call.name, step }, "tool call");
            const output = await runTool(this.tools, call.name, call.arguments);
            output.sources.forEach((s) => sources.add(s));
            messages.push({ role: "tool", tool_call_id: call.id, content: output.content });
          }
        }

        logger.warn({ maxSteps: this.options.maxSteps }, "agent hit max steps");
        return {
          answerId: randomUUID(),
          answer:
            "I couldn't find a complete answer in the docs. Try rephrasing, or contact support@acme.example.",
          sources: [...sources],
          provider: "none",
          steps: this.options.maxSteps,
        };
      } finally {
        span.end();
      }
    });
  }
}
