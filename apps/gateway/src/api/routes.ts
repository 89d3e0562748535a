import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "../deps.ts";
import { HttpProblem } from "../problem.ts";
import { auditRoutes } from "./audit.ts";
import { requireAdmin } from "./auth.ts";
import { capabilityRoutes } from "./capabilities.ts";
import { gatewayCapabilityRoutes } from "./gateway-capabilities.ts";
import { gatewayRoutes } from "./gateways.ts";
import { keyRoutes } from "./keys.ts";
import { openApiRoutes } from "./openapi.ts";
import { toProblem } from "./problems.ts";
import { createRouter } from "./router.ts";

/** The largest request body the admin API reads. */
export const API_BODY_LIMIT = 64 * 1024;

/**
 * The admin REST API, mounted at `/api`: JSON in and out, `Authorization: Bearer <admin token>`
 * on every route except the OpenAPI document, errors as problem+json.
 */
export function createApiRoutes(deps: AppDeps) {
  const api = createRouter();
  api.onError((error) => {
    const problem = toProblem(error);
    if (!problem) throw error; // not the client's doing: the app's 500 handler logs it
    return problem.toResponse();
  });
  api.use(
    bodyLimit({
      maxSize: API_BODY_LIMIT,
      onError: () => {
        throw new HttpProblem(413, `The request body is larger than ${API_BODY_LIMIT / 1024} KiB.`);
      },
    }),
  );
  // Before the token check: the document is public.
  api.route("/", openApiRoutes(api, "/api"));
  api.use(requireAdmin(deps.admin));
  api.route("/", capabilityRoutes(deps));
  api.route("/", gatewayRoutes(deps));
  api.route("/", gatewayCapabilityRoutes(deps));
  api.route("/", keyRoutes(deps));
  api.route("/", auditRoutes(deps));
  return api;
}
