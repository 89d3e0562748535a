import { createRoute, z } from "@hono/zod-openapi";
import { gatewayCapabilities, setCapability } from "../admin/service.ts";
import type { AppDeps } from "../deps.ts";
import { createRouter } from "./router.ts";
import {
  GatewayCapabilityParams,
  GatewayCapabilitySchema,
  GatewayParams,
  jsonBody,
  jsonResponse,
  PutCapabilityBody,
  problemResponses,
} from "./schemas.ts";
import { gatewayCapabilityView } from "./views.ts";

/** `/gateways/{gateway}/capabilities`: which capabilities a gateway offers, with what settings. */

const tags = ["Gateway capabilities"];

const list = createRoute({
  method: "get",
  path: "/gateways/{gateway}/capabilities",
  operationId: "listGatewayCapabilities",
  summary: "Every capability with this gateway's state",
  tags,
  request: { params: GatewayParams },
  responses: {
    200: jsonResponse(z.array(GatewayCapabilitySchema), "Enabled or not, with settings and active tools."),
    ...problemResponses(401, 404),
  },
});

const put = createRoute({
  method: "put",
  path: "/gateways/{gateway}/capabilities/{capability}",
  operationId: "putGatewayCapability",
  summary: "Enable or disable a capability and set its settings",
  description:
    "`settings` is validated by the capability's own settings schema (see GET /api/capabilities); " +
    "when omitted, the stored settings are kept.",
  tags,
  request: { params: GatewayCapabilityParams, body: jsonBody(PutCapabilityBody) },
  responses: {
    200: jsonResponse(GatewayCapabilitySchema, "The capability's new state on this gateway."),
    ...problemResponses(400, 401, 404, 413),
  },
});

export function gatewayCapabilityRoutes(deps: AppDeps) {
  return createRouter()
    .openapi(list, (c) =>
      c.json(gatewayCapabilities(deps, c.req.valid("param").gateway).map(gatewayCapabilityView), 200),
    )
    .openapi(put, (c) => {
      const { gateway, capability } = c.req.valid("param");
      return c.json(
        gatewayCapabilityView(setCapability(deps, gateway, capability, c.req.valid("json"))),
        200,
      );
    });
}
