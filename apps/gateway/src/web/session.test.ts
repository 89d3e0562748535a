import { describe, expect, it } from "vitest";
import { SignInThrottle, safeNextPath } from "./auth.ts";
import { SessionStore } from "./session.ts";

describe("SessionStore", () => {
  it("creates random sessions that expire after the TTL", () => {
    let now = 1_000;
    const store = new SessionStore(60_000, () => now);
    const a = store.create();
    const b = store.create();
    expect(a.id).not.toBe(b.id);
    expect(a.csrfToken).not.toBe(a.id);
    expect(a.id).toMatch(/^[\w-]{43}$/);
    expect(store.get(a.id)).toBe(a);
    now += 59_999;
    expect(store.get(a.id)).toBe(a);
    now += 1;
    expect(store.get(a.id)).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
    expect(store.get("x".repeat(200))).toBeUndefined();
  });

  it("forgets a destroyed session and prunes expired ones when creating", () => {
    let now = 0;
    const store = new SessionStore(10, () => now);
    const a = store.create();
    store.destroy(a.id);
    expect(store.get(a.id)).toBeUndefined();
    store.create();
    now = 20;
    store.create();
    expect(store.size).toBe(1);
  });

  it("hands out flash messages once", () => {
    const session = new SessionStore().create();
    session.flashes.push({ kind: "success", message: "Saved." });
    expect(SessionStore.takeFlashes(session)).toEqual([{ kind: "success", message: "Saved." }]);
    expect(SessionStore.takeFlashes(session)).toEqual([]);
  });
});

describe("SignInThrottle", () => {
  it("blocks an address after the limit until the window ends, and forgets it on success", () => {
    let now = 0;
    const throttle = new SignInThrottle(3, 1_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.blockedFor("a")).toBe(0);
      throttle.fail("a");
    }
    expect(throttle.blockedFor("a")).toBe(1_000);
    expect(throttle.blockedFor("b")).toBe(0);
    now = 400;
    expect(throttle.blockedFor("a")).toBe(600);
    now = 1_000;
    expect(throttle.blockedFor("a")).toBe(0);

    throttle.fail("b");
    throttle.fail("b");
    throttle.succeed("b");
    throttle.fail("b");
    expect(throttle.blockedFor("b")).toBe(0);
  });
});

describe("safeNextPath", () => {
  it("keeps local paths and refuses anything that leaves the site", () => {
    expect(safeNextPath("/settings/research?x=1")).toBe("/settings/research?x=1");
    for (const bad of [
      undefined,
      null,
      "",
      "https://evil.example/",
      "//evil.example",
      "/\\evil.example",
      "settings",
    ]) {
      expect(safeNextPath(bad)).toBe("/");
    }
  });
});
