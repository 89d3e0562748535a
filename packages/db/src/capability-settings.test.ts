import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import {
  createGateway,
  getCapabilitySetting,
  listCapabilitySettings,
  openDatabase,
  putCapabilitySetting,
} from "./index.ts";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "db-settings-test-"));
  path = join(dir, "gateway.db");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("put creates, then replaces, one row per gateway and capability", () => {
  using database = openDatabase(path);
  const gateway = createGateway(database.db, { name: "Main", slug: "main" });
  expect(getCapabilitySetting(database.db, gateway.id, "echo")).toBeUndefined();
  const first = putCapabilitySetting(database.db, {
    gatewayId: gateway.id,
    capabilityId: "echo",
    enabled: true,
    settings: { prefix: "> " },
  });
  expect(first).toMatchObject({ enabled: true, settings: { prefix: "> " }, updatedAt: expect.any(Date) });
  const second = putCapabilitySetting(database.db, {
    gatewayId: gateway.id,
    capabilityId: "echo",
    enabled: false,
    settings: { prefix: "# ", nested: { list: [1, 2] } },
  });
  expect(second).toMatchObject({ enabled: false, settings: { prefix: "# ", nested: { list: [1, 2] } } });
  expect(listCapabilitySettings(database.db, gateway.id)).toEqual([second]);
});

test("toggles and settings persist across a close and reopen of the same file", () => {
  const gatewayId = (() => {
    using database = openDatabase(path);
    const gateway = createGateway(database.db, { name: "Main", slug: "main" });
    putCapabilitySetting(database.db, {
      gatewayId: gateway.id,
      capabilityId: "code-runner",
      enabled: true,
      settings: { timeoutMs: 1500, languages: ["javascript"] },
    });
    putCapabilitySetting(database.db, {
      gatewayId: gateway.id,
      capabilityId: "echo",
      enabled: true,
      settings: {},
    });
    putCapabilitySetting(database.db, {
      gatewayId: gateway.id,
      capabilityId: "echo",
      enabled: false,
      settings: {},
    });
    return gateway.id;
  })();

  using reopened = openDatabase(path);
  const rows = Object.fromEntries(
    listCapabilitySettings(reopened.db, gatewayId).map((row) => [row.capabilityId, row]),
  );
  expect(rows["code-runner"]).toMatchObject({
    enabled: true,
    settings: { timeoutMs: 1500, languages: ["javascript"] },
  });
  expect(rows.echo).toMatchObject({ enabled: false, settings: {} });
});
