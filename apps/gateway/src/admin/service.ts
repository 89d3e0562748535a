import {
  ConflictError,
  countAgentKeys,
  createAgentKey,
  createGateway,
  deleteGateway,
  findGateway,
  type Gateway,
  getCapabilitySetting,
  listAgentKeys,
  listGateways,
  putCapabilitySetting,
  recordAudit,
  revokeAgentKey,
  updateGateway,
} from "@gateway/db";
import type { z } from "zod";
import type { AppDeps } from "../deps.ts";
import { HttpProblem } from "../problem.ts";
import type {
  CreateGatewayInput,
  CreateKeyInput,
  PutCapabilityInput,
  UpdateGatewayInput,
} from "./schemas.ts";

/**
 * Admin operations, shared by the REST API and the settings pages. Each validates what the
 * schemas cannot, writes the audit log and tells the MCP side what changed.
 */

export type Deps = Pick<AppDeps, "db" | "registry" | "events">;

export function mcpPath(gateway: Pick<Gateway, "slug">): string {
  return `/gateways/${gateway.slug}/mcp`;
}

export function requireGateway(deps: Deps, idOrSlug: string): Gateway {
  const gateway = findGateway(deps.db, idOrSlug);
  if (!gateway) throw new HttpProblem(404, `No gateway "${idOrSlug}".`);
  return gateway;
}

export function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50)
    .replace(/-+$/g, "");
  return base.length >= 2 ? base : `gateway${base ? `-${base}` : ""}`;
}

function conflict(error: unknown): never {
  if (error instanceof ConflictError) throw new HttpProblem(409, error.message, { field: error.field });
  throw error;
}

export function listGatewaySummaries(deps: Deps) {
  return listGateways(deps.db).map((gateway) => ({
    ...gateway,
    enabledCapabilities: deps.registry
      .forGateway(deps.db, gateway.id)
      .filter((entry) => entry.enabled)
      .map((entry) => entry.capability.id),
    keyCount: countAgentKeys(deps.db, gateway.id),
  }));
}

export function addGateway(deps: Deps, input: CreateGatewayInput): Gateway {
  let slug = input.slug;
  if (!slug) {
    // A derived slug never conflicts: add a counter until it is free.
    const base = slugify(input.name);
    slug = base;
    for (let n = 2; findGateway(deps.db, slug); n++) slug = `${base}-${n}`;
  }
  try {
    const gateway = createGateway(deps.db, { name: input.name, slug });
    recordAudit(deps.db, {
      action: "gateway.create",
      gatewayId: gateway.id,
      detail: { name: gateway.name, slug },
    });
    return gateway;
  } catch (error) {
    conflict(error);
  }
}

export function editGateway(deps: Deps, idOrSlug: string, patch: UpdateGatewayInput): Gateway {
  const gateway = requireGateway(deps, idOrSlug);
  try {
    const updated = updateGateway(deps.db, gateway.id, patch)!;
    recordAudit(deps.db, { action: "gateway.update", gatewayId: gateway.id, detail: { ...patch } });
    return updated;
  } catch (error) {
    conflict(error);
  }
}

export function removeGateway(deps: Deps, idOrSlug: string): void {
  const gateway = requireGateway(deps, idOrSlug);
  deleteGateway(deps.db, gateway.id);
  recordAudit(deps.db, { action: "gateway.delete", gatewayId: gateway.id, detail: { slug: gateway.slug } });
  deps.events.emit("access-changed", gateway.id);
}

export function gatewayCapabilities(deps: Deps, idOrSlug: string) {
  const gateway = requireGateway(deps, idOrSlug);
  return deps.registry.forGateway(deps.db, gateway.id).map((entry) => ({
    id: entry.capability.id,
    name: entry.capability.name,
    enabled: entry.enabled,
    settings: entry.settings,
    tools: entry.capability.tools
      .filter((tool) => entry.enabled && (tool.isEnabled?.(entry.settings) ?? true))
      .map((tool) => tool.name),
    updatedAt: entry.updatedAt,
  }));
}

/** Validation issues of a capability's settings, as `{ field, message }` with `settings.` paths. */
function settingsIssues(error: z.ZodError) {
  return error.issues.map((issue) => ({
    field: ["settings", ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
}

export function setCapability(deps: Deps, idOrSlug: string, capabilityId: string, input: PutCapabilityInput) {
  const gateway = requireGateway(deps, idOrSlug);
  const capability = deps.registry.get(capabilityId);
  if (!capability) throw new HttpProblem(404, `No capability "${capabilityId}".`);
  // Without new settings the stored ones are kept; stored ones that no longer validate (e.g. a
  // maximum was lowered) give way to the defaults, as in the registry, so a toggle never fails on them.
  const stored = getCapabilitySetting(deps.db, gateway.id, capability.id)?.settings ?? {};
  const kept = capability.settingsSchema.safeParse(stored).success ? stored : {};
  const parsed = capability.settingsSchema.safeParse(input.settings ?? kept);
  if (!parsed.success) {
    const errors = settingsIssues(parsed.error);
    throw new HttpProblem(400, `Invalid settings for ${capability.name}: ${errors[0]?.message}`, {
      field: errors[0]?.field,
      errors,
    });
  }
  putCapabilitySetting(deps.db, {
    gatewayId: gateway.id,
    capabilityId: capability.id,
    enabled: input.enabled,
    settings: parsed.data as Record<string, unknown>,
  });
  recordAudit(deps.db, {
    action: input.enabled ? "capability.enable" : "capability.disable",
    gatewayId: gateway.id,
    detail: { capability: capability.id, settings: parsed.data },
  });
  deps.events.emit("tools-changed", gateway.id);
  return gatewayCapabilities(deps, gateway.id).find((entry) => entry.id === capability.id)!;
}

export function addKey(deps: Deps, idOrSlug: string, input: CreateKeyInput) {
  const gateway = requireGateway(deps, idOrSlug);
  const key = createAgentKey(deps.db, { gatewayId: gateway.id, name: input.name });
  recordAudit(deps.db, {
    action: "key.create",
    gatewayId: gateway.id,
    detail: { keyId: key.id, name: key.name },
  });
  return key;
}

export function keysOf(deps: Deps, idOrSlug: string) {
  return listAgentKeys(deps.db, requireGateway(deps, idOrSlug).id);
}

export function revokeKey(deps: Deps, idOrSlug: string, keyId: string): void {
  const gateway = requireGateway(deps, idOrSlug);
  if (!revokeAgentKey(deps.db, gateway.id, keyId))
    throw new HttpProblem(404, `No key "${keyId}" on this gateway.`);
  recordAudit(deps.db, { action: "key.revoke", gatewayId: gateway.id, detail: { keyId } });
  deps.events.emit("access-changed", gateway.id);
}
