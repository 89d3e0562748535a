/// <reference path="./webassembly.d.ts" />
/**
 * The JavaScript engine: runs in a sandbox worker thread. Every execution gets a fresh QuickJS
 * WebAssembly instance (its own linear memory, capped at the memory limit) instantiated from a
 * `WebAssembly.Module` compiled once per worker; the next instance is prepared while idle.
 */
import { readFileSync } from "node:fs";
import type {
  Engine,
  EngineOutcome,
  ExecutionControl,
  ExecutionError,
  ExecutionRequest,
  JsonValue,
  StopReason,
} from "@gateway/sandbox-core";
import { describeStop, OutputBuffer } from "@gateway/sandbox-core/worker";
import variantExport from "@jitl/quickjs-wasmfile-release-sync";
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from "quickjs-emscripten-core";
import { PRELUDE, PRELUDE_FILE } from "./prelude.ts";

/** The sync release build of Bellard's QuickJS (its types are CommonJS; at run time this is the variant). */
const variant = variantExport as unknown as QuickJSSyncVariant;

export interface JavaScriptEngineInit {
  /** Absolute path of QuickJS's `.wasm` file. */
  wasmPath: string;
  /** The memory limit to prepare the first instance for (later: the last request's). */
  memoryBytes: number;
}

/** `JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_ASYNC`: a script with top-level await; yields a promise of `{ value }`. */
const EVAL_ASYNC_SCRIPT = 1 << 7;
const WASM_PAGE = 65_536;
/** Emscripten refuses a memory with fewer initial pages than it was built with (16 MiB). */
const MIN_PAGES = 256;
/** Room for the interpreter's own stack and static data above the guest heap limit. */
const OVERHEAD_PAGES = 64;
/** Pending jobs run between deadline checks: `executePendingJobs` hides interrupts. */
const JOB_BATCH = 64;
/** QuickJS's own stack limit, well below the worker thread's stack (sandbox-core default 64 MB). */
const MAX_STACK_BYTES = 512 * 1024;
/** Frames kept in a reported stack (a stack overflow would list thousands). */
const MAX_STACK_LINES = 20;

interface Instance {
  memoryBytes: number;
  memory: WebAssembly.Memory;
  module: Promise<QuickJSWASMModule>;
}

export function createJavaScriptEngine(init: JavaScriptEngineInit): Engine {
  const wasmModule = new WebAssembly.Module(readFileSync(init.wasmPath));
  let memoryBytes = init.memoryBytes;
  let next: Instance | undefined;
  const instantiate = (limit: number): Instance => {
    const pages = Math.max(MIN_PAGES, Math.ceil(limit / WASM_PAGE) + OVERHEAD_PAGES);
    const memory = new WebAssembly.Memory({ initial: MIN_PAGES, maximum: pages });
    const module = newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule, wasmMemory: memory }));
    module.catch(() => {}); // surfaced when awaited
    return { memoryBytes: limit, memory, module };
  };

  return {
    async prepare() {
      next = instantiate(memoryBytes);
      await next.module;
    },
    async execute(request, control) {
      memoryBytes = request.limits.memoryBytes;
      const instance = next?.memoryBytes === memoryBytes ? next : instantiate(memoryBytes);
      next = undefined;
      return runOnce(await instance.module, instance.memory, request, control);
    },
  };
}

/** Why the guest stopped, when the host's control block does not say. */
type LocalStop = "output_limit" | "timeout";

async function runOnce(
  module: QuickJSWASMModule,
  memory: WebAssembly.Memory,
  request: ExecutionRequest,
  control: ExecutionControl,
): Promise<EngineOutcome> {
  const { limits } = request;
  const output = new OutputBuffer(limits.outputBytes);
  let localStop: LocalStop | undefined;
  const timers = new Map<number, { due: number; interval: number | undefined }>();
  const handles: QuickJSHandle[] = [];
  let runtime: QuickJSRuntime | undefined;
  let context: QuickJSContext | undefined;

  const finish = (outcome: Omit<EngineOutcome, "stdout" | "stderr" | "truncated">): EngineOutcome => ({
    ...outcome,
    stdout: output.stdout,
    stderr: output.stderr,
    truncated: output.truncated,
    peakMemoryBytes: memory.buffer.byteLength,
  });

  try {
    runtime = module.newRuntime();
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(MAX_STACK_BYTES);
    runtime.setInterruptHandler(() => localStop !== undefined || control.shouldStop());
    const ctx = runtime.newContext();
    context = ctx;
    const rt = runtime;
    const keep = <T extends QuickJSHandle>(handle: T): T => {
      handles.push(handle);
      return handle;
    };

    ctx
      .newFunction("__write", (stream, text) => {
        const ok = output.write(ctx.getNumber(stream) === 2 ? "stderr" : "stdout", ctx.getString(text));
        if (!ok) localStop = "output_limit";
        return ok ? ctx.true : ctx.false;
      })
      .consume((fn) => ctx.setProp(ctx.global, "__write", fn));
    ctx
      .newFunction("__timer", (id, delay, repeat) => {
        const ms = Math.max(ctx.getNumber(repeat) ? 1 : 0, ctx.getNumber(delay));
        timers.set(ctx.getNumber(id), {
          due: performance.now() + ms,
          interval: ctx.dump(repeat) ? ms : undefined,
        });
      })
      .consume((fn) => ctx.setProp(ctx.global, "__timer", fn));
    ctx
      .newFunction("__clear", (id) => {
        timers.delete(ctx.getNumber(id));
      })
      .consume((fn) => ctx.setProp(ctx.global, "__clear", fn));
    if (request.input !== undefined) {
      ctx
        .newString(JSON.stringify(request.input))
        .consume((json) => ctx.setProp(ctx.global, "__input", json));
    }

    const prelude = ctx.evalCode(PRELUDE, PRELUDE_FILE, { type: "global", strict: true });
    if (prelude.error) {
      const failure = ctx.dump(prelude.error);
      prelude.error.dispose();
      throw new Error(`the prelude failed: ${JSON.stringify(failure)}`);
    }
    const api = keep(prelude.value);
    const fire = keep(ctx.getProp(api, "fire"));
    const settle = keep(ctx.getProp(api, "settle"));
    const describe = keep(ctx.getProp(api, "describe"));

    const describeError = (error: QuickJSHandle): ExecutionError => {
      const described = ctx.callFunction(describe, ctx.undefined, error);
      if (described.error) {
        // Describing the error failed too: the guest heap is exhausted (or the guest was interrupted).
        described.error.dispose();
        return { type: UNDESCRIBABLE, message: "Uncaught exception" };
      }
      const value = described.value.consume((handle) => ctx.dump(handle)) as ExecutionError;
      const stack = cleanStack(value.stack ?? "");
      return { type: value.type, message: value.message, ...(stack ? { stack } : {}) };
    };

    /** The status when the guest was stopped or failed, or undefined for a plain guest error. */
    const stopped = (error?: ExecutionError): LocalStop | "memory_limit" | StopReason | undefined => {
      if (localStop) return localStop;
      const reason = control.stopReason();
      if (reason) return reason;
      return isOutOfMemory(error) ? "memory_limit" : undefined;
    };
    const failed = (error: ExecutionError): EngineOutcome => {
      const status = stopped(error);
      if (status === "output_limit") {
        return finish({ status, error: { type: "OutputLimitExceeded", message: "Output limit exceeded" } });
      }
      if (status === "memory_limit") {
        return finish({ status, error: { type: "MemoryLimitExceeded", message: "Memory limit exceeded" } });
      }
      if (status) return finish({ status, error: describeStop(status) });
      return finish({ status: "error", error });
    };

    control.guestStarted();
    const evaluated = ctx.evalCode(request.code, "main.js", EVAL_ASYNC_SCRIPT);
    if (evaluated.error) {
      const error = describeError(evaluated.error);
      evaluated.error.dispose();
      return failed(error);
    }
    const main = keep(evaluated.value);
    const settled = ctx.callFunction(settle, ctx.undefined, main);
    if (settled.error) {
      const error = describeError(settled.error);
      settled.error.dispose();
      return failed(error);
    }
    const final = keep(settled.value);

    for (;;) {
      // Run queued jobs in small batches: a deadline passing inside one batch is seen after it.
      while (rt.hasPendingJob()) {
        if (localStop || control.shouldStop()) return failed(stopError());
        const jobs = rt.executePendingJobs(JOB_BATCH);
        if (jobs.error) {
          const error = describeError(jobs.error);
          jobs.error.dispose();
          return failed(error);
        }
      }
      if (localStop || control.shouldStop()) return failed(stopError());
      const state = ctx.getPromiseState(final);
      if (state.type === "fulfilled") {
        const json = state.value.consume((handle) =>
          ctx.typeof(handle) === "string" ? ctx.getString(handle) : undefined,
        );
        if (timers.size > 0) {
          // Like a Node script, the run ends when no timers are left; the result is known already.
          const waited = await runTimers(ctx, timers, fire, control, () => localStop !== undefined);
          if (waited === "timeout") localStop = "timeout";
          if (waited) return failed(typeof waited === "string" ? stopError() : describeError(waited.error));
        }
        if (json === undefined) return finish({ status: "ok" });
        if (!output.reserve(Buffer.byteLength(json, "utf8"))) {
          return finish({
            status: "output_limit",
            error: { type: "OutputLimitExceeded", message: "The result exceeds the output limit" },
          });
        }
        return finish({ status: "ok", result: JSON.parse(json) as JsonValue });
      }
      if (state.type === "rejected") {
        const error = state.error.consume((handle) => describeError(handle));
        return failed(error);
      }
      if (timers.size === 0) {
        return failed({
          type: "UnsettledPromise",
          message: "The code awaited a promise that can never settle (nothing is left to run)",
        });
      }
      const outcome = await nextTimer(ctx, timers, fire, control);
      if (outcome === "timeout") localStop = "timeout";
      if (typeof outcome === "string") return failed(stopError());
      if (outcome) return failed(describeError(outcome.error));
    }
  } catch (error) {
    // A host-level failure (a trap in the module, a broken invariant): this instance is finished,
    // and the worker is replaced in case the failure reached beyond it.
    const message = error instanceof Error ? error.message : String(error);
    const outOfMemory = /out of memory|Maximum call stack|memory access out of bounds/i.test(message);
    return finish({
      status: outOfMemory || localStop === undefined ? (outOfMemory ? "memory_limit" : "error") : localStop,
      error: outOfMemory
        ? { type: "MemoryLimitExceeded", message: "Memory limit exceeded" }
        : { type: "SandboxCrashed", message: `[sandbox] [javascript] ${message}` },
      recycle: true,
    });
  } finally {
    control.guestWaiting();
    dispose(handles, context, runtime);
  }

  function stopError(): ExecutionError {
    return describeStop(localStop === "timeout" ? "timeout" : (control.stopReason() ?? "cancelled"));
  }
}

/** Waits for the earliest timer (or the wall deadline, or a stop request) and fires it. */
async function nextTimer(
  ctx: QuickJSContext,
  timers: Map<number, { due: number; interval: number | undefined }>,
  fire: QuickJSHandle,
  control: ExecutionControl,
): Promise<"stop" | "timeout" | { error: QuickJSHandle } | undefined> {
  let id = -1;
  let due = Number.POSITIVE_INFINITY;
  for (const [timerId, timer] of timers) {
    if (timer.due < due) {
      due = timer.due;
      id = timerId;
    }
  }
  const wait = Math.min(due, control.wallDeadline) - performance.now();
  if (wait > 0) {
    control.guestWaiting();
    const woken = await sleep(wait, control.signal);
    control.guestRunning();
    if (!woken) return "stop";
  }
  if (performance.now() >= control.wallDeadline && due > control.wallDeadline) return "timeout";
  if (control.shouldStop()) return "stop";
  const timer = timers.get(id)!;
  if (timer.interval === undefined) timers.delete(id);
  else timer.due = Math.max(performance.now(), timer.due + timer.interval);
  const called = ctx.newNumber(id).consume((arg) => ctx.callFunction(fire, ctx.undefined, arg));
  if (called.error) return { error: called.error };
  called.value.dispose();
  return undefined;
}

/** After the result is known: runs the remaining timers and their jobs, like a Node script. */
async function runTimers(
  ctx: QuickJSContext,
  timers: Map<number, { due: number; interval: number | undefined }>,
  fire: QuickJSHandle,
  control: ExecutionControl,
  outputFull: () => boolean,
): Promise<"stop" | "timeout" | { error: QuickJSHandle } | undefined> {
  const rt = ctx.runtime;
  while (timers.size > 0) {
    const outcome = await nextTimer(ctx, timers, fire, control);
    if (outcome) return outcome;
    while (rt.hasPendingJob()) {
      if (outputFull() || control.shouldStop()) return "stop";
      const jobs = rt.executePendingJobs(JOB_BATCH);
      if (jobs.error) return { error: jobs.error };
    }
    if (outputFull() || control.shouldStop()) return "stop";
  }
  return undefined;
}

/** Resolves true after `ms`, or false at once if the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The error type used when even describing the guest's error failed. */
const UNDESCRIBABLE = "Error";

function isOutOfMemory(error: ExecutionError | undefined): boolean {
  if (!error) return false;
  if (error.message === "Uncaught exception") return true;
  if (error.type === "InternalError" && /out of memory/i.test(error.message)) return true;
  // An allocation failure inside the engine sometimes surfaces as an empty non-Error value.
  return error.message === "Uncaught ''" || error.message === "Uncaught null";
}

/** Keeps the user's frames: drops the prelude's, so line numbers point into the user's code. */
function cleanStack(stack: string): string {
  const lines = stack.split("\n").filter((line) => line.trim() !== "" && !line.includes(PRELUDE_FILE));
  if (lines.length <= MAX_STACK_LINES) return lines.join("\n");
  return [...lines.slice(0, MAX_STACK_LINES), `    ... ${lines.length - MAX_STACK_LINES} more frames`].join(
    "\n",
  );
}

/** Disposes handles, context and runtime. The instance is discarded afterwards either way. */
function dispose(handles: QuickJSHandle[], context?: QuickJSContext, runtime?: QuickJSRuntime): void {
  try {
    for (const handle of handles.reverse()) if (handle.alive) handle.dispose();
    context?.dispose();
    runtime?.dispose();
  } catch {
    // The module is thrown away with its memory; a failed teardown cannot affect the next run.
  }
}
