import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "@gateway/db";
import { afterEach, describe, expect, test } from "vitest";
import { resetAdminToken, setupAdminToken } from "./admin-token.ts";
import { tempDir } from "./testing/deps.ts";

const dirs: { cleanup(): void }[] = [];
function databaseFile() {
  const dir = tempDir();
  dirs.push(dir);
  return join(dir.path, "gateway.db");
}
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

describe("setupAdminToken", () => {
  test("generates a token on the first start only, and stores only its hash", () => {
    const file = databaseFile();
    const first = openDatabase(file);
    const { auth, generated } = setupAdminToken(first.db, undefined);
    expect(generated).toMatch(/^adm_[0-9a-z]{40}$/);
    expect(auth.verify(generated)).toBe(true);
    expect(auth.verify(`${generated}x`)).toBe(false);
    first.sqlite.pragma("wal_checkpoint(TRUNCATE)");
    first.close();
    expect(readFileSync(file).includes(Buffer.from(generated!))).toBe(false);

    using second = openDatabase(file);
    const again = setupAdminToken(second.db, undefined);
    expect(again.generated).toBeUndefined();
    expect(again.auth.verify(generated)).toBe(true);
  });

  test("ADMIN_TOKEN takes precedence over a stored token and generates nothing", () => {
    using database = openDatabase(databaseFile());
    const stored = setupAdminToken(database.db, undefined).generated!;
    const configured = setupAdminToken(database.db, "configured-admin-token");
    expect(configured.generated).toBeUndefined();
    expect(configured.auth.verify("configured-admin-token")).toBe(true);
    expect(configured.auth.verify(stored)).toBe(false);
  });

  test("refuses missing, empty and oversized tokens", () => {
    using database = openDatabase(databaseFile());
    const { auth } = setupAdminToken(database.db, "configured-admin-token");
    expect(auth.verify(undefined)).toBe(false);
    expect(auth.verify(null)).toBe(false);
    expect(auth.verify("")).toBe(false);
    expect(auth.verify("x".repeat(10_000))).toBe(false);
  });

  test("a reset replaces the stored token", () => {
    using database = openDatabase(databaseFile());
    const old = setupAdminToken(database.db, undefined).generated!;
    const fresh = resetAdminToken(database.db);
    const { auth, generated } = setupAdminToken(database.db, undefined);
    expect(generated).toBeUndefined();
    expect(auth.verify(fresh)).toBe(true);
    expect(auth.verify(old)).toBe(false);
  });
});
