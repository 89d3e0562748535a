import { z } from "@hono/zod-openapi";
import {
  createGatewayInput,
  createKeyInput,
  putCapabilityInput,
  updateGatewayInput,
} from "../admin/schemas.ts";

/**
 * The admin API's schemas as its OpenAPI document names them: the shared input schemas of
 * `admin/schemas.ts` (the very ones that validate requests), the path and query parameters, and
 * the response shapes.
 */

// Request bodies.
export const CreateGatewayBody = createGatewayInput.openapi("CreateGatewayInput", {
  example: { name: "Research team", slug: "research" },
});
export const UpdateGatewayBody = updateGatewayInput.openapi("UpdateGatewayInput", {
  example: { name: "Research team (EU)" },
});
export const PutCapabilityBody = putCapabilityInput.openapi("PutCapabilityInput", {
  example: { enabled: true, settings: {} },
});
export const CreateKeyBody = createKeyInput.openapi("CreateKeyInput", { example: { name: "ci-agent" } });

// Parameters.
const gatewayParam = z.string().openapi({
  param: { name: "gateway", in: "path" },
  description: "The gateway's id or its slug.",
  example: "research",
});
export const GatewayParams = z.object({ gateway: gatewayParam });
export const GatewayCapabilityParams = z.object({
  gateway: gatewayParam,
  capability: z.string().openapi({
    param: { name: "capability", in: "path" },
    description: "A capability id from GET /api/capabilities.",
    example: "code-runner",
  }),
});
export const GatewayKeyParams = z.object({
  gateway: gatewayParam,
  keyId: z.string().openapi({
    param: { name: "keyId", in: "path" },
    description: "The key's id.",
    example: "key_0123456789abcdef",
  }),
});
export const AuditQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(100)
    .openapi({ param: { name: "limit", in: "query" }, description: "How many entries, newest first." }),
});

// Responses.
const isoDate = z.string().openapi({ format: "date-time", example: "2025-01-31T12:00:00.000Z" });
const jsonObject = z.record(z.string(), z.unknown());

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:mcp-gateway:problem:bad-request" }),
    title: z.string().openapi({ example: "Bad Request" }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string(),
    field: z.string().optional().openapi({ description: "The offending field, as a dotted path." }),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem", { description: "RFC 9457 problem details." });

export const GatewaySchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    mcpUrl: z.string().openapi({ format: "uri", description: "Where agents connect (Streamable HTTP)." }),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .openapi("Gateway");

export const GatewaySummarySchema = z
  .object({
    ...GatewaySchema.shape,
    enabledCapabilities: z.array(z.string()),
    keyCount: z.number().int().openapi({ description: "Keys not revoked." }),
  })
  .openapi("GatewaySummary");

export const ToolSummarySchema = z
  .object({
    name: z.string(),
    title: z.string(),
    description: z.string(),
    annotations: z.object({
      readOnlyHint: z.boolean().optional(),
      destructiveHint: z.boolean().optional(),
      idempotentHint: z.boolean().optional(),
      openWorldHint: z.boolean().optional(),
    }),
    inputSchema: jsonObject.openapi({ description: "JSON Schema of the tool's input." }),
    outputSchema: jsonObject.openapi({ description: "JSON Schema of the tool's output." }),
  })
  .openapi("Tool");

export const CapabilitySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    settingsSchema: jsonObject.openapi({ description: "JSON Schema of the capability's settings." }),
    defaultSettings: jsonObject,
    tools: z.array(ToolSummarySchema),
  })
  .openapi("Capability");

export const GatewayCapabilitySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    settings: jsonObject,
    tools: z.array(z.string()).openapi({ description: "The tools this gateway offers from it now." }),
    updatedAt: isoDate.nullable(),
  })
  .openapi("GatewayCapability");

export const KeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "The visible start of the secret, to recognise it." }),
    createdAt: isoDate,
    lastUsedAt: isoDate.nullable(),
    revokedAt: isoDate.nullable(),
  })
  .openapi("Key");

export const CreatedKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: isoDate,
    key: z
      .string()
      .openapi({ description: "The secret, shown this once: agents send it as a bearer token." }),
  })
  .openapi("CreatedKey");

export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: isoDate,
    action: z.string().openapi({ example: "gateway.create" }),
    gatewayId: z.string().nullable(),
    detail: jsonObject,
  })
  .openapi("AuditEntry");

/** A JSON response for a route definition. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A JSON request body for a route definition: required, validated by `schema`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } };
}

const problemDescriptions = {
  400: "Bad input: invalid JSON, wrong content type, unknown or invalid fields (see `field`).",
  401: "Missing or wrong admin token.",
  404: "No such gateway, capability or key.",
  409: "The slug is already taken.",
  413: "The request body is larger than 64 KiB.",
} as const;

type ProblemStatus = keyof typeof problemDescriptions;

const problemContent = { "application/problem+json": { schema: ProblemSchema } };

/** Problem responses for a route definition, by status. */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]) {
  const responses = {} as Record<S, { description: string; content: typeof problemContent }>;
  for (const status of statuses) {
    responses[status] = { description: problemDescriptions[status], content: problemContent };
  }
  return responses;
}
