import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import {
  createGateway,
  type Database,
  deleteGateway,
  getServerSetting,
  listAudit,
  openDatabase,
  recordAudit,
  setServerSetting,
} from "./index.ts";

let dir: string;
let database: Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "db-audit-test-"));
  database = openDatabase(join(dir, "gateway.db"));
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the audit log lists newest first, filters by gateway, limits, and outlives the gateway", () => {
  const gateway = createGateway(database.db, { name: "Main", slug: "main" });
  recordAudit(database.db, { action: "gateway.create", gatewayId: gateway.id, detail: { slug: "main" } });
  recordAudit(database.db, { action: "server.start" });
  recordAudit(database.db, { action: "key.create", gatewayId: gateway.id, detail: { keyId: "key_1" } });

  expect(listAudit(database.db).map((entry) => entry.action)).toEqual([
    "key.create",
    "server.start",
    "gateway.create",
  ]);
  const own = listAudit(database.db, { gatewayId: gateway.id });
  expect(own.map((entry) => entry.action)).toEqual(["key.create", "gateway.create"]);
  expect(own[1]).toMatchObject({ gatewayId: gateway.id, detail: { slug: "main" }, at: expect.any(Date) });
  expect(listAudit(database.db, { limit: 1 }).map((entry) => entry.action)).toEqual(["key.create"]);
  expect(listAudit(database.db)[1]).toMatchObject({ gatewayId: null, detail: {} });

  deleteGateway(database.db, gateway.id);
  expect(listAudit(database.db, { gatewayId: gateway.id })).toHaveLength(2);
});

test("server settings are set, replaced and read back", () => {
  expect(getServerSetting(database.db, "admin_token_sha256")).toBeUndefined();
  setServerSetting(database.db, "admin_token_sha256", "a");
  setServerSetting(database.db, "admin_token_sha256", "b");
  expect(getServerSetting(database.db, "admin_token_sha256")).toBe("b");
});
