/**
 * run_python through MCP end to end: a real gateway with the real code-runner capability, its
 * Python pool started in `start()`. The database sits in the folder where the code-runner-python
 * tests cache their snapshot, so the snapshot (dataDir/python/) is built once per machine.
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCodeRunnerCapability } from "@gateway/code-runner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addGateway, addKey, setCapability } from "../admin/service.ts";
import { parseEnv } from "../env.ts";
import { type RunningGateway, startGateway } from "../gateway.ts";
import { createLogger } from "../logger.ts";
import { TEST_ADMIN_TOKEN } from "../testing/deps.ts";
import { clientKinds, connectClient } from "./clients.ts";
import { LogSink } from "./harness.ts";

const dataDir = join(tmpdir(), "gateway-code-runner-python-test");
const databasePath = join(dataDir, `e2e-${process.pid}-${Date.now()}.db`);
let gateway: RunningGateway;

beforeAll(async () => {
  mkdirSync(dataDir, { recursive: true });
  const env = parseEnv({
    PORT: "0",
    DATABASE_PATH: databasePath,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: "warn",
  });
  gateway = await startGateway({
    env,
    logger: createLogger(env.LOG_LEVEL, new LogSink()),
    capabilities: [
      createCodeRunnerCapability({
        maxLimits: { memoryMb: 256, cpuMs: 5_000, wallMs: 60_000, codeKb: 64, outputKb: 2_048 },
        workers: 1,
        warmPython: true,
      }),
    ],
  });
}, 180_000);
afterAll(async () => {
  await gateway?.close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${databasePath}${suffix}`, { force: true });
});

let tenants = 0;
function tenant(settings?: Record<string, unknown>) {
  const created = addGateway(gateway.deps, { name: `python tenant ${++tenants}` });
  const key = addKey(gateway.deps, created.id, { name: "agent" });
  setCapability(gateway.deps, created.id, "code-runner", {
    enabled: true,
    ...(settings ? { settings } : {}),
  });
  return { id: created.id, key, url: `${gateway.url}/gateways/${created.slug}/mcp` };
}

const notFound = { code: -32602, message: expect.stringContaining("Tool run_python not found") };
const kind = clientKinds[clientKinds.length - 1]!;

describe(`run_python over MCP (${kind} client)`, () => {
  it("is listed and runs Python when the capability is enabled", async () => {
    const gw = tenant({ limits: { cpuMs: 1_000 } });
    const client = await connectClient(kind, gw.url, gw.key.secret);
    const tools = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["run_javascript", "run_python"]);
    const result = await client.callTool("run_python", {
      code: "import statistics\nprint('mean')\nstatistics.mean(input)",
      input: [1, 2, 3, 4],
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: "ok", result: 2.5, stdout: "mean\n" });
    const failed = await client.callTool("run_python", { code: "x = 1\nraise ValueError('no')" });
    expect(failed.isError).toBe(true);
    expect(failed.structuredContent).toMatchObject({ status: "error", error: { type: "ValueError" } });
    await client.close();
  });

  it("is absent and refused when the capability is disabled", async () => {
    const gw = tenant();
    setCapability(gateway.deps, gw.id, "code-runner", { enabled: false });
    const client = await connectClient(kind, gw.url, gw.key.secret);
    expect(await client.listTools()).toEqual([]);
    await expect(client.callTool("run_python", { code: "1" })).rejects.toMatchObject(notFound);
    await client.close();
  });

  it("is absent and refused when Python is switched off, while JavaScript stays", async () => {
    const gw = tenant({ languages: { python: false } });
    const client = await connectClient(kind, gw.url, gw.key.secret);
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["run_javascript"]);
    await expect(client.callTool("run_python", { code: "1" })).rejects.toMatchObject(notFound);
    await client.close();
  });
});
