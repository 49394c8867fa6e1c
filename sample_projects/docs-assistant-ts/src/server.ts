import express, { type NextFunction, type Request, type Response } from "express";
import { rateLimit } from "express-rate-limit";
import { pinoHttp } from "pino-http";
import type { Answer } from "./agent.js";
import { BudgetExceededError } from "./budget.js";
import type { Limits } from "./config.js";
import { logger } from "./logger.js";
import { askSchema, feedbackSchema, type AskRequest } from "./validation.js";

export interface Asker {
  ask(request: AskRequest): Promise<Answer>;
}

export function createApp(agent: Asker, limits: Limits): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", 1);
  app.use(express.json({ limit: "32kb" }));
  app.use(pinoHttp({ logger, autoLogging: { ignore: (req) => req.url === "/healthz" } }));

  const limiter = rateLimit({
    windowMs: limits.rate_limit.window_ms,
    limit: limits.rate_limit.max_requests_per_ip,
    standardHeaders: "draft-7",
    legacyHeaders: false,
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.post("/v1/ask", limiter, async (req: Request, res: Response, next: NextFunction) => {
    const parsed = askSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "invalid_request", issues: parsed.error.issues });
      return;
    }
    try {
      res.json(await agent.ask(parsed.data));
    } catch (err) {
      next(err);
    }
  });

  app.post("/v1/feedback", limiter, (req: Request, res: Response) => {
    const parsed = feedbackSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "invalid_request", issues: parsed.error.issues });
      return;
    }
    logger.info({ feedback: parsed.data }, "answer feedback");
    res.status(204).end();
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof BudgetExceededError) {
      logger.error({ spentUsd: err.spentUsd, capUsd: err.capUsd }, "daily budget exhausted");
      res.status(503).json({
        error: "temporarily_unavailable",
        message: "The docs assistant has reached its daily usage limit. Please try again tomorrow.",
      });
      return;
    }
    logger.error({ err }, "request failed");
    res.status(500).json({ error: "internal_error" });
  });

  return app;
}
