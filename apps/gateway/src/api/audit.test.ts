import { afterEach, beforeEach, expect, test } from "vitest";
import { type ApiClient, createApiClient, problemOf } from "./test-client.ts";

let api: ApiClient;
beforeEach(() => {
  api = createApiClient();
});
afterEach(() => api.close());

test("GET /api/gateways/:gateway/audit lists that gateway's changes, newest first", async () => {
  const main = await api.createGateway("Main", "main");
  await api.createGateway("Other", "other");
  await api.json("PUT", "/api/gateways/main/capabilities/echo", { enabled: true });
  const key = await api.json("POST", "/api/gateways/main/keys", { name: "agent" });
  await api.call("DELETE", `/api/gateways/main/keys/${key.body.id}`);
  await api.json("PATCH", "/api/gateways/main", { name: "Main 2" });

  const { status, body } = await api.json("GET", `/api/gateways/${main.id}/audit`);
  expect(status).toBe(200);
  expect(body.map((entry: { action: string }) => entry.action)).toEqual([
    "gateway.update",
    "key.revoke",
    "key.create",
    "capability.enable",
    "gateway.create",
  ]);
  for (const entry of body) {
    expect(entry).toEqual({
      id: expect.any(Number),
      at: expect.stringMatching(/Z$/),
      action: expect.any(String),
      gatewayId: main.id,
      detail: expect.any(Object),
    });
  }
  expect(body[2].detail).toEqual({ keyId: key.body.id, name: "agent" });
  expect(JSON.stringify(body)).not.toContain(key.body.key);

  const limited = await api.json("GET", "/api/gateways/main/audit?limit=2");
  expect(limited.body.map((entry: { action: string }) => entry.action)).toEqual([
    "gateway.update",
    "key.revoke",
  ]);
});

test("a bad limit is a 400 problem naming it; an unknown gateway is a 404", async () => {
  await api.createGateway("Main", "main");
  for (const limit of ["0", "501", "abc", "1.5"]) {
    const problem = await problemOf(await api.call("GET", `/api/gateways/main/audit?limit=${limit}`));
    expect(problem.status, limit).toBe(400);
    expect(problem.body.field).toBe("limit");
  }
  expect((await api.call("GET", "/api/gateways/none/audit")).status).toBe(404);
});
