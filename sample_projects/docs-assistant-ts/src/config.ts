import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";

const limitsSchema = z.object({
  spend: z.object({ daily_usd_cap: z.number().positive() }),
  rate_limit: z.object({
    window_ms: z.number().int().positive(),
    max_requests_per_ip: z.number().int().positive(),
  }),
  agent: z.object({ max_steps: z.number().int().min(1).max(20) }),
  pricing: z.record(z.object({ input: z.number(), output: z.number() })),
});

export type Limits = z.infer<typeof limitsSchema>;

const envSchema = z.object({
  PORT: z.coerce.number().default(8080),
  OPENAI_MODEL: z.string().default("gpt-4o-mini"),
  ANTHROPIC_MODEL: z.string().default("claude-3-5-haiku-20241022"),
  DOCS_SEARCH_URL: z.string().url(),
  DOCS_SEARCH_TOKEN: z.string().min(1),
  DOCS_BASE_URL: z.string().url().default("https://docs.acme.example"),
});

export type Env = z.infer<typeof envSchema>;

export function loadLimits(path?: string): Limits {
  const file = path ?? fileURLToPath(new URL("../config/limits.yaml", import.meta.url));
  return limitsSchema.parse(parse(readFileSync(file, "utf8")));
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return envSchema.parse(source);
}
