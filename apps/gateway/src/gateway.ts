import { dirname } from "node:path";
import type { Capability } from "@gateway/capability";
import { type Database, openDatabase } from "@gateway/db";
import { type ServerType, serve } from "@hono/node-server";
import { setupAdminToken } from "./admin-token.ts";
import { createApp } from "./app.ts";
import { CapabilityRegistry } from "./capabilities/registry.ts";
import type { AppDeps } from "./deps.ts";
import type { Env } from "./env.ts";
import { GatewayEvents } from "./events.ts";
import type { Logger } from "./logger.ts";

/** A running gateway: HTTP server, database and capabilities. Stop it with `close()`. */
export interface RunningGateway {
  url: string;
  port: number;
  deps: AppDeps;
  /** Set on the first start without ADMIN_TOKEN: the generated admin token. */
  generatedAdminToken?: string;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Opens the database (running migrations), starts the capabilities and the HTTP server.
 * Anything started before a failure is stopped again.
 */
export async function startGateway(options: {
  env: Env;
  logger: Logger;
  capabilities: Capability[];
}): Promise<RunningGateway> {
  const { env, logger } = options;
  const database: Database = openDatabase(env.DATABASE_PATH);
  const registry = new CapabilityRegistry(options.capabilities);
  const shutdown = new AbortController();
  try {
    const { auth, generated } = setupAdminToken(database.db, env.ADMIN_TOKEN);
    await registry.start({ logger, dataDir: dirname(database.path) });
    const deps: AppDeps = {
      env,
      db: database.db,
      registry,
      logger,
      admin: auth,
      events: new GatewayEvents(),
      shutdownSignal: shutdown.signal,
    };
    const app = createApp(deps);
    const server = await listen(app.fetch, env.HOST, env.PORT);
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : env.PORT;
    const host = env.HOST.includes(":") ? `[${env.HOST}]` : env.HOST;
    const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        logger.info("shutting down: no new connections");
        await stopServer(server, env.SHUTDOWN_TIMEOUT_MS, shutdown);
        try {
          await registry.dispose();
        } finally {
          database.close();
          logger.info("stopped");
        }
      })();
      return closing;
    };
    return {
      url,
      port,
      deps,
      ...(generated ? { generatedAdminToken: generated } : {}),
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await registry.dispose().catch(() => {});
    database.close();
    throw error;
  }
}

function listen(fetch: (request: Request) => Response | Promise<Response>, hostname: string, port: number) {
  return new Promise<ServerType>((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once("error", reject);
  });
}

/**
 * Stops accepting connections and waits for in-flight requests up to `timeoutMs`; then aborts
 * what is still running (tool calls see it through their AbortSignal) and drops the connections.
 */
async function stopServer(server: ServerType, timeoutMs: number, shutdown: AbortController): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const http = server as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
  http.closeIdleConnections?.();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const outcome = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    shutdown.abort(new Error("gateway shutting down"));
    http.closeAllConnections?.();
    await closed;
  } else {
    shutdown.abort(new Error("gateway shutting down"));
  }
}
