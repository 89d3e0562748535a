import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { builtinCapabilities } from "../../capabilities/builtin.ts";
import { parseEnv } from "../../env.ts";
import { type RunningGateway, startGateway } from "../../gateway.ts";
import { createLogger } from "../../logger.ts";
import { TEST_ADMIN_TOKEN, tempDir } from "../../testing/deps.ts";

/**
 * What the browser tests run against: a real gateway on an ephemeral port with a temporary
 * database and the real built-in capabilities, driven by Debian's Chromium.
 */

export const CHROMIUM = "/usr/bin/chromium";

/** Screenshots of every page, git-ignored (see `apps/gateway/src/web/README.md`). */
export const SCREENSHOT_DIR = new URL("../../../.artifacts/screenshots/", import.meta.url).pathname;

export const viewports = {
  desktop: { width: 1280, height: 860 },
  phone: { width: 360, height: 780 },
} as const;

export interface TestServer {
  gateway: RunningGateway;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the gateway in this process (`startGateway`, the same function `main.ts` calls) on port
 * 0: a real HTTP server on a real socket, without paying for a second Node.js start-up.
 */
export async function startTestServer(): Promise<TestServer> {
  const dir = tempDir("gateway-browser-");
  const env = parseEnv({
    PORT: "0",
    DATABASE_PATH: join(dir.path, "gateway.db"),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: "silent",
    // These tests list Code Runner's tools but never run Python: no pool, no snapshot build.
    SANDBOX_PYTHON_WARM: "false",
  });
  try {
    const gateway = await startGateway({
      env,
      logger: createLogger("silent"),
      capabilities: builtinCapabilities(env),
    });
    return {
      gateway,
      url: gateway.url,
      async close() {
        try {
          await gateway.close();
        } finally {
          dir.cleanup();
        }
      },
    };
  } catch (error) {
    dir.cleanup();
    throw error;
  }
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Browser tests need Debian's Chromium at ${CHROMIUM}: run  apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}

/**
 * A fresh browser context and page. `problems` collects what the page reported as wrong: script
 * errors, console errors (Chromium logs Content-Security-Policy violations there) and failed loads.
 */
export async function newPage(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: viewports.desktop,
    locale: "en-US",
    timezoneId: "UTC",
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`script error: ${error.message}`));
  page.on("console", (message) => {
    // A refused form answers 4xx on purpose; Chromium logs that as a failed resource.
    if (message.type() === "error" && !/status of 4\d\d/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on("requestfailed", (request) =>
    problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`),
  );
  return { context, page, problems };
}

/**
 * Elements that stick out past the right edge of the viewport (the page would scroll sideways).
 * Runs in the page; written as a string because this package's TypeScript has no DOM types.
 */
const FIND_OVERFLOW = `(() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > width + 0.5)
    .map((element) => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") +
      [...element.classList].map((name) => "." + name).join(""))
    .slice(0, 10);
})()`;

export async function overflowingElements(page: Page): Promise<string[]> {
  return (await page.evaluate(FIND_OVERFLOW)) as string[];
}

/** The id of the element that has the keyboard focus. */
export async function focusedId(page: Page): Promise<string> {
  return (await page.evaluate("document.activeElement ? document.activeElement.id : ''")) as string;
}

/**
 * Saves the current page at desktop and phone widths, in the light and the dark colour scheme,
 * as `<name>-<viewport>-<scheme>.png`, and fails if the page scrolls sideways at either width.
 * Restores the desktop light view afterwards.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const [viewport, size] of Object.entries(viewports)) {
    await page.setViewportSize(size);
    const overflowing = await overflowingElements(page);
    if (overflowing.length > 0) {
      throw new Error(`${name} is wider than ${size.width}px (${viewport}): ${overflowing.join(", ")}`);
    }
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      await page.screenshot({
        path: join(SCREENSHOT_DIR, `${name}-${viewport}-${colorScheme}.png`),
        fullPage: true,
        // Finish colour transitions started by the scheme switch instead of catching them halfway.
        animations: "disabled",
      });
    }
  }
  await page.setViewportSize(viewports.desktop);
  await page.emulateMedia({ colorScheme: "light" });
}

/** A real MCP client (SDK v2) with an agent key. Close it with `close()`. */
export async function connectMcpClient(mcpUrl: string, key: string): Promise<Client> {
  const client = new Client({ name: "settings-page-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

/** The tool names a fresh `tools/list` returns (never served from the client's cache). */
export async function listToolNames(client: Client): Promise<string[]> {
  const result = await client.listTools(undefined, { cacheMode: "bypass" });
  return result.tools.map((tool) => tool.name).sort();
}
