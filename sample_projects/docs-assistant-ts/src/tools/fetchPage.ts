import { logger } from "../logger.js";

const MAX_PAGE_CHARS = 12_000;

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|nav|footer)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/\s+/g, " ")
    .trim();
}

/** Fetch one page of the public docs site. Only paths on DOCS_BASE_URL are allowed. */
export async function fetchPage(baseUrl: string, path: string): Promise<{ url: string; text: string }> {
  const url = new URL(path, baseUrl);
  if (url.origin !== new URL(baseUrl).origin) {
    throw new Error(`refusing to fetch outside the docs site: ${url.origin}`);
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(8_000) });
  if (!res.ok) {
    logger.warn({ url: url.toString(), status: res.status }, "docs page fetch failed");
    return { url: url.toString(), text: `Page unavailable (HTTP ${res.status}).` };
  }
  const text = htmlToText(await res.text()).slice(0, MAX_PAGE_CHARS);
  return { url: url.toString(), text };
}
