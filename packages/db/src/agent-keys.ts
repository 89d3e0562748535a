import { and, count, desc, eq, isNull } from "drizzle-orm";
import { newId, randomToken, sha256 } from "./ids.ts";
import type { Db } from "./open.ts";
import { agentKeys } from "./schema.ts";

export type AgentKeyRow = typeof agentKeys.$inferSelect;
/** A key as it may be shown: never the hash. */
export type AgentKey = Omit<AgentKeyRow, "secretHash">;

const KEY_PREFIX = "mcpgw_";

function publicView({ secretHash: _, ...key }: AgentKeyRow): AgentKey {
  return key;
}

/** Creates a key and returns it with its secret, which is never stored and cannot be shown again. */
export function createAgentKey(
  db: Db,
  input: { gatewayId: string; name: string },
): AgentKey & { secret: string } {
  const visible = randomToken(8);
  const secret = `${KEY_PREFIX}${visible}_${randomToken(32)}`;
  const row = db
    .insert(agentKeys)
    .values({
      id: newId("key"),
      gatewayId: input.gatewayId,
      name: input.name,
      prefix: `${KEY_PREFIX}${visible}`,
      secretHash: sha256(secret),
    })
    .returning()
    .get();
  return { ...publicView(row), secret };
}

export function listAgentKeys(db: Db, gatewayId: string): AgentKey[] {
  return db
    .select()
    .from(agentKeys)
    .where(eq(agentKeys.gatewayId, gatewayId))
    .orderBy(desc(agentKeys.createdAt), agentKeys.id)
    .all()
    .map(publicView);
}

/** Marks a key revoked. Returns false when the gateway has no such key; revoking twice is a no-op. */
export function revokeAgentKey(db: Db, gatewayId: string, keyId: string): boolean {
  const key = db
    .select({ revokedAt: agentKeys.revokedAt })
    .from(agentKeys)
    .where(and(eq(agentKeys.id, keyId), eq(agentKeys.gatewayId, gatewayId)))
    .get();
  if (!key) return false;
  if (!key.revokedAt)
    db.update(agentKeys).set({ revokedAt: new Date() }).where(eq(agentKeys.id, keyId)).run();
  return true;
}

/**
 * Checks a presented secret for a gateway. Returns the key when it is valid, live and belongs to
 * this gateway (and records its use), undefined otherwise.
 */
export function verifyAgentKey(db: Db, gatewayId: string, secret: string): AgentKey | undefined {
  if (!secret.startsWith(KEY_PREFIX) || secret.length > 200) return undefined;
  const row = db
    .select()
    .from(agentKeys)
    .where(
      and(
        eq(agentKeys.secretHash, sha256(secret)),
        eq(agentKeys.gatewayId, gatewayId),
        isNull(agentKeys.revokedAt),
      ),
    )
    .get();
  if (!row) return undefined;
  const lastUsedAt = new Date();
  db.update(agentKeys).set({ lastUsedAt }).where(eq(agentKeys.id, row.id)).run();
  return publicView({ ...row, lastUsedAt });
}

export function countAgentKeys(db: Db, gatewayId: string): number {
  const row = db
    .select({ live: count() })
    .from(agentKeys)
    .where(and(eq(agentKeys.gatewayId, gatewayId), isNull(agentKeys.revokedAt)))
    .get();
  return row?.live ?? 0;
}
