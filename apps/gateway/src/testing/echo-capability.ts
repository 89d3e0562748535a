import { defineCapability, defineTool } from "@gateway/capability";
import { z } from "zod";

/**
 * A small capability used by the gateway's own tests (the real ones live in packages/*).
 * `echo` returns its input; `wait` runs until its AbortSignal fires and reports that it did.
 */
export const echoSettings = z.object({
  prefix: z.string().max(20).default("").meta({ title: "Prefix", description: "Put before every echo." }),
  waitEnabled: z.boolean().default(true).meta({ title: "Offer the wait tool" }),
});

export type EchoEvents = { aborted: string[]; disposed: number; started: number };

export function createEchoCapability(events: EchoEvents = { aborted: [], disposed: 0, started: 0 }) {
  const echo = defineTool<z.output<typeof echoSettings>, z.ZodType, z.ZodType>({
    name: "echo",
    title: "Echo",
    description: "Returns the text it is given.",
    inputSchema: z.object({ text: z.string().max(1000) }),
    outputSchema: z.object({ text: z.string() }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async handler(input, ctx) {
      const text = `${ctx.settings.prefix}${(input as { text: string }).text}`;
      return { content: [{ type: "text", text }], structuredContent: { text } };
    },
  });
  const wait = defineTool<z.output<typeof echoSettings>, z.ZodType, z.ZodType>({
    name: "wait",
    title: "Wait",
    description: "Waits until cancelled or until `ms` pass.",
    inputSchema: z.object({ id: z.string(), ms: z.number().int().min(0).max(60_000) }),
    outputSchema: z.object({ aborted: z.boolean() }),
    annotations: { readOnlyHint: true },
    isEnabled: (settings) => settings.waitEnabled,
    async handler(input, ctx) {
      const { id, ms } = input as { id: string; ms: number };
      const aborted = await new Promise<boolean>((resolve) => {
        const onAbort = () => {
          clearTimeout(timer);
          events.aborted.push(id);
          resolve(true);
        };
        const timer = setTimeout(() => {
          ctx.signal.removeEventListener("abort", onAbort);
          resolve(false);
        }, ms);
        ctx.signal.addEventListener("abort", onAbort, { once: true });
      });
      return {
        content: [{ type: "text", text: aborted ? "aborted" : "done" }],
        structuredContent: { aborted },
      };
    },
  });
  return defineCapability({
    id: "echo",
    name: "Echo",
    description: "Echoes text back (test capability).",
    settingsSchema: echoSettings,
    tools: [echo, wait],
    async start() {
      events.started++;
    },
    async dispose() {
      events.disposed++;
    },
  });
}
