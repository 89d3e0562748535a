import { pino } from "pino";
import type { Env } from "./env.ts";

export type Logger = pino.Logger;

/** Structured JSON logs. Secrets are redacted wherever they may appear. */
export function createLogger(level: Env["LOG_LEVEL"], destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "mcp-gateway" },
      redact: {
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          "secret",
          "key",
          "token",
          "*.secret",
          "*.token",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
