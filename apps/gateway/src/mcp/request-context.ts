import { AsyncLocalStorage } from "node:async_hooks";

/** What a tool call needs to know about the HTTP request that carried it. */
export interface McpRequestContext {
  /** The gateway's request id (also in the `x-request-id` response header and the access log). */
  requestId: string;
  /** Aborted when the client drops the HTTP connection that carried the request. */
  connection: AbortSignal;
}

/**
 * Carries the request context from the route into the SDK's request handlers, which the SDK
 * calls without it.
 */
export const mcpRequestContext = new AsyncLocalStorage<McpRequestContext>();
