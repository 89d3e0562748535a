import { describe, expect, test } from "vitest";
import { ConfigError, parseEnv } from "./env.ts";

describe("parseEnv", () => {
  test("gives the documented defaults for an empty environment", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      HOST: "127.0.0.1",
      PORT: 8787,
      DATABASE_PATH: "./data/gateway.db",
      LOG_LEVEL: "info",
      ALLOWED_HOSTS: [],
      ALLOWED_ORIGINS: [],
      SANDBOX_PYTHON_WARM: true,
    });
    expect(env.ADMIN_TOKEN).toBeUndefined();
  });

  test("reads and converts values", () => {
    const env = parseEnv({
      PORT: "0",
      ADMIN_TOKEN: "a-long-enough-admin-token",
      ALLOWED_HOSTS: " gw.example.com , ,api.example.com",
      SANDBOX_PYTHON_WARM: "false",
      LOG_LEVEL: "debug",
    });
    expect(env.PORT).toBe(0);
    expect(env.ADMIN_TOKEN).toBe("a-long-enough-admin-token");
    expect(env.ALLOWED_HOSTS).toEqual(["gw.example.com", "api.example.com"]);
    expect(env.SANDBOX_PYTHON_WARM).toBe(false);
    expect(env.LOG_LEVEL).toBe("debug");
  });

  test("resolves a relative DATABASE_PATH from the folder the command was run in (INIT_CWD)", () => {
    expect(parseEnv({ INIT_CWD: "/srv/gateway" }).DATABASE_PATH).toBe("/srv/gateway/data/gateway.db");
    expect(parseEnv({ INIT_CWD: "/srv/gateway", DATABASE_PATH: "db/x.db" }).DATABASE_PATH).toBe(
      "/srv/gateway/db/x.db",
    );
    expect(parseEnv({ INIT_CWD: "/srv/gateway", DATABASE_PATH: "/var/lib/gw.db" }).DATABASE_PATH).toBe(
      "/var/lib/gw.db",
    );
  });

  test("treats an empty ADMIN_TOKEN as unset", () => {
    expect(parseEnv({ ADMIN_TOKEN: "" }).ADMIN_TOKEN).toBeUndefined();
  });

  test.each([
    ["PORT", "eighty", "PORT"],
    ["PORT", "70000", "PORT"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL"],
    ["ADMIN_TOKEN", "short", "ADMIN_TOKEN: must be at least 16 characters"],
    ["PUBLIC_URL", "not a url", "PUBLIC_URL"],
    ["SANDBOX_MAX_MEMORY_MB", "-1", "SANDBOX_MAX_MEMORY_MB"],
    ["SANDBOX_PYTHON_WARM", "perhaps", "SANDBOX_PYTHON_WARM"],
  ])("refuses %s=%j with a message naming the variable", (name, value, expected) => {
    let error: unknown;
    try {
      parseEnv({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(expected);
  });

  test("names every bad variable at once", () => {
    expect(() => parseEnv({ PORT: "x", LOG_LEVEL: "y" })).toThrow(/PORT[\s\S]*LOG_LEVEL/);
  });
});
