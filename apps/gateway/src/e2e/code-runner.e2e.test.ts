/**
 * run_javascript through MCP end to end: a real gateway with the real built-in capabilities
 * (`builtinCapabilities(env)`), one JavaScript worker and no queue, called by the official v2
 * client in both protocol eras. Python is switched on in the settings but its pool is never
 * started (nothing here calls run_python).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addGateway, addKey, setCapability } from "../admin/service.ts";
import { builtinCapabilities } from "../capabilities/builtin.ts";
import { parseEnv } from "../env.ts";
import { type RunningGateway, startGateway } from "../gateway.ts";
import { createLogger } from "../logger.ts";
import { mcpEndpointFor } from "../mcp/endpoint.ts";
import { TEST_ADMIN_TOKEN, tempDir } from "../testing/deps.ts";
import { type ClientKind, connectClient, type TestClient } from "./clients.ts";
import { LogSink, until } from "./harness.ts";

const dir = tempDir("gateway-code-runner-e2e-");
let gateway: RunningGateway;

beforeAll(async () => {
  const env = parseEnv({
    PORT: "0",
    DATABASE_PATH: join(dir.path, "gateway.db"),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: "warn",
    SANDBOX_WORKERS: "1",
    // No queue: a call that finds the worker busy is refused at once, which shows when it is free.
    SANDBOX_QUEUE: "0",
    SANDBOX_PYTHON_WARM: "false",
  });
  gateway = await startGateway({
    env,
    logger: createLogger(env.LOG_LEVEL, new LogSink()),
    capabilities: builtinCapabilities(env),
  });
});
afterAll(async () => {
  await gateway?.close();
  dir.cleanup();
});

let tenants = 0;
/** A gateway with one agent key and Code Runner enabled with these settings. */
function tenant(settings?: Record<string, unknown>) {
  const created = addGateway(gateway.deps, { name: `code runner tenant ${++tenants}` });
  const key = addKey(gateway.deps, created.id, { name: "agent" });
  setCapability(gateway.deps, created.id, "code-runner", {
    enabled: true,
    ...(settings ? { settings } : {}),
  });
  return { id: created.id, key, url: `${gateway.url}/gateways/${created.slug}/mcp` };
}

const text = (result: { content: { type: string; text?: string }[] }) =>
  result.content.map((block) => block.text ?? "").join("\n");
const notFound = { code: -32602, message: expect.stringContaining("Tool run_javascript not found") };

describe.each(["v2-legacy", "v2-modern"] satisfies ClientKind[])(
  "run_javascript over MCP (%s client)",
  (kind) => {
    let client: TestClient;
    let gw: ReturnType<typeof tenant>;
    beforeAll(async () => {
      gw = tenant({ limits: { outputKb: 1 } });
      client = await connectClient(kind, gw.url, gw.key.secret);
    });
    afterAll(async () => {
      await client?.close();
    });

    it("is listed with its schemas and annotations", async () => {
      const tools = await client.listTools();
      const tool = tools.find((t) => t.name === "run_javascript");
      expect(tools.map((t) => t.name)).toEqual(["run_javascript", "run_python"]);
      expect(tool?.inputSchema).toMatchObject({ type: "object", required: ["code"] });
      expect(tool?.outputSchema).toMatchObject({
        type: "object",
        required: expect.arrayContaining(["status"]),
      });
      expect(tool?.annotations).toMatchObject({
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      });
    });

    it("runs JavaScript and answers with structured content and a short text", async () => {
      const result = await client.callTool("run_javascript", {
        code: "console.log('hi', { a: [1] });\nawait Promise.resolve(input.n * 2)",
        input: { n: 21 },
      });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        status: "ok",
        result: 42,
        stdout: "hi { a: [ 1 ] }\n",
        stderr: "",
        truncated: false,
      });
      expect(text(result)).toBe("status: ok\nresult: 42\nstdout:\nhi { a: [ 1 ] }");
    });

    it("returns a code error as a tool error with its line", async () => {
      const result = await client.callTool("run_javascript", { code: "const a = 1;\nnull.boom;" });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ status: "error", error: { type: "TypeError" } });
      expect(text(result)).toMatch(/^status: error\n.*error: TypeError: .*\(line 2\)$/s);
    });

    it("returns broken limits as tool errors", async () => {
      const cpu = await client.callTool("run_javascript", { code: "while (true) {}" });
      expect(cpu.isError).toBe(true);
      expect(cpu.structuredContent).toMatchObject({
        status: "cpu_limit",
        error: { type: "CpuLimitExceeded" },
      });
      const flood = await client.callTool("run_javascript", { code: "for (;;) console.log('flood')" });
      expect(flood.isError).toBe(true);
      expect(flood.structuredContent).toMatchObject({ status: "output_limit", truncated: true });
      const tooLong = await client.callTool("run_javascript", { code: `// ${"x".repeat(11 * 1024)}` });
      expect(tooLong.isError).toBe(true);
      expect(tooLong.structuredContent).toMatchObject({
        status: "rejected",
        error: { type: "CodeTooLarge" },
      });
    });

    it("refuses invalid arguments as invalid params", async () => {
      await expect(client.callTool("run_javascript", { code: 42 })).rejects.toMatchObject({ code: -32602 });
      await expect(client.callTool("run_javascript", {})).rejects.toMatchObject({ code: -32602 });
    });

    it("stops the execution when the client cancels the call", async () => {
      const controller = new AbortController();
      const call = client.callTool(
        "run_javascript",
        { code: "await new Promise((resolve) => setTimeout(resolve, 60_000))" },
        { signal: controller.signal },
      );
      call.catch(() => {});
      await until(() => mcpEndpointFor(gateway.deps).calls.running > 0, 5_000, "the call to start");
      // With one worker and no queue, a second call is refused while the first one runs…
      const busy = await client.callTool("run_javascript", { code: "1 + 1" });
      expect(busy.structuredContent).toMatchObject({ status: "rejected", error: { type: "ServerBusy" } });
      controller.abort();
      await expect(call).rejects.toThrow();
      // …and runs once the cancelled execution has stopped, long before its 30 s wall limit.
      const deadline = Date.now() + 5_000;
      let next = await client.callTool("run_javascript", { code: "1 + 1" });
      while (next.structuredContent?.status !== "ok" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        next = await client.callTool("run_javascript", { code: "1 + 1" });
      }
      expect(next.structuredContent).toMatchObject({ status: "ok", result: 2 });
    });
  },
);

describe("run_javascript when switched off", () => {
  it("is absent and refused when Code Runner is disabled", async () => {
    const gw = tenant();
    setCapability(gateway.deps, gw.id, "code-runner", { enabled: false });
    const client = await connectClient("v2-modern", gw.url, gw.key.secret);
    try {
      expect(await client.listTools()).toEqual([]);
      await expect(client.callTool("run_javascript", { code: "1" })).rejects.toMatchObject(notFound);
    } finally {
      await client.close();
    }
  });

  it("is absent and refused when JavaScript is switched off, while Python stays", async () => {
    const gw = tenant({ languages: { javascript: false } });
    const client = await connectClient("v2-modern", gw.url, gw.key.secret);
    try {
      expect((await client.listTools()).map((tool) => tool.name)).toEqual(["run_python"]);
      await expect(client.callTool("run_javascript", { code: "1" })).rejects.toMatchObject(notFound);
    } finally {
      await client.close();
    }
  });
});
