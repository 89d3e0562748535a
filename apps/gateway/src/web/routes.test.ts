import { findGateway, listAgentKeys, listAudit } from "@gateway/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../app.ts";
import { createTestDeps, TEST_ADMIN_TOKEN } from "../testing/deps.ts";

/** The settings pages in-process (no browser): sessions, CSRF, forms and what they change. */

let testDeps: ReturnType<typeof createTestDeps>;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  testDeps = createTestDeps();
  app = createApp(testDeps.deps);
});
afterEach(() => testDeps.close());

const ORIGIN = "http://localhost";

function form(fields: Record<string, string>) {
  return new URLSearchParams(fields).toString();
}

async function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return app.request(path, {
    method: "POST",
    body: form(fields),
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...headers },
  });
}

/** Signs in and returns the cookie header and the page's CSRF token. */
async function signIn() {
  const response = await post("/sign-in", { token: TEST_ADMIN_TOKEN, next: "/" });
  expect(response.status).toBe(303);
  const cookie = response.headers.get("set-cookie")!.split(";")[0]!;
  const page = await app.request("/", { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  expect(csrf).toBeTruthy();
  return { cookie, csrf: csrf! };
}

async function createGateway(auth: { cookie: string; csrf: string }, name: string, slug = "") {
  return post("/settings", { _csrf: auth.csrf, name, slug }, { cookie: auth.cookie });
}

describe("sessions", () => {
  it("sends every page to sign-in without a session, and comes back afterwards", async () => {
    const home = await app.request("/");
    expect(home.status).toBe(303);
    expect(home.headers.get("location")).toBe("/sign-in");
    const settings = await app.request("/settings/some-gateway?x=1");
    expect(settings.headers.get("location")).toBe("/sign-in?next=%2Fsettings%2Fsome-gateway%3Fx%3D1");
    const change = await post("/settings", { name: "Nope" });
    expect(change.status).toBe(303);
    expect(change.headers.get("location")).toBe("/sign-in");
  });

  it("refuses a wrong token and sets an HttpOnly SameSite=Strict cookie for the right one", async () => {
    const wrong = await post("/sign-in", { token: "not-the-token-at-all", next: "/" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("That admin token is not right.");

    const right = await post("/sign-in", { token: TEST_ADMIN_TOKEN, next: "/settings/x" });
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe("/settings/x");
    const cookie = right.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^mcpgw_session=[\w-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toMatch(/Max-Age=\d+/);
  });

  it("does not follow a next path to another host", async () => {
    const response = await post("/sign-in", { token: TEST_ADMIN_TOKEN, next: "//evil.example/x" });
    expect(response.headers.get("location")).toBe("/");
  });

  it("slows down guessing: after ten failures the address is refused for a while", async () => {
    for (let i = 0; i < 10; i++) expect((await post("/sign-in", { token: `guess-${i}` })).status).toBe(401);
    const blocked = await post("/sign-in", { token: TEST_ADMIN_TOKEN });
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain("Too many failed attempts");
  });

  it("signs out: the old cookie no longer opens a page", async () => {
    const auth = await signIn();
    const out = await post("/sign-out", { _csrf: auth.csrf }, { cookie: auth.cookie });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("mcpgw_session=;");
    const after = await app.request("/", { headers: { cookie: auth.cookie } });
    expect(after.status).toBe(303);
  });

  it("leaves other routes alone: unknown paths are 404, not a sign-in redirect", async () => {
    expect((await app.request("/no-such-page")).status).toBe(404);
    expect((await app.request("/healthz")).status).toBe(200);
  });
});

describe("CSRF", () => {
  it("refuses a state change without the token, with a wrong token, or from another origin", async () => {
    const auth = await signIn();
    const missing = await post("/settings", { name: "Sneaky" }, { cookie: auth.cookie });
    expect(missing.status).toBe(403);
    const wrong = await post("/settings", { name: "Sneaky", _csrf: "x".repeat(43) }, { cookie: auth.cookie });
    expect(wrong.status).toBe(403);
    const foreign = await post(
      "/settings",
      { name: "Sneaky", _csrf: auth.csrf },
      { cookie: auth.cookie, origin: "https://evil.example" },
    );
    expect(foreign.status).toBe(403);
    const crossSite = await post(
      "/settings",
      { name: "Sneaky", _csrf: auth.csrf },
      { cookie: auth.cookie, "sec-fetch-site": "cross-site" },
    );
    expect(crossSite.status).toBe(403);
    const list = await app.request("/", { headers: { cookie: auth.cookie } });
    expect(await list.text()).not.toContain("Sneaky");
  });
});

describe("pages", () => {
  it("sets a strict content security policy and no caching on pages", async () => {
    const page = await app.request("/sign-in");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const css = await app.request(/href="(\/assets\/app\.css\?v=\w+)"/.exec(await page.text())![1]!);
    expect(css.status).toBe(200);
    expect(css.headers.get("cache-control")).toContain("immutable");
  });

  it("creates a gateway, and shows field errors for an invalid or taken slug", async () => {
    const auth = await signIn();
    const empty = await app.request("/", { headers: { cookie: auth.cookie } });
    expect(await empty.text()).toContain("No gateways yet");

    const bad = await createGateway(auth, "Research", "Not A Slug!");
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('id="gateway-slug-error"');
    expect(badHtml).toContain("Slug may contain only lower-case letters");
    expect(badHtml).toContain('value="Not A Slug!"');

    const good = await createGateway(auth, "Research", "research");
    expect(good.status).toBe(303);
    expect(good.headers.get("location")).toBe("/settings/research");

    const taken = await createGateway(auth, "Other", "research");
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain("Slug &quot;research&quot; is already taken.");

    const list = await (await app.request("/", { headers: { cookie: auth.cookie } })).text();
    expect(list).toContain('href="/settings/research"');
  });

  it("saves a capability's switch and settings, and re-shows a rejected form with its errors", async () => {
    const auth = await signIn();
    await createGateway(auth, "Research", "research");
    const path = "/settings/research/capabilities/echo";
    const saved = await post(
      path,
      { _csrf: auth.csrf, enabled: "on", "settings.prefix": ">> " },
      { cookie: auth.cookie },
    );
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/settings/research#cap-echo");
    const state = testDeps.deps.registry.activeTools(
      testDeps.deps.db,
      findGateway(testDeps.deps.db, "research")!.id,
    );
    // waitEnabled was absent from the form: the switch is off, so only `echo` is offered.
    expect(state.map((tool) => tool.tool.name)).toEqual(["echo"]);
    expect(state[0]!.settings).toEqual({ prefix: ">> ", waitEnabled: false });

    const page = await (await app.request("/settings/research", { headers: { cookie: auth.cookie } })).text();
    expect(page).toContain("Saved. Echo is on. Tools offered: echo.");
    expect(page).toMatch(/id="cap-echo-enabled"[^>]*checked=""[^>]*aria-checked="true"/);
    expect(page).toMatch(/id="cap-echo-settings-waitEnabled"[^>]*aria-checked="false"/);
    const list = await (await app.request("/", { headers: { cookie: auth.cookie } })).text();
    expect(list).toMatch(/data-label="Capabilities"><span class="chips"><span class="badge[^"]*">Echo</);

    const rejected = await post(
      path,
      { _csrf: auth.csrf, "settings.prefix": "x".repeat(30), "settings.waitEnabled": "on" },
      { cookie: auth.cookie },
    );
    expect(rejected.status).toBe(400);
    const html = await rejected.text();
    expect(html).toContain("Not saved");
    expect(html).toContain('id="cap-echo-settings-prefix-error"');
    expect(html).toContain(`value="${"x".repeat(30)}"`);
  });

  it("shows a new key's secret once, then lists it; revoking marks it revoked", async () => {
    const auth = await signIn();
    await createGateway(auth, "Research", "research");
    const created = await post(
      "/settings/research/keys",
      { _csrf: auth.csrf, name: "Laptop" },
      { cookie: auth.cookie },
    );
    expect(created.status).toBe(303);
    const first = await (
      await app.request("/settings/research", { headers: { cookie: auth.cookie } })
    ).text();
    const secret = /id="new-key-secret" value="(mcpgw_[^"]+)"/.exec(first)?.[1];
    expect(secret).toBeDefined();
    expect(first).toContain(`Bearer ${secret}`);
    const second = await (
      await app.request("/settings/research", { headers: { cookie: auth.cookie } })
    ).text();
    expect(second).not.toContain(secret!);
    expect(second).toContain("Laptop");

    const gatewayId = findGateway(testDeps.deps.db, "research")!.id;
    const [key] = listAgentKeys(testDeps.deps.db, gatewayId);
    const revoked = await post(
      `/settings/research/keys/${key!.id}/revoke`,
      { _csrf: auth.csrf },
      { cookie: auth.cookie },
    );
    expect(revoked.status).toBe(303);
    expect(listAgentKeys(testDeps.deps.db, gatewayId)[0]!.revokedAt).toBeInstanceOf(Date);
    expect(listAudit(testDeps.deps.db, { gatewayId }).map((entry) => entry.action)).toContain("key.revoke");

    const emptyName = await post(
      "/settings/research/keys",
      { _csrf: auth.csrf, name: " " },
      { cookie: auth.cookie },
    );
    expect(emptyName.status).toBe(400);
    expect(await emptyName.text()).toContain("Name must not be empty.");
  });

  it("deletes a gateway, and answers an unknown one with a 404 page", async () => {
    const auth = await signIn();
    await createGateway(auth, "Research", "research");
    const deleted = await post("/settings/research/delete", { _csrf: auth.csrf }, { cookie: auth.cookie });
    expect(deleted.headers.get("location")).toBe("/");
    const list = await (await app.request("/", { headers: { cookie: auth.cookie } })).text();
    expect(list).toContain("Deleted the gateway “Research”.");
    const missing = await app.request("/settings/research", { headers: { cookie: auth.cookie } });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("No gateway");
  });
});
