import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  createAgentKey,
  createGateway,
  getCapabilitySetting,
  listAgentKeys,
  listAudit,
  listGateways,
  migrationsFolder,
  openDatabase,
  putCapabilitySetting,
  recordAudit,
  verifyAgentKey,
} from "./index.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "db-open-test-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const journal = (folder: string) =>
  JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };

function tables(database: { sqlite: { prepare(sql: string): { all(): unknown[] } } }): string[] {
  return (
    database.sqlite
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
      )
      .all() as { name: string }[]
  ).map((row) => row.name);
}

function appliedMigrations(database: { sqlite: { prepare(sql: string): { get(): unknown } } }): number {
  return (database.sqlite.prepare("select count(*) as n from __drizzle_migrations").get() as { n: number }).n;
}

describe("openDatabase", () => {
  test("creates the file and its folders, and applies every migration to a fresh file", () => {
    const path = join(dir, "nested", "deeper", "gateway.db");
    using database = openDatabase(path);
    expect(existsSync(path)).toBe(true);
    expect(database.path).toBe(path);
    expect(tables(database)).toEqual([
      "__drizzle_migrations",
      "agent_keys",
      "audit_log",
      "capability_settings",
      "gateways",
      "server_settings",
    ]);
    expect(appliedMigrations(database)).toBe(journal(migrationsFolder).entries.length);
  });

  test("reopening an up-to-date file applies nothing again and keeps the data", () => {
    const path = join(dir, "gateway.db");
    const first = openDatabase(path);
    const gateway = createGateway(first.db, { name: "Main", slug: "main" });
    first.close();
    using second = openDatabase(path);
    expect(appliedMigrations(second)).toBe(journal(migrationsFolder).entries.length);
    expect(listGateways(second.db)).toEqual([gateway]);
  });

  test("turns on WAL mode, foreign keys and a busy timeout", () => {
    using database = openDatabase(join(dir, "gateway.db"));
    expect(database.sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(database.sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(database.sqlite.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(() =>
      database.sqlite
        .prepare(
          "insert into agent_keys (id, gateway_id, name, prefix, secret_hash) values ('k', 'no-such', 'n', 'p', 'h')",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
  });

  test("close() is idempotent and `using` closes", () => {
    const database = openDatabase(join(dir, "gateway.db"));
    database.close();
    expect(database.sqlite.open).toBe(false);
    expect(() => database.close()).not.toThrow();
    let kept: { sqlite: { open: boolean } } | undefined;
    {
      using scoped = openDatabase(join(dir, "gateway.db"));
      kept = scoped;
    }
    expect(kept.sqlite.open).toBe(false);
  });

  test("a failing migration throws, applies none of itself, and the file still opens with good ones", () => {
    const broken = join(dir, "broken-migrations");
    cpSync(migrationsFolder, broken, { recursive: true });
    writeFileSync(join(broken, "0001_audit_log.sql"), "create table oops (;");
    const path = join(dir, "gateway.db");
    expect(() => openDatabase(path, { migrationsFolder: broken })).toThrow();
    using database = openDatabase(path);
    expect(tables(database)).toContain("audit_log");
  });
});

describe("a database written by an older version", () => {
  test("migrates without loss: data is intact and the newer tables exist", () => {
    const older = join(dir, "migrations-v1");
    cpSync(migrationsFolder, older, { recursive: true });
    const full = journal(migrationsFolder);
    expect(full.entries.length).toBeGreaterThan(1);
    const trimmed = { ...full, entries: full.entries.slice(0, 1) };
    writeFileSync(join(older, "meta", "_journal.json"), JSON.stringify(trimmed, null, 2));

    const path = join(dir, "gateway.db");
    const v1 = openDatabase(path, { migrationsFolder: older });
    expect(tables(v1)).not.toContain("audit_log");
    expect(appliedMigrations(v1)).toBe(1);
    const gateway = createGateway(v1.db, { name: "Old", slug: "old" });
    const key = createAgentKey(v1.db, { gatewayId: gateway.id, name: "agent" });
    const setting = putCapabilitySetting(v1.db, {
      gatewayId: gateway.id,
      capabilityId: "code-runner",
      enabled: true,
      settings: { languages: ["python"], timeoutMs: 5000 },
    });
    v1.close();

    using current = openDatabase(path);
    expect(appliedMigrations(current)).toBe(full.entries.length);
    expect(tables(current)).toContain("audit_log");
    expect(listGateways(current.db)).toEqual([gateway]);
    const { secret: _, ...publicKey } = key;
    expect(listAgentKeys(current.db, gateway.id)).toEqual([publicKey]);
    expect(verifyAgentKey(current.db, gateway.id, key.secret)?.id).toBe(key.id);
    expect(getCapabilitySetting(current.db, gateway.id, "code-runner")).toEqual(setting);
    // The new table works.
    recordAudit(current.db, { action: "gateway.update", gatewayId: gateway.id, detail: { upgraded: true } });
    expect(listAudit(current.db, { gatewayId: gateway.id })).toMatchObject([{ detail: { upgraded: true } }]);
  });
});
