/**
 * A tiny engine for sandbox-core's own tests and benchmarks, bundled to `dist/test-engine.mjs`.
 * The request's code is a command, not a program:
 *
 * - `value:<json>`: returns the JSON value; `input`: returns the request's input.
 * - `spin`: busy until the host asks it to stop (or the CPU limit is used up).
 * - `deaf`: busy forever, never checking: the host must terminate the worker.
 * - `sleep`: waits until the wall deadline or a stop request.
 * - `wait:<ms>`: waits that long (or until a stop request), then returns the time it waited.
 * - `print:<bytes>`: writes that many bytes to stdout under the output limit.
 * - `throw`: the engine itself fails. `exit`: the worker thread exits. `heap`: exhausts the V8 heap.
 * - `recycle`: succeeds and asks for a fresh worker.
 * - `breakPrepare:throw` / `breakPrepare:exit`: succeeds; the next `prepare` waits until the host
 *   sends this worker its next message (a request), then throws / exits the worker thread, so that
 *   request's worker fails before its guest starts.
 * - `throwBeforeStart`: the engine throws before the guest starts, on every worker that gets it.
 * - `thread`: returns this worker's thread id and how many executions it served before.
 * - `read:<path>`: tries to read a file; returns the error code, or `read`.
 * - `env`: returns the names of the environment variables the worker sees.
 * - `shared`: returns what `sharedInit` handed this worker (token, thread, the module's answer), or null.
 */
import { readFileSync } from "node:fs";
import { parentPort, threadId } from "node:worker_threads";
import type { EngineOutcome, ExecutionControl } from "../engine.ts";
import type { JsonValue } from "../types.ts";
import { OutputBuffer, serveEngine } from "../worker.ts";
import { type TestShared, wasm } from "./test-shared.ts";

export interface TestEngineInit {
  /** Makes the factory fail, as an engine whose runtime cannot load would. */
  failStart?: boolean;
  /**
   * Workers whose thread id is above this fail to start (thread ids count up from 1 in each sandbox
   * process): a runtime that broke after the first worker started.
   */
  failStartAfterThread?: number;
  /** Makes the factory never finish, as a runtime that hangs while loading. */
  hangStart?: boolean;
  /**
   * Workers whose thread id is above this take `slowStartMs` to start: replacements that start
   * slowly, as a recycled Pyodide worker does.
   */
  slowStartAfterThread?: number;
  slowStartMs?: number;
  /** Makes `sharedInit` (see `test-shared.ts`) fail. */
  failSharedInit?: boolean;
}

const ok = (result?: JsonValue, extra: Partial<EngineOutcome> = {}): EngineOutcome => ({
  status: "ok",
  stdout: "",
  stderr: "",
  truncated: false,
  ...(result === undefined ? {} : { result }),
  ...extra,
});

serveEngine<TestEngineInit, TestShared | undefined>(async (init, env) => {
  if (init.failStart) throw new Error("the test engine was told not to start");
  if (init.hangStart) return new Promise<never>(() => {});
  if (init.failStartAfterThread !== undefined && threadId > init.failStartAfterThread)
    throw new Error(`the test engine was told not to start on thread ${threadId}`);
  if (init.slowStartAfterThread !== undefined && threadId > init.slowStartAfterThread)
    await new Promise((resolve) => setTimeout(resolve, init.slowStartMs ?? 1_000));
  let served = 0;
  let breakPrepare: string | undefined;
  return {
    async prepare() {
      if (breakPrepare === undefined) return;
      await new Promise((resolve) => parentPort?.once("message", resolve));
      if (breakPrepare === "exit") process.exit(7);
      throw new Error("the test engine's prepare failed");
    },
    async execute(request, control) {
      const [command = "", argument = ""] = splitOnce(request.code);
      if (command === "throwBeforeStart") throw new Error("the test engine failed before the guest started");
      control.guestStarted();
      served++;
      switch (command) {
        case "value":
          return ok(JSON.parse(argument) as JsonValue);
        case "input":
          return ok(request.input);
        case "spin":
          while (!control.shouldStop()) {}
          return { ...ok(), status: "error", error: { type: "Interrupted", message: "stopped" } };
        case "deaf":
          for (;;) {}
        case "sleep":
          return sleepUntilStopped(control);
        case "wait":
          return waitFor(Number(argument), control);
        case "print": {
          const output = new OutputBuffer(request.limits.outputBytes);
          const full = !output.write("stdout", "x".repeat(Number(argument)));
          return {
            status: full ? "output_limit" : "ok",
            stdout: output.stdout,
            stderr: "",
            truncated: output.truncated,
          };
        }
        case "throw":
          throw new Error("the test engine failed");
        case "exit":
          process.exit(7);
          break;
        case "heap": {
          const hoard: number[][] = [];
          for (;;) hoard.push(new Array(1e6).fill(served));
        }
        case "recycle":
          return ok(threadId, { recycle: true });
        case "breakPrepare":
          breakPrepare = argument;
          return ok(threadId);
        case "thread":
          return ok({ threadId, served: served - 1 });
        case "read":
          try {
            readFileSync(argument);
            return ok("read");
          } catch (error) {
            return ok(String((error as { code?: unknown }).code));
          }
        case "env":
          return ok(Object.keys(process.env));
        case "shared": {
          if (!env.shared) return ok(null);
          const { exports } = new wasm.Instance(env.shared.module);
          return ok({
            token: env.shared.token,
            threadId: env.shared.threadId,
            answer: (exports.answer as () => number)(),
          });
        }
        default:
          return { ...ok(), status: "error", error: { type: "UnknownCommand", message: command } };
      }
    },
  };
});

function splitOnce(code: string): [string, string] {
  const at = code.indexOf(":");
  return at < 0 ? [code, ""] : [code.slice(0, at), code.slice(at + 1)];
}

async function waitFor(ms: number, control: ExecutionControl): Promise<EngineOutcome> {
  const startedAt = performance.now();
  control.guestWaiting();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    control.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  control.guestRunning();
  if (control.signal.aborted)
    return { ...ok(), status: "error", error: { type: "Interrupted", message: "stopped" } };
  return ok(Math.round(performance.now() - startedAt));
}

/** Waits on a timer like a guest would: CPU time does not accrue while it waits. */
async function sleepUntilStopped(control: ExecutionControl): Promise<EngineOutcome> {
  control.guestWaiting();
  const wait = control.wallDeadline - performance.now();
  const stopped = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, wait));
    control.signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      { once: true },
    );
  });
  control.guestRunning();
  if (stopped) return { ...ok(), status: "error", error: { type: "Interrupted", message: "stopped" } };
  return {
    ...ok(),
    status: "timeout",
    error: { type: "WallTimeExceeded", message: "Wall time limit exceeded" },
  };
}
