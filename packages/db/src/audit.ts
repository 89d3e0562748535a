import { desc, eq } from "drizzle-orm";
import type { Db } from "./open.ts";
import { auditLog } from "./schema.ts";

export type AuditEntry = typeof auditLog.$inferSelect;

export function recordAudit(
  db: Db,
  entry: { action: string; gatewayId?: string | null; detail?: Record<string, unknown> },
): void {
  db.insert(auditLog)
    .values({ action: entry.action, gatewayId: entry.gatewayId ?? null, detail: entry.detail ?? {} })
    .run();
}

export function listAudit(db: Db, options: { gatewayId?: string; limit?: number } = {}): AuditEntry[] {
  const query = db.select().from(auditLog);
  const filtered = options.gatewayId ? query.where(eq(auditLog.gatewayId, options.gatewayId)) : query;
  return filtered
    .orderBy(desc(auditLog.id))
    .limit(options.limit ?? 100)
    .all();
}
