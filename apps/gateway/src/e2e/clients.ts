import {
  Client as ClientV2,
  type McpSubscription,
  StreamableHTTPClientTransport as TransportV2,
} from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

/**
 * The official SDK clients behind one small interface, so every e2e test runs against each:
 * - `v1`: `@modelcontextprotocol/sdk` 1.x, protocol 2025-11-25, a session;
 * - `v2-legacy`: `@modelcontextprotocol/client` with its default negotiation (2025-era, a session);
 * - `v2-modern`: the same client negotiating protocol 2026-07-28 (stateless, `subscriptions/listen`).
 */
export type ClientKind = "v1" | "v2-legacy" | "v2-modern";
export const clientKinds: ClientKind[] = ["v1", "v2-legacy", "v2-modern"];

export interface ToolSummary {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown> | undefined;
  annotations?: Record<string, unknown> | undefined;
}

export interface CallResult {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown> | undefined;
  isError?: boolean | undefined;
}

export interface TestClient {
  kind: ClientKind;
  /** The negotiated protocol version. */
  protocolVersion: string | undefined;
  /** The 2025-era session id, if any. */
  sessionId: string | undefined;
  listTools(): Promise<ToolSummary[]>;
  /** Aborts every HTTP request the client has open, as a dropped connection would. */
  dropConnections(): void;
  callTool(
    name: string,
    args: Record<string, unknown>,
    options?: { signal?: AbortSignal },
  ): Promise<CallResult>;
  /**
   * Counts `notifications/tools/list_changed`. On 2026-07-28 this opens a listen stream and
   * resolves once the server acknowledged it.
   */
  watchToolsChanged(): Promise<{ count(): number }>;
  close(): Promise<void>;
}

export async function connectClient(kind: ClientKind, url: string, key: string): Promise<TestClient> {
  return kind === "v1" ? connectV1(url, key) : connectV2(url, key, kind);
}

/** A fetch whose open requests can all be aborted at once. */
function droppableFetch() {
  const open = new Set<AbortController>();
  const fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const controller = new AbortController();
    open.add(controller);
    const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    // Kept after the response arrives: its body may still be streaming.
    return globalThis.fetch(input, { ...init, signal });
  };
  return {
    fetch,
    drop() {
      for (const controller of open) controller.abort();
      open.clear();
    },
  };
}

async function connectV1(url: string, key: string): Promise<TestClient> {
  const client = new ClientV1({ name: "e2e-v1", version: "1.0.0" });
  const net = droppableFetch();
  const transport = new TransportV1(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: net.fetch,
  });
  await client.connect(transport);
  return {
    kind: "v1",
    protocolVersion: transport.protocolVersion,
    sessionId: transport.sessionId,
    async listTools() {
      return (await client.listTools()).tools as ToolSummary[];
    },
    dropConnections: net.drop,
    async callTool(name, args, options) {
      return (await client.callTool({ name, arguments: args }, undefined, options)) as CallResult;
    },
    async watchToolsChanged() {
      let count = 0;
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        count++;
      });
      return { count: () => count };
    },
    async close() {
      await client.close();
    },
  };
}

async function connectV2(url: string, key: string, kind: "v2-legacy" | "v2-modern"): Promise<TestClient> {
  const client = new ClientV2(
    { name: `e2e-${kind}`, version: "2.0.0" },
    kind === "v2-modern" ? { versionNegotiation: { mode: "auto" } } : {},
  );
  const net = droppableFetch();
  const transport = new TransportV2(new URL(url), {
    authProvider: { token: async () => key },
    fetch: net.fetch,
  });
  await client.connect(transport);
  const subscriptions: McpSubscription[] = [];
  return {
    kind,
    protocolVersion: client.getNegotiatedProtocolVersion(),
    sessionId: transport.sessionId,
    async listTools() {
      return (await client.listTools()).tools as ToolSummary[];
    },
    dropConnections: net.drop,
    async callTool(name, args, options) {
      return (await client.callTool({ name, arguments: args }, options)) as CallResult;
    },
    async watchToolsChanged() {
      let count = 0;
      client.setNotificationHandler("notifications/tools/list_changed", () => {
        count++;
      });
      if (kind === "v2-modern") subscriptions.push(await client.listen({ toolsListChanged: true }));
      return { count: () => count };
    },
    async close() {
      for (const subscription of subscriptions) await subscription.close();
      await client.close();
    },
  };
}
