import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  countAgentKeys,
  createAgentKey,
  createGateway,
  type Database,
  type Gateway,
  listAgentKeys,
  openDatabase,
  revokeAgentKey,
  sha256,
  verifyAgentKey,
} from "./index.ts";

let dir: string;
let database: Database;
let main: Gateway;
let other: Gateway;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "db-keys-test-"));
  database = openDatabase(join(dir, "gateway.db"));
  main = createGateway(database.db, { name: "Main", slug: "main" });
  other = createGateway(database.db, { name: "Other", slug: "other" });
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every byte SQLite wrote in the folder: the database, its WAL and shared-memory files. */
function bytesOnDisk(): Buffer {
  return Buffer.concat(readdirSync(dir).map((name) => readFileSync(join(dir, name))));
}

describe("an agent key's secret", () => {
  test("is returned once and never written to disk, only its hash", () => {
    const key = createAgentKey(database.db, { gatewayId: main.id, name: "agent" });
    expect(key.secret).toMatch(/^mcpgw_[a-z0-9]{8}_[a-z0-9]{32}$/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);
    const secretPart = key.secret.slice(key.prefix.length + 1);

    const check = () => {
      const bytes = bytesOnDisk();
      expect(bytes.includes(key.secret)).toBe(false);
      expect(bytes.includes(secretPart)).toBe(false);
      // The search does find what is stored: the visible prefix and the hash.
      expect(bytes.includes(key.prefix)).toBe(true);
      expect(bytes.includes(sha256(key.secret))).toBe(true);
    };
    check(); // while open (data in the WAL)
    database.close();
    check(); // after the checkpoint into the main file
  });

  test("is not part of what is listed", () => {
    const key = createAgentKey(database.db, { gatewayId: main.id, name: "agent" });
    const [listed] = listAgentKeys(database.db, main.id);
    expect(listed).not.toHaveProperty("secretHash");
    expect(listed).not.toHaveProperty("secret");
    expect(JSON.stringify(listed)).not.toContain(key.secret.slice(key.prefix.length));
  });
});

describe("verifyAgentKey", () => {
  test("accepts the right key for its gateway only and records lastUsedAt", () => {
    const key = createAgentKey(database.db, { gatewayId: main.id, name: "agent" });
    expect(listAgentKeys(database.db, main.id)[0]!.lastUsedAt).toBeNull();
    const before = Date.now();
    const verified = verifyAgentKey(database.db, main.id, key.secret);
    expect(verified).toMatchObject({ id: key.id, gatewayId: main.id, name: "agent" });
    expect(verified).not.toHaveProperty("secretHash");
    const lastUsedAt = listAgentKeys(database.db, main.id)[0]!.lastUsedAt;
    expect(lastUsedAt).toBeInstanceOf(Date);
    expect(lastUsedAt!.getTime()).toBeGreaterThanOrEqual(before);
    expect(lastUsedAt!.getTime()).toBeLessThanOrEqual(Date.now());

    expect(verifyAgentKey(database.db, other.id, key.secret)).toBeUndefined();
    expect(verifyAgentKey(database.db, "gw_missing", key.secret)).toBeUndefined();
  });

  test("refuses a wrong, altered, truncated or oversized secret", () => {
    const key = createAgentKey(database.db, { gatewayId: main.id, name: "agent" });
    const last = key.secret.at(-1) === "a" ? "b" : "a";
    for (const wrong of [
      "",
      "mcpgw_",
      key.prefix,
      key.secret.slice(0, -1),
      key.secret.slice(0, -1) + last,
      key.secret.toUpperCase(),
      `${key.secret} `,
      key.secret.replace("mcpgw_", "other_"),
      `${key.secret}${"x".repeat(300)}`,
      sha256(key.secret),
    ]) {
      expect(verifyAgentKey(database.db, main.id, wrong), JSON.stringify(wrong)).toBeUndefined();
    }
    expect(listAgentKeys(database.db, main.id)[0]!.lastUsedAt).toBeNull();
  });

  test("refuses a revoked key; revoking is per gateway and idempotent", () => {
    const key = createAgentKey(database.db, { gatewayId: main.id, name: "agent" });
    const sibling = createAgentKey(database.db, { gatewayId: main.id, name: "sibling" });
    expect(countAgentKeys(database.db, main.id)).toBe(2);

    expect(revokeAgentKey(database.db, other.id, key.id)).toBe(false); // not that gateway's key
    expect(verifyAgentKey(database.db, main.id, key.secret)).toBeDefined();
    expect(revokeAgentKey(database.db, main.id, key.id)).toBe(true);
    const revokedAt = listAgentKeys(database.db, main.id).find((k) => k.id === key.id)!.revokedAt;
    expect(revokedAt).toBeInstanceOf(Date);
    expect(verifyAgentKey(database.db, main.id, key.secret)).toBeUndefined();
    expect(countAgentKeys(database.db, main.id)).toBe(1);

    expect(revokeAgentKey(database.db, main.id, key.id)).toBe(true);
    expect(listAgentKeys(database.db, main.id).find((k) => k.id === key.id)!.revokedAt).toEqual(revokedAt);
    expect(revokeAgentKey(database.db, main.id, "key_missing")).toBe(false);
    // The other key of the gateway still works.
    expect(verifyAgentKey(database.db, main.id, sibling.secret)?.id).toBe(sibling.id);
  });

  test("two keys never share a secret", () => {
    const secrets = new Set(
      Array.from({ length: 50 }, () => createAgentKey(database.db, { gatewayId: main.id, name: "k" }).secret),
    );
    expect(secrets.size).toBe(50);
  });
});
