import { listAgentKeys, listCapabilitySettings } from "@gateway/db";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type ApiClient, createApiClient, problemOf } from "./test-client.ts";

let api: ApiClient;
beforeEach(() => {
  api = createApiClient();
});
afterEach(() => api.close());

const isoDate = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("POST /api/gateways", () => {
  test("creates a gateway: 201 with id, slug, name, its MCP URL on the request's origin, and a Location", async () => {
    const { status, body, response } = await api.json("POST", "/api/gateways", {
      name: "Research Team",
      slug: "research",
    });
    expect(status).toBe(201);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(body).toEqual({
      id: expect.stringMatching(/^gw_[a-z0-9]{16}$/),
      slug: "research",
      name: "Research Team",
      mcpUrl: "http://localhost/gateways/research/mcp",
      createdAt: expect.stringMatching(isoDate),
      updatedAt: expect.stringMatching(isoDate),
    });
    expect(response.headers.get("location")).toBe(`/api/gateways/${body.id}`);
    const origin = await api.app.request("https://admin.example.org:8443/api/gateways", {
      method: "POST",
      headers: { authorization: "Bearer test-admin-token-0123456789", "content-type": "application/json" },
      body: JSON.stringify({ name: "Other" }),
    });
    expect(((await origin.json()) as { mcpUrl: string }).mcpUrl).toBe(
      "https://admin.example.org:8443/gateways/other/mcp",
    );
  });

  test("without a slug derives one from the name, adding a counter when it is taken", async () => {
    expect((await api.createGateway("Équipe Données!")).slug).toBe("equipe-donnees");
    expect((await api.createGateway("Équipe  données")).slug).toBe("equipe-donnees-2");
    expect((await api.createGateway("x")).slug).toBe("gateway-x");
  });

  test("trims the name and the slug", async () => {
    const gateway = await api.createGateway("  Spaced  ", " spaced ");
    expect(gateway).toMatchObject({ name: "Spaced", slug: "spaced" });
  });

  test("a duplicate slug is a 409 problem naming the field, and nothing is created", async () => {
    await api.createGateway("First", "team");
    const problem = await problemOf(
      await api.call("POST", "/api/gateways", { name: "Second", slug: "team" }),
    );
    expect(problem.status).toBe(409);
    expect(problem.contentType).toBe("application/problem+json");
    expect(problem.body).toMatchObject({ status: 409, title: "Conflict", field: "slug" });
    expect(problem.body.detail).toContain("team");
    expect((await api.json("GET", "/api/gateways")).body).toHaveLength(1);
  });

  const badBodies: [label: string, body: unknown, field: string | undefined][] = [
    ["a missing name", {}, "name"],
    ["an empty name", { name: "   " }, "name"],
    ["a name that is not a string", { name: 42 }, "name"],
    ["a name over 100 characters", { name: "n".repeat(101) }, "name"],
    ["a slug with upper-case letters", { name: "A", slug: "Team" }, "slug"],
    ["a slug with an underscore", { name: "A", slug: "my_team" }, "slug"],
    ["a slug ending in a hyphen", { name: "A", slug: "team-" }, "slug"],
    ["a one-letter slug", { name: "A", slug: "t" }, "slug"],
    ["a slug that is not a string", { name: "A", slug: ["team"] }, "slug"],
    ["an unknown field", { name: "A", owner: "me" }, "owner"],
    ["an array instead of an object", [{ name: "A" }], undefined],
    ["JSON null", null, undefined],
  ];
  for (const [label, body, field] of badBodies) {
    test(`${label} is a 400 problem${field ? ` with field "${field}"` : ""}`, async () => {
      const problem = await problemOf(await api.call("POST", "/api/gateways", body));
      expect(problem.status).toBe(400);
      expect(problem.contentType).toBe("application/problem+json");
      expect(problem.body).toMatchObject({ type: "urn:mcp-gateway:problem:bad-request", status: 400 });
      expect(problem.body.field).toBe(field);
      expect(problem.body.errors?.length).toBeGreaterThan(0);
      expect((await api.json("GET", "/api/gateways")).body).toEqual([]);
    });
  }

  test("a missing field is reported as required", async () => {
    const problem = await problemOf(await api.call("POST", "/api/gateways", {}));
    expect(problem.body.detail).toBe("Invalid request body: name: is required.");
    expect(problem.body.errors).toEqual([{ field: "name", message: "is required" }]);
  });

  test("every issue is listed, the first one named in `field`", async () => {
    const problem = await problemOf(
      await api.call("POST", "/api/gateways", { name: "", slug: "BAD", extra: 1, more: 2 }),
    );
    expect(problem.status).toBe(400);
    expect(problem.body.errors?.map((issue) => issue.field).sort()).toEqual([
      "extra",
      "more",
      "name",
      "slug",
    ]);
    expect(problem.body.field).toBe(problem.body.errors?.[0]?.field);
  });

  test("malformed JSON is a 400 problem", async () => {
    for (const text of ["{", '{"name": "A",}', "name=A", "", "undefined"]) {
      const problem = await problemOf(await api.call("POST", "/api/gateways", text));
      expect(problem.status, JSON.stringify(text)).toBe(400);
      expect(problem.contentType).toBe("application/problem+json");
      expect(problem.body.detail).toMatch(/not valid JSON/);
    }
  });

  test("a body that is not sent as JSON is a 400 problem", async () => {
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const response = await api.call("POST", "/api/gateways", '{"name":"A"}', {
        "content-type": contentType,
      });
      const problem = await problemOf(response);
      expect(problem.status, contentType).toBe(400);
      expect(problem.body.detail).toMatch(/application\/json/);
    }
    const charset = await api.call("POST", "/api/gateways", '{"name":"A"}', {
      "content-type": "application/json; charset=utf-8",
    });
    expect(charset.status).toBe(201);
  });

  test("a body over 64 KiB is a 413 problem", async () => {
    const problem = await problemOf(
      await api.call("POST", "/api/gateways", { name: "A", padding: "x".repeat(64 * 1024) }),
    );
    expect(problem).toMatchObject({ status: 413, contentType: "application/problem+json" });
    expect(problem.body.title).toBe("Payload Too Large");
    // Refused on the declared length alone, before reading.
    const declared = await api.call("POST", "/api/gateways", JSON.stringify({ name: "A" }), {
      "content-length": String(64 * 1024 + 1),
    });
    expect(declared.status).toBe(413);
    expect((await api.json("GET", "/api/gateways")).body).toEqual([]);
  });
});

describe("GET /api/gateways", () => {
  test("lists gateways oldest first, with enabled capabilities and live key counts", async () => {
    expect((await api.json("GET", "/api/gateways")).body).toEqual([]);
    const a = await api.createGateway("Alpha", "alpha");
    const b = await api.createGateway("Beta", "beta");
    await api.json("PUT", "/api/gateways/beta/capabilities/echo", { enabled: true });
    await api.json("POST", "/api/gateways/beta/keys", { name: "one" });
    const revoked = await api.json("POST", "/api/gateways/beta/keys", { name: "two" });
    await api.call("DELETE", `/api/gateways/beta/keys/${revoked.body.id}`);

    const { status, body } = await api.json("GET", "/api/gateways");
    expect(status).toBe(200);
    expect(body).toEqual([
      { ...a, enabledCapabilities: [], keyCount: 0 },
      { ...b, updatedAt: expect.any(String), enabledCapabilities: ["echo"], keyCount: 1 },
    ]);
  });

  test("MCP URLs use PUBLIC_URL when it is set", async () => {
    api.close();
    api = createApiClient({ env: { PUBLIC_URL: "https://mcp.example.com/base/" } });
    const gateway = await api.createGateway("Alpha", "alpha");
    expect(gateway.mcpUrl).toBe("https://mcp.example.com/base/gateways/alpha/mcp");
    const [listed] = (await api.json("GET", "/api/gateways")).body;
    expect(listed.mcpUrl).toBe("https://mcp.example.com/base/gateways/alpha/mcp");
  });
});

describe("GET /api/gateways/:gateway", () => {
  test("finds a gateway by its id or by its slug", async () => {
    const created = await api.createGateway("Alpha", "alpha");
    const byId = await api.json("GET", `/api/gateways/${created.id}`);
    const bySlug = await api.json("GET", "/api/gateways/alpha");
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual({ ...created, enabledCapabilities: [], keyCount: 0 });
    expect(bySlug.body).toEqual(byId.body);
  });

  test("an unknown gateway is a 404 problem on every gateway route", async () => {
    await api.createGateway("Alpha", "alpha");
    const routes: [string, string, unknown?][] = [
      ["GET", "/api/gateways/nope"],
      ["PATCH", "/api/gateways/nope", { name: "X" }],
      ["DELETE", "/api/gateways/nope"],
      ["GET", "/api/gateways/nope/capabilities"],
      ["PUT", "/api/gateways/nope/capabilities/echo", { enabled: true }],
      ["GET", "/api/gateways/nope/keys"],
      ["POST", "/api/gateways/nope/keys", { name: "k" }],
      ["DELETE", "/api/gateways/nope/keys/key_0123456789abcdef"],
      ["GET", "/api/gateways/nope/audit"],
      ["GET", "/api/gateways/gw_0000000000000000"],
    ];
    for (const [method, path, body] of routes) {
      const problem = await problemOf(await api.call(method, path, body));
      expect(problem.status, `${method} ${path}`).toBe(404);
      expect(problem.contentType).toBe("application/problem+json");
      expect(problem.body).toMatchObject({ title: "Not Found", status: 404 });
    }
  });
});

describe("PATCH /api/gateways/:gateway", () => {
  test("renames, changes the slug (and so the MCP URL), by id or slug", async () => {
    const created = await api.createGateway("Alpha", "alpha");
    const renamed = await api.json("PATCH", "/api/gateways/alpha", { name: "Alpha Team" });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: created.id, name: "Alpha Team", slug: "alpha" });
    expect(renamed.body.createdAt).toBe(created.createdAt);

    const moved = await api.json("PATCH", `/api/gateways/${created.id}`, { slug: "alpha-team" });
    expect(moved.body).toMatchObject({
      slug: "alpha-team",
      mcpUrl: "http://localhost/gateways/alpha-team/mcp",
    });
    expect((await api.call("GET", "/api/gateways/alpha")).status).toBe(404);
    expect((await api.json("GET", "/api/gateways/alpha-team")).body.name).toBe("Alpha Team");
  });

  test("taking another gateway's slug is a 409 problem and changes nothing", async () => {
    await api.createGateway("Alpha", "alpha");
    await api.createGateway("Beta", "beta");
    const problem = await problemOf(
      await api.call("PATCH", "/api/gateways/beta", { slug: "alpha", name: "B" }),
    );
    expect(problem).toMatchObject({ status: 409, body: { field: "slug" } });
    expect((await api.json("GET", "/api/gateways/beta")).body.name).toBe("Beta");
  });

  test("bad patches are 400 problems", async () => {
    await api.createGateway("Alpha", "alpha");
    const cases: [unknown, string | undefined][] = [
      [{}, undefined],
      [{ slug: "Not Valid" }, "slug"],
      [{ name: "" }, "name"],
      [{ id: "gw_x" }, "id"],
      [{ name: true }, "name"],
    ];
    for (const [body, field] of cases) {
      const problem = await problemOf(await api.call("PATCH", "/api/gateways/alpha", body));
      expect(problem.status, JSON.stringify(body)).toBe(400);
      expect(problem.body.field).toBe(field);
    }
    expect((await problemOf(await api.call("PATCH", "/api/gateways/alpha", "{nope"))).status).toBe(400);
  });
});

describe("DELETE /api/gateways/:gateway", () => {
  test("deletes the gateway with its keys and capability settings, and tells the MCP side", async () => {
    const gone = await api.createGateway("Gone", "gone");
    const kept = await api.createGateway("Kept", "kept");
    for (const slug of ["gone", "kept"]) {
      await api.json("PUT", `/api/gateways/${slug}/capabilities/echo`, {
        enabled: true,
        settings: { prefix: ">" },
      });
      await api.json("POST", `/api/gateways/${slug}/keys`, { name: "agent" });
    }
    const changed: string[] = [];
    api.deps.events.on("access-changed", (id) => changed.push(id));

    const response = await api.call("DELETE", "/api/gateways/gone");
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(changed).toEqual([gone.id]);

    expect((await api.call("GET", "/api/gateways/gone")).status).toBe(404);
    expect((await api.call("DELETE", `/api/gateways/${gone.id}`)).status).toBe(404);
    expect(listAgentKeys(api.deps.db, gone.id)).toEqual([]);
    expect(listCapabilitySettings(api.deps.db, gone.id)).toEqual([]);
    const rows = api.database.sqlite
      .prepare(
        "select (select count(*) from agent_keys where gateway_id = ?) as keys, (select count(*) from capability_settings where gateway_id = ?) as settings",
      )
      .get(gone.id, gone.id);
    expect(rows).toEqual({ keys: 0, settings: 0 });
    // The other gateway keeps everything.
    expect(listAgentKeys(api.deps.db, kept.id)).toHaveLength(1);
    expect(listCapabilitySettings(api.deps.db, kept.id)).toHaveLength(1);
    // A new gateway may take the freed slug, and starts empty.
    const again = await api.createGateway("Gone again", "gone");
    expect((await api.json("GET", `/api/gateways/${again.id}/keys`)).body).toEqual([]);
  });
});
