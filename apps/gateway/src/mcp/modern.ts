import { createMcpHandler, type McpHttpHandler, type Server } from "@modelcontextprotocol/server";
import type { Logger } from "../logger.ts";
import { onBodyDone } from "./body-done.ts";
import type { SessionOwner } from "./legacy-sessions.ts";

export interface ModernOptions {
  /** Open `subscriptions/listen` streams per gateway at most. */
  maxListenStreams: number;
  /** SSE keep-alive comment interval (the SDK's default when unset). */
  keepAliveMs?: number;
}

interface Exchange extends SessionOwner {
  listen: boolean;
  controller: AbortController;
}

/**
 * Serves protocol 2026-07-28 clients with the SDK's `createMcpHandler`: one server instance per
 * request, no session. Tool list changes reach clients on their `subscriptions/listen` streams.
 * There is one handler per gateway, so a change in one gateway notifies only its own listeners.
 */
export class ModernHandlers {
  readonly #handlers = new Map<string, McpHttpHandler>();
  /** Requests being served (listen streams included), so they can be ended from here. */
  readonly #exchanges = new Set<Exchange>();

  constructor(
    private readonly createServer: (gatewayId: string) => Server,
    private readonly options: ModernOptions,
    private readonly logger: Logger,
  ) {}

  /** Open listen streams (for tests and diagnostics). */
  get listenStreams(): number {
    let count = 0;
    for (const exchange of this.#exchanges) if (exchange.listen) count++;
    return count;
  }

  /**
   * Serves one request whose key has already been verified. `request` carries no body; the body
   * was read and parsed by the route.
   */
  async handle(request: Request, parsedBody: unknown, owner: SessionOwner): Promise<Response> {
    const handler = this.#handlerFor(owner.gatewayId);
    const controller = new AbortController();
    const exchange: Exchange = { ...owner, listen: isListen(parsedBody), controller };
    this.#exchanges.add(exchange);
    const release = () => this.#exchanges.delete(exchange);
    // The SDK ends an exchange (and a listen stream) when the request's signal aborts.
    const forwarded = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      signal: AbortSignal.any([request.signal, controller.signal]),
    });
    try {
      const response = await handler.fetch(forwarded, {
        parsedBody,
        // The key was verified by the route; handlers see its id, never its secret.
        authInfo: {
          token: owner.keyId,
          clientId: owner.keyId,
          scopes: [],
          extra: { gatewayId: owner.gatewayId },
        },
      });
      return onBodyDone(response, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  notifyToolsChanged(gatewayId: string): void {
    this.#handlers.get(gatewayId)?.notify.toolsChanged();
  }

  /** Ends the listen streams that match, e.g. those opened with a key now revoked. */
  endStreamsWhere(matches: (owner: SessionOwner) => boolean): void {
    for (const exchange of this.#exchanges) {
      if (exchange.listen && matches(exchange)) exchange.controller.abort();
    }
  }

  /** Closes a deleted gateway's handler. */
  async drop(gatewayId: string): Promise<void> {
    const handler = this.#handlers.get(gatewayId);
    if (!handler) return;
    this.#handlers.delete(gatewayId);
    for (const exchange of this.#exchanges) if (exchange.gatewayId === gatewayId) exchange.controller.abort();
    await handler.close();
  }

  async close(): Promise<void> {
    for (const exchange of this.#exchanges) exchange.controller.abort();
    const handlers = [...this.#handlers.values()];
    this.#handlers.clear();
    await Promise.all(handlers.map((handler) => handler.close()));
  }

  #handlerFor(gatewayId: string): McpHttpHandler {
    let handler = this.#handlers.get(gatewayId);
    if (!handler) {
      handler = createMcpHandler(() => this.createServer(gatewayId), {
        legacy: "reject",
        maxSubscriptions: this.options.maxListenStreams,
        ...(this.options.keepAliveMs !== undefined ? { keepAliveMs: this.options.keepAliveMs } : {}),
        onerror: (error) => this.logger.debug({ err: error, gatewayId }, "MCP request refused"),
      });
      this.#handlers.set(gatewayId, handler);
    }
    return handler;
  }
}

function isListen(body: unknown): boolean {
  return (
    typeof body === "object" &&
    body !== null &&
    (body as { method?: unknown }).method === "subscriptions/listen"
  );
}
