import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Capability } from "@gateway/capability";
import { type Database, openDatabase } from "@gateway/db";
import { setupAdminToken } from "../admin-token.ts";
import { CapabilityRegistry } from "../capabilities/registry.ts";
import type { AppDeps } from "../deps.ts";
import { parseEnv } from "../env.ts";
import { GatewayEvents } from "../events.ts";
import { createLogger } from "../logger.ts";
import { createEchoCapability } from "./echo-capability.ts";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";

/** A temporary folder removed by `cleanup()`. */
export function tempDir(prefix = "gateway-test-"): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * App dependencies over a real SQLite file in a temporary folder, for `app.request()` tests.
 * Dispose with `close()`.
 */
export function createTestDeps(options: { capabilities?: Capability[]; env?: Record<string, string> } = {}) {
  const dir = tempDir();
  const env = parseEnv({
    DATABASE_PATH: join(dir.path, "gateway.db"),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: "silent",
    ...options.env,
  });
  const database: Database = openDatabase(env.DATABASE_PATH);
  const shutdown = new AbortController();
  const deps: AppDeps = {
    env,
    db: database.db,
    registry: new CapabilityRegistry(options.capabilities ?? [createEchoCapability()]),
    logger: createLogger("silent"),
    admin: setupAdminToken(database.db, env.ADMIN_TOKEN).auth,
    events: new GatewayEvents(),
    shutdownSignal: shutdown.signal,
  };
  return {
    deps,
    database,
    dir: dir.path,
    close() {
      shutdown.abort();
      database.close();
      dir.cleanup();
    },
  };
}

export const adminHeaders = {
  authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
  "content-type": "application/json",
};
