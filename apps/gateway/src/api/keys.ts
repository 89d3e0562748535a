import { createRoute, z } from "@hono/zod-openapi";
import { addKey, keysOf, revokeKey } from "../admin/service.ts";
import type { AppDeps } from "../deps.ts";
import { createRouter } from "./router.ts";
import {
  CreatedKeySchema,
  CreateKeyBody,
  GatewayKeyParams,
  GatewayParams,
  jsonBody,
  jsonResponse,
  KeySchema,
  problemResponses,
} from "./schemas.ts";
import { createdKeyView, keyView } from "./views.ts";

/** `/gateways/{gateway}/keys`: the agent keys of a gateway. */

const tags = ["Agent keys"];

const list = createRoute({
  method: "get",
  path: "/gateways/{gateway}/keys",
  operationId: "listKeys",
  summary: "The gateway's agent keys, revoked ones included",
  tags,
  request: { params: GatewayParams },
  responses: {
    200: jsonResponse(z.array(KeySchema), "Newest first; secrets are never shown again."),
    ...problemResponses(401, 404),
  },
});

const create = createRoute({
  method: "post",
  path: "/gateways/{gateway}/keys",
  operationId: "createKey",
  summary: "Create an agent key",
  tags,
  request: { params: GatewayParams, body: jsonBody(CreateKeyBody) },
  responses: {
    201: jsonResponse(CreatedKeySchema, "The key with its secret `key`, shown this once."),
    ...problemResponses(400, 401, 404, 413),
  },
});

const revoke = createRoute({
  method: "delete",
  path: "/gateways/{gateway}/keys/{keyId}",
  operationId: "revokeKey",
  summary: "Revoke an agent key",
  description: "The key stays listed with `revokedAt`; revoking it again changes nothing.",
  tags,
  request: { params: GatewayKeyParams },
  responses: {
    204: { description: "Revoked." },
    ...problemResponses(401, 404),
  },
});

export function keyRoutes(deps: AppDeps) {
  return createRouter()
    .openapi(list, (c) => c.json(keysOf(deps, c.req.valid("param").gateway).map(keyView), 200))
    .openapi(create, (c) => {
      const key = addKey(deps, c.req.valid("param").gateway, c.req.valid("json"));
      c.header("cache-control", "no-store");
      return c.json(createdKeyView(key), 201);
    })
    .openapi(revoke, (c) => {
      const { gateway, keyId } = c.req.valid("param");
      revokeKey(deps, gateway, keyId);
      return c.body(null, 204);
    });
}
