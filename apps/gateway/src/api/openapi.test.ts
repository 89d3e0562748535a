import type { RouteConfig } from "@hono/zod-openapi";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { z } from "zod";
import { createApiRoutes } from "./routes.ts";
import { type ApiClient, createApiClient } from "./test-client.ts";

type Operation = {
  operationId: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { required: boolean; content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};
type Document = {
  openapi: string;
  security: Record<string, string[]>[];
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, Record<string, unknown>> };
  paths: Record<string, Record<string, Operation>>;
};

let api: ApiClient;
let doc: Document;
beforeEach(async () => {
  api = createApiClient();
  doc = (await api.json<Document>("GET", "/api/openapi.json")).body;
});
afterEach(() => api.close());

function operations(): [method: string, path: string, operation: Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(
      ([method, operation]) => [method, path, operation] as [string, string, Operation],
    ),
  );
}

test("is a valid OpenAPI 3.1 document", async () => {
  expect(doc.openapi).toBe("3.1.0");
  const validator = new Validator();
  const result = await validator.validate(doc as unknown as Record<string, unknown>);
  expect(result.errors).toBeUndefined();
  expect(result.valid).toBe(true);
  expect(validator.version).toBe("3.1");
  // Every $ref resolves.
  expect(() => validator.resolveRefs()).not.toThrow();
});

test("the validator used above does reject a broken document", async () => {
  const broken = structuredClone(doc) as unknown as { paths: Record<string, Record<string, unknown>> };
  broken.paths["/api/gateways"]!.get = { responses: "none" };
  expect((await new Validator().validate(broken)).valid).toBe(false);
});

test("lists every route the API serves, and nothing else", () => {
  // Hono keeps one entry per handler (validators included) and one per middleware ("ALL").
  const served = [
    ...new Set(
      createApiRoutes(api.deps)
        .routes.filter((route) => route.method !== "ALL")
        .map((route) => `${route.method.toLowerCase()} /api${route.path.replace(/:([^/]+)/g, "{$1}")}`),
    ),
  ].sort();
  const documented = operations()
    .map(([method, path]) => `${method} ${path}`)
    .sort();
  expect(documented).toEqual(served);
  expect(documented).toEqual(
    [
      "get /api/openapi.json",
      "get /api/capabilities",
      "get /api/gateways",
      "post /api/gateways",
      "get /api/gateways/{gateway}",
      "patch /api/gateways/{gateway}",
      "delete /api/gateways/{gateway}",
      "get /api/gateways/{gateway}/capabilities",
      "put /api/gateways/{gateway}/capabilities/{capability}",
      "get /api/gateways/{gateway}/keys",
      "post /api/gateways/{gateway}/keys",
      "delete /api/gateways/{gateway}/keys/{keyId}",
      "get /api/gateways/{gateway}/audit",
    ].sort(),
  );
  const ids = operations().map(([, , operation]) => operation.operationId);
  expect(new Set(ids).size).toBe(ids.length);
});

test("declares bearer security for every route but the document itself", () => {
  const [scheme] = Object.keys(doc.security[0]!);
  expect(doc.components.securitySchemes[scheme!]).toMatchObject({ type: "http", scheme: "bearer" });
  for (const [method, path, operation] of operations()) {
    if (path === "/api/openapi.json") {
      expect(operation.security).toEqual([]);
      continue;
    }
    expect(operation.security, `${method} ${path}`).toBeUndefined(); // inherits the document's
    const problem = operation.responses["401"]?.content?.["application/problem+json"]?.schema;
    expect(problem, `${method} ${path}`).toEqual({ $ref: "#/components/schemas/Problem" });
  }
});

describe("schemas", () => {
  test("request bodies reference the shared input schemas, with their rules", () => {
    const bodies = Object.fromEntries(
      operations()
        .filter(([, , operation]) => operation.requestBody)
        .map(([method, path, operation]) => [
          `${method} ${path}`,
          operation.requestBody!.content["application/json"]!.schema.$ref,
        ]),
    );
    expect(bodies).toEqual({
      "post /api/gateways": "#/components/schemas/CreateGatewayInput",
      "patch /api/gateways/{gateway}": "#/components/schemas/UpdateGatewayInput",
      "put /api/gateways/{gateway}/capabilities/{capability}": "#/components/schemas/PutCapabilityInput",
      "post /api/gateways/{gateway}/keys": "#/components/schemas/CreateKeyInput",
    });
    for (const [, , operation] of operations()) {
      if (!operation.requestBody) continue;
      expect(operation.requestBody.required).toBe(true);
      for (const status of ["400", "413"]) expect(operation.responses[status]).toBeDefined();
    }
    const schemas = doc.components.schemas;
    expect(schemas.CreateGatewayInput).toMatchObject({
      type: "object",
      required: ["name"],
      additionalProperties: false,
      properties: {
        name: { type: "string", minLength: 1, maxLength: 100 },
        slug: { type: "string", minLength: 2, maxLength: 63, pattern: expect.any(String) },
      },
    });
    expect(schemas.PutCapabilityInput).toMatchObject({
      required: ["enabled"],
      additionalProperties: false,
      properties: { enabled: { type: "boolean" }, settings: { type: "object" } },
    });
    expect(schemas.CreateKeyInput).toMatchObject({ required: ["name"], additionalProperties: false });
    expect(schemas.Problem).toMatchObject({ required: ["type", "title", "status", "detail"] });
    expect(schemas.Key?.properties).not.toHaveProperty("secretHash");
  });

  test("path parameters are declared for every templated segment", () => {
    for (const [method, path, operation] of operations()) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const declared = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      expect(declared, `${method} ${path}`).toEqual(templated);
      if (templated.includes("gateway")) expect(operation.responses["404"]).toBeDefined();
    }
  });

  test("every documented success response describes what the route really returns", async () => {
    const gateway = await api.createGateway("Main", "main");
    const key = (await api.json("POST", "/api/gateways/main/keys", { name: "agent" })).body;
    const calls: [method: string, path: string, body?: unknown][] = [
      ["GET", "/api/capabilities"],
      ["GET", "/api/gateways"],
      ["POST", "/api/gateways", { name: "Second" }],
      ["GET", "/api/gateways/main"],
      ["PATCH", "/api/gateways/main", { name: "Main 2" }],
      ["GET", "/api/gateways/main/capabilities"],
      ["PUT", "/api/gateways/main/capabilities/echo", { enabled: true }],
      ["GET", "/api/gateways/main/keys"],
      ["POST", "/api/gateways/main/keys", { name: "more" }],
      ["GET", "/api/gateways/main/audit"],
      ["DELETE", `/api/gateways/main/keys/${key.id}`],
      ["DELETE", `/api/gateways/${gateway.id}`],
    ];
    const definitions = createApiRoutes(api.deps)
      .openAPIRegistry.definitions.filter((definition) => definition.type === "route")
      .map((definition) => (definition as { route: RouteConfig }).route);
    for (const [method, path, body] of calls) {
      const response = await api.call(method, path, body);
      const route = definitions.find(
        (candidate) =>
          candidate.method === method.toLowerCase() &&
          new RegExp(`^/api${candidate.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path),
      );
      expect(route, `${method} ${path}`).toBeDefined();
      const documented = route!.responses[response.status];
      expect(documented, `${method} ${path} → ${response.status}`).toBeDefined();
      const schema = (documented as { content?: Record<string, { schema: z.ZodType }> }).content?.[
        "application/json"
      ]?.schema;
      if (!schema) {
        expect(await response.text()).toBe("");
        continue;
      }
      const actual = await response.json();
      const parsed = schema.safeParse(actual);
      expect(parsed.error, `${method} ${path}`).toBeUndefined();
      expect(parsed.data, `${method} ${path}: no undocumented fields`).toEqual(actual);
    }
  });
});
