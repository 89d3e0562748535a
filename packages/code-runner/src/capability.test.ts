import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Capability, CapabilityLogger, ToolContext } from "@gateway/capability";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createCodeRunnerCapability } from "./capability.ts";
import type { CodeRunnerSettings } from "./settings.ts";

const maxLimits = { memoryMb: 256, cpuMs: 1_000, wallMs: 60_000, codeKb: 20, outputKb: 2_048 };
const silent: CapabilityLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

describe("settings", () => {
  const capability = createCodeRunnerCapability({ maxLimits, workers: 1 });

  it("defaults to both languages and the product limits", () => {
    expect(capability.settingsSchema.parse({})).toEqual({
      languages: { javascript: true, python: true },
      limits: { memoryMb: 128, cpuMs: 100, wallMs: 30_000, codeKb: 10, outputKb: 1024 },
    });
  });

  it("accepts integers from 1 to the server maximum only", () => {
    const parse = (limits: object) => capability.settingsSchema.safeParse({ limits }).success;
    expect(parse({ memoryMb: 256, cpuMs: 1 })).toBe(true);
    expect(parse({ memoryMb: 257 })).toBe(false);
    expect(parse({ cpuMs: 0 })).toBe(false);
    expect(parse({ wallMs: 1.5 })).toBe(false);
  });

  it("lowers a default that is above a lowered maximum", () => {
    const tight = createCodeRunnerCapability({ maxLimits: { ...maxLimits, cpuMs: 50 } });
    expect((tight.settingsSchema.parse({}) as CodeRunnerSettings).limits.cpuMs).toBe(50);
  });

  it("describes every field for the settings page", () => {
    const schema = z.toJSONSchema(capability.settingsSchema, { io: "input" }) as {
      properties: Record<string, { properties: Record<string, { title?: string; maximum?: number }> }>;
    };
    expect(schema.properties.languages?.properties.javascript?.title).toBe("JavaScript");
    expect(schema.properties.limits?.properties.memoryMb).toMatchObject({
      title: "Memory (MB)",
      maximum: 256,
    });
    for (const group of Object.values(schema.properties)) {
      for (const field of Object.values(group.properties)) expect(field.title).toBeTruthy();
    }
  });

  it("offers run_javascript only when JavaScript is switched on", () => {
    const tool = capability.tools.find((t) => t.name === "run_javascript")!;
    const settings = capability.settingsSchema.parse({}) as CodeRunnerSettings;
    expect(tool.isEnabled?.(settings)).toBe(true);
    expect(tool.isEnabled?.({ ...settings, languages: { ...settings.languages, javascript: false } })).toBe(
      false,
    );
    expect(tool.annotations).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
  });
});

describe("run_javascript", () => {
  let capability: Capability;
  beforeAll(async () => {
    capability = createCodeRunnerCapability({ maxLimits, workers: 1 });
    await capability.start?.({ logger: silent, dataDir: "/nonexistent" });
  });
  afterAll(async () => {
    await capability.dispose?.();
  });

  const call = (input: unknown, settings: object = {}, signal = new AbortController().signal) => {
    const tool = capability.tools.find((t) => t.name === "run_javascript")!;
    const ctx: ToolContext<unknown> = {
      signal,
      settings: capability.settingsSchema.parse(settings),
      gatewayId: "g1",
      logger: silent,
    };
    return tool.handler(tool.inputSchema.parse(input), ctx);
  };

  it("returns the result as structured content and a short text", async () => {
    const result = await call({ code: "console.log('hi'); input.n * 2", input: { n: 21 } });
    expect(result.isError).toBe(false);
    expect(result.structuredContent).toMatchObject({ status: "ok", result: 42, stdout: "hi\n" });
    expect(result.content[0]?.text).toBe("status: ok\nresult: 42\nstdout:\nhi");
    expect(capability.tools[0]!.outputSchema.safeParse(result.structuredContent).success).toBe(true);
  });

  it("marks a code error as a tool error with its line", async () => {
    const result = await call({ code: "1;\nnope();" });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toContain("error: ReferenceError");
    expect(result.content[0]?.text).toContain("(line 2)");
  });

  it("applies the gateway's limits", async () => {
    const result = await call({ code: "while (true) {}" }, { limits: { cpuMs: 20 } });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: "cpu_limit" });
    expect(result.content[0]?.text).toContain("limit: 20 ms of CPU time per execution");
    const big = await call({ code: `// ${"x".repeat(2048)}` }, { limits: { codeKb: 1 } });
    expect(big.structuredContent).toMatchObject({ status: "rejected" });
  });

  it("stops when the client cancels", async () => {
    const controller = new AbortController();
    const pending = call(
      { code: "await new Promise(() => setTimeout(() => {}, 60_000))" },
      {},
      controller.signal,
    );
    setTimeout(() => controller.abort(), 30);
    expect((await pending).structuredContent).toMatchObject({ status: "cancelled" });
  });

  it("refuses invalid arguments through its input schema", () => {
    const tool = capability.tools[0]!;
    expect(tool.inputSchema.safeParse({ code: 42 }).success).toBe(false);
    expect(tool.inputSchema.safeParse({}).success).toBe(false);
  });
});

describe("run_python", () => {
  let capability: Capability;
  beforeAll(async () => {
    capability = createCodeRunnerCapability({ maxLimits, workers: 1, warmPython: true });
    // The snapshot cache the code-runner-python tests share: built once per machine and release.
    await capability.start?.({ logger: silent, dataDir: join(tmpdir(), "gateway-code-runner-python-test") });
  }, 180_000);
  afterAll(async () => {
    await capability.dispose?.();
  });

  const tool = () => capability.tools.find((t) => t.name === "run_python")!;
  const call = (input: unknown, settings: object = {}) =>
    tool().handler(tool().inputSchema.parse(input), {
      signal: new AbortController().signal,
      settings: capability.settingsSchema.parse(settings),
      gatewayId: "g1",
      logger: silent,
    });

  it("is offered only when Python is switched on, with the same schemas and annotations", () => {
    const settings = capability.settingsSchema.parse({}) as CodeRunnerSettings;
    expect(tool().isEnabled?.(settings)).toBe(true);
    expect(tool().isEnabled?.({ ...settings, languages: { ...settings.languages, python: false } })).toBe(
      false,
    );
    const javascript = capability.tools.find((t) => t.name === "run_javascript")!;
    expect(tool().annotations).toEqual(javascript.annotations);
    expect(tool().outputSchema).toBe(javascript.outputSchema);
    expect(tool().inputSchema).toBe(javascript.inputSchema);
  });

  it("returns the result as structured content and a short text", async () => {
    const result = await call({ code: "print('hi')\ninput['n'] * 2", input: { n: 21 } });
    expect(result.isError).toBe(false);
    expect(result.structuredContent).toMatchObject({ status: "ok", result: 42, stdout: "hi\n" });
    expect(result.content[0]?.text).toBe("status: ok\nresult: 42\nstdout:\nhi");
    expect(tool().outputSchema.safeParse(result.structuredContent).success).toBe(true);
  });

  it("marks a code error as a tool error with the innermost line of the user's code", async () => {
    const result = await call({ code: "def f():\n    return 1 / 0\nf()" });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toContain("error: ZeroDivisionError: division by zero (line 2)");
  });

  it("applies the gateway's limits", async () => {
    const result = await call({ code: "while True:\n    pass" }, { limits: { cpuMs: 50 } });
    expect(result.structuredContent).toMatchObject({ status: "cpu_limit" });
    expect(result.content[0]?.text).toContain("limit: 50 ms of CPU time per execution");
  });
});
