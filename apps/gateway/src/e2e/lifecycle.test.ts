import { EventEmitter, once } from "node:events";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { addKey, revokeKey } from "../admin/service.ts";
import { stopOnSignals } from "../gateway.ts";
import { mcpEndpointFor } from "../mcp/endpoint.ts";
import { tempDir } from "../testing/deps.ts";
import { connectClient, type TestClient } from "./clients.ts";
import { createTenant, rawRequest, setEcho, startTestGateway, type TestGateway, until } from "./harness.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gatewayFor(options: Parameters<typeof startTestGateway>[0] = {}): Promise<TestGateway> {
  const t = await startTestGateway(options);
  cleanups.push(() => t.close());
  return t;
}

function closeLater(client: TestClient) {
  cleanups.push(() => client.close().catch(() => {}));
  return client;
}

describe("shutdown", () => {
  it("waits for a running tool call, is not held open by SSE streams, and disposes capabilities", async () => {
    const t = await gatewayFor({ env: { SHUTDOWN_TIMEOUT_MS: "20000" } });
    const gw = createTenant(t.gateway, "busy");
    const endpoint = mcpEndpointFor(t.gateway.deps);
    // Long-lived streams of both eras: a 2025 session's GET stream and a 2026 listen stream.
    const legacy = closeLater(await connectClient("v1", gw.url, gw.key.secret));
    const modern = closeLater(await connectClient("v2-modern", gw.url, gw.key.secret));
    await modern.watchToolsChanged();
    await until(() => endpoint.sessions.list().some((s) => s.open > 0), 5_000, "GET stream");
    expect(endpoint.modern.listenStreams).toBe(1);

    const calls = [
      legacy.callTool("wait", { id: "slow-v1", ms: 400 }),
      modern.callTool("wait", { id: "slow-v2", ms: 400 }),
    ];
    await until(() => endpoint.calls.running === 2, 5_000, "both calls to start");
    expect(t.echo.disposed).toBe(0);

    await t.close();
    // Both calls finished normally (not aborted), their answers reached the clients.
    const results = await Promise.all(calls);
    expect(results.map((result) => result.structuredContent)).toEqual([
      { aborted: false },
      { aborted: false },
    ]);
    expect(t.echo.disposed).toBe(1);
    expect(t.gateway.deps.shutdownSignal.aborted).toBe(true);
    const messages = t.logs.entries().map((entry) => entry.msg);
    expect(messages).not.toContain("shutdown timeout: aborting tool calls");
    expect(messages.at(-1)).toBe("stopped");
    expect(endpoint.sessions.size).toBe(0);
    expect(endpoint.modern.listenStreams).toBe(0);
    // It no longer listens to admin events.
    expect(t.gateway.deps.events.listenerCount("tools-changed")).toBe(0);
    await expect(rawRequest(gw.url, { body: {} })).rejects.toThrow(/ECONNREFUSED/);
  });

  it("closes connections that carry no request instead of waiting for them", async () => {
    const t = await gatewayFor({ env: { SHUTDOWN_TIMEOUT_MS: "60000" } });
    const { port } = new URL(t.gateway.url);
    // A connection that never sends a request (HTTP clients keep spare ones like this).
    const spare = connect(Number(port), "127.0.0.1");
    await once(spare, "connect");
    const dropped = once(spare, "close");
    await t.close();
    await dropped;
    expect(t.logs.entries().map((entry) => entry.msg)).not.toContain(
      "shutdown: cutting connections still open",
    );
  });

  it("aborts tool calls still running after SHUTDOWN_TIMEOUT_MS", async () => {
    const t = await gatewayFor({ env: { SHUTDOWN_TIMEOUT_MS: "200" } });
    const gw = createTenant(t.gateway, "stuck");
    const legacy = closeLater(await connectClient("v1", gw.url, gw.key.secret));
    const modern = closeLater(await connectClient("v2-modern", gw.url, gw.key.secret));
    const calls = [
      legacy.callTool("wait", { id: "long-v1", ms: 30_000 }),
      modern.callTool("wait", { id: "long-v2", ms: 30_000 }),
    ];
    await until(() => mcpEndpointFor(t.gateway.deps).calls.running === 2, 5_000, "both calls to start");

    await t.close();
    expect(t.echo.aborted.sort()).toEqual(["long-v1", "long-v2"]);
    // The handlers answered after the abort, and the answers still reached the clients.
    const results = await Promise.all(calls);
    expect(results.map((result) => result.structuredContent)).toEqual([{ aborted: true }, { aborted: true }]);
    expect(t.echo.disposed).toBe(1);
    expect(t.logs.entries().map((entry) => entry.msg)).toContain("shutdown timeout: aborting tool calls");
  });
});

describe("signals", () => {
  it("stops on SIGTERM after the running call, exits 0, and exits 1 at once on a second signal", async () => {
    const t = await gatewayFor();
    const gw = createTenant(t.gateway, "signalled");
    const client = closeLater(await connectClient("v1", gw.url, gw.key.secret));
    const call = client.callTool("wait", { id: "signalled", ms: 300 });
    await until(() => mcpEndpointFor(t.gateway.deps).calls.running === 1, 5_000, "the call to start");

    const signals = new EventEmitter();
    const exits: number[] = [];
    const remove = stopOnSignals(t.gateway, t.gateway.deps.logger, {
      signals,
      exit: (code) => exits.push(code),
    });
    signals.emit("SIGTERM");
    expect(exits).toEqual([]);
    expect((await call).structuredContent).toEqual({ aborted: false });
    await until(() => exits.length === 1, 5_000, "exit");
    expect(exits).toEqual([0]);
    expect(t.echo.disposed).toBe(1);

    signals.emit("SIGINT");
    expect(exits).toEqual([0, 1]);
    remove();
    expect(signals.listenerCount("SIGTERM") + signals.listenerCount("SIGINT")).toBe(0);
  });
});

describe("restart", () => {
  it("keeps gateways, keys and capability state across a restart on the same database", async () => {
    const dir = tempDir("gateway-restart-");
    cleanups.push(() => dir.cleanup());
    const databasePath = join(dir.path, "gateway.db");

    const first = await startTestGateway({ databasePath });
    const gw = createTenant(first.gateway, "durable", { settings: { prefix: "# ", waitEnabled: false } });
    const revoked = addKey(first.gateway.deps, gw.id, { name: "old" });
    revokeKey(first.gateway.deps, gw.id, revoked.id);
    const off = createTenant(first.gateway, "switched off");
    setEcho(first.gateway, off.id, false);
    await first.close();

    const second = await gatewayFor({ databasePath });
    const url = (slug: string) => `${second.gateway.url}/gateways/${slug}/mcp`;
    const client = closeLater(await connectClient("v1", url(gw.slug), gw.key.secret));
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["echo"]);
    expect((await client.callTool("echo", { text: "again" })).structuredContent).toEqual({ text: "# again" });
    await expect(connectClient("v1", url(gw.slug), revoked.secret)).rejects.toThrow(/401|unauthorized/i);
    const other = closeLater(await connectClient("v2-modern", url(off.slug), off.key.secret));
    expect(await other.listTools()).toEqual([]);
  });
});

describe("session limits", () => {
  it("replaces the session unused the longest when full, and refuses when all are in use", async () => {
    const t = await gatewayFor({ mcp: { maxSessions: 2 } });
    const gw = createTenant(t.gateway, "crowded");
    const other = addKey(t.gateway.deps, gw.id, { name: "second agent" });
    const sessions = mcpEndpointFor(t.gateway.deps).sessions;
    const inUse = () => sessions.list().filter((s) => s.open > 0).length;
    // Both sessions hold a GET stream open: they are in use.
    const first = await connectClient("v1", gw.url, gw.key.secret);
    const second = closeLater(await connectClient("v2-legacy", gw.url, other.secret));
    await until(() => inUse() === 2, 5_000, "GET streams");
    await expect(connectClient("v1", gw.url, gw.key.secret)).rejects.toThrow(/503|too many/i);
    // 2026-07-28 clients need no session and are not limited by it.
    const modern = closeLater(await connectClient("v2-modern", gw.url, gw.key.secret));
    expect((await modern.callTool("echo", { text: "still here" })).isError).toBe(false);

    // Once the first client is gone its session is unused, and a newcomer replaces it.
    await first.close();
    await until(() => inUse() === 1, 5_000, "the first GET stream to end");
    const third = closeLater(await connectClient("v1", gw.url, gw.key.secret));
    expect(
      sessions
        .list()
        .map((s) => s.id)
        .sort(),
    ).toEqual([second.sessionId, third.sessionId].sort());
    expect((await third.listTools()).length).toBe(2);
    expect((await second.listTools()).length).toBe(2);
  });

  it("limits the sessions of one key without affecting other keys", async () => {
    const t = await gatewayFor({ mcp: { maxSessionsPerKey: 1 } });
    const gw = createTenant(t.gateway, "greedy");
    const other = addKey(t.gateway.deps, gw.id, { name: "polite agent" });
    const sessions = mcpEndpointFor(t.gateway.deps).sessions;
    closeLater(await connectClient("v1", gw.url, gw.key.secret));
    await until(() => sessions.list().some((s) => s.open > 0), 5_000, "GET stream");
    await expect(connectClient("v1", gw.url, gw.key.secret)).rejects.toThrow(/503|too many/i);
    const polite = closeLater(await connectClient("v1", gw.url, other.secret));
    expect((await polite.listTools()).length).toBe(2);
  });

  it("closes sessions that stay unused past the idle timeout, and keeps no listeners", async () => {
    const t = await gatewayFor({ mcp: { sessionIdleTimeoutMs: 300 } });
    const gw = createTenant(t.gateway, "sleepy");
    const sessions = mcpEndpointFor(t.gateway.deps).sessions;
    const client = await connectClient("v1", gw.url, gw.key.secret);
    // An open GET stream keeps the session alive past the idle timeout...
    await until(() => sessions.list().some((s) => s.open > 0), 5_000, "GET stream");
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(sessions.size).toBe(1);
    // ...once the client is gone, the session expires.
    await client.close();
    await until(() => sessions.size === 0, 5_000, "the idle session to close");
    expect(t.gateway.deps.events.listenerCount("tools-changed")).toBe(1);
    expect(t.gateway.deps.events.listenerCount("access-changed")).toBe(1);
  });
});
