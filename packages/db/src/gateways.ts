import { eq, or } from "drizzle-orm";
import { ConflictError, isUniqueViolation } from "./errors.ts";
import { newId } from "./ids.ts";
import type { Db } from "./open.ts";
import { gateways } from "./schema.ts";

export type Gateway = typeof gateways.$inferSelect;

export function listGateways(db: Db): Gateway[] {
  return db.select().from(gateways).orderBy(gateways.createdAt, gateways.id).all();
}

/** Finds a gateway by its id or its slug. */
export function findGateway(db: Db, idOrSlug: string): Gateway | undefined {
  return db
    .select()
    .from(gateways)
    .where(or(eq(gateways.id, idOrSlug), eq(gateways.slug, idOrSlug)))
    .get();
}

export function createGateway(db: Db, input: { name: string; slug: string }): Gateway {
  try {
    return db
      .insert(gateways)
      .values({ id: newId("gw"), name: input.name, slug: input.slug })
      .returning()
      .get();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`slug "${input.slug}" is already taken`, "slug");
    throw error;
  }
}

export function updateGateway(
  db: Db,
  id: string,
  patch: { name?: string; slug?: string },
): Gateway | undefined {
  try {
    return db
      .update(gateways)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(gateways.id, id))
      .returning()
      .get();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`slug "${patch.slug}" is already taken`, "slug");
    throw error;
  }
}

/** Deletes a gateway; its keys and capability settings go with it (ON DELETE CASCADE). */
export function deleteGateway(db: Db, id: string): boolean {
  return db.delete(gateways).where(eq(gateways.id, id)).run().changes > 0;
}
