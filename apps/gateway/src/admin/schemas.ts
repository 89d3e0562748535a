import { z } from "zod";

/**
 * Input schemas of admin operations, shared by the REST API (which also derives its OpenAPI
 * document from them) and the settings pages.
 */
export const slugSchema = z
  .string()
  .trim()
  .min(2, "must be at least 2 characters")
  .max(63, "must be at most 63 characters")
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
    "may contain only lower-case letters, digits and inner hyphens (e.g. my-gateway)",
  );

const nameSchema = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

export const createGatewayInput = z.strictObject({
  name: nameSchema,
  slug: slugSchema.optional(),
});
export type CreateGatewayInput = z.output<typeof createGatewayInput>;

export const updateGatewayInput = z
  .strictObject({ name: nameSchema.optional(), slug: slugSchema.optional() })
  .refine((value) => value.name !== undefined || value.slug !== undefined, {
    message: "give at least one of name, slug",
  });
export type UpdateGatewayInput = z.output<typeof updateGatewayInput>;

export const putCapabilityInput = z.strictObject({
  enabled: z.boolean(),
  /** Validated afterwards by the capability's own settings schema. Omitted: keep the stored ones. */
  settings: z.record(z.string(), z.unknown()).optional(),
});
export type PutCapabilityInput = z.output<typeof putCapabilityInput>;

export const createKeyInput = z.strictObject({ name: nameSchema });
export type CreateKeyInput = z.output<typeof createKeyInput>;
