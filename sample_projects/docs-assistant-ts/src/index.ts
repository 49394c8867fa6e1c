import "dotenv/config";
import { DocsAgent } from "./agent.js";
import { DailyBudget } from "./budget.js";
import { loadEnv, loadLimits } from "./config.js";
import { LlmClient, createOpenAI } from "./llm.js";
import { logger } from "./logger.js";
import { createApp } from "./server.js";

const env = loadEnv();
const limits = loadLimits();

const budget = new DailyBudget(limits.spend.daily_usd_cap, limits.pricing);
const openai = createOpenAI();
const llm = new LlmClient(budget, { openai: env.OPENAI_MODEL, anthropic: env.ANTHROPIC_MODEL }, openai);
const agent = new DocsAgent(
  llm,
  openai,
  { search: { url: env.DOCS_SEARCH_URL, token: env.DOCS_SEARCH_TOKEN }, docsBaseUrl: env.DOCS_BASE_URL },
  { maxSteps: limits.agent.max_steps, summaryModel: env.OPENAI_MODEL },
);

const server = createApp(agent, limits).listen(env.PORT, () => {
  logger.info({ port: env.PORT, dailyUsdCap: limits.spend.daily_usd_cap }, "docs-assistant listening");
});

process.on("SIGTERM", () => {
  logger.info("shutting down");
  server.close(() => process.exit(0));
});
