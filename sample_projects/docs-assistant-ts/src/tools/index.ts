import { z } from "zod";
import type { ToolDefinition } from "../llm.js";
import { logger } from "../logger.js";
import { fetchPage } from "./fetchPage.js";
import { searchDocs, type SearchConfig } from "./searchDocs.js";

export const TOOL_DEFINITIONS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "search_docs",
      description: "Full-text search of the Acme documentation. Returns titles, paths and snippets.",
      parameters: {
        type: "object",
        properties: { query: { type: "string", description: "search terms" } },
        required: ["query"],
        additionalProperties: false,
      },
    },
  },
  {
    type: "function",
    function: {
      name: "fetch_page",
      description: "Read a documentation page in full by its path, e.g. /api/authentication.",
      parameters: {
        type: "object",
        properties: { path: { type: "string" } },
        required: ["path"],
        additionalProperties: false,
      },
    },
  },
];

const searchArgs = z.object({ query: z.string().min(1).max(200) });
const fetchArgs = z.object({ path: z.string().startsWith("/").max(300) });

export interface ToolDeps {
  search: SearchConfig;
  docsBaseUrl: string;
}

export interface ToolOutput {
  content: string;
  sources: string[];
}

export async function runTool(deps: ToolDeps, name: string, rawArgs: string): Promise<ToolOutput> {
  try {
    const args: unknown = JSON.parse(rawArgs || "{}");
    switch (name) {
      case "search_docs": {
        const { query } = searchArgs.parse(args);
        const hits = await searchDocs(deps.search, query);
        return { content: JSON.stringify(hits), sources: [] };
      }
      case "fetch_page": {
        const { path } = fetchArgs.parse(args);
        const page = await fetchPage(deps.docsBaseUrl, path);
        return { content: page.text, sources: [page.url] };
      }
      default:
        return { content: JSON.stringify({ error: `unknown tool ${name}` }), sources: [] };
    }
  } catch (err) {
    logger.warn({ err, tool: name }, "tool failed");
    return {
      content: JSON.stringify({ error: `${name} is unavailable right now; answer from what you have` }),
      sources: [],
    };
  }
}
