import { z } from "zod";

// Strip ASCII control characters (keeping tab/newline) before validating length.
const stripControl = (value: string) => value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "");

export const askSchema = z.object({
  question: z.string().transform(stripControl).pipe(z.string().trim().min(3).max(2000)),
  product: z.enum(["api", "cli", "dashboard", "sdk"]).optional(),
  history: z
    .array(
      z.object({
        role: z.enum(["user", "assistant"]),
        content: z.string().max(4000),
      }),
    )
    .max(10)
    .default([]),
});

export type AskRequest = z.infer<typeof askSchema>;

export const feedbackSchema = z.object({
  answerId: z.string().uuid(),
  helpful: z.boolean(),
  comment: z.string().max(1000).optional(),
});

export type Feedback = z.infer<typeof feedbackSchema>;
