import { and, eq } from "drizzle-orm";
import type { Db } from "./open.ts";
import { capabilitySettings } from "./schema.ts";

export type CapabilitySetting = typeof capabilitySettings.$inferSelect;

/** The stored rows of one gateway; capabilities without a row are disabled with default settings. */
export function listCapabilitySettings(db: Db, gatewayId: string): CapabilitySetting[] {
  return db.select().from(capabilitySettings).where(eq(capabilitySettings.gatewayId, gatewayId)).all();
}

export function getCapabilitySetting(
  db: Db,
  gatewayId: string,
  capabilityId: string,
): CapabilitySetting | undefined {
  return db
    .select()
    .from(capabilitySettings)
    .where(
      and(eq(capabilitySettings.gatewayId, gatewayId), eq(capabilitySettings.capabilityId, capabilityId)),
    )
    .get();
}

/** Creates or replaces a gateway's state for one capability. `settings` must already be validated. */
export function putCapabilitySetting(
  db: Db,
  input: { gatewayId: string; capabilityId: string; enabled: boolean; settings: Record<string, unknown> },
): CapabilitySetting {
  const values = { ...input, updatedAt: new Date() };
  return db
    .insert(capabilitySettings)
    .values(values)
    .onConflictDoUpdate({
      target: [capabilitySettings.gatewayId, capabilitySettings.capabilityId],
      set: { enabled: values.enabled, settings: values.settings, updatedAt: values.updatedAt },
    })
    .returning()
    .get();
}
