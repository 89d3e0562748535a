import { createRoute, z } from "@hono/zod-openapi";
import {
  addGateway,
  editGateway,
  gatewayCapabilities,
  keysOf,
  listGatewaySummaries,
  removeGateway,
  requireGateway,
} from "../admin/service.ts";
import type { AppDeps } from "../deps.ts";
import { createRouter } from "./router.ts";
import {
  CreateGatewayBody,
  GatewayParams,
  GatewaySchema,
  GatewaySummarySchema,
  jsonBody,
  jsonResponse,
  problemResponses,
  UpdateGatewayBody,
} from "./schemas.ts";
import { gatewayView, publicBase } from "./views.ts";

/** `/gateways` and `/gateways/{gateway}`: create, list, read, rename, delete. */

const tags = ["Gateways"];

const list = createRoute({
  method: "get",
  path: "/gateways",
  operationId: "listGateways",
  summary: "List gateways",
  tags,
  responses: {
    200: jsonResponse(z.array(GatewaySummarySchema), "Every gateway, oldest first."),
    ...problemResponses(401),
  },
});

const create = createRoute({
  method: "post",
  path: "/gateways",
  operationId: "createGateway",
  summary: "Create a gateway",
  description: "Without `slug`, one is derived from the name (with a counter when taken).",
  tags,
  request: { body: jsonBody(CreateGatewayBody) },
  responses: {
    201: jsonResponse(GatewaySchema, "The new gateway and its MCP URL."),
    ...problemResponses(400, 401, 409, 413),
  },
});

const read = createRoute({
  method: "get",
  path: "/gateways/{gateway}",
  operationId: "getGateway",
  summary: "Read a gateway",
  tags,
  request: { params: GatewayParams },
  responses: {
    200: jsonResponse(GatewaySummarySchema, "The gateway."),
    ...problemResponses(401, 404),
  },
});

const update = createRoute({
  method: "patch",
  path: "/gateways/{gateway}",
  operationId: "updateGateway",
  summary: "Rename a gateway or change its slug",
  description: "Changing the slug changes the MCP URL: agents must be given the new one.",
  tags,
  request: { params: GatewayParams, body: jsonBody(UpdateGatewayBody) },
  responses: {
    200: jsonResponse(GatewaySchema, "The updated gateway."),
    ...problemResponses(400, 401, 404, 409, 413),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/gateways/{gateway}",
  operationId: "deleteGateway",
  summary: "Delete a gateway with its keys and capability settings",
  tags,
  request: { params: GatewayParams },
  responses: {
    204: { description: "Deleted." },
    ...problemResponses(401, 404),
  },
});

export function gatewayRoutes(deps: AppDeps) {
  return createRouter()
    .openapi(list, (c) => {
      const base = publicBase(deps.env, c);
      const gateways = listGatewaySummaries(deps).map((summary) => ({
        ...gatewayView(summary, base),
        enabledCapabilities: summary.enabledCapabilities,
        keyCount: summary.keyCount,
      }));
      return c.json(gateways, 200);
    })
    .openapi(create, (c) => {
      const gateway = addGateway(deps, c.req.valid("json"));
      c.header("location", `/api/gateways/${gateway.id}`);
      return c.json(gatewayView(gateway, publicBase(deps.env, c)), 201);
    })
    .openapi(read, (c) => {
      const gateway = requireGateway(deps, c.req.valid("param").gateway);
      return c.json(
        {
          ...gatewayView(gateway, publicBase(deps.env, c)),
          enabledCapabilities: gatewayCapabilities(deps, gateway.id)
            .filter((entry) => entry.enabled)
            .map((entry) => entry.id),
          keyCount: keysOf(deps, gateway.id).filter((key) => !key.revokedAt).length,
        },
        200,
      );
    })
    .openapi(update, (c) => {
      const gateway = editGateway(deps, c.req.valid("param").gateway, c.req.valid("json"));
      return c.json(gatewayView(gateway, publicBase(deps.env, c)), 200);
    })
    .openapi(remove, (c) => {
      removeGateway(deps, c.req.valid("param").gateway);
      return c.body(null, 204);
    });
}
