import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
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
import { type McpEndpoint, type McpEndpointOptions, mcpEndpointFor } from "./mcp/endpoint.ts";

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
  /** Limits of the MCP endpoint (tests lower them); defaults otherwise. */
  mcp?: Partial<McpEndpointOptions>;
}): Promise<RunningGateway> {
  const { env, logger } = options;
  const database: Database = openDatabase(env.DATABASE_PATH);
  const registry = new CapabilityRegistry(options.capabilities);
  const shutdown = new AbortController();
  let mcp: McpEndpoint | undefined;
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
    const endpoint = mcpEndpointFor(deps, options.mcp);
    mcp = endpoint;
    const app = createApp(deps);
    const server = await listen(app.fetch, env.HOST, env.PORT);
    const connections = trackConnections(server as Server);
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : env.PORT;
    const host = env.HOST.includes(":") ? `[${env.HOST}]` : env.HOST;
    const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        logger.info("shutting down: no new connections");
        try {
          await stopServer(server, connections, endpoint, env.SHUTDOWN_TIMEOUT_MS, shutdown, logger);
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
    await mcp?.close();
    await registry.dispose().catch(() => {});
    database.close();
    throw error;
  }
}

/**
 * SIGTERM or SIGINT stop the gateway (see `close()`), then `exit(0)`, or `exit(1)` if stopping
 * failed; a second signal exits at once with 1. Returns a function that removes the handlers.
 */
export function stopOnSignals(
  gateway: Pick<RunningGateway, "close">,
  logger: Logger,
  options: { signals?: Pick<NodeJS.EventEmitter, "on" | "off">; exit?: (code: number) => void } = {},
): () => void {
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, "signal received");
    gateway.close().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        exit(1);
      },
    );
  };
  const onTerm = () => stop("SIGTERM");
  const onInt = () => stop("SIGINT");
  signals.on("SIGTERM", onTerm);
  signals.on("SIGINT", onInt);
  return () => {
    signals.off("SIGTERM", onTerm);
    signals.off("SIGINT", onInt);
  };
}

function listen(fetch: (request: Request) => Response | Promise<Response>, hostname: string, port: number) {
  return new Promise<ServerType>((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once("error", reject);
  });
}

/**
 * Which connections have a request in progress. Node's `closeIdleConnections()` skips
 * connections that never carried a request (HTTP clients open spare ones), which would hold
 * `server.close()` open until they time out; this closes those too.
 */
function trackConnections(server: Server) {
  const requests = new Map<Socket, number>();
  server.on("connection", (socket: Socket) => {
    requests.set(socket, 0);
    socket.once("close", () => requests.delete(socket));
  });
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    requests.set(socket, (requests.get(socket) ?? 0) + 1);
    response.once("close", () => {
      const count = requests.get(socket);
      if (count !== undefined) requests.set(socket, count - 1);
    });
  });
  return {
    /** Closes every connection without a request in progress. */
    closeIdle() {
      for (const [socket, count] of requests) if (count === 0) socket.destroy();
    },
  };
}

/** After the abort, how long tool calls get to notice it and answer. */
const ABORT_GRACE_MS = 2_000;
/** How long, at least, the last responses get to reach their clients before connections are cut. */
const FLUSH_MS = 2_000;

/**
 * Stops the HTTP side in order:
 * 1. stop accepting connections; MCP requests get 503; SSE streams (which would otherwise hold
 *    the server open for ever) are ended;
 * 2. wait for running tool calls, at most `timeoutMs`; then abort them through `shutdown` (their
 *    handlers' signal) and give them a short grace;
 * 3. close MCP sessions and handlers, let the last responses (MCP or not) finish within what is
 *    left of `timeoutMs` (at least FLUSH_MS), then cut what is left.
 */
async function stopServer(
  server: ServerType,
  connections: ReturnType<typeof trackConnections>,
  mcp: McpEndpoint,
  timeoutMs: number,
  shutdown: AbortController,
  logger: Logger,
): Promise<void> {
  const http = server as Server;
  const deadline = Date.now() + timeoutMs;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  mcp.beginShutdown();
  connections.closeIdle();

  const finished = await mcp.waitForToolCalls(timeoutMs);
  shutdown.abort(new Error("gateway shutting down"));
  if (!finished) {
    logger.warn({ running: mcp.calls.running, timeoutMs }, "shutdown timeout: aborting tool calls");
    if (!(await mcp.waitForToolCalls(ABORT_GRACE_MS)))
      logger.error({ running: mcp.calls.running }, "tool calls ignored the abort");
  }
  // Let the SDK write the answers of the calls that just ended before their streams close.
  await new Promise((resolve) => setImmediate(resolve));
  await mcp.close();

  // Connections that finish their last response become idle; close those as they appear.
  const sweeper = setInterval(() => connections.closeIdle(), 25);
  let timer: NodeJS.Timeout | undefined;
  const flushed = await Promise.race([
    closed.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(FLUSH_MS, deadline - Date.now()));
    }),
  ]);
  clearInterval(sweeper);
  clearTimeout(timer);
  if (!flushed) {
    logger.warn("shutdown: cutting connections still open");
    http.closeAllConnections();
    await closed;
  }
}
