import { findGateway, listAgentKeys } from "@gateway/db";
import { isJsonContentType, isLegacyRequest, readRequestBody } from "@modelcontextprotocol/server";
import type { Context } from "hono";
import type { AppEnv } from "../app.ts";
import type { AppDeps } from "../deps.ts";
import { authenticate } from "./auth.ts";
import { InFlight } from "./in-flight.ts";
import { LegacySessions, type SessionOwner } from "./legacy-sessions.ts";
import { ModernHandlers } from "./modern.ts";
import { mcpRequestContext } from "./request-context.ts";
import {
  jsonRpcError,
  payloadTooLarge,
  shuttingDown,
  unauthorized,
  unsupportedMediaType,
} from "./responses.ts";
import { createToolServer } from "./tool-server.ts";

export interface McpEndpointOptions {
  /** Open 2025-era sessions at most, over all gateways (unused ones are replaced first). */
  maxSessions: number;
  /** Open 2025-era sessions per agent key at most. */
  maxSessionsPerKey: number;
  /** A session without requests or open stream for this long is closed. */
  sessionIdleTimeoutMs: number;
  /** Open 2026-era `subscriptions/listen` streams per gateway at most. */
  maxListenStreams: number;
  /** Largest accepted request body. */
  maxRequestBytes: number;
  /** SSE keep-alive comment interval (the SDK's default, 15 s, when unset). */
  keepAliveMs?: number;
}

export const defaultMcpEndpointOptions: McpEndpointOptions = {
  maxSessions: 1_000,
  maxSessionsPerKey: 32,
  sessionIdleTimeoutMs: 30 * 60_000,
  maxListenStreams: 256,
  maxRequestBytes: 4 * 1024 * 1024,
};

/**
 * The MCP side of the gateway: authenticates every request, sends it to the 2025-era sessions or
 * the 2026-era per-request handlers, relays admin changes to open streams, and knows what must
 * happen at shutdown.
 */
export class McpEndpoint {
  /** Tool calls running. */
  readonly calls = new InFlight();
  /** Requests accepted and being handed to the SDK (a tool call may be about to start). */
  readonly #requests = new InFlight();
  readonly sessions: LegacySessions;
  readonly modern: ModernHandlers;
  readonly options: McpEndpointOptions;
  #accepting = true;
  #closing: Promise<void> | undefined;

  readonly #onToolsChanged = (gatewayId: string) => {
    this.sessions.notifyToolsChanged(gatewayId);
    this.modern.notifyToolsChanged(gatewayId);
  };
  readonly #onAccessChanged = (gatewayId: string) => {
    this.#recheckAccess(gatewayId).catch((error: unknown) => {
      this.deps.logger.error({ err: error, gatewayId }, "could not re-check MCP access");
    });
  };

  constructor(
    private readonly deps: AppDeps,
    options: Partial<McpEndpointOptions> = {},
  ) {
    this.options = { ...defaultMcpEndpointOptions, ...options };
    const createServer = (gatewayId: string) => createToolServer({ deps, calls: this.calls }, gatewayId);
    const logger = deps.logger.child({ component: "mcp" });
    const { keepAliveMs } = this.options;
    this.sessions = new LegacySessions(
      createServer,
      {
        maxSessions: this.options.maxSessions,
        maxSessionsPerKey: this.options.maxSessionsPerKey,
        idleTimeoutMs: this.options.sessionIdleTimeoutMs,
        ...(keepAliveMs !== undefined ? { keepAliveMs } : {}),
      },
      logger,
    );
    this.modern = new ModernHandlers(
      createServer,
      {
        maxListenStreams: this.options.maxListenStreams,
        ...(keepAliveMs !== undefined ? { keepAliveMs } : {}),
      },
      logger,
    );
    deps.events.on("tools-changed", this.#onToolsChanged);
    deps.events.on("access-changed", this.#onAccessChanged);
  }

  /** Serves `/gateways/:gateway/mcp` once Host and Origin have been checked. */
  async handle(c: Context<AppEnv>): Promise<Response> {
    if (!this.#accepting) return shuttingDown();
    const owner = authenticate(this.deps.db, c.req.param("gateway") ?? "", c.req.header("authorization"));
    if (!owner) return unauthorized();

    const raw = c.req.raw;
    let parsedBody: unknown;
    if (raw.method === "POST") {
      if (!isJsonContentType(raw.headers.get("content-type"))) return unsupportedMediaType();
      const body = await readRequestBody(raw, this.options.maxRequestBytes);
      if (body.tooLarge) return payloadTooLarge(this.options.maxRequestBytes);
      try {
        parsedBody = JSON.parse(body.text);
      } catch {
        return jsonRpcError(400, -32700, "Parse error: the request body is not valid JSON");
      }
    }
    // The body is passed parsed; the SDK reads only the method, URL, headers and signal.
    const request = new Request(raw.url, { method: raw.method, headers: raw.headers, signal: raw.signal });
    const context = { requestId: c.get("requestId"), connection: raw.signal };
    return this.#requests.track(() =>
      mcpRequestContext.run(context, () => this.#dispatch(request, parsedBody, owner)),
    );
  }

  /**
   * First step of shutdown: new MCP requests get 503 and the long-lived streams (2025 GET
   * streams, 2026 listen streams) end, so they do not hold the HTTP server open. Tool calls
   * already running go on.
   */
  beginShutdown(): void {
    this.#accepting = false;
    this.sessions.endStreams();
    this.modern.endStreamsWhere(() => true);
  }

  /**
   * Resolves true once no tool call runs (nor any request accepted before shutdown is still
   * on its way to one), false if `timeoutMs` passes first.
   */
  async waitForToolCalls(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (!(await this.#requests.waitIdle(timeoutMs))) return false;
    return this.calls.waitIdle(Math.max(0, deadline - Date.now()));
  }

  /** Closes every session and handler and stops listening to admin events. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#accepting = false;
      this.deps.events.off("tools-changed", this.#onToolsChanged);
      this.deps.events.off("access-changed", this.#onAccessChanged);
      await Promise.all([this.sessions.close(), this.modern.close()]);
    })();
    return this.#closing;
  }

  async #dispatch(request: Request, parsedBody: unknown, owner: SessionOwner): Promise<Response> {
    const legacy = await isLegacyRequest(request, parsedBody, {
      maxRequestBodySize: this.options.maxRequestBytes,
    });
    return legacy
      ? this.sessions.handle(request, parsedBody, owner)
      : this.modern.handle(request, parsedBody, owner);
  }

  /** After a key was revoked or a gateway deleted: end what was opened with a key no longer valid. */
  async #recheckAccess(gatewayId: string): Promise<void> {
    const gateway = findGateway(this.deps.db, gatewayId);
    const live = new Set(
      gateway
        ? listAgentKeys(this.deps.db, gatewayId)
            .filter((key) => !key.revokedAt)
            .map((key) => key.id)
        : [],
    );
    const lost = (owner: SessionOwner) => owner.gatewayId === gatewayId && !live.has(owner.keyId);
    this.modern.endStreamsWhere(lost);
    await this.sessions.closeWhere(lost, "access revoked");
    if (!gateway) await this.modern.drop(gatewayId);
  }
}

const endpoints = new WeakMap<AppDeps, McpEndpoint>();

/**
 * The one MCP endpoint of an app. The routes and the gateway's shutdown both reach it through
 * here; the first call creates it (with `options`, later calls ignore them).
 */
export function mcpEndpointFor(deps: AppDeps, options?: Partial<McpEndpointOptions>): McpEndpoint {
  let endpoint = endpoints.get(deps);
  if (!endpoint) {
    endpoint = new McpEndpoint(deps, options);
    endpoints.set(deps, endpoint);
  }
  return endpoint;
}
