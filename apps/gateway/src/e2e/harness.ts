import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { Writable } from "node:stream";
import { addGateway, addKey, setCapability } from "../admin/service.ts";
import { parseEnv } from "../env.ts";
import { type RunningGateway, startGateway } from "../gateway.ts";
import { createLogger } from "../logger.ts";
import type { McpEndpointOptions } from "../mcp/endpoint.ts";
import { TEST_ADMIN_TOKEN, tempDir } from "../testing/deps.ts";
import { createEchoCapability, type EchoEvents } from "../testing/echo-capability.ts";
import { createProbeCapability } from "./probe-capability.ts";

/** Everything the gateway logged, one parsed JSON object per line. */
export class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  }
  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestGateway {
  gateway: RunningGateway;
  echo: EchoEvents;
  logs: LogSink;
  databasePath: string;
  close(): Promise<void>;
}

/**
 * A real gateway on an ephemeral port over a SQLite file in a temporary folder (removed by
 * `close()`), with the echo and probe capabilities. With `databasePath` it runs on that file
 * instead, which the caller owns (to restart on the same data).
 */
export async function startTestGateway(
  options: { databasePath?: string; env?: Record<string, string>; mcp?: Partial<McpEndpointOptions> } = {},
): Promise<TestGateway> {
  const dir = options.databasePath ? undefined : tempDir("gateway-e2e-");
  const databasePath = options.databasePath ?? join(dir!.path, "gateway.db");
  const env = parseEnv({
    PORT: "0",
    DATABASE_PATH: databasePath,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: "debug",
    SHUTDOWN_TIMEOUT_MS: "5000",
    ...options.env,
  });
  const logs = new LogSink();
  const echo: EchoEvents = { aborted: [], disposed: 0, started: 0 };
  const gateway = await startGateway({
    env,
    logger: createLogger(env.LOG_LEVEL, logs),
    capabilities: [createEchoCapability(echo), createProbeCapability()],
    ...(options.mcp ? { mcp: options.mcp } : {}),
  });
  return {
    gateway,
    echo,
    logs,
    databasePath,
    async close() {
      try {
        await gateway.close();
      } finally {
        dir?.cleanup();
      }
    },
  };
}

/** Creates a gateway with one agent key; the echo capability is enabled unless told otherwise. */
export function createTenant(
  gateway: RunningGateway,
  name: string,
  options: { echo?: boolean; settings?: Record<string, unknown> } = {},
) {
  const created = addGateway(gateway.deps, { name });
  const key = addKey(gateway.deps, created.id, { name: `${name} agent` });
  if (options.echo ?? true) setEcho(gateway, created.id, true, options.settings);
  return {
    id: created.id,
    slug: created.slug,
    key,
    url: `${gateway.url}/gateways/${created.slug}/mcp`,
  };
}

export function setEcho(
  gateway: RunningGateway,
  gatewayId: string,
  enabled: boolean,
  settings?: Record<string, unknown>,
) {
  setCapability(gateway.deps, gatewayId, "echo", { enabled, ...(settings ? { settings } : {}) });
}

/** Polls `check` until it is true (or throws after `timeoutMs`). */
export async function until(check: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTP request with full control of the headers (fetch does not let one set Host). */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<RawResponse> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? "POST",
        headers: {
          accept: "application/json, text/event-stream",
          ...(body ? { "content-type": "application/json" } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A 2025-11-25 `initialize` request body. */
export const initializeBody = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};
