import type OpenAI from "openai";
import type { ChatMessage } from "./llm.js";
import { logger } from "./logger.js";

const SUMMARY_PROMPT =
  "Summarise this conversation between a developer and the Acme docs assistant. " +
  "Keep product names, API endpoints, error messages and code identifiers verbatim.";

/**
 * Long conversations are condensed into one system note so the prompt stays
 * small. Runs only when the client sends more than `threshold` history turns.
 */
export async function condenseHistory(
  client: OpenAI,
  model: string,
  history: ChatMessage[],
  threshold = 6,
): Promise<ChatMessage[]> {
  if (history.length <= threshold) return history;

  const transcript = history
    .map((m) => `${m.role}: ${typeof m.content === "string" ? m.content : ""}`)
    .join("\n");

  const response = await client.chat.completions.create({
    model,
    messages: [
      { role: "system", content: SUMMARY_PROMPT },
      { role: "user", content: transcript },
    ],
  });

  const summary = response.choices[0]?.message.content ?? "";
  logger.debug({ turns: history.length, chars: summary.length }, "history condensed");
  return [{ role: "system", content: `Earlier in this conversation: ${summary}` }];
}
