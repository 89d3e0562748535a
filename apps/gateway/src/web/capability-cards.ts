import type { CapabilityRegistry } from "../capabilities/registry.ts";
import type { CapabilityCardData } from "./pages/capability-card.tsx";
import type { Flash } from "./session.ts";
import {
  type FieldError,
  type FormValues,
  formValuesOf,
  isChecked,
  type SettingsField,
  settingsFields,
} from "./settings-form.ts";

/** A capability as the settings page needs it, derived once from the registry's catalog. */
export interface CatalogEntry {
  id: string;
  name: string;
  description: string;
  fields: SettingsField[];
  tools: { name: string; title: string }[];
}

export function catalogEntries(registry: CapabilityRegistry): Map<string, CatalogEntry> {
  return new Map(
    registry.catalog().map((entry) => [
      entry.id,
      {
        id: entry.id,
        name: entry.name,
        description: entry.description,
        fields: settingsFields(entry.settingsSchema),
        tools: entry.tools.map((tool) => ({ name: tool.name, title: tool.title })),
      },
    ]),
  );
}

/** One gateway capability as `gatewayCapabilities()` returns it. */
export interface SavedCapability {
  id: string;
  enabled: boolean;
  settings: unknown;
  tools: string[];
}

/** A submission that failed, to show again with its errors instead of the saved state. */
export interface RejectedSubmission {
  capabilityId: string;
  enabled: boolean;
  values: FormValues;
  errors: FieldError[];
  message: string;
}

export const cardTarget = (capabilityId: string) => `cap-${capabilityId}`;

export function capabilityCards(
  catalog: Map<string, CatalogEntry>,
  saved: SavedCapability[],
  flashes: Flash[],
  rejected?: RejectedSubmission,
): CapabilityCardData[] {
  return saved.flatMap((capability) => {
    const entry = catalog.get(capability.id);
    if (!entry) return [];
    const failed = rejected?.capabilityId === capability.id ? rejected : undefined;
    const flash = flashes.find(
      (item): item is Extract<Flash, { kind: "success" | "error" }> =>
        item.kind !== "key-created" && item.target === cardTarget(capability.id),
    );
    const message = failed
      ? { kind: "error" as const, text: failed.message }
      : flash
        ? { kind: flash.kind, text: flash.message }
        : undefined;
    return [
      {
        id: entry.id,
        name: entry.name,
        description: entry.description,
        savedEnabled: capability.enabled,
        tools: entry.tools.map((tool) => ({ ...tool, active: capability.tools.includes(tool.name) })),
        fields: entry.fields,
        enabled: failed ? failed.enabled : capability.enabled,
        values: failed ? failed.values : formValuesOf(entry.fields, capability.settings),
        errors: failed?.errors ?? [],
        ...(message ? { message } : {}),
      },
    ];
  });
}

/** What the admin submitted, in the shape the card renders: switches as booleans, inputs as typed. */
export function submittedValues(fields: SettingsField[], form: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  const walk = (list: SettingsField[]) => {
    for (const field of list) {
      if (field.kind === "group") walk(field.fields);
      else if (field.kind === "boolean") values[field.name] = isChecked(form[field.name]);
      else values[field.name] = typeof form[field.name] === "string" ? form[field.name] : "";
    }
  };
  walk(fields);
  return values;
}
