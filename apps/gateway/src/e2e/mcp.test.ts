import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeGateway, revokeKey, setCapability } from "../admin/service.ts";
import { mcpEndpointFor } from "../mcp/endpoint.ts";
import { type ClientKind, clientKinds, connectClient } from "./clients.ts";
import {
  createTenant,
  initializeBody,
  rawRequest,
  setEcho,
  startTestGateway,
  type TestGateway,
  until,
} from "./harness.ts";
import { EXPLOSION } from "./probe-capability.ts";

let t: TestGateway;
const secrets: string[] = [];
let tenantCount = 0;

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

/** A fresh gateway with one key and the echo capability on (unless `echo: false`). */
function tenant(options: { echo?: boolean; settings?: Record<string, unknown> } = {}) {
  const created = createTenant(t.gateway, `tenant ${++tenantCount}`, options);
  secrets.push(created.key.secret);
  return created;
}

const notFound = (name: string) => ({
  code: -32602,
  message: expect.stringContaining(`Tool ${name} not found`),
});

describe.each(clientKinds)("with the %s client", (kind: ClientKind) => {
  it("negotiates the expected protocol", async () => {
    const gw = tenant();
    const client = await connectClient(kind, gw.url, gw.key.secret);
    expect(client.protocolVersion).toBe(kind === "v2-modern" ? "2026-07-28" : "2025-11-25");
    // 2025-era clients get a session; 2026-07-28 ones are served without.
    expect(client.sessionId === undefined).toBe(kind === "v2-modern");
    await client.close();
  });

  it("lists exactly the enabled capabilities' tools, with schemas and annotations", async () => {
    const gw = tenant({ echo: false });
    const client = await connectClient(kind, gw.url, gw.key.secret);
    expect(await client.listTools()).toEqual([]);

    setEcho(t.gateway, gw.id, true);
    const tools = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["echo", "wait"]);
    const echo = tools[0]!;
    expect(echo).toMatchObject({
      title: "Echo",
      description: "Returns the text it is given.",
      inputSchema: {
        type: "object",
        properties: { text: { type: "string", maxLength: 1000 } },
        required: ["text"],
      },
      outputSchema: { type: "object", properties: { text: { type: "string" } } },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    });

    // A tool switched off by its capability's settings is not listed either.
    setEcho(t.gateway, gw.id, true, { waitEnabled: false });
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["echo"]);
    await client.close();
  });

  it("calls a tool and returns content and structured content", async () => {
    const gw = tenant();
    const client = await connectClient(kind, gw.url, gw.key.secret);
    const result = await client.callTool("echo", { text: "hello" });
    expect(result.content).toEqual([{ type: "text", text: "hello" }]);
    expect(result.structuredContent).toEqual({ text: "hello" });
    expect(result.isError).toBe(false);
    await client.close();
  });

  it("refuses unknown tools, disabled tools and invalid arguments", async () => {
    const gw = tenant();
    const client = await connectClient(kind, gw.url, gw.key.secret);
    await expect(client.callTool("nope", {})).rejects.toMatchObject(notFound("nope"));
    await expect(client.callTool("echo", { text: 42 })).rejects.toMatchObject({ code: -32602 });
    await expect(client.callTool("echo", {})).rejects.toMatchObject({ code: -32602 });
    // A tool of a capability that exists but is not enabled here looks exactly like an unknown one.
    await expect(client.callTool("whoami", {})).rejects.toMatchObject(notFound("whoami"));
    await client.close();
  });

  it("applies toggles and settings on the next request, without reconnecting", async () => {
    const gw = tenant({ echo: false });
    const client = await connectClient(kind, gw.url, gw.key.secret);
    await expect(client.callTool("echo", { text: "x" })).rejects.toMatchObject(notFound("echo"));

    setEcho(t.gateway, gw.id, true, { prefix: "> " });
    expect((await client.listTools()).map((tool) => tool.name)).toContain("echo");
    expect((await client.callTool("echo", { text: "x" })).structuredContent).toEqual({ text: "> x" });

    setEcho(t.gateway, gw.id, true, { prefix: "! " });
    expect((await client.callTool("echo", { text: "x" })).structuredContent).toEqual({ text: "! x" });

    setEcho(t.gateway, gw.id, true, { waitEnabled: false });
    await expect(client.callTool("wait", { id: "w", ms: 0 })).rejects.toMatchObject(notFound("wait"));

    setEcho(t.gateway, gw.id, false);
    await expect(client.callTool("echo", { text: "x" })).rejects.toMatchObject(notFound("echo"));
    expect(await client.listTools()).toEqual([]);
    await client.close();
  });

  it("sends notifications/tools/list_changed when a capability is toggled", async () => {
    const gw = tenant({ echo: false });
    const other = tenant({ echo: false });
    const client = await connectClient(kind, gw.url, gw.key.secret);
    const changes = await client.watchToolsChanged();
    if (client.sessionId) {
      // 2025-era: the notification travels on the session's GET stream; wait until it is open.
      const sessions = mcpEndpointFor(t.gateway.deps).sessions;
      await until(
        () => sessions.list().some((s) => s.id === client.sessionId && s.open > 0),
        5_000,
        "GET stream",
      );
    }
    setEcho(t.gateway, gw.id, true);
    await until(() => changes.count() === 1, 5_000, "tools/list_changed");
    // A change in another gateway is not announced here.
    setEcho(t.gateway, other.id, true);
    setEcho(t.gateway, gw.id, false);
    await until(() => changes.count() === 2, 5_000, "second tools/list_changed");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(changes.count()).toBe(2);
    await client.close();
  });

  it("passes the client's cancellation to the handler's signal", async () => {
    const gw = tenant();
    const client = await connectClient(kind, gw.url, gw.key.secret);
    const id = `cancel-${kind}`;
    const controller = new AbortController();
    const call = client.callTool("wait", { id, ms: 30_000 }, { signal: controller.signal });
    call.catch(() => {});
    await until(() => mcpEndpointFor(t.gateway.deps).calls.running > 0, 5_000, "the call to start");
    controller.abort();
    await expect(call).rejects.toThrow();
    await until(() => t.echo.aborted.includes(id), 5_000, "the handler to see the abort");
    await client.close();
  });

  it("passes a dropped connection to the handler's signal", async () => {
    const gw = tenant();
    const client = await connectClient(kind, gw.url, gw.key.secret);
    const id = `drop-${kind}`;
    const call = client.callTool("wait", { id, ms: 30_000 });
    call.catch(() => {});
    await until(() => mcpEndpointFor(t.gateway.deps).calls.running > 0, 5_000, "the call to start");
    client.dropConnections();
    await until(() => t.echo.aborted.includes(id), 5_000, "the handler to see the abort");
    await client.close();
  });

  it("gives the handler the gateway id and its settings", async () => {
    const gw = tenant();
    setCapability(t.gateway.deps, gw.id, "probe", { enabled: true, settings: { label: "blue" } });
    const client = await connectClient(kind, gw.url, gw.key.secret);
    const result = await client.callTool("whoami", {});
    expect(result.structuredContent).toEqual({ gatewayId: gw.id, label: "blue", aborted: false });
    await client.close();
  });

  it("turns a handler's exception into an error result without its details, and logs it", async () => {
    const gw = tenant();
    setCapability(t.gateway.deps, gw.id, "probe", { enabled: true });
    const client = await connectClient(kind, gw.url, gw.key.secret);
    const result = await client.callTool("explode", {});
    expect(result.isError).toBe(true);
    const text = result.content.map((block) => block.text).join("\n");
    expect(text).not.toContain(EXPLOSION);
    expect(text).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
    const requestId = /request id ([\w-]+)/.exec(text)?.[1];
    expect(requestId).toBeDefined();
    const logged = t.logs.entries().find((entry) => entry.requestId === requestId && entry.level === 50);
    expect(logged).toMatchObject({ msg: "tool call failed", tool: "explode", gatewayId: gw.id });
    expect(JSON.stringify(logged)).toContain(EXPLOSION);
    await client.close();
  });

  it("refuses a revoked key on the very next request of an open connection", async () => {
    const gw = tenant();
    const client = await connectClient(kind, gw.url, gw.key.secret);
    expect((await client.callTool("echo", { text: "ok" })).isError).toBe(false);
    revokeKey(t.gateway.deps, gw.id, gw.key.id);
    await expect(client.callTool("echo", { text: "no" })).rejects.toThrow(/401|unauthorized/i);
    await expect(connectClient(kind, gw.url, gw.key.secret)).rejects.toThrow(/401|unauthorized/i);
    await client.close();
  });

  it("refuses a key of another gateway", async () => {
    const a = tenant();
    const b = tenant();
    await expect(connectClient(kind, b.url, a.key.secret)).rejects.toThrow(/401|unauthorized/i);
    const client = await connectClient(kind, b.url, b.key.secret);
    await client.close();
  });
});

describe("authentication", () => {
  it("answers every failure with the same 401, for existing and unknown gateways", async () => {
    const a = tenant();
    const b = tenant();
    const revoked = tenant();
    revokeKey(t.gateway.deps, revoked.id, revoked.key.id);
    const unknown = `${t.gateway.url}/gateways/no-such-gateway/mcp`;
    const attempts: [string, Record<string, string>][] = [
      [a.url, {}],
      [unknown, {}],
      [a.url, { authorization: "Bearer mcpgw_wrong_0000000000000000" }],
      [unknown, { authorization: "Bearer mcpgw_wrong_0000000000000000" }],
      [unknown, { authorization: `Bearer ${a.key.secret}` }],
      [b.url, { authorization: `Bearer ${a.key.secret}` }],
      [revoked.url, { authorization: `Bearer ${revoked.key.secret}` }],
      [a.url, { authorization: a.key.secret }], // not a Bearer header
      [a.url, { authorization: "Basic dXNlcjpwYXNz" }],
    ];
    const responses = await Promise.all(
      attempts.map(([url, headers]) => rawRequest(url, { headers, body: initializeBody })),
    );
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toMatch(/^Bearer /);
      expect(response.body).toBe(responses[0]!.body);
    }
    expect(JSON.parse(responses[0]!.body)).toMatchObject({ status: 401 });
  });

  it("accepts the gateway's id as well as its slug", async () => {
    const gw = tenant();
    const byId = `${t.gateway.url}/gateways/${gw.id}/mcp`;
    const client = await connectClient("v1", byId, gw.key.secret);
    expect((await client.listTools()).length).toBe(2);
    await client.close();
  });

  it("refuses a deleted gateway's key and closes its sessions", async () => {
    const gw = tenant();
    const client = await connectClient("v1", gw.url, gw.key.secret);
    const sessions = mcpEndpointFor(t.gateway.deps).sessions;
    expect(sessions.list().some((s) => s.id === client.sessionId)).toBe(true);
    removeGateway(t.gateway.deps, gw.id);
    await until(() => !sessions.list().some((s) => s.id === client.sessionId), 5_000, "session to close");
    await expect(client.listTools()).rejects.toThrow(/401|unauthorized/i);
    await client.close();
  });

  it("closes the sessions of a revoked key and ends its listen streams", async () => {
    const gw = tenant();
    const legacy = await connectClient("v1", gw.url, gw.key.secret);
    const modern = await connectClient("v2-modern", gw.url, gw.key.secret);
    await modern.watchToolsChanged();
    const endpoint = mcpEndpointFor(t.gateway.deps);
    const listening = endpoint.modern.listenStreams;
    expect(listening).toBeGreaterThan(0);
    revokeKey(t.gateway.deps, gw.id, gw.key.id);
    await until(
      () => !endpoint.sessions.list().some((s) => s.id === legacy.sessionId),
      5_000,
      "session to close",
    );
    await until(() => endpoint.modern.listenStreams === listening - 1, 5_000, "listen stream to end");
    await legacy.close();
    await modern.close();
  });
});

describe("Host and Origin", () => {
  it("refuses a foreign Host with 403 before looking at the key", async () => {
    const gw = tenant();
    const auth = { authorization: `Bearer ${gw.key.secret}` };
    const evil = await rawRequest(gw.url, {
      headers: { ...auth, host: "evil.example" },
      body: initializeBody,
    });
    expect(evil.status).toBe(403);
    const evilNoKey = await rawRequest(gw.url, {
      headers: { host: "evil.example:80" },
      body: initializeBody,
    });
    expect(evilNoKey.status).toBe(403);
    const local = await rawRequest(gw.url, { headers: { ...auth, host: "localhost" }, body: initializeBody });
    expect(local.status).toBe(200);
  });

  it("refuses a foreign Origin with 403 and accepts a local one", async () => {
    const gw = tenant();
    const auth = { authorization: `Bearer ${gw.key.secret}` };
    const evil = await rawRequest(gw.url, {
      headers: { ...auth, origin: "https://evil.example" },
      body: initializeBody,
    });
    expect(evil.status).toBe(403);
    const opaque = await rawRequest(gw.url, { headers: { ...auth, origin: "null" }, body: initializeBody });
    expect(opaque.status).toBe(403);
    const local = await rawRequest(gw.url, {
      headers: { ...auth, origin: "http://localhost:5173" },
      body: initializeBody,
    });
    expect(local.status).toBe(200);
  });
});

describe("logging", () => {
  it("never writes an agent key to the log", async () => {
    expect(secrets.length).toBeGreaterThan(10);
    const log = t.logs.lines.join("\n");
    expect(log.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(log).not.toContain(secret);
  });
});
