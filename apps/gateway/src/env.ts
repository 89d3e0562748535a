import { isAbsolute, resolve } from "node:path";
import { z } from "zod";

/**
 * The gateway's configuration, read from the environment once at start-up. Nothing else in
 * the app reads `process.env`.
 */
const port = z.coerce.number().int().min(0).max(65_535);

const list = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean),
);

export const envSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: port.default(8787),
  DATABASE_PATH: z.string().min(1).default("./data/gateway.db"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** The admin's bearer token. When unset, one is generated on first start and only its hash kept. */
  ADMIN_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** Public base URL used in MCP URLs shown to admins (default: http://HOST:PORT). */
  PUBLIC_URL: z.url().optional(),
  /** Extra Host header values accepted on MCP endpoints besides localhost and HOST (DNS rebinding). */
  ALLOWED_HOSTS: list.default([]),
  /** Origins accepted on MCP endpoints when a browser sends an Origin header. */
  ALLOWED_ORIGINS: list.default([]),
  /** How long shutdown waits for in-flight tool calls, in milliseconds. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /**
   * Code Runner: server-wide maximums for every gateway's limits. The defaults leave admins room
   * above the product defaults (128 MB, 100 ms CPU, 30 s wall, 10 KB code, 1024 KB output).
   */
  SANDBOX_MAX_MEMORY_MB: z.coerce.number().int().min(1).max(2048).default(512),
  SANDBOX_MAX_CPU_MS: z.coerce.number().int().min(1).max(600_000).default(10_000),
  SANDBOX_MAX_WALL_MS: z.coerce.number().int().min(1).max(600_000).default(120_000),
  SANDBOX_MAX_CODE_KB: z.coerce.number().int().min(1).max(10_240).default(100),
  SANDBOX_MAX_OUTPUT_KB: z.coerce.number().int().min(1).max(102_400).default(10_240),
  /** Code Runner: worker threads per language; 0 means one per CPU core. */
  SANDBOX_WORKERS: z.coerce.number().int().min(0).max(256).default(0),
  /** Code Runner: executions that may wait per language before new ones are refused as busy. */
  SANDBOX_QUEUE: z.coerce.number().int().min(0).max(100_000).default(256),
  /**
   * Code Runner: start the Python pool at boot, in the background (building its snapshot on the
   * first boot), so the first `run_python` call does not wait for it.
   */
  SANDBOX_PYTHON_WARM: z.stringbool().default(true),
});

export type Env = z.output<typeof envSchema>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Validates an environment; a bad value throws a ConfigError naming the variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = envSchema.safeParse(source);
  if (parsed.success) {
    // `pnpm start` runs the app from its own folder; a relative DATABASE_PATH means the folder the
    // command was typed in, which package managers pass as INIT_CWD.
    const base = source.INIT_CWD;
    return base && !isAbsolute(parsed.data.DATABASE_PATH) && parsed.data.DATABASE_PATH !== ":memory:"
      ? { ...parsed.data, DATABASE_PATH: resolve(base, parsed.data.DATABASE_PATH) }
      : parsed.data;
  }
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
}
