import { afterEach, describe, expect, it } from "vitest";
import { addGateway, addKey, setCapability } from "../admin/service.ts";
import { createApp } from "../app.ts";
import { createTestDeps } from "../testing/deps.ts";
import { mcpEndpointFor } from "./endpoint.ts";

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "test", version: "1" } },
};
const listTools = { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} };

const opened: ReturnType<typeof createTestDeps>[] = [];
afterEach(async () => {
  for (const test of opened.splice(0)) {
    await mcpEndpointFor(test.deps).close();
    test.close();
  }
});

function setup() {
  const test = createTestDeps();
  opened.push(test);
  const endpoint = mcpEndpointFor(test.deps, { maxRequestBytes: 2_048 });
  const app = createApp(test.deps);
  const gateway = addGateway(test.deps, { name: "Routes" });
  setCapability(test.deps, gateway.id, "echo", { enabled: true });
  const key = addKey(test.deps, gateway.id, { name: "one" });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.request(`/gateways/${gateway.slug}/mcp`, {
      method: "POST",
      headers: {
        host: "127.0.0.1:8787",
        accept: "application/json, text/event-stream",
        "content-type": "application/json",
        authorization: `Bearer ${key.secret}`,
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return { test, app, endpoint, gateway, key, post };
}

describe("MCP route", () => {
  it("opens a 2025-era session on initialize and serves it", async () => {
    const { post } = setup();
    const opened = await post(initialize);
    expect(opened.status).toBe(200);
    const sessionId = opened.headers.get("mcp-session-id");
    expect(sessionId).toBeTruthy();
    expect(await opened.text()).toContain('"serverInfo"');
    const listed = await post(listTools, {
      "mcp-session-id": sessionId!,
      "mcp-protocol-version": "2025-11-25",
    });
    expect(listed.status).toBe(200);
    expect(await listed.text()).toContain('"name":"echo"');
  });

  it("serves a 2025-06-18 client in that version", async () => {
    const { post } = setup();
    const opened = await post({
      ...initialize,
      params: { ...initialize.params, protocolVersion: "2025-06-18" },
    });
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('"protocolVersion":"2025-06-18"');
  });

  it("accepts initialize as a batch of one (2025-03-26 clients)", async () => {
    const { post } = setup();
    const opened = await post([
      { ...initialize, params: { ...initialize.params, protocolVersion: "2025-03-26" } },
    ]);
    expect(opened.status).toBe(200);
    expect(opened.headers.get("mcp-session-id")).toBeTruthy();
  });

  it("does not let another key use a session, and answers as for an unknown session", async () => {
    const { test, gateway, post } = setup();
    const sessionId = (await post(initialize)).headers.get("mcp-session-id")!;
    const other = addKey(test.deps, gateway.id, { name: "two" });
    const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
    const foreign = await post(listTools, { ...headers, authorization: `Bearer ${other.secret}` });
    const unknown = await post(listTools, {
      ...headers,
      "mcp-session-id": "00000000-0000-0000-0000-000000000000",
    });
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await foreign.text()).toBe(await unknown.text());
  });

  it("needs a session for anything but initialize from 2025-era clients", async () => {
    const { post } = setup();
    const response = await post(listTools);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 }, id: null });
  });

  it("refuses bodies that are not JSON, too large or malformed", async () => {
    const { post } = setup();
    expect((await post(initialize, { "content-type": "text/plain" })).status).toBe(415);
    const large = await post({ ...initialize, padding: "x".repeat(4_096) });
    expect(large.status).toBe(413);
    const malformed = await post("{not json");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: -32700 } });
  });

  it("answers 503 once shutdown has begun", async () => {
    const { endpoint, post } = setup();
    endpoint.beginShutdown();
    const response = await post(initialize);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBeTruthy();
  });

  it("checks Host before the key", async () => {
    const { post } = setup();
    expect((await post(initialize, { host: "attacker.example", authorization: "" })).status).toBe(403);
    expect((await post(initialize, { authorization: "" })).status).toBe(401);
  });
});
