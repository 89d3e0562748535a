import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, type Router } from "./router.ts";
import { jsonResponse } from "./schemas.ts";

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the admin API, generated from the routes'
 * definitions (the zod schemas that also validate the requests). It needs no token: it describes
 * the API and holds no data.
 */

const SECURITY_SCHEME = "adminToken";

const document = createRoute({
  method: "get",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  summary: "This document",
  tags: ["Meta"],
  security: [],
  responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), "The OpenAPI 3.1 document.") },
});

/**
 * The document route for `api`, whose routes are mounted at `mountPath`. The document is built on
 * first request, once every route is registered, and then kept.
 */
export function openApiRoutes(api: Router, mountPath: string) {
  api.openAPIRegistry.registerComponent("securitySchemes", SECURITY_SCHEME, {
    type: "http",
    scheme: "bearer",
    description: "The admin token (ADMIN_TOKEN, or the one printed on first start).",
  });
  let built: Record<string, unknown> | undefined;
  return createRouter().openapi(document, (c) => {
    built ??= buildDocument(api, mountPath);
    return c.json(built, 200);
  });
}

function buildDocument(api: Router, mountPath: string): Record<string, unknown> {
  const generated = api.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "MCP Gateway admin API",
      version: "1",
      description:
        "Manage gateways, their capabilities and agent keys. Every route except this document needs " +
        "`Authorization: Bearer <admin token>`. Errors are `application/problem+json` (RFC 9457).",
    },
    security: [{ [SECURITY_SCHEME]: [] }],
  });
  const paths = Object.fromEntries(
    Object.entries(generated.paths ?? {}).map(([path, item]) => [`${mountPath}${path}`, item]),
  );
  return { ...generated, paths } as Record<string, unknown>;
}
