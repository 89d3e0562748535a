import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { createApiRoutes } from "./api/routes.ts";
import type { AppDeps } from "./deps.ts";
import { createMcpRoutes } from "./mcp/routes.ts";
import { HttpProblem } from "./problem.ts";
import { createWebRoutes } from "./web/routes.ts";

export type AppEnv = { Variables: { requestId: string } };

/** The whole HTTP surface: health, admin API, MCP endpoints and the settings pages. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const requestId = c.req.header("x-request-id")?.slice(0, 100) || randomUUID();
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    const started = performance.now();
    await next();
    deps.logger.info(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      "request",
    );
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.route("/api", createApiRoutes(deps));
  app.route("/gateways", createMcpRoutes(deps));
  app.route("/", createWebRoutes(deps));

  app.notFound(() => new HttpProblem(404, "No such route.").toResponse());
  app.onError((error, c) => {
    if (error instanceof HttpProblem) return error.toResponse();
    // Hono's own errors (malformed JSON, body limits) keep their status; never a 500 for bad input.
    if (error instanceof HTTPException && error.status < 500) {
      return new HttpProblem(error.status, error.message || "Bad request.").toResponse();
    }
    deps.logger.error({ err: error, requestId: c.get("requestId") }, "unhandled error");
    return new HttpProblem(500, `Internal error (request id ${c.get("requestId")}).`).toResponse();
  });
  return app;
}
