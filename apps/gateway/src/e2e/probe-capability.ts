import { defineCapability, defineTool } from "@gateway/capability";
import { z } from "zod";

/**
 * A second test capability for the e2e tests: `whoami` reports the context a handler receives,
 * `explode` throws an error whose message must never reach the client.
 */
export const EXPLOSION = "internal detail: /srv/secret/path exploded";

export function createProbeCapability() {
  const whoami = defineTool<{ label: string }, z.ZodType, z.ZodType>({
    name: "whoami",
    title: "Who am I",
    description: "Reports the gateway id and settings the handler was given.",
    inputSchema: z.object({}),
    outputSchema: z.object({ gatewayId: z.string(), label: z.string(), aborted: z.boolean() }),
    annotations: { readOnlyHint: true },
    async handler(_input, ctx) {
      const structuredContent = {
        gatewayId: ctx.gatewayId,
        label: ctx.settings.label,
        aborted: ctx.signal.aborted,
      };
      return { content: [{ type: "text", text: JSON.stringify(structuredContent) }], structuredContent };
    },
  });
  const explode = defineTool<{ label: string }, z.ZodType, z.ZodType>({
    name: "explode",
    title: "Explode",
    description: "Always throws.",
    inputSchema: z.object({}),
    outputSchema: z.object({}),
    annotations: {},
    async handler() {
      throw new Error(EXPLOSION);
    },
  });
  return defineCapability({
    id: "probe",
    name: "Probe",
    description: "Reports a handler's context; fails on demand (test capability).",
    settingsSchema: z.object({ label: z.string().default("none") }),
    tools: [whoami, explode],
  });
}
