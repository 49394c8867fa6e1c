import { pino } from "pino";
import { trace } from "@opentelemetry/api";

// JSON logs to stdout; trace and span ids are attached so a log line can be
// followed to its trace.
export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "docs-assistant", version: process.env.npm_package_version },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: ["req.headers.authorization", "req.headers.cookie"],
  mixin() {
    const span = trace.getActiveSpan();
    if (!span) return {};
    const { traceId, spanId } = span.spanContext();
    return { trace_id: traceId, span_id: spanId };
  },
});
