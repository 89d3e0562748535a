/**
 * The runner conformance suite: every runner package calls `testRunner(...)` from its own test
 * file with snippets in its language. It checks the shared contract through a real `SandboxPool`:
 * result shape, each status, each limit, no state carried between runs, concurrency, busy
 * rejection, cancellation, and recovery after a killed sandbox process.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxPool, SandboxPoolOptions } from "./pool.ts";
import {
  DEFAULT_LIMITS,
  type ExecutionResult,
  type JsonValue,
  type Limits,
  SandboxErrorType,
} from "./types.ts";

export interface ConformanceSnippets {
  /** Evaluates to `result`. */
  ok: { code: string; result: JsonValue };
  /** Evaluates to the request's `input` unchanged. */
  echoInput: string;
  /** Prints exactly `stdout` to stdout and `stderr` to stderr. */
  print: { code: string; stdout: string; stderr: string };
  /** Raises an error of `type` on `line` of the code. */
  error: { code: string; type: string; line: number };
  /** Loops forever without waiting. */
  infiniteLoop: string;
  /** Allocates without bound. */
  memoryBomb: string;
  /** Prints without bound. */
  outputFlood: string;
  /** Waits (on a timer or sleep) far longer than any wall limit. */
  sleepForever: string;
  /** Sets some global state… */
  setGlobal: string;
  /** …and evaluates to `true` if that state is visible, else `false`. */
  readGlobal: string;
}

export interface ConformanceOptions {
  /** The runner's name in test titles, e.g. `javascript`. */
  name: string;
  /** A new, not yet started runner with these pool options (workers, queue, processes). */
  createRunner(options: Pick<SandboxPoolOptions, "workers" | "queue" | "processes">): SandboxPool;
  snippets: ConformanceSnippets;
  /** Limits the suite starts from (e.g. a higher CPU limit for a slow runtime). Default: the product's. */
  limits?: Partial<Limits>;
}

export function testRunner(options: ConformanceOptions): void {
  const { snippets } = options;
  const base: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const limits = (overrides: Partial<Limits> = {}): Limits => ({ ...base, ...overrides });

  describe(`[${options.name}] runner conformance`, () => {
    let runner: SandboxPool;
    beforeAll(async () => {
      runner = options.createRunner({ workers: 2, queue: 200 });
      await runner.start();
    });
    afterAll(async () => {
      await runner?.dispose();
    });

    const run = (code: string, extra: { input?: JsonValue; limits?: Partial<Limits> } = {}) =>
      runner.execute({
        code,
        limits: limits(extra.limits),
        ...(extra.input === undefined ? {} : { input: extra.input }),
      });

    it("returns the value of the code with the full result shape", async () => {
      const result = await run(snippets.ok.code);
      expect(result.status).toBe("ok");
      expect(result.result).toEqual(snippets.ok.result);
      expect(result).toMatchObject({ stdout: "", stderr: "", truncated: false });
      expect(result.error).toBeUndefined();
      for (const key of ["queueMs", "instantiationMs", "cpuMs", "wallMs"] as const) {
        expect(result.metrics[key]).toBeGreaterThanOrEqual(0);
      }
      expect(result.metrics.wallMs).toBeGreaterThanOrEqual(result.metrics.instantiationMs);
    });

    it("passes input through as JSON", async () => {
      const input = { list: [1, "two", null, true], nested: { deep: { x: 1.5 } } };
      expect((await run(snippets.echoInput, { input })).result).toEqual(input);
    });

    it("captures stdout and stderr", async () => {
      const result = await run(snippets.print.code);
      expect(result.status).toBe("ok");
      expect(result.stdout).toBe(snippets.print.stdout);
      expect(result.stderr).toBe(snippets.print.stderr);
    });

    it("reports a raised error with its type and a line number in the user's code", async () => {
      const result = await run(snippets.error.code);
      expect(result.status).toBe("error");
      expect(result.error?.type).toBe(snippets.error.type);
      expect(result.error?.message).toBeTruthy();
      expect(result.error?.stack ?? "").toMatch(new RegExp(`\\b${snippets.error.line}\\b`));
      expect(result.result).toBeUndefined();
    });

    it("stops an infinite loop at the CPU limit", async () => {
      const result = await run(snippets.infiniteLoop, { limits: { cpuMs: 100 } });
      expect(result.status).toBe("cpu_limit");
      expect(result.error?.type).toBe(SandboxErrorType.cpu);
      expect(result.metrics.cpuMs).toBeGreaterThanOrEqual(100);
      expect(result.metrics.wallMs).toBeLessThan(5_000);
    });

    it("stops a sleeping guest at the wall limit", async () => {
      const result = await run(snippets.sleepForever, { limits: { wallMs: 300 } });
      expect(result.status).toBe("timeout");
      expect(result.error?.type).toBe(SandboxErrorType.wall);
      expect(result.metrics.wallMs).toBeGreaterThanOrEqual(290);
      expect(result.metrics.wallMs).toBeLessThan(5_000);
    });

    it("stops a memory bomb at the memory limit, and the next run succeeds", async () => {
      const result = await run(snippets.memoryBomb, {
        limits: { memoryBytes: 32 * 1024 * 1024, cpuMs: 5_000 },
      });
      expect(result.status).toBe("memory_limit");
      expect(result.error?.type).toBe(SandboxErrorType.memory);
      const next = await run(snippets.ok.code, { limits: { memoryBytes: 32 * 1024 * 1024 } });
      expect(next.status).toBe("ok");
    });

    it("cuts an output flood at the output limit", async () => {
      const outputBytes = 64 * 1024;
      const result = await run(snippets.outputFlood, { limits: { outputBytes, cpuMs: 5_000 } });
      expect(result.status).toBe("output_limit");
      expect(result.truncated).toBe(true);
      const size = Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr);
      expect(size).toBeLessThanOrEqual(outputBytes);
      expect(size).toBeGreaterThan(outputBytes / 2);
    });

    it("rejects code over the size limit before running it", async () => {
      const code = `${snippets.ok.code}\n${" ".repeat(base.codeBytes)}`;
      const result = await run(code);
      expect(result.status).toBe("rejected");
      expect(result.error?.type).toBe(SandboxErrorType.codeTooLarge);
      expect(result.metrics.instantiationMs).toBe(0);
      expect(runner.stats().running).toBe(0);
    });

    it("carries no state from one run to the next", async () => {
      for (let i = 0; i < 6; i++) {
        expect((await run(snippets.setGlobal)).status).toBe("ok");
        const read = await run(snippets.readGlobal);
        expect(read.status).toBe("ok");
        expect(read.result).toBe(false);
      }
    });

    it("answers 100 concurrent executions correctly", async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => run(snippets.echoInput, { input: { i } })),
      );
      expect(results.map((result) => result.result)).toEqual(Array.from({ length: 100 }, (_, i) => ({ i })));
    });

    it("stops an execution when its signal aborts, and keeps serving", async () => {
      const controller = new AbortController();
      const pending = runner.execute({ code: snippets.sleepForever, limits: limits() }, controller.signal);
      setTimeout(() => controller.abort(), 50);
      const result = await pending;
      expect(result.status).toBe("cancelled");
      expect(result.metrics.wallMs).toBeLessThan(2_000);
      expect((await run(snippets.ok.code)).status).toBe("ok");
    });

    it("rejects at once when the queue is full", async () => {
      const small = options.createRunner({ workers: 1, queue: 1 });
      try {
        await small.start();
        const request = { code: snippets.sleepForever, limits: limits({ wallMs: 400 }) };
        const first = small.execute(request);
        const second = small.execute(request);
        const started = performance.now();
        const third = await small.execute(request);
        expect(third.status).toBe("rejected");
        expect(third.error?.type).toBe(SandboxErrorType.busy);
        expect(performance.now() - started).toBeLessThan(100);
        expect((await first).status).toBe("timeout");
        expect((await second).status).toBe("timeout");
      } finally {
        await small.dispose();
      }
    });

    it("recovers after its sandbox process is killed", async () => {
      const fragile = options.createRunner({ workers: 1, queue: 10 });
      try {
        await fragile.start();
        const [pid] = fragile.processIds();
        const inflight = fragile.execute({ code: snippets.sleepForever, limits: limits({ wallMs: 5_000 }) });
        await new Promise((resolve) => setTimeout(resolve, 50));
        process.kill(pid!, "SIGKILL");
        const crashed: ExecutionResult = await inflight;
        expect(crashed.status).toBe("error");
        expect(crashed.error?.type).toBe(SandboxErrorType.crashed);
        const next = await fragile.execute({ code: snippets.ok.code, limits: limits() });
        expect(next.status).toBe("ok");
        expect(next.result).toEqual(snippets.ok.result);
        expect(fragile.processIds()).not.toContain(pid);
        expect(fragile.stats().processRestarts).toBe(1);
      } finally {
        await fragile.dispose();
      }
    });

    it("refuses work after disposal", async () => {
      const short = options.createRunner({ workers: 1 });
      await short.start();
      await short.dispose();
      const result = await short.execute({ code: snippets.ok.code, limits: limits() });
      expect(result.status).toBe("rejected");
      expect(result.error?.type).toBe(SandboxErrorType.unavailable);
    });
  });
}
