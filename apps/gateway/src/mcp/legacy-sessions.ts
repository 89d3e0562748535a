import { randomUUID } from "node:crypto";
import {
  isInitializeRequest,
  type Server,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { Logger } from "../logger.ts";
import { onBodyDone } from "./body-done.ts";
import { jsonRpcError, tooManySessions } from "./responses.ts";

/** Who opened a session: later requests must come from the same gateway and the same key. */
export interface SessionOwner {
  gatewayId: string;
  keyId: string;
}

export interface LegacySessionOptions {
  /**
   * Open sessions at most. When full, a new session replaces the one unused the longest (no
   * request running, no open stream); when every session is in use, it is refused with 503.
   */
  maxSessions: number;
  /** Open sessions per agent key at most, with the same rule within the key's sessions. */
  maxSessionsPerKey: number;
  /** A session with no request and no open stream for this long is closed. */
  idleTimeoutMs: number;
  /** SSE keep-alive comment interval (the SDK's default when unset). */
  keepAliveMs?: number;
}

interface Session extends SessionOwner {
  id: string;
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
  lastActive: number;
  /** Responses still being sent, including the standalone GET stream. */
  open: number;
}

/**
 * Sessions of 2025-era clients (protocol 2025-11-25, 2025-06-18, ...), one SDK transport and
 * server each. A session exists so the server can push `notifications/tools/list_changed` on the
 * client's GET stream and so `notifications/cancelled` reaches the call it names.
 */
export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
  readonly #sweeper: NodeJS.Timeout;
  #opening = 0;

  constructor(
    private readonly createServer: (gatewayId: string) => Server,
    private readonly options: LegacySessionOptions,
    private readonly logger: Logger,
  ) {
    const every = Math.max(250, Math.min(options.idleTimeoutMs / 2, 60_000));
    this.#sweeper = setInterval(() => this.sweep(), every);
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The open sessions, for diagnostics and tests. `open` counts responses still streaming. */
  list(): (SessionOwner & { id: string; open: number })[] {
    return [...this.#sessions.values()].map(({ id, gatewayId, keyId, open }) => ({
      id,
      gatewayId,
      keyId,
      open,
    }));
  }

  /** Serves one HTTP request of a 2025-era client whose key has already been verified. */
  async handle(request: Request, parsedBody: unknown, owner: SessionOwner): Promise<Response> {
    const sessionId = request.headers.get("mcp-session-id");
    if (sessionId === null) {
      // 2025-03-26 clients may send `initialize` as a batch of one.
      const messages = Array.isArray(parsedBody) ? parsedBody : [parsedBody];
      if (request.method === "POST" && messages.some(isInitializeRequest))
        return this.#open(request, parsedBody, owner);
      return jsonRpcError(400, -32000, "Bad Request: an Mcp-Session-Id header is required");
    }
    const session = this.#sessions.get(sessionId);
    // Another key's session is reported exactly like an unknown one.
    if (!session || session.gatewayId !== owner.gatewayId || session.keyId !== owner.keyId)
      return jsonRpcError(404, -32001, "Session not found");
    return this.#serve(session, request, parsedBody);
  }

  /** Sends `notifications/tools/list_changed` on the GET streams of the gateway's sessions. */
  notifyToolsChanged(gatewayId: string): void {
    for (const session of this.#sessions.values()) {
      if (session.gatewayId !== gatewayId) continue;
      session.server.sendToolListChanged().catch((error: unknown) => {
        this.logger.warn({ err: error, sessionId: session.id }, "could not send tools/list_changed");
      });
    }
  }

  /** Closes the sessions that match, e.g. those whose key was revoked. */
  async closeWhere(matches: (owner: SessionOwner) => boolean, reason: string): Promise<void> {
    const closing = [...this.#sessions.values()]
      .filter(matches)
      .map((session) => this.#close(session, reason));
    await Promise.all(closing);
  }

  /** Closes sessions idle for longer than the idle timeout. */
  sweep(now = Date.now()): void {
    for (const session of this.#sessions.values()) {
      if (session.open === 0 && now - session.lastActive > this.options.idleTimeoutMs)
        void this.#close(session, "idle");
    }
  }

  /** Ends every standalone GET stream; sessions stay usable so in-flight calls can answer. */
  endStreams(): void {
    for (const session of this.#sessions.values()) session.transport.closeStandaloneSSEStream();
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.closeWhere(() => true, "gateway shutting down");
  }

  async #open(request: Request, parsedBody: unknown, owner: SessionOwner): Promise<Response> {
    const own = [...this.#sessions.values()].filter((session) => session.keyId === owner.keyId);
    const room =
      this.#makeRoom(own, this.options.maxSessionsPerKey, "per-key session limit") &&
      this.#makeRoom([...this.#sessions.values()], this.options.maxSessions - this.#opening, "session limit");
    if (!room) {
      this.logger.warn({ gatewayId: owner.gatewayId, keyId: owner.keyId }, "MCP session limit reached");
      return tooManySessions();
    }
    this.#opening++;
    const server = this.createServer(owner.gatewayId);
    const created: { session?: Session } = {};
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const session: Session = { ...owner, id, server, transport, lastActive: Date.now(), open: 0 };
        created.session = session;
        this.#sessions.set(id, session);
        this.logger.debug(
          { sessionId: id, gatewayId: owner.gatewayId, keyId: owner.keyId },
          "MCP session opened",
        );
      },
      onsessionclosed: (id) => {
        const session = this.#sessions.get(id);
        if (session) void this.#close(session, "ended by the client");
      },
      ...(this.options.keepAliveMs !== undefined ? { keepAliveMs: this.options.keepAliveMs } : {}),
    });
    server.onclose = () => {
      if (created.session) this.#sessions.delete(created.session.id);
    };
    try {
      await server.connect(transport);
      const response = await transport.handleRequest(request, { parsedBody });
      if (!created.session) await server.close();
      return response;
    } catch (error) {
      await server.close().catch(() => {});
      throw error;
    } finally {
      this.#opening--;
    }
  }

  /**
   * Gets `sessions` below `max` by closing the ones unused the longest; false if too many of
   * them are in use.
   */
  #makeRoom(sessions: Session[], max: number, reason: string): boolean {
    const unused = sessions
      .filter((session) => session.open === 0)
      .sort((a, b) => a.lastActive - b.lastActive);
    let excess = sessions.length - max + 1;
    if (excess > unused.length) return false;
    for (const session of unused) {
      if (excess-- <= 0) break;
      void this.#close(session, `replaced (${reason})`);
    }
    return true;
  }

  async #serve(session: Session, request: Request, parsedBody: unknown): Promise<Response> {
    session.open++;
    session.lastActive = Date.now();
    const release = () => {
      session.open--;
      session.lastActive = Date.now();
    };
    try {
      const response = await session.transport.handleRequest(request, { parsedBody });
      return onBodyDone(response, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  async #close(session: Session, reason: string): Promise<void> {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    this.logger.debug({ sessionId: session.id, gatewayId: session.gatewayId, reason }, "MCP session closed");
    await session.server.close().catch((error: unknown) => {
      this.logger.warn({ err: error, sessionId: session.id }, "error while closing an MCP session");
    });
  }
}
