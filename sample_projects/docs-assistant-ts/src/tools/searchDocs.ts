import pRetry, { AbortError } from "p-retry";
import { logger } from "../logger.js";

export interface SearchHit {
  title: string;
  path: string;
  snippet: string;
}

interface SearchResponse {
  hits: Array<{ title: string; path: string; _formatted?: { content?: string }; content: string }>;
}

export interface SearchConfig {
  url: string;
  token: string;
}

/** Full-text search over the docs index (Meilisearch, index "docs"). */
export async function searchDocs(config: SearchConfig, query: string, limit = 5): Promise<SearchHit[]> {
  const attempt = async (attemptNumber: number): Promise<SearchResponse> => {
    const res = await fetch(`${config.url}/indexes/docs/search`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${config.token}`,
      },
      body: JSON.stringify({ q: query, limit, attributesToCrop: ["content"], cropLength: 60 }),
      signal: AbortSignal.timeout(5_000),
    });
    if (res.status === 400 || res.status === 404) {
      throw new AbortError(`docs search rejected the query: ${res.status}`);
    }
    if (!res.ok) {
      logger.warn({ status: res.status, attemptNumber }, "docs search failed");
      throw new Error(`docs search returned ${res.status}`);
    }
    return (await res.json()) as SearchResponse;
  };

  const body = await pRetry(attempt, { retries: 8, minTimeout: 200 });
  return body.hits.map((hit) => ({
    title: hit.title,
    path: hit.path,
    snippet: hit._formatted?.content ?? hit.content.slice(0, 300),
  }));
}
