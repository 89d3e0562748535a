import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { tempDir } from "./testing/deps.ts";

/** The command-line entry as `pnpm start` runs it: a real process, its console and its exit code. */
const main = fileURLToPath(new URL("./main.ts", import.meta.url));
const cwd = fileURLToPath(new URL("..", import.meta.url));

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    cwd,
    env: { PATH: process.env.PATH ?? "", SANDBOX_PYTHON_WARM: "false", SANDBOX_WORKERS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    output += chunk;
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

async function waitFor(run: Run, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!run.output().includes(text)) {
    if (Date.now() > deadline || run.child.exitCode !== null) {
      throw new Error(`"${text}" never appeared; output:\n${run.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const running: Run[] = [];
const dirs: { cleanup(): void }[] = [];
afterEach(async () => {
  for (const run of running.splice(0)) {
    if (run.child.exitCode === null) run.child.kill("SIGKILL");
  }
  for (const dir of dirs.splice(0)) dir.cleanup();
});

describe("the gateway command", () => {
  test("refuses a bad configuration, naming the variable, before it opens anything", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const run = start({ PORT: "not-a-port", DATABASE_PATH: join(dir.path, "db", "gateway.db") });
    expect(await run.exited).toBe(78);
    expect(run.output()).toContain("PORT");
    expect(run.output()).not.toContain("    at "); // no stack trace
    expect(existsSync(join(dir.path, "db"))).toBe(false);
  });

  test("prints a generated admin token on the first start only, and stops cleanly on SIGTERM", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const env = { PORT: "0", DATABASE_PATH: join(dir.path, "nested", "gateway.db") };

    const first = start(env);
    running.push(first);
    await waitFor(first, "gateway listening");
    await waitFor(first, "It is shown only this once");
    const token = /\n\s+(adm_[0-9a-z]{40})\n/.exec(first.output())?.[1];
    expect(token).toBeDefined();
    const url = /"url":"(http:[^"]+)"/.exec(first.output())![1]!;
    const authorized = await fetch(`${url}/api/gateways`, { headers: { authorization: `Bearer ${token}` } });
    expect(authorized.status).toBe(200);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');
    // The token is printed on the console, never written into the JSON log lines.
    const logLines = first
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"));
    expect(logLines.some((line) => line.includes(token!))).toBe(false);

    const second = start(env);
    running.push(second);
    await waitFor(second, "gateway listening");
    expect(second.output()).not.toContain("adm_");
    const url2 = /"url":"(http:[^"]+)"/.exec(second.output())![1]!;
    const again = await fetch(`${url2}/api/gateways`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  }, 90_000);
});
