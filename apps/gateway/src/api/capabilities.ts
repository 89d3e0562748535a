import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { createRouter } from "./router.ts";
import { CapabilitySchema, jsonResponse, problemResponses } from "./schemas.ts";

/** `/capabilities`: the catalog of built-in capabilities. */

const catalog = createRoute({
  method: "get",
  path: "/capabilities",
  operationId: "listCapabilities",
  summary: "The built-in capabilities, their tools and settings schemas",
  tags: ["Capabilities"],
  responses: {
    200: jsonResponse(z.array(CapabilitySchema), "Every built-in capability."),
    ...problemResponses(401),
  },
});

export function capabilityRoutes(deps: AppDeps) {
  return createRouter().openapi(catalog, (c) =>
    c.json(
      deps.registry.catalog().map((entry) => ({
        ...entry,
        settingsSchema: entry.settingsSchema as Record<string, unknown>,
        defaultSettings: entry.defaultSettings as Record<string, unknown>,
        tools: entry.tools.map((tool) => ({
          ...tool,
          inputSchema: tool.inputSchema as Record<string, unknown>,
          outputSchema: tool.outputSchema as Record<string, unknown>,
        })),
      })),
      200,
    ),
  );
}
