import { listAudit } from "@gateway/db";
import { createRoute, z } from "@hono/zod-openapi";
import { requireGateway } from "../admin/service.ts";
import type { AppDeps } from "../deps.ts";
import { createRouter } from "./router.ts";
import { AuditEntrySchema, AuditQuery, GatewayParams, jsonResponse, problemResponses } from "./schemas.ts";
import { auditView } from "./views.ts";

/** `/gateways/{gateway}/audit`: what admins changed on a gateway. */

const list = createRoute({
  method: "get",
  path: "/gateways/{gateway}/audit",
  operationId: "listGatewayAudit",
  summary: "The gateway's audit log, newest first",
  tags: ["Audit"],
  request: { params: GatewayParams, query: AuditQuery },
  responses: {
    200: jsonResponse(z.array(AuditEntrySchema), "Audit entries."),
    ...problemResponses(400, 401, 404),
  },
});

export function auditRoutes(deps: AppDeps) {
  return createRouter().openapi(list, (c) => {
    const gateway = requireGateway(deps, c.req.valid("param").gateway);
    const { limit } = c.req.valid("query");
    return c.json(listAudit(deps.db, { gatewayId: gateway.id, limit }).map(auditView), 200);
  });
}
