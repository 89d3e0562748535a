import { HttpProblem } from "../problem.ts";

/**
 * The HTTP-level refusals of the MCP endpoint. Problems of the request as a whole are problem+json
 * like the rest of the gateway; problems inside the MCP exchange are JSON-RPC errors, which is
 * what MCP clients parse.
 */

/** One body for every authentication failure, so it reveals nothing about the gateway. */
export function unauthorized(): Response {
  return new HttpProblem(401, "A valid agent key for this gateway is required.").toResponse({
    "www-authenticate": 'Bearer realm="mcp-gateway"',
  });
}

export function shuttingDown(): Response {
  return new HttpProblem(503, "The gateway is shutting down.").toResponse({ "retry-after": "5" });
}

export function tooManySessions(): Response {
  return new HttpProblem(503, "Too many open MCP sessions; try again later.").toResponse({
    "retry-after": "30",
  });
}

export function unsupportedMediaType(): Response {
  return new HttpProblem(415, "MCP requests must be application/json.").toResponse();
}

export function payloadTooLarge(limit: number): Response {
  return new HttpProblem(413, `MCP requests may be at most ${limit} bytes.`).toResponse();
}

/** A JSON-RPC error that is not an answer to any one request (`id: null`). */
export function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status });
}
