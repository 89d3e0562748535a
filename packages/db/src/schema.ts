import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(cast(unixepoch('subsecond') * 1000 as integer))`;

/** A gateway is one tenant: its own MCP endpoint, keys and capability settings. */
export const gateways = sqliteTable("gateways", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(now),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
});

/** Per-gateway state of one capability. A missing row means "disabled, default settings". */
export const capabilitySettings = sqliteTable(
  "capability_settings",
  {
    gatewayId: text("gateway_id")
      .notNull()
      .references(() => gateways.id, { onDelete: "cascade" }),
    capabilityId: text("capability_id").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(false),
    settings: text("settings", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.gatewayId, t.capabilityId] })],
);

/** Agent API keys. Only a SHA-256 of the secret is kept; `prefix` is the visible part. */
export const agentKeys = sqliteTable(
  "agent_keys",
  {
    id: text("id").primaryKey(),
    gatewayId: text("gateway_id")
      .notNull()
      .references(() => gateways.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull().unique(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(now),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("agent_keys_gateway_idx").on(t.gatewayId)],
);

/** Server-wide key/value settings (e.g. the admin token's hash). */
export const serverSettings = sqliteTable("server_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/** What admins changed, kept after the gateway itself is deleted (so no foreign key). */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at", { mode: "timestamp_ms" }).notNull().default(now),
    action: text("action").notNull(),
    gatewayId: text("gateway_id"),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("audit_log_gateway_idx").on(t.gatewayId, t.at)],
);
