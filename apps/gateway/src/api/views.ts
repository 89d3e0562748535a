import type { AgentKey, AuditEntry, Gateway } from "@gateway/db";
import type { Context } from "hono";
import { mcpPath } from "../admin/service.ts";
import type { Env } from "../env.ts";

/**
 * How the admin API shows stored things: dates as ISO strings, URLs absolute, never a key's hash.
 */

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

/** The origin MCP URLs are built on: PUBLIC_URL when set, else the request's own origin. */
export function publicBase(env: Pick<Env, "PUBLIC_URL">, c: Context): string {
  return (env.PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, "");
}

export function gatewayView(gateway: Gateway, base: string) {
  return {
    id: gateway.id,
    slug: gateway.slug,
    name: gateway.name,
    mcpUrl: `${base}${mcpPath(gateway)}`,
    createdAt: iso(gateway.createdAt),
    updatedAt: iso(gateway.updatedAt),
  };
}

export function keyView(key: AgentKey) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createdAt: iso(key.createdAt),
    lastUsedAt: isoOrNull(key.lastUsedAt),
    revokedAt: isoOrNull(key.revokedAt),
  };
}

export function createdKeyView(key: AgentKey & { secret: string }) {
  return { id: key.id, name: key.name, prefix: key.prefix, createdAt: iso(key.createdAt), key: key.secret };
}

export function gatewayCapabilityView(entry: {
  id: string;
  name: string;
  enabled: boolean;
  settings: unknown;
  tools: string[];
  updatedAt: Date | null;
}) {
  return {
    id: entry.id,
    name: entry.name,
    enabled: entry.enabled,
    settings: entry.settings as Record<string, unknown>,
    tools: entry.tools,
    updatedAt: isoOrNull(entry.updatedAt),
  };
}

export function auditView(entry: AuditEntry) {
  return {
    id: entry.id,
    at: iso(entry.at),
    action: entry.action,
    gatewayId: entry.gatewayId,
    detail: entry.detail,
  };
}
