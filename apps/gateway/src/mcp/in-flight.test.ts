import { describe, expect, it } from "vitest";
import { InFlight } from "./in-flight.ts";

describe("InFlight", () => {
  it("counts work until it settles, failures included", async () => {
    const work = new InFlight();
    let finish!: () => void;
    const running = work.track(() => new Promise<void>((resolve) => (finish = resolve)));
    const failing = work.track(() => Promise.reject(new Error("boom")));
    expect(work.running).toBe(2);
    await expect(failing).rejects.toThrow("boom");
    expect(work.running).toBe(1);
    const idle = work.waitIdle(5_000);
    finish();
    await running;
    expect(await idle).toBe(true);
    expect(work.running).toBe(0);
  });

  it("gives up waiting after the timeout", async () => {
    const work = new InFlight();
    let finish!: () => void;
    const running = work.track(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(await work.waitIdle(20)).toBe(false);
    finish();
    await running;
    expect(await work.waitIdle(0)).toBe(true);
  });
});
