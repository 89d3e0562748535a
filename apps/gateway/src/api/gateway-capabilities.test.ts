import { getCapabilitySetting, putCapabilitySetting } from "@gateway/db";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type ApiClient, createApiClient, problemOf } from "./test-client.ts";

let api: ApiClient;
let gatewayId: string;
beforeEach(async () => {
  api = createApiClient();
  gatewayId = (await api.createGateway("Main", "main")).id;
});
afterEach(() => api.close());

describe("GET /api/gateways/:gateway/capabilities", () => {
  test("lists every capability, disabled with default settings until set", async () => {
    const { status, body } = await api.json("GET", "/api/gateways/main/capabilities");
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        id: "echo",
        name: "Echo",
        enabled: false,
        settings: { prefix: "", waitEnabled: true },
        tools: [],
        updatedAt: null,
      },
    ]);
  });
});

describe("PUT /api/gateways/:gateway/capabilities/:capability", () => {
  test("enables a capability with settings; the state is stored and shown by id or slug", async () => {
    const toolsChanged: string[] = [];
    api.deps.events.on("tools-changed", (id) => toolsChanged.push(id));
    const put = await api.json("PUT", "/api/gateways/main/capabilities/echo", {
      enabled: true,
      settings: { prefix: "> ", waitEnabled: false },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      id: "echo",
      name: "Echo",
      enabled: true,
      settings: { prefix: "> ", waitEnabled: false },
      tools: ["echo"],
      updatedAt: expect.stringMatching(/Z$/),
    });
    expect(toolsChanged).toEqual([gatewayId]);
    expect(getCapabilitySetting(api.deps.db, gatewayId, "echo")).toMatchObject({
      enabled: true,
      settings: { prefix: "> ", waitEnabled: false },
    });
    const listed = await api.json("GET", `/api/gateways/${gatewayId}/capabilities`);
    expect(listed.body).toEqual([put.body]);
  });

  test("settings are filled with defaults; omitted settings keep the stored ones", async () => {
    const first = await api.json("PUT", "/api/gateways/main/capabilities/echo", {
      enabled: true,
      settings: { prefix: "# " },
    });
    expect(first.body.settings).toEqual({ prefix: "# ", waitEnabled: true });
    expect(first.body.tools).toEqual(["echo", "wait"]);
    const disabled = await api.json("PUT", `/api/gateways/${gatewayId}/capabilities/echo`, {
      enabled: false,
    });
    expect(disabled.body).toMatchObject({
      enabled: false,
      settings: { prefix: "# ", waitEnabled: true },
      tools: [],
    });
  });

  test("stored settings that no longer validate do not block a toggle: the defaults take their place", async () => {
    // As if a newer version lowered a maximum: the stored prefix is now too long.
    putCapabilitySetting(api.deps.db, {
      gatewayId,
      capabilityId: "echo",
      enabled: true,
      settings: { prefix: "p".repeat(30), waitEnabled: false },
    });
    const listed = await api.json("GET", "/api/gateways/main/capabilities");
    expect(listed.body[0].settings).toEqual({ prefix: "", waitEnabled: true });
    const disabled = await api.json("PUT", "/api/gateways/main/capabilities/echo", { enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ enabled: false, settings: { prefix: "", waitEnabled: true } });
    expect(getCapabilitySetting(api.deps.db, gatewayId, "echo")?.settings).toEqual({
      prefix: "",
      waitEnabled: true,
    });
  });

  test("settings the capability's own schema rejects are a 400 problem naming settings.<field>", async () => {
    const cases: [unknown, string][] = [
      [{ prefix: "p".repeat(21) }, "settings.prefix"],
      [{ prefix: 7 }, "settings.prefix"],
      [{ waitEnabled: "yes" }, "settings.waitEnabled"],
    ];
    for (const [settings, field] of cases) {
      const problem = await problemOf(
        await api.call("PUT", "/api/gateways/main/capabilities/echo", { enabled: true, settings }),
      );
      expect(problem.status, JSON.stringify(settings)).toBe(400);
      expect(problem.contentType).toBe("application/problem+json");
      expect(problem.body.field).toBe(field);
      expect(problem.body.errors?.[0]?.field).toBe(field);
    }
    expect(getCapabilitySetting(api.deps.db, gatewayId, "echo")).toBeUndefined();
  });

  test("bad bodies are 400 problems with the field", async () => {
    const cases: [unknown, string | undefined][] = [
      [{}, "enabled"],
      [{ enabled: "true" }, "enabled"],
      [{ enabled: 1 }, "enabled"],
      [{ enabled: true, settings: "prefix" }, "settings"],
      [{ enabled: true, settings: [1] }, "settings"],
      [{ enabled: true, extra: 1 }, "extra"],
    ];
    for (const [body, field] of cases) {
      const problem = await problemOf(await api.call("PUT", "/api/gateways/main/capabilities/echo", body));
      expect(problem.status, JSON.stringify(body)).toBe(400);
      expect(problem.body.field, JSON.stringify(body)).toBe(field);
    }
    expect((await api.call("PUT", "/api/gateways/main/capabilities/echo", "{")).status).toBe(400);
  });

  test("an unknown capability or gateway is a 404 problem", async () => {
    const capability = await problemOf(
      await api.call("PUT", "/api/gateways/main/capabilities/nothing", { enabled: true }),
    );
    expect(capability.status).toBe(404);
    expect(capability.body.detail).toContain("nothing");
    const gateway = await problemOf(
      await api.call("PUT", "/api/gateways/none/capabilities/echo", { enabled: true }),
    );
    expect(gateway.status).toBe(404);
    expect(gateway.body.detail).toContain("none");
  });

  test("settings survive reopening the database", async () => {
    await api.json("PUT", "/api/gateways/main/capabilities/echo", {
      enabled: true,
      settings: { prefix: "!" },
    });
    const path = api.database.path;
    api.database.close();
    const { openDatabase } = await import("@gateway/db");
    using reopened = openDatabase(path);
    expect(getCapabilitySetting(reopened.db, gatewayId, "echo")).toMatchObject({
      enabled: true,
      settings: { prefix: "!", waitEnabled: true },
    });
  });
});
