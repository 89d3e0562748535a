import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formValuesOf, type SettingsField, settingsFields, settingsFromForm } from "./settings-form.ts";

/** A schema shaped like a real capability's settings, turned into JSON schema the way the catalog does. */
const schema = z.object({
  languages: z
    .object({
      javascript: z
        .boolean()
        .default(true)
        .meta({ title: "JavaScript", description: "Offer run_javascript." }),
      python: z.boolean().default(true),
    })
    .prefault({})
    .meta({ title: "Languages" }),
  limits: z
    .object({
      memoryMb: z.int().min(16).max(512).default(128).meta({ title: "Memory (MB)" }),
      ratio: z.number().min(0).max(1).default(0.5),
      plain: z.int().default(3),
    })
    .prefault({}),
  prefix: z.string().max(20).default(""),
  mode: z.enum(["fast", "safe"]).default("safe"),
  tags: z.array(z.string()).default([]),
});
const jsonSchema = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
const fields = settingsFields(jsonSchema);

function find(list: SettingsField[], name: string): SettingsField | undefined {
  for (const field of list) {
    if (field.name === name) return field;
    if (field.kind === "group") {
      const found = find(field.fields, name);
      if (found) return found;
    }
  }
  return undefined;
}

describe("settingsFields", () => {
  it("maps booleans to switches, objects to groups, numbers with bounds, enums to choices", () => {
    expect(fields.map((field) => [field.name, field.kind])).toEqual([
      ["settings.languages", "group"],
      ["settings.limits", "group"],
      ["settings.prefix", "string"],
      ["settings.mode", "choice"],
      ["settings.tags", "other"],
    ]);
    expect(find(fields, "settings.languages")).toMatchObject({ title: "Languages" });
    expect(find(fields, "settings.languages.javascript")).toMatchObject({
      kind: "boolean",
      title: "JavaScript",
      description: "Offer run_javascript.",
      default: true,
    });
    expect(find(fields, "settings.limits.memoryMb")).toMatchObject({
      kind: "number",
      integer: true,
      minimum: 16,
      maximum: 512,
      default: 128,
    });
    expect(find(fields, "settings.limits.ratio")).toMatchObject({
      kind: "number",
      integer: false,
      maximum: 1,
    });
    expect(find(fields, "settings.prefix")).toMatchObject({ kind: "string", maxLength: 20 });
    expect(find(fields, "settings.mode")).toMatchObject({ options: ["fast", "safe"], default: "safe" });
  });

  it("titles untitled settings from their key, and ignores zod's safe-integer bounds", () => {
    expect(find(fields, "settings.languages.python")?.title).toBe("Python");
    expect(find(fields, "settings.limits")?.title).toBe("Limits");
    const plain = find(fields, "settings.limits.plain");
    expect(plain).toMatchObject({ kind: "number", title: "Plain" });
    expect(plain).not.toHaveProperty("maximum");
    expect(plain).not.toHaveProperty("minimum");
  });
});

describe("settingsFromForm", () => {
  const current = schema.parse({ tags: ["kept"] });
  const filled = {
    "settings.languages.javascript": "on",
    "settings.limits.memoryMb": "256",
    "settings.limits.ratio": "0.25",
    "settings.limits.plain": "7",
    "settings.prefix": "> ",
    "settings.mode": "fast",
  };

  it("builds the settings object: absent switches are off, uneditable values are kept", () => {
    const { settings, errors } = settingsFromForm(fields, filled, current);
    expect(errors).toEqual([]);
    expect(settings).toEqual({
      languages: { javascript: true, python: false },
      limits: { memoryMb: 256, ratio: 0.25, plain: 7 },
      prefix: "> ",
      mode: "fast",
      tags: ["kept"],
    });
    expect(schema.parse(settings)).toEqual(settings);
  });

  it("reports numbers that are missing, not numbers, not whole, or out of bounds", () => {
    const { errors } = settingsFromForm(
      fields,
      {
        ...filled,
        "settings.limits.memoryMb": "600",
        "settings.limits.ratio": "abc",
        "settings.limits.plain": "1.5",
      },
      current,
    );
    expect(errors).toEqual([
      { field: "settings.limits.memoryMb", message: "Must be at most 512." },
      { field: "settings.limits.ratio", message: "Enter a number." },
      { field: "settings.limits.plain", message: "Enter a whole number." },
    ]);
    const low = settingsFromForm(fields, { ...filled, "settings.limits.memoryMb": "8" }, current);
    expect(low.errors).toEqual([{ field: "settings.limits.memoryMb", message: "Must be at least 16." }]);
    const empty = settingsFromForm(fields, { ...filled, "settings.limits.memoryMb": " " }, current);
    expect(empty.errors).toEqual([{ field: "settings.limits.memoryMb", message: "Enter a number." }]);
  });

  it("round-trips: the form values of saved settings give the same settings back", () => {
    const saved = schema.parse({ languages: { python: false }, limits: { memoryMb: 64 }, prefix: "x" });
    const values = formValuesOf(fields, saved);
    expect(values["settings.languages.javascript"]).toBe(true);
    expect(values["settings.languages.python"]).toBe(false);
    // What a browser would send for these values: checked boxes as "on", the rest as text.
    const submitted = Object.fromEntries(
      Object.entries(values)
        .filter(([, value]) => value !== false && value !== undefined)
        .map(([name, value]) => [name, value === true ? "on" : String(value)]),
    );
    expect(settingsFromForm(fields, submitted, saved).settings).toEqual(saved);
  });
});
