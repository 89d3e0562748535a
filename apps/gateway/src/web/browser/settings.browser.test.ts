import type { Client } from "@modelcontextprotocol/client";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN } from "../../testing/deps.ts";
import {
  connectMcpClient,
  focusedId,
  launchChromium,
  listToolNames,
  newPage,
  screenshots,
  startTestServer,
  type TestServer,
} from "./harness.ts";

/**
 * The settings pages in a real browser (Chromium, headless) against a real gateway on an
 * ephemeral port, with real MCP clients for what the pages change.
 */

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(page: Page): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByLabel("Admin token").fill(TEST_ADMIN_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Gateways" }).waitFor();
}

async function createGateway(page: Page, name: string, slug: string): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel(/^Slug/).fill(slug);
  await page.getByRole("button", { name: "Create gateway" }).click();
  await page.getByRole("heading", { level: 1, name }).waitFor();
}

async function ariaChecked(locator: Locator): Promise<string | null> {
  return locator.getAttribute("aria-checked");
}

describe("settings pages in Chromium", { timeout: 60_000 }, () => {
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ({ context, page, problems } = await newPage(browser));
  });
  afterAll(async () => {
    await context?.close();
  });

  it("1. refuses a wrong admin token and signs in with the right one", async () => {
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await screenshots(page, "sign-in");

    await page.getByLabel("Admin token").fill("definitely-not-the-admin-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toContain("That admin token is not right.");
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    expect(await context.cookies()).toEqual([]);
    await screenshots(page, "sign-in-refused");

    await page.getByLabel("Admin token").fill(TEST_ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Gateways" }).waitFor();
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "mcpgw_session", httpOnly: true, sameSite: "Strict" });
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000);
    await expect.poll(() => page.getByRole("heading", { name: "No gateways yet" }).isVisible()).toBe(true);
    await screenshots(page, "gateways-empty");
  });

  it("2. creates a gateway; an invalid slug shows a field error", async () => {
    await page.getByLabel("Name", { exact: true }).fill("Research agents");
    await page.getByLabel(/^Slug/).fill("Research Agents!");
    await page.getByRole("button", { name: "Create gateway" }).click();

    const slug = page.getByLabel(/^Slug/);
    await expect.poll(() => slug.getAttribute("aria-invalid")).toBe("true");
    const error = page.locator("#gateway-slug-error");
    expect(await error.textContent()).toContain("Slug may contain only lower-case letters");
    // The message is next to the field and announced with it.
    expect(await slug.getAttribute("aria-describedby")).toContain("gateway-slug-error");
    expect(await slug.inputValue()).toBe("Research Agents!");
    await screenshots(page, "gateways-create-error");

    await slug.fill("research");
    await page.getByRole("button", { name: "Create gateway" }).click();
    await page.getByRole("heading", { level: 1, name: "Research agents" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/settings/research");
    expect(await page.getByRole("status").first().textContent()).toContain(
      "Created the gateway “Research agents”",
    );

    await createGateway(page, "Support bot", "support");
    await page.goto(`${server.url}/`);
    const row = page.getByRole("row", { name: /Research agents/ });
    expect(await row.getByRole("link", { name: "Research agents" }).getAttribute("href")).toBe(
      "/settings/research",
    );
    expect(await row.textContent()).toContain("research");
    await screenshots(page, "gateways-list");
  });

  it("deletes a gateway after a confirmation", async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole("button", { name: "Delete Support bot" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("Delete the gateway “Support bot”?");
    await screenshots(page, "gateways-delete-confirm");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await page.getByRole("row", { name: /Support bot/ }).count()).toBe(1);

    await page.getByRole("button", { name: "Delete Support bot" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete gateway" }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Deleted the gateway");
    expect(await page.getByRole("row", { name: /Support bot/ }).count()).toBe(0);
  });

  it("6. refuses a request that changes state without the CSRF token", async () => {
    // The browser's own session cookie goes along; only the form's token is missing.
    const forged = await page.request.post(`${server.url}/settings`, {
      form: { name: "Forged gateway" },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain("security token is missing");
    const revoke = await page.request.post(`${server.url}/settings/research/delete`, {
      form: {},
      maxRedirects: 0,
    });
    expect(revoke.status()).toBe(403);

    await page.goto(`${server.url}/`);
    expect(await page.getByRole("row", { name: /Forged gateway/ }).count()).toBe(0);
    expect(await page.getByRole("row", { name: /Research agents/ }).count()).toBe(1);
  });

  it("signs out: pages go back to sign-in", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.goto(`${server.url}/settings/research`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
  });

  it("ran without script errors, CSP violations or failed loads", () => {
    expect(problems).toEqual([]);
  });
});

describe("Code Runner on a gateway's settings page", { timeout: 60_000 }, () => {
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let client: Client | undefined;

  const codeRunnerCard = () =>
    page.locator("form.card", { has: page.getByRole("heading", { name: "Code Runner" }) });
  const enableSwitch = () => page.getByRole("switch", { name: /Code Runner/ });
  const languageSwitch = (name: "JavaScript" | "Python") => codeRunnerCard().getByRole("switch", { name });

  async function save(): Promise<string> {
    await codeRunnerCard().getByRole("button", { name: "Save" }).click();
    const message = codeRunnerCard().getByRole("status");
    await message.waitFor();
    return (await message.textContent()) ?? "";
  }

  beforeAll(async () => {
    const catalog = server.gateway.deps.registry.catalog();
    const codeRunner = catalog.find((entry) => entry.name === "Code Runner");
    if (!codeRunner) {
      throw new Error(
        "Code Runner is not in builtinCapabilities(env) (apps/gateway/src/capabilities/builtin.ts) yet; " +
          `the catalog has: ${catalog.map((entry) => entry.name).join(", ") || "nothing"}.`,
      );
    }
    ({ context, page, problems } = await newPage(browser));
    await signIn(page);
    await createGateway(page, "Agents", "agents");
  });

  afterAll(async () => {
    await client?.close();
    await context?.close();
  });

  it("3. turns Code Runner on with JavaScript off; the state survives a reload; an MCP client lists run_python only", async () => {
    const card = codeRunnerCard();
    expect(await card.textContent()).toMatch(/max \d/);
    await screenshots(page, "gateway-settings");

    await enableSwitch().check();
    await languageSwitch("JavaScript").uncheck();
    expect(await ariaChecked(enableSwitch())).toBe("true");
    expect(await ariaChecked(languageSwitch("JavaScript"))).toBe("false");
    expect(await save()).toContain("Saved. Code Runner is on.");
    await screenshots(page, "gateway-settings-saved");

    await page.reload();
    expect(await ariaChecked(enableSwitch())).toBe("true");
    expect(await enableSwitch().isChecked()).toBe(true);
    expect(await ariaChecked(languageSwitch("JavaScript"))).toBe("false");
    expect(await ariaChecked(languageSwitch("Python"))).toBe("true");

    await page.getByLabel("New key name").fill("Test agent");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = await page.getByRole("textbox", { name: "Agent key Test agent" }).inputValue();
    expect(secret).toMatch(/^mcpgw_/);
    await screenshots(page, "gateway-settings-new-key");

    const mcpUrl = await page.getByRole("textbox", { name: "MCP endpoint URL" }).inputValue();
    expect(mcpUrl).toBe(`${server.url}/gateways/agents/mcp`);
    client = await connectMcpClient(mcpUrl, secret);
    const tools = await listToolNames(client);
    expect(tools).toContain("run_python");
    expect(tools).not.toContain("run_javascript");
  });

  it("4. turns Code Runner off: the client's next tools/list has neither tool and a call is refused", async () => {
    expect(client).toBeDefined();
    await enableSwitch().uncheck();
    expect(await save()).toContain("Saved. Code Runner is off.");

    const tools = await listToolNames(client!);
    expect(tools).not.toContain("run_python");
    expect(tools).not.toContain("run_javascript");
    // Refused by the gateway as a protocol error: the tool is not there to run.
    await expect(client!.callTool({ name: "run_python", arguments: { code: "print(1)" } })).rejects.toThrow(
      /run_python/,
    );
  });

  it("5. revoking the key on the page refuses the client", async () => {
    expect(client).toBeDefined();
    const row = page.getByRole("row", { name: /Test agent/ });
    await row.getByRole("button", { name: "Revoke Test agent" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Test agent/ }).textContent()).toContain("Revoked");
    await screenshots(page, "gateway-settings-revoked");

    await expect(listToolNames(client!)).rejects.toThrow(/401/);
  });

  it("7. the keyboard alone reaches and flips the Code Runner switch", async () => {
    await page.reload();
    const before = await ariaChecked(enableSwitch());
    const switchId = await enableSwitch().getAttribute("id");
    let reached = false;
    for (let presses = 0; presses < 40 && !reached; presses++) {
      await page.keyboard.press("Tab");
      reached = (await focusedId(page)) === switchId;
    }
    expect(reached).toBe(true);

    await page.keyboard.press("Space");
    const flipped = before === "true" ? "false" : "true";
    expect(await ariaChecked(enableSwitch())).toBe(flipped);
    await page.keyboard.press("Enter");
    expect(await ariaChecked(enableSwitch())).toBe(before);
    await page.keyboard.press("Space");
    expect(await ariaChecked(enableSwitch())).toBe(flipped);
  });

  it("ran without script errors, CSP violations or failed loads", () => {
    expect(problems).toEqual([]);
  });
});
