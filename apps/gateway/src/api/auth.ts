import type { MiddlewareHandler } from "hono";
import type { AdminAuth } from "../admin-token.ts";
import { HttpProblem } from "../problem.ts";

const REALM = 'Bearer realm="mcp-gateway-admin"';

/** The bearer token of an `Authorization` header, or undefined when there is none or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([^\s]+) *$/i.exec(header ?? "");
  return match?.[1];
}

/**
 * Admits a request only with `Authorization: Bearer <admin token>`. A refusal is a 401 problem
 * with a `WWW-Authenticate` challenge (RFC 6750): no token, another scheme or a wrong token.
 */
export function requireAdmin(admin: AdminAuth): MiddlewareHandler {
  return async function requireAdmin(c, next) {
    const header = c.req.header("authorization");
    const token = bearerToken(header);
    if (token && admin.verify(token)) return next();
    const [detail, challenge] = !header
      ? ["Send the admin token as Authorization: Bearer <token>.", REALM]
      : !token
        ? ["The Authorization header must use the Bearer scheme.", `${REALM}, error="invalid_request"`]
        : ["The admin token is not valid.", `${REALM}, error="invalid_token"`];
    return new HttpProblem(401, detail).toResponse({ "www-authenticate": challenge });
  };
}
