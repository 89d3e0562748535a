import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  ConflictError,
  createAgentKey,
  createGateway,
  type Database,
  deleteGateway,
  findGateway,
  listAgentKeys,
  listCapabilitySettings,
  listGateways,
  openDatabase,
  putCapabilitySetting,
  updateGateway,
} from "./index.ts";

let dir: string;
let database: Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "db-gateways-test-"));
  database = openDatabase(join(dir, "gateway.db"));
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("gateways", () => {
  test("are created with an id and timestamps, listed oldest first, found by id or slug", () => {
    const a = createGateway(database.db, { name: "Alpha", slug: "alpha" });
    const b = createGateway(database.db, { name: "Beta", slug: "beta" });
    expect(a).toMatchObject({ id: expect.stringMatching(/^gw_[a-z0-9]{16}$/), name: "Alpha", slug: "alpha" });
    expect(a.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(a.createdAt.getTime() - Date.now())).toBeLessThan(5_000);
    expect(listGateways(database.db).map((g) => g.slug)).toEqual(["alpha", "beta"]);
    expect(findGateway(database.db, a.id)).toEqual(a);
    expect(findGateway(database.db, "beta")).toEqual(b);
    expect(findGateway(database.db, "gamma")).toBeUndefined();
  });

  test("a duplicate slug is a ConflictError naming the field, on create and on update", () => {
    createGateway(database.db, { name: "Alpha", slug: "alpha" });
    const beta = createGateway(database.db, { name: "Beta", slug: "beta" });
    const onCreate = (() => {
      try {
        createGateway(database.db, { name: "Other", slug: "alpha" });
      } catch (error) {
        return error;
      }
    })();
    expect(onCreate).toBeInstanceOf(ConflictError);
    expect(onCreate).toMatchObject({ field: "slug", message: expect.stringContaining("alpha") });
    expect(() => updateGateway(database.db, beta.id, { slug: "alpha" })).toThrow(ConflictError);
    expect(findGateway(database.db, beta.id)?.slug).toBe("beta");
    expect(listGateways(database.db)).toHaveLength(2);
  });

  test("update changes name and slug and moves updatedAt; an unknown id gives undefined", async () => {
    const gateway = createGateway(database.db, { name: "Alpha", slug: "alpha" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const updated = updateGateway(database.db, gateway.id, { name: "Alpha 2", slug: "alpha-2" });
    expect(updated).toMatchObject({
      id: gateway.id,
      name: "Alpha 2",
      slug: "alpha-2",
      createdAt: gateway.createdAt,
    });
    expect(updated!.updatedAt.getTime()).toBeGreaterThan(gateway.updatedAt.getTime());
    expect(updateGateway(database.db, "gw_missing", { name: "x" })).toBeUndefined();
  });

  test("delete takes the gateway's keys and capability settings with it, and only its own", () => {
    const gone = createGateway(database.db, { name: "Gone", slug: "gone" });
    const kept = createGateway(database.db, { name: "Kept", slug: "kept" });
    for (const gateway of [gone, kept]) {
      createAgentKey(database.db, { gatewayId: gateway.id, name: "a" });
      createAgentKey(database.db, { gatewayId: gateway.id, name: "b" });
      putCapabilitySetting(database.db, {
        gatewayId: gateway.id,
        capabilityId: "echo",
        enabled: true,
        settings: {},
      });
    }
    expect(deleteGateway(database.db, gone.id)).toBe(true);
    expect(deleteGateway(database.db, gone.id)).toBe(false);
    const count = (table: string, id: string) =>
      (
        database.sqlite.prepare(`select count(*) as n from ${table} where gateway_id = ?`).get(id) as {
          n: number;
        }
      ).n;
    expect(count("agent_keys", gone.id)).toBe(0);
    expect(count("capability_settings", gone.id)).toBe(0);
    expect(listAgentKeys(database.db, kept.id)).toHaveLength(2);
    expect(listCapabilitySettings(database.db, kept.id)).toHaveLength(1);
  });

  test("keys and settings cannot point at a gateway that does not exist", () => {
    expect(() => createAgentKey(database.db, { gatewayId: "gw_missing", name: "a" })).toThrow(/FOREIGN KEY/);
    expect(() =>
      putCapabilitySetting(database.db, {
        gatewayId: "gw_missing",
        capabilityId: "echo",
        enabled: true,
        settings: {},
      }),
    ).toThrow(/FOREIGN KEY/);
  });
});
