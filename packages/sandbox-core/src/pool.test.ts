/**
 * The pool, the sandbox host process and the worker runtime, driven by the test engine
 * (`testing/test-engine.ts`: the request's code is a command such as `spin` or `exit`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recheckAfterMs, SandboxPool, type SandboxPoolOptions } from "./pool.ts";
import { TEST_SHARED_SCRIPT, type TestEngineInit, testEngine } from "./testing/index.ts";
import {
  DEFAULT_LIMITS,
  type ExecutionResult,
  type JsonValue,
  type Limits,
  SandboxErrorType,
} from "./types.ts";

const limits = (overrides: Partial<Limits> = {}): Limits => ({
  ...DEFAULT_LIMITS,
  cpuMs: 200,
  wallMs: 5_000,
  ...overrides,
});
const request = (code: string, overrides: Partial<Limits> = {}, input?: JsonValue) => ({
  code,
  limits: limits(overrides),
  ...(input === undefined ? {} : { input }),
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A started pool of the test engine; `dispose()` it. */
async function startPool(
  options: Omit<SandboxPoolOptions, "engine"> = {},
  init: TestEngineInit = {},
): Promise<SandboxPool> {
  const pool = new SandboxPool({ engine: testEngine({ init }), workers: 1, ...options });
  await pool.start();
  return pool;
}

/** The worker thread an execution ran on, and how many it served before. */
async function thread(pool: SandboxPool): Promise<{ threadId: number; served: number }> {
  const result = await pool.execute(request("thread"));
  expect(result.status).toBe("ok");
  return result.result as { threadId: number; served: number };
}

/** Waits until `check` holds (the pool answers before its bookkeeping of a dead process is done). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("executions", () => {
  let pool: SandboxPool;
  beforeAll(async () => {
    pool = await startPool({ workers: 2, queue: 10 });
  });
  afterAll(async () => {
    await pool?.dispose();
  });

  it("returns the engine's value and the request's input with timing metrics", async () => {
    const result = await pool.execute(request('value:{"a":[1,"x",null]}'));
    expect(result).toMatchObject({
      status: "ok",
      result: { a: [1, "x", null] },
      stdout: "",
      truncated: false,
    });
    expect(result.metrics.wallMs).toBeGreaterThanOrEqual(result.metrics.instantiationMs);
    expect((await pool.execute(request("input", {}, { n: [1, 2] }))).result).toEqual({ n: [1, 2] });
  });

  it("runs in a process under the permission model with an empty environment", async () => {
    expect((await pool.execute(request("read:/etc/passwd"))).result).toBe("ERR_ACCESS_DENIED");
    expect((await pool.execute(request(`read:${process.cwd()}/package.json`))).result).toBe(
      "ERR_ACCESS_DENIED",
    );
    expect((await pool.execute(request("env"))).result).toEqual([]);
  });

  it("refuses bad requests before they reach a sandbox", async () => {
    const refusals: [unknown, string][] = [
      [{ code: 42, limits: limits() }, SandboxErrorType.invalidInput],
      [{ code: "value:1", limits: { ...limits(), cpuMs: 0 } }, SandboxErrorType.invalidInput],
      [{ code: "value:1", limits: limits(), input: 10n }, SandboxErrorType.invalidInput],
      [
        { code: `value:1${" ".repeat(100)}`, limits: limits({ codeBytes: 100 }) },
        SandboxErrorType.codeTooLarge,
      ],
    ];
    const executions = pool.stats().executions;
    for (const [bad, type] of refusals) {
      const result = await pool.execute(bad as Parameters<SandboxPool["execute"]>[0]);
      expect(result.status).toBe("rejected");
      expect(result.error?.type).toBe(type);
      expect(result.metrics.instantiationMs).toBe(0);
    }
    expect(pool.stats()).toMatchObject({ executions, rejected: refusals.length });
  });

  it("stops a guest at its CPU limit", async () => {
    const result = await pool.execute(request("spin", { cpuMs: 50 }));
    expect(result.status).toBe("cpu_limit");
    expect(result.error?.type).toBe(SandboxErrorType.cpu);
    expect(result.metrics.cpuMs).toBeGreaterThanOrEqual(50);
  });

  it("stops a waiting guest at its wall limit, without charging the wait as CPU time", async () => {
    const result = await pool.execute(request("sleep", { wallMs: 150 }));
    expect(result.status).toBe("timeout");
    expect(result.error?.type).toBe(SandboxErrorType.wall);
    expect(result.metrics.wallMs).toBeGreaterThanOrEqual(150);
    expect(result.metrics.cpuMs).toBeLessThan(50);
  });

  it("cancels a running execution when its signal aborts", async () => {
    const controller = new AbortController();
    const running = pool.execute(request("sleep"), controller.signal);
    await sleep(30);
    controller.abort();
    const result = await running;
    expect(result.status).toBe("cancelled");
    expect(result.error?.type).toBe(SandboxErrorType.cancelled);
    expect((await pool.execute(request("value:1"))).result).toBe(1);
  });

  it("cuts output at the output limit", async () => {
    const result = await pool.execute(request("print:100", { outputBytes: 40 }));
    expect(result).toMatchObject({ status: "output_limit", truncated: true, stdout: "x".repeat(40) });
  });

  it("terminates a worker that ignores the stop request, then serves on without a new process", async () => {
    const [pid] = pool.processIds();
    const result = await pool.execute(request("deaf", { cpuMs: 50 }));
    expect(result.status).toBe("cpu_limit");
    expect(result.error?.message).toMatch(/terminated/);
    // The replacement worker starts in the same process, and the process stays healthy.
    for (let i = 0; i < 6; i++) expect((await pool.execute(request(`value:${i}`))).result).toBe(i);
    expect(pool.processIds()).toEqual([pid]);
    expect(pool.stats().processRestarts).toBe(0);
  });

  it("answers a worker that exits as a crash, then serves on", async () => {
    const result = await pool.execute(request("exit"));
    expect(result.status).toBe("error");
    expect(result.error?.type).toBe(SandboxErrorType.crashed);
    for (let i = 0; i < 4; i++) expect((await pool.execute(request(`value:${i}`))).result).toBe(i);
    expect(pool.stats().processRestarts).toBe(0);
  });

  it("answers an engine that throws as a crash, then serves on", async () => {
    const result = await pool.execute(request("throw"));
    expect(result.status).toBe("error");
    expect(result.error).toMatchObject({ type: SandboxErrorType.crashed });
    expect(result.error?.message).toMatch(/the engine failed: the test engine failed/);
    expect((await pool.execute(request("value:true"))).result).toBe(true);
  });

  it("ends a worker that runs out of V8 heap as memory_limit, then serves on", async () => {
    const result = await pool.execute(request("heap", { cpuMs: 10_000 }));
    expect(result.status).toBe("memory_limit");
    expect(result.error?.type).toBe(SandboxErrorType.memory);
    expect((await pool.execute(request("value:2"))).result).toBe(2);
  });
});

describe("workers", () => {
  let pool: SandboxPool;
  beforeAll(async () => {
    pool = await startPool({ workers: 1 });
  });
  afterAll(async () => {
    await pool?.dispose();
  });

  it("keep serving from the same worker while the engine vouches for it", async () => {
    const first = await thread(pool);
    const second = await thread(pool);
    expect(second).toEqual({ threadId: first.threadId, served: first.served + 1 });
  });

  it("are replaced when the engine asks to recycle", async () => {
    const before = await thread(pool);
    const recycled = await pool.execute(request("recycle"));
    expect(recycled).toMatchObject({ status: "ok", result: before.threadId });
    expect(recycled).not.toHaveProperty("recycle");
    const after = await thread(pool);
    expect(after.threadId).not.toBe(before.threadId);
    expect(after.served).toBe(0);
  });

  it("are replaced after a crash", async () => {
    const before = await thread(pool);
    await pool.execute(request("exit"));
    const after = await thread(pool);
    expect(after.threadId).not.toBe(before.threadId);
    expect(after.served).toBe(0);
  });
});

describe("a worker that fails before its request's guest starts", () => {
  /** A one-worker pool that records the host's log messages. */
  async function recordingPool(init: TestEngineInit = {}) {
    const messages: string[] = [];
    const record = (_obj: object, msg?: string) => {
      if (msg) messages.push(msg);
    };
    const pool = await startPool(
      { workers: 1, logger: { debug: record, info: record, warn: record, error: record } },
      init,
    );
    return { pool, requeued: () => messages.filter((m) => m.includes("re-queued")).length };
  }

  it.each(["throw", "exit"])("hands the request to the replacement worker (prepare: %s)", async (how) => {
    const { pool, requeued } = await recordingPool();
    try {
      const broken = await pool.execute(request(`breakPrepare:${how}`));
      expect(broken.status).toBe("ok");
      // This request reaches the broken worker; its prepare fails only once the request arrived.
      const moved = await thread(pool);
      expect(moved.threadId).not.toBe(broken.result);
      expect(moved.served).toBe(0);
      expect(requeued()).toBe(1);
      expect(pool.stats().processRestarts).toBe(0);
      expect((await pool.execute(request("value:3"))).result).toBe(3);
    } finally {
      await pool.dispose();
    }
  });

  it("answers a request whose second worker fails before its guest starts too, then serves on", async () => {
    const { pool, requeued } = await recordingPool();
    try {
      const result = await pool.execute(request("throwBeforeStart"));
      expect(result.status).toBe("error");
      expect(result.error?.type).toBe(SandboxErrorType.crashed);
      expect(result.error?.message).toMatch(/could not start.*failed again.*did not run/);
      expect(requeued()).toBe(1);
      expect((await thread(pool)).served).toBe(0);
    } finally {
      await pool.dispose();
    }
  });

  it("answers a re-queued request when the replacement worker cannot start", async () => {
    const { pool, requeued } = await recordingPool({ failStartAfterThread: 1 });
    try {
      expect((await pool.execute(request("breakPrepare:throw"))).status).toBe("ok");
      const result = await pool.execute(request("value:1"));
      expect(result.status).toBe("error");
      expect(result.error?.type).toBe(SandboxErrorType.crashed);
      expect(result.error?.message).toMatch(/could not start.*a new worker failed to start.*did not run/);
      expect(requeued()).toBe(1);
    } finally {
      await pool.dispose();
    }
  });
});

describe("a request that waits in a live sandbox process for its worker", () => {
  // Far longer than the old backstop (wall 50 + grace 100 + kill after 100 = 250 ms from dispatch).
  const slowStartMs = 900;

  it("past an overdue check, behind a recycled worker, is answered; the process and its other execution are unaffected", async () => {
    const pool = await startPool(
      { workers: 2, killAfterMs: 100, queue: 5 },
      { slowStartAfterThread: 2, slowStartMs },
    );
    try {
      const [pid] = pool.processIds();
      const other = pool.execute(request("wait:1500"));
      await until(() => pool.stats().running === 1, "the other execution to start");
      expect((await pool.execute(request("recycle"))).status).toBe("ok");
      // Its worker is being replaced (slowly): this request waits in the host, then runs.
      const waited = await pool.execute(request("value:5", { wallMs: 50 }));
      expect(waited).toMatchObject({ status: "ok", result: 5 });
      expect(waited.metrics.queueMs).toBeGreaterThan(slowStartMs - 200);
      const result = await other;
      expect(result.status).toBe("ok");
      expect(result.result).toBeGreaterThanOrEqual(1500);
      expect(pool.processIds()).toEqual([pid]);
      expect(pool.stats().processRestarts).toBe(0);
    } finally {
      await pool.dispose();
    }
  });

  it("after its first worker failed before its guest started, is answered by the slow replacement", async () => {
    const pool = await startPool({ workers: 1, killAfterMs: 100 }, { slowStartAfterThread: 1, slowStartMs });
    try {
      const [pid] = pool.processIds();
      expect((await pool.execute(request("breakPrepare:throw"))).status).toBe("ok");
      const moved = await pool.execute(request("value:6", { wallMs: 50 }));
      expect(moved).toMatchObject({ status: "ok", result: 6 });
      expect(moved.metrics.wallMs).toBeGreaterThan(slowStartMs - 200);
      expect(pool.processIds()).toEqual([pid]);
      expect(pool.stats().processRestarts).toBe(0);
    } finally {
      await pool.dispose();
    }
  });

  it("is still killed with its process when that process freezes meanwhile", async () => {
    const pool = await startPool(
      { workers: 1, killAfterMs: 100 },
      { slowStartAfterThread: 1, slowStartMs: 5_000 },
    );
    try {
      const [pid] = pool.processIds();
      expect((await pool.execute(request("recycle"))).status).toBe("ok");
      const waiting = pool.execute(request("value:1", { wallMs: 50 }));
      await sleep(100);
      process.kill(pid!, "SIGSTOP");
      const result = await waiting;
      expect(result.status).toBe("timeout");
      expect(result.error?.message).toMatch(/stopped answering and was killed/);
      expect(result.metrics.wallMs).toBeLessThan(5_000);
      expect(pool.processIds()).not.toContain(pid);
    } finally {
      await pool.dispose();
    }
  });
});

describe("a live host's overdue execution (recheckAfterMs)", () => {
  const budget = { checkMs: 400, pingMs: 50, brokenAtWorkerMs: 900, brokenHeldMs: 61_000 };

  it("is checked again a full wall budget later while it waits for a worker", () => {
    expect(recheckAfterMs({ id: 1 }, 5_000, budget)).toBe(400);
  });

  it("is checked again when its wall budget at the worker runs out, and no sooner than a ping's time", () => {
    expect(recheckAfterMs({ id: 1, atWorkerMs: 100 }, 500, budget)).toBe(300);
    expect(recheckAfterMs({ id: 1, atWorkerMs: 600 }, 900, budget)).toBe(50);
  });

  it("means a broken host when the host lost it or holds it far past any limit", () => {
    expect(recheckAfterMs(undefined, 500, budget)).toBeUndefined();
    expect(recheckAfterMs({ id: 1, atWorkerMs: 901 }, 1_000, budget)).toBeUndefined();
    expect(recheckAfterMs({ id: 1 }, 61_001, budget)).toBeUndefined();
  });
});

describe("an engine's sharedInit", () => {
  interface Shared {
    token: string;
    threadId: number;
    answer: number;
  }

  it("runs once per sandbox process on its main thread; every worker, replacements too, gets its value", async () => {
    const pool = new SandboxPool({
      engine: testEngine({ sharedInitScript: TEST_SHARED_SCRIPT }),
      workers: 2,
      queue: 10,
    });
    try {
      await pool.start();
      // Work goes to the longest-idle worker: these two run on different workers.
      const a = await pool.execute(request("shared"));
      const b = await pool.execute(request("shared"));
      const first = a.result as unknown as Shared;
      expect(first).toMatchObject({ threadId: 0, answer: 42 }); // compiled on the main thread, runs in the worker
      expect(b.result).toEqual(first);
      expect((await pool.execute(request("recycle"))).status).toBe("ok");
      expect((await pool.execute(request("exit"))).error?.type).toBe(SandboxErrorType.crashed);
      for (let i = 0; i < 4; i++) expect((await pool.execute(request("shared"))).result).toEqual(first);
      // A new sandbox process runs it again.
      process.kill(pool.processIds()[0]!, "SIGKILL");
      await until(
        () => pool.stats().processRestarts === 1 && pool.processIds().length === 1,
        "a new process",
      );
      const next = (await pool.execute(request("shared"))).result as unknown as Shared;
      expect(next.answer).toBe(42);
      expect(next.token).not.toBe(first.token);
    } finally {
      await pool.dispose();
    }
  });

  it("is absent without a sharedInitScript", async () => {
    const pool = await startPool();
    try {
      expect((await pool.execute(request("shared"))).result).toBeNull();
    } finally {
      await pool.dispose();
    }
  });

  it("that fails keeps the engine from starting, and requests are answered", async () => {
    const pool = new SandboxPool({
      engine: testEngine({ sharedInitScript: TEST_SHARED_SCRIPT, init: { failSharedInit: true } }),
      workers: 1,
    });
    try {
      await expect(pool.start()).rejects.toThrow(/sharedInit failed.*told to fail/);
      const result = await pool.execute(request("value:1"));
      expect(result.error?.type).toBe(SandboxErrorType.unavailable);
    } finally {
      await pool.dispose();
    }
  });
});

describe("the bounded queue", () => {
  it("rejects at once when full, serves queued requests in order, and never runs a cancelled one", async () => {
    const pool = await startPool({ workers: 1, queue: 2 });
    try {
      const blocker = new AbortController();
      let blockerDone = false;
      const running = pool.execute(request("sleep"), blocker.signal).then((result) => {
        blockerDone = true;
        return result;
      });
      await until(() => pool.stats().running === 1, "the first execution to start");
      const order: number[] = [];
      const cancelled = new AbortController();
      const queued = [
        pool.execute(request("value:1")).then((result) => order.push(result.result as number)),
        pool.execute(request("value:2"), cancelled.signal),
      ];
      expect(pool.stats().queued).toBe(2);

      const refused = await pool.execute(request("value:3"));
      expect(refused.status).toBe("rejected");
      expect(refused.error?.type).toBe(SandboxErrorType.busy);
      expect(blockerDone).toBe(false); // answered while the worker was still busy
      expect(pool.stats().rejected).toBe(1);

      cancelled.abort();
      expect((await queued[1]) as ExecutionResult).toMatchObject({ status: "cancelled" });
      const late = pool.execute(request("value:4")).then((result) => order.push(result.result as number));
      blocker.abort();
      expect((await running).status).toBe("cancelled");
      await Promise.all([queued[0], late]);
      expect(order).toEqual([1, 4]);
      // The worker ran the blocker, 1, 4 and this: never the cancelled 2.
      expect((await thread(pool)).served).toBe(3);
    } finally {
      await pool.dispose();
    }
  });

  it("of size 0 rejects whenever every worker is busy", async () => {
    const pool = await startPool({ workers: 1, queue: 0 });
    try {
      const blocker = new AbortController();
      const running = pool.execute(request("sleep"), blocker.signal);
      await until(() => pool.stats().running === 1, "the first execution to start");
      expect((await pool.execute(request("value:1"))).error?.type).toBe(SandboxErrorType.busy);
      blocker.abort();
      expect((await running).status).toBe("cancelled"); // answered at once…
      await until(() => pool.stats().running === 0, "the worker to stop"); // …the worker frees a moment later
      expect((await pool.execute(request("value:1"))).result).toBe(1);
    } finally {
      await pool.dispose();
    }
  });
});

describe("sandbox processes", () => {
  it.each(["SIGKILL", "SIGTERM", "SIGSEGV"] as const)(
    "are replaced when one ends (%s): its executions get a clear error, queued ones run on the new one",
    async (signal) => {
      const pool = await startPool({ workers: 1, queue: 5 });
      try {
        const [pid] = pool.processIds();
        const inflight = pool.execute(request("sleep"));
        await until(() => pool.stats().running === 1, "the execution to start");
        const queued = pool.execute(request("value:7"));
        process.kill(pid!, signal);
        const crashed = await inflight;
        expect(crashed.status).toBe("error");
        expect(crashed.error?.type).toBe(SandboxErrorType.crashed);
        expect(crashed.error?.message).toContain(signal);
        expect((await queued).result).toBe(7);
        expect(pool.processIds()).not.toContain(pid);
        expect(pool.stats().processRestarts).toBe(1);
      } finally {
        await pool.dispose();
      }
    },
  );

  it("is killed and replaced when it stops answering, and its execution ends as a timeout", async () => {
    const pool = await startPool({ workers: 1, killAfterMs: 100 });
    try {
      const [pid] = pool.processIds();
      const inflight = pool.execute(request("sleep", { wallMs: 200 }));
      await until(() => pool.stats().running === 1, "the execution to start");
      process.kill(pid!, "SIGSTOP"); // frozen: neither its host nor its workers answer
      const hung = await inflight;
      expect(hung.status).toBe("timeout");
      expect(hung.error?.message).toMatch(/stopped answering/);
      expect(hung.metrics.wallMs).toBeGreaterThanOrEqual(200 + 100 + 100);
      expect((await pool.execute(request("value:8"))).result).toBe(8);
      expect(pool.processIds()).not.toContain(pid);
    } finally {
      await pool.dispose();
    }
  });

  it("that froze are killed in bounded time: the overdue execution times out, the others get a clear error", async () => {
    const pool = await startPool({ workers: 2, killAfterMs: 100, queue: 5 });
    try {
      const [pid] = pool.processIds();
      const overdue = pool.execute(request("sleep", { wallMs: 200 }));
      const other = pool.execute(request("sleep", { wallMs: 20_000 }));
      await until(() => pool.stats().running === 2, "both executions to start");
      process.kill(pid!, "SIGSTOP");
      const [hung, innocent] = await Promise.all([overdue, other]);
      expect(hung.status).toBe("timeout");
      expect(hung.error?.message).toMatch(/stopped answering and was killed/);
      expect(innocent.status).toBe("error");
      expect(innocent.error).toMatchObject({ type: SandboxErrorType.crashed });
      expect(innocent.error?.message).toMatch(/stopped answering on another execution.*outcome is unknown/);
      // Killed once the first execution was overdue and the ping went unanswered, not at the other's limit.
      expect(innocent.metrics.wallMs).toBeLessThan(20_000);
      expect((await pool.execute(request("value:8"))).result).toBe(8);
      expect(pool.processIds()).not.toContain(pid);
      expect(pool.stats().processRestarts).toBe(1);
    } finally {
      await pool.dispose();
    }
  });

  it("fail alone: the other processes' executions are unaffected", async () => {
    const pool = await startPool({ workers: 2, processes: 2 });
    try {
      const pids = pool.processIds();
      expect(pids).toHaveLength(2);
      const first = pool.execute(request("sleep", { wallMs: 400 }));
      const second = pool.execute(request("sleep", { wallMs: 400 }));
      await until(() => pool.stats().running === 2, "both executions to start");
      process.kill(pids[0]!, "SIGKILL");
      const results = await Promise.all([first, second]);
      expect(results.map((result) => result.status).sort()).toEqual(["error", "timeout"]);
      expect((await pool.execute(request("value:9"))).result).toBe(9);
    } finally {
      await pool.dispose();
    }
  });

  it("report an engine that cannot start, and answer requests instead of leaving them waiting", async () => {
    const pool = new SandboxPool({ engine: testEngine({ init: { failStart: true } }), workers: 1 });
    try {
      await expect(pool.start()).rejects.toThrow(/the test engine was told not to start/);
      const result = await pool.execute(request("value:1"));
      expect(result.status).toBe("error");
      expect(result.error?.type).toBe(SandboxErrorType.unavailable);
    } finally {
      await pool.dispose();
    }
  });

  it("report an engine whose workers never finish initialising", async () => {
    const pool = new SandboxPool({
      engine: testEngine({ init: { hangStart: true }, initTimeoutMs: 200 }),
      workers: 1,
    });
    try {
      await expect(pool.start()).rejects.toThrow(/did not initialise in time/);
      expect((await pool.execute(request("value:1"))).error?.type).toBe(SandboxErrorType.unavailable);
    } finally {
      await pool.dispose();
    }
  });

  it("end on dispose: running executions get an error, queued ones are rejected, later ones too", async () => {
    const pool = await startPool({ workers: 1, queue: 5 });
    const [pid] = pool.processIds();
    const running = pool.execute(request("sleep"));
    await until(() => pool.stats().running === 1, "the execution to start");
    const queued = pool.execute(request("value:1"));
    await pool.dispose();
    expect((await running).error?.type).toBe(SandboxErrorType.unavailable);
    expect(await queued).toMatchObject({ status: "rejected", error: { type: SandboxErrorType.unavailable } });
    expect((await pool.execute(request("value:1"))).status).toBe("rejected");
    expect(() => process.kill(pid!, 0)).toThrow();
  });
});
