import { verifyAgentKey } from "@gateway/db";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type ApiClient, createApiClient, problemOf } from "./test-client.ts";

let api: ApiClient;
let gatewayId: string;
beforeEach(async () => {
  api = createApiClient();
  gatewayId = (await api.createGateway("Main", "main")).id;
});
afterEach(() => api.close());

describe("POST /api/gateways/:gateway/keys", () => {
  test("creates a key: 201 with its id and the secret, shown this once", async () => {
    const { status, body, response } = await api.json("POST", "/api/gateways/main/keys", {
      name: "ci-agent",
    });
    expect(status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(body).toEqual({
      id: expect.stringMatching(/^key_/),
      name: "ci-agent",
      prefix: expect.stringMatching(/^mcpgw_[a-z0-9]{8}$/),
      createdAt: expect.stringMatching(/Z$/),
      key: expect.stringMatching(/^mcpgw_[a-z0-9]{8}_[a-z0-9]{32}$/),
    });
    expect(body.key.startsWith(body.prefix)).toBe(true);
    // The secret works for this gateway.
    expect(verifyAgentKey(api.deps.db, gatewayId, body.key)?.id).toBe(body.id);
  });

  test("bad bodies are 400 problems", async () => {
    const cases: [unknown, string | undefined][] = [
      [{}, "name"],
      [{ name: "" }, "name"],
      [{ name: 5 }, "name"],
      [{ name: "a", gatewayId: "gw_x" }, "gatewayId"],
      [{ name: "a", secret: "mine" }, "secret"],
    ];
    for (const [body, field] of cases) {
      const problem = await problemOf(await api.call("POST", "/api/gateways/main/keys", body));
      expect(problem.status, JSON.stringify(body)).toBe(400);
      expect(problem.body.field).toBe(field);
    }
    expect((await api.json("GET", "/api/gateways/main/keys")).body).toEqual([]);
  });
});

describe("GET /api/gateways/:gateway/keys", () => {
  test("lists keys newest first without their secret or hash", async () => {
    const first = await api.json("POST", "/api/gateways/main/keys", { name: "first" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await api.json("POST", `/api/gateways/${gatewayId}/keys`, { name: "second" });
    verifyAgentKey(api.deps.db, gatewayId, first.body.key);

    const { status, body } = await api.json("GET", "/api/gateways/main/keys");
    expect(status).toBe(200);
    expect(body.map((key: { name: string }) => key.name)).toEqual(["second", "first"]);
    for (const key of body) {
      expect(Object.keys(key).sort()).toEqual([
        "createdAt",
        "id",
        "lastUsedAt",
        "name",
        "prefix",
        "revokedAt",
      ]);
    }
    expect(body[1]).toMatchObject({
      id: first.body.id,
      lastUsedAt: expect.stringMatching(/Z$/),
      revokedAt: null,
    });
    expect(body[0]).toMatchObject({ id: second.body.id, lastUsedAt: null });
    const text = JSON.stringify(body);
    expect(text).not.toContain(first.body.key);
    expect(text).not.toContain(second.body.key);
    expect(text).not.toMatch(/[0-9a-f]{64}/); // no SHA-256 hex anywhere
  });
});

describe("DELETE /api/gateways/:gateway/keys/:keyId", () => {
  test("revokes a key: 204, listed as revoked, refused by verification, tells the MCP side", async () => {
    const created = await api.json("POST", "/api/gateways/main/keys", { name: "agent" });
    const changed: string[] = [];
    api.deps.events.on("access-changed", (id) => changed.push(id));

    const response = await api.call("DELETE", `/api/gateways/main/keys/${created.body.id}`);
    expect(response.status).toBe(204);
    expect(changed).toEqual([gatewayId]);
    const [listed] = (await api.json("GET", "/api/gateways/main/keys")).body;
    expect(listed).toMatchObject({ id: created.body.id, revokedAt: expect.stringMatching(/Z$/) });
    expect(verifyAgentKey(api.deps.db, gatewayId, created.body.key)).toBeUndefined();

    // Revoking again is harmless and keeps the first revocation time.
    expect((await api.call("DELETE", `/api/gateways/${gatewayId}/keys/${created.body.id}`)).status).toBe(204);
    const [again] = (await api.json("GET", "/api/gateways/main/keys")).body;
    expect(again.revokedAt).toBe(listed.revokedAt);
  });

  test("an unknown key, or another gateway's key, is a 404 problem and stays valid", async () => {
    await api.createGateway("Other", "other");
    const foreign = await api.json("POST", "/api/gateways/other/keys", { name: "theirs" });
    const unknown = await problemOf(await api.call("DELETE", "/api/gateways/main/keys/key_doesnotexist0000"));
    expect(unknown).toMatchObject({ status: 404, contentType: "application/problem+json" });
    const crossed = await problemOf(await api.call("DELETE", `/api/gateways/main/keys/${foreign.body.id}`));
    expect(crossed.status).toBe(404);
    const [theirs] = (await api.json("GET", "/api/gateways/other/keys")).body;
    expect(theirs.revokedAt).toBeNull();
  });
});
