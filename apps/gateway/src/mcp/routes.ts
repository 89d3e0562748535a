/**
 * `/gateways/:gateway/mcp`: one MCP endpoint per gateway (`:gateway` is its id or slug), over
 * Streamable HTTP, built on the official SDK v2.
 *
 * Stateless or sessions? Both, by protocol era, because that is what makes
 * `notifications/tools/list_changed` possible in each:
 * - Protocol 2026-07-28 clients are served the way SDK v2 recommends, by `createMcpHandler`:
 *   stateless, a fresh server per request. List changes reach them on their
 *   `subscriptions/listen` streams (one handler, so one event bus, per gateway).
 * - 2025-era clients (2025-11-25, 2025-06-18, e.g. SDK v1) can only be notified on the GET
 *   stream of a session, and their `notifications/cancelled` arrives in a request of its own, so
 *   it must find the server that runs the call. They get sessions, bounded in number and closed
 *   when idle (see `legacy-sessions.ts`). The SDK's stateless fallback would lose both.
 * Neither caches the tool set: every `tools/list` and `tools/call` reads the gateway's
 * capabilities from the database, so a toggle counts from the next request.
 *
 * Every request is checked in this order: Host and Origin (403, against DNS rebinding), then
 * the agent key (401, one body for every failure), then it reaches the SDK.
 */
import { hostHeaderValidation, originValidation } from "@modelcontextprotocol/hono";
import { Hono } from "hono";
import type { AppEnv } from "../app.ts";
import type { AppDeps } from "../deps.ts";
import { allowedHostnames, allowedOriginHostnames } from "./allowed-hosts.ts";
import { mcpEndpointFor } from "./endpoint.ts";

export function createMcpRoutes(deps: AppDeps): Hono<AppEnv> {
  const endpoint = mcpEndpointFor(deps);
  const app = new Hono<AppEnv>();
  app.use(
    "/:gateway/mcp",
    hostHeaderValidation(allowedHostnames(deps.env)),
    originValidation(allowedOriginHostnames(deps.env)),
  );
  app.all("/:gateway/mcp", (c) => endpoint.handle(c));
  return app;
}
