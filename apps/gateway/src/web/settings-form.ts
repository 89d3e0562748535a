/**
 * Turns a capability's settings JSON schema (from the catalog) into form fields, and a submitted
 * form back into a settings object. Nothing here knows any one capability: a boolean becomes a
 * switch, a nested object a group, a number a number input with the schema's bounds.
 */

interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  maxLength?: number;
  minLength?: number;
  default?: unknown;
}

interface FieldBase {
  /** The form field name, e.g. `settings.limits.memoryMb` (also the API's error `field`). */
  name: string;
  path: string[];
  title: string;
  description?: string;
}

export type SettingsField =
  | (FieldBase & { kind: "boolean"; default?: boolean })
  | (FieldBase & {
      kind: "number";
      integer: boolean;
      minimum?: number;
      maximum?: number;
      default?: number;
    })
  | (FieldBase & { kind: "string"; maxLength?: number; minLength?: number; default?: string })
  | (FieldBase & { kind: "choice"; options: string[]; default?: string })
  | (FieldBase & { kind: "group"; fields: SettingsField[] })
  /** A shape the form cannot edit (arrays, unions): its current value is kept as it is. */
  | (FieldBase & { kind: "other" });

/** Bounds this close to the safe-integer limits are zod's defaults for `z.int()`, not real limits. */
const meaningful = (bound: number | undefined) =>
  bound !== undefined && Math.abs(bound) < Number.MAX_SAFE_INTEGER ? bound : undefined;

/** `memoryMb` → `Memory mb`: used only when a setting has no title. */
function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function settingsFields(schema: unknown, path: string[] = []): SettingsField[] {
  const properties = (schema as JsonSchema | undefined)?.properties ?? {};
  return Object.entries(properties).map(([key, property]) => fieldOf(property, [...path, key]));
}

function fieldOf(schema: JsonSchema, path: string[]): SettingsField {
  const base: FieldBase = {
    name: ["settings", ...path].join("."),
    path,
    title: schema.title ?? humanize(path.at(-1) ?? ""),
    ...(schema.description ? { description: schema.description } : {}),
  };
  const type = Array.isArray(schema.type) ? undefined : schema.type;
  if (schema.enum?.every((value) => typeof value === "string")) {
    return {
      ...base,
      kind: "choice",
      options: schema.enum as string[],
      ...(typeof schema.default === "string" ? { default: schema.default } : {}),
    };
  }
  switch (type) {
    case "object":
      return { ...base, kind: "group", fields: settingsFields(schema, path) };
    case "boolean":
      return {
        ...base,
        kind: "boolean",
        ...(typeof schema.default === "boolean" ? { default: schema.default } : {}),
      };
    case "integer":
    case "number": {
      const minimum = meaningful(schema.minimum ?? schema.exclusiveMinimum);
      const maximum = meaningful(schema.maximum ?? schema.exclusiveMaximum);
      return {
        ...base,
        kind: "number",
        integer: type === "integer",
        ...(minimum !== undefined ? { minimum } : {}),
        ...(maximum !== undefined ? { maximum } : {}),
        ...(typeof schema.default === "number" ? { default: schema.default } : {}),
      };
    }
    case "string":
      return {
        ...base,
        kind: "string",
        ...(schema.maxLength !== undefined ? { maxLength: schema.maxLength } : {}),
        ...(schema.minLength !== undefined ? { minLength: schema.minLength } : {}),
        ...(typeof schema.default === "string" ? { default: schema.default } : {}),
      };
    default:
      return { ...base, kind: "other" };
  }
}

/** Reads the value at `path` of a settings object (for showing current values). */
export function valueAt(settings: unknown, path: string[]): unknown {
  let value = settings;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export type FormValues = Record<string, unknown>;

/** How a browser sends a checked box (`on`), or a script `true`. Absent means unchecked. */
export const isChecked = (raw: unknown) => raw === "on" || raw === "true";
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Builds a settings object from submitted form values. A switch that is absent is off (that is
 * how a browser sends an unchecked box). Fields the form cannot edit keep their `current` value.
 * Returns field errors for values that are not numbers or break the schema's bounds; the
 * capability's own schema validates the result again when it is saved.
 */
export function settingsFromForm(
  fields: SettingsField[],
  form: FormValues,
  current: unknown,
): { settings: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const build = (list: SettingsField[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const field of list) {
      const key = field.path.at(-1)!;
      const raw = form[field.name];
      const text = typeof raw === "string" ? raw.trim() : "";
      switch (field.kind) {
        case "group":
          out[key] = build(field.fields);
          break;
        case "boolean":
          out[key] = isChecked(raw);
          break;
        case "number": {
          const number = parseNumber(field, text);
          if (typeof number === "string") errors.push({ field: field.name, message: number });
          else out[key] = number;
          break;
        }
        case "string":
          out[key] = typeof raw === "string" ? raw : "";
          break;
        case "choice":
          out[key] = text;
          break;
        case "other":
          if (valueAt(current, field.path) !== undefined) out[key] = valueAt(current, field.path);
          break;
      }
    }
    return out;
  };
  const settings = build(fields);
  return { settings, errors };
}

/** The number, or a message for the admin. */
function parseNumber(field: Extract<SettingsField, { kind: "number" }>, text: string): number | string {
  if (text === "") return "Enter a number.";
  const value = Number(text);
  if (!Number.isFinite(value)) return "Enter a number.";
  if (field.integer && !Number.isInteger(value)) return "Enter a whole number.";
  if (field.maximum !== undefined && value > field.maximum)
    return `Must be at most ${format(field.maximum)}.`;
  if (field.minimum !== undefined && value < field.minimum)
    return `Must be at least ${format(field.minimum)}.`;
  return value;
}

export function format(value: number): string {
  return value.toLocaleString("en-US");
}

/** Flattens a submitted settings object into form values, to re-show what the admin typed. */
export function formValuesOf(fields: SettingsField[], settings: unknown): FormValues {
  const values: FormValues = {};
  const walk = (list: SettingsField[]) => {
    for (const field of list) {
      if (field.kind === "group") walk(field.fields);
      else values[field.name] = valueAt(settings, field.path);
    }
  };
  walk(fields);
  return values;
}
