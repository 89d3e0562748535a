/// <reference path="./webassembly.d.ts" />
/**
 * The JavaScript engine: runs in a sandbox worker thread. Every execution gets a fresh QuickJS
 * WebAssembly instance (its own linear memory) instantiated from a `WebAssembly.Module` compiled
 * once per worker.
 *
 * Everything that does not depend on the request is done ahead, while the worker is idle: the
 * instance, its runtime and context, the host functions and the evaluated prelude. A request then
 * only sets its limits and `input` and evaluates the code. A few executions are kept ready per
 * worker; each serves exactly one request and is then dropped whole.
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
} from "quickjs-emscripten-core";
import { LAZY, PRELUDE, PRELUDE_FILE } from "./prelude.ts";
import { withMemoryMinimum, withStackSize } from "./wasm-binary.ts";

/** The sync release build of Bellard's QuickJS (its types are CommonJS; at run time this is the variant). */
const variant = variantExport as unknown as QuickJSSyncVariant;

export interface JavaScriptEngineInit {
  /** Absolute path of QuickJS's `.wasm` file. */
  wasmPath: string;
  /**
   * The largest memory limit requests use (the server-wide maximum): the hard maximum of every
   * prepared instance's memory. A request's own limit is enforced below it (see `Sandbox.cap`).
   */
  maxMemoryBytes: number;
  /** Executions kept ready in each worker. Default 2. */
  ready?: number;
}

/** `JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_ASYNC`: a script with top-level await; yields a promise of `{ value }`. */
const EVAL_ASYNC_SCRIPT = 1 << 7;
const WASM_PAGE = 65_536;
/**
 * The stack each instance gets (the build's own is 5 MiB): twice QuickJS's stack limit, so C code
 * that recurses past QuickJS's last check still stays within it.
 */
const STACK_BYTES = 1024 * 1024;
/**
 * Heap an instance starts with above its stack: a prepared context with its prelude needs under
 * 0.13 MiB, and small executions then run without growing the memory. (21 pages instead of 26 made
 * no measurable difference to garbage collection.)
 */
const INITIAL_HEAP_BYTES = 512 * 1024;
/** Pending jobs run between deadline checks: `executePendingJobs` hides interrupts. */
const JOB_BATCH = 64;
/** QuickJS's own stack limit, well below the worker thread's stack (sandbox-core default 64 MB). */
const MAX_STACK_BYTES = STACK_BYTES / 2;
/** Time the prelude gets to describe a guest's error (its getters are guest code). */
const DESCRIBE_BUDGET_MS = 20;
/** Frames kept in a reported stack (a stack overflow would list thousands). */
const MAX_STACK_LINES = 20;
const DEFAULT_READY = 2;
/**
 * Refilling waits this long after an execution: on a busy machine the worker's burst of
 * instantiation would otherwise compete for a core with the result on its way to the gateway.
 */
const REFILL_DELAY_MS = 5;

/** Why the guest stopped, when the host's control block does not say. */
type LocalStop = "output_limit" | "timeout";

interface Timer {
  due: number;
  interval: number | undefined;
}

/** The request-dependent state the prepared host functions and interrupt handler read. */
interface Session {
  output: OutputBuffer;
  timers: Map<number, Timer>;
  stop: LocalStop | undefined;
  control: ExecutionControl;
}

/** One prepared execution: a fresh instance with its runtime, context and evaluated prelude. */
interface Sandbox {
  memory: WebAssembly.Memory;
  runtime: QuickJSRuntime;
  context: QuickJSContext;
  /** The prelude's functions (see `prelude.ts`). */
  fire: QuickJSHandle;
  settle: QuickJSHandle;
  describe: QuickJSHandle;
  setInput: QuickJSHandle;
  /** Bound when the request arrives; read by the host functions. */
  session: Session | undefined;
  /** Bytes the memory may grow to during this execution: the request's memory limit + reserve. */
  cap: number;
  /**
   * Set while the host has the prelude describe the guest's error: that call gets its own small
   * time budget, so that an error thrown as the guest was stopped (an allocation that failed as the
   * CPU limit ran out) can still be read.
   */
  describingUntil: number | undefined;
}

export function createJavaScriptEngine(init: JavaScriptEngineInit): Engine {
  const binary = withStackSize(readFileSync(init.wasmPath), STACK_BYTES);
  const reservedPages = Math.ceil(binary.stack.top / WASM_PAGE);
  const layout: MemoryLayout = {
    initialPages: Math.ceil((binary.stack.top + INITIAL_HEAP_BYTES) / WASM_PAGE),
    reservedBytes: reservedPages * WASM_PAGE,
  };
  const wasmModule = new WebAssembly.Module(withMemoryMinimum(binary.bytes, layout.initialPages));
  const maxPages = pagesFor(layout, init.maxMemoryBytes);
  const target = Math.max(1, init.ready ?? DEFAULT_READY);
  const ready: Sandbox[] = [];
  let running = false;
  /** Resolved when the running execution ends: background preparation waits for it. */
  let idle: { promise: Promise<void>; resolve(): void } | undefined;
  /** Between two steps of a background preparation: lets events in, and never runs beside a guest. */
  const pause = async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (running) {
      if (!idle) {
        let resolve = () => {};
        const promise = new Promise<void>((done) => {
          resolve = done;
        });
        idle = { promise, resolve };
      }
      await idle.promise;
    }
  };
  /** The sandbox being prepared in the background, if any. */
  let creating: Promise<Sandbox> | undefined;
  let fillFailure: unknown;
  let refill: NodeJS.Timeout | undefined;
  let disposed = false;

  /** Tops the ready list up while the worker is idle. */
  const fill = async () => {
    if (creating) return;
    try {
      while (!running && !disposed && ready.length < target) {
        creating = createSandbox(wasmModule, layout, maxPages, pause);
        ready.push(await creating);
        creating = undefined;
      }
    } catch (error) {
      fillFailure = error;
    } finally {
      creating = undefined;
    }
  };

  return {
    async prepare() {
      while (ready.length === 0) {
        if (fillFailure) throw fillFailure;
        // Wait for the background preparation rather than start a second one.
        if (creating) await creating.catch(() => {});
        else ready.push(await createSandbox(wasmModule, layout, maxPages));
      }
      clearTimeout(refill);
      refill = setTimeout(() => void fill(), REFILL_DELAY_MS);
    },
    async execute(request, control) {
      running = true;
      try {
        const pages = pagesFor(layout, request.limits.memoryBytes);
        // A limit above the server-wide maximum (not reachable through settings) gets its own instance.
        const sandbox =
          pages > maxPages
            ? await createSandbox(wasmModule, layout, pages)
            : (ready.shift() ?? (await createSandbox(wasmModule, layout, maxPages)));
        return await runOnce(sandbox, layout, request, control);
      } finally {
        running = false;
        idle?.resolve();
        idle = undefined;
      }
    },
    dispose() {
      // Prepared instances are dropped whole, like used ones.
      disposed = true;
      clearTimeout(refill);
      ready.length = 0;
    },
  };
}

/** How an instance's linear memory is laid out, from the edited binary. */
interface MemoryLayout {
  /** Pages an instance starts with: static data, stack and a prepared context's heap. */
  initialPages: number;
  /** Linear memory that is not guest heap (static data, stack), added to a request's memory limit. */
  reservedBytes: number;
}

function pagesFor(layout: MemoryLayout, memoryBytes: number): number {
  return Math.max(layout.initialPages, Math.ceil((memoryBytes + layout.reservedBytes) / WASM_PAGE));
}

/**
 * Instantiates QuickJS on a fresh memory, creates its runtime and context, installs the host
 * functions and evaluates the prelude. A background preparation passes `pause`, awaited between
 * the steps, so that an arriving request is not held up by it.
 */
async function createSandbox(
  wasmModule: WebAssembly.Module,
  layout: MemoryLayout,
  maxPages: number,
  pause?: () => Promise<void>,
): Promise<Sandbox> {
  const memory = new WebAssembly.Memory({ initial: layout.initialPages, maximum: maxPages });
  const module = await newQuickJSWASMModuleFromVariant(
    newVariant(variant, { wasmModule, wasmMemory: memory }),
  );
  await pause?.();
  const runtime = module.newRuntime();
  runtime.setMaxStackSize(MAX_STACK_BYTES);
  const context = runtime.newContext();
  const sandbox = {
    memory,
    runtime,
    context,
    session: undefined,
    cap: maxPages * WASM_PAGE,
    describingUntil: undefined,
  } as Sandbox;
  capGrowth(sandbox);
  runtime.setInterruptHandler(() => {
    const session = sandbox.session;
    if (session === undefined) return false;
    if (sandbox.describingUntil !== undefined) return performance.now() > sandbox.describingUntil;
    return session.stop !== undefined || session.control.shouldStop();
  });
  await pause?.();
  const prelude = context.evalCode(PRELUDE, PRELUDE_FILE, { type: "global", strict: true });
  if (prelude.error) {
    const failure = context.dump(prelude.error);
    prelude.error.dispose();
    throw new Error(`[sandbox] [javascript] the prelude failed: ${JSON.stringify(failure)}`);
  }
  const hostFunctions = newHostFunctions(sandbox);
  const api = context.callFunction(prelude.value, context.undefined, ...hostFunctions);
  prelude.value.dispose();
  for (const fn of hostFunctions) fn.dispose();
  context.unwrapResult(api).consume((value) => {
    sandbox.fire = context.getProp(value, "fire");
    sandbox.settle = context.getProp(value, "settle");
    sandbox.describe = context.getProp(value, "describe");
    sandbox.setInput = context.getProp(value, "setInput");
  });
  return sandbox;
}

/**
 * Emscripten grows the heap only through the host's `memory.grow` (its `emscripten_resize_heap`
 * import), and treats a throw as "out of memory". Refusing growth past `sandbox.cap` holds each
 * execution to its own limit below the memory's hard maximum.
 */
function capGrowth(sandbox: Sandbox): void {
  const { memory } = sandbox;
  const grow = memory.grow.bind(memory);
  memory.grow = (delta: number) => {
    if (memory.buffer.byteLength + delta * WASM_PAGE > sandbox.cap) {
      throw new RangeError("[sandbox] [javascript] memory limit reached");
    }
    return grow(delta);
  };
}

/** The host functions the prelude takes as arguments (see `prelude.ts`): write, timer, clear, load. */
function newHostFunctions(sandbox: Sandbox): QuickJSHandle[] {
  const ctx = sandbox.context;
  return [
    ctx.newFunction("write", (stream, text) => {
      const session = sandbox.session;
      if (!session) return ctx.false;
      const ok = session.output.write(ctx.getNumber(stream) === 2 ? "stderr" : "stdout", ctx.getString(text));
      if (!ok) session.stop = "output_limit";
      return ok ? ctx.true : ctx.false;
    }),
    ctx.newFunction("setHostTimer", (id, delay, repeat) => {
      const session = sandbox.session;
      if (!session) return;
      const ms = Math.max(ctx.getNumber(repeat) ? 1 : 0, ctx.getNumber(delay));
      session.timers.set(ctx.getNumber(id), {
        due: performance.now() + ms,
        interval: ctx.dump(repeat) ? ms : undefined,
      });
    }),
    ctx.newFunction("clearHostTimer", (id) => {
      sandbox.session?.timers.delete(ctx.getNumber(id));
    }),
    ctx.newFunction("load", (name) => {
      const source = LAZY[ctx.getString(name)];
      if (source === undefined) return ctx.undefined;
      return ctx.evalCode(source, PRELUDE_FILE, { type: "global", strict: true });
    }),
  ];
}

/**
 * Runs one request on a prepared sandbox. The sandbox is not reused or torn down afterwards: its
 * memory, runtime, context and handles are dropped together and collected as one (freeing the
 * guest heap object by object first would only cost time, and a runtime that failed may not even
 * tear down cleanly).
 */
async function runOnce(
  sandbox: Sandbox,
  layout: MemoryLayout,
  request: ExecutionRequest,
  control: ExecutionControl,
): Promise<EngineOutcome> {
  const { limits } = request;
  const ctx = sandbox.context;
  const rt = sandbox.runtime;
  const session: Session = {
    output: new OutputBuffer(limits.outputBytes),
    timers: new Map(),
    stop: undefined,
    control,
  };

  const finish = (outcome: Omit<EngineOutcome, "stdout" | "stderr" | "truncated">): EngineOutcome => ({
    ...outcome,
    stdout: session.output.stdout,
    stderr: session.output.stderr,
    truncated: session.output.truncated,
    peakMemoryBytes: sandbox.memory.buffer.byteLength,
  });

  try {
    sandbox.session = session;
    sandbox.cap = Math.min(sandbox.cap, pagesFor(layout, limits.memoryBytes) * WASM_PAGE);
    rt.setMemoryLimit(limits.memoryBytes);
    if (request.input !== undefined) {
      const set = ctx
        .newString(JSON.stringify(request.input))
        .consume((json) => ctx.callFunction(sandbox.setInput, ctx.undefined, json));
      if (set.error) {
        set.error.dispose();
        return finish({
          status: "memory_limit",
          error: { type: "MemoryLimitExceeded", message: "The input does not fit the memory limit" },
        });
      }
      set.value.dispose();
    }

    const describeError = (error: QuickJSHandle): ExecutionError => {
      sandbox.describingUntil = performance.now() + DESCRIBE_BUDGET_MS;
      const described = ctx.callFunction(sandbox.describe, ctx.undefined, error);
      sandbox.describingUntil = undefined;
      if (described.error) {
        // Describing the error failed too: the guest heap is exhausted (or the guest was interrupted).
        described.error.dispose();
        return { type: UNDESCRIBABLE, message: "Uncaught exception" };
      }
      const value = described.value.consume((handle) => ctx.dump(handle)) as ExecutionError;
      const stack = cleanStack(value.stack ?? "");
      return { type: value.type, message: value.message, ...(stack ? { stack } : {}) };
    };

    /**
     * The status when the guest was stopped or failed, or undefined for a plain guest error. What
     * ended the guest decides: an allocation that failed is `memory_limit` even if the CPU limit
     * ran out meanwhile (filling memory costs CPU), an interrupt is the host's reason.
     */
    const stopped = (error?: ExecutionError): LocalStop | "memory_limit" | StopReason | undefined => {
      if (session.stop) return session.stop;
      const outOfMemory = outOfMemoryEvidence(error);
      if (outOfMemory === "certain") return "memory_limit";
      const reason = control.stopReason();
      if (reason) return reason;
      return outOfMemory ? "memory_limit" : undefined;
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
    const stopError = (): ExecutionError =>
      describeStop(session.stop === "timeout" ? "timeout" : (control.stopReason() ?? "cancelled"));
    const halted = () => session.stop !== undefined || control.shouldStop();

    control.guestStarted();
    const evaluated = ctx.evalCode(request.code, "main.js", EVAL_ASYNC_SCRIPT);
    if (evaluated.error) {
      const error = describeError(evaluated.error);
      evaluated.error.dispose();
      return failed(error);
    }
    const main = evaluated.value;
    const settled = ctx.callFunction(sandbox.settle, ctx.undefined, main);
    if (settled.error) {
      const error = describeError(settled.error);
      settled.error.dispose();
      return failed(error);
    }
    const final = settled.value;
    /**
     * The guest was stopped: if the script had already failed (an allocation that failed as the CPU
     * limit ran out), that failure decides the status; else the stop does.
     */
    const haltedOutcome = (): EngineOutcome => {
      const state = ctx.getPromiseState(main);
      if (state.type === "rejected") return failed(state.error.consume((handle) => describeError(handle)));
      if (state.type === "fulfilled") state.value.dispose();
      return failed(stopError());
    };

    for (;;) {
      // Run queued jobs in small batches: a deadline passing inside one batch is seen after it.
      while (rt.hasPendingJob()) {
        if (halted()) return haltedOutcome();
        const jobs = rt.executePendingJobs(JOB_BATCH);
        if (jobs.error) {
          const error = describeError(jobs.error);
          jobs.error.dispose();
          return failed(error);
        }
      }
      if (halted()) return haltedOutcome();
      const state = ctx.getPromiseState(final);
      if (state.type === "fulfilled") {
        const json = state.value.consume((handle) =>
          ctx.typeof(handle) === "string" ? ctx.getString(handle) : undefined,
        );
        if (session.timers.size > 0) {
          // Like a Node script, the run ends when no timers are left; the result is known already.
          const waited = await runTimers(sandbox, session);
          if (waited === "timeout") session.stop = "timeout";
          if (waited) return failed(typeof waited === "string" ? stopError() : describeError(waited.error));
        }
        if (json === undefined) return finish({ status: "ok" });
        if (!session.output.reserve(Buffer.byteLength(json, "utf8"))) {
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
      if (session.timers.size === 0) {
        return failed({
          type: "UnsettledPromise",
          message: "The code awaited a promise that can never settle (nothing is left to run)",
        });
      }
      const outcome = await nextTimer(sandbox, session);
      if (outcome === "timeout") session.stop = "timeout";
      if (typeof outcome === "string") return failed(stopError());
      if (outcome) return failed(describeError(outcome.error));
    }
  } catch (error) {
    // A host-level failure (a trap in the module, a broken invariant): this instance is finished,
    // and the worker is replaced in case the failure reached beyond it.
    const message = error instanceof Error ? error.message : String(error);
    const outOfMemory = /out of memory|Maximum call stack|memory access out of bounds/i.test(message);
    return finish({
      status:
        outOfMemory || session.stop === undefined ? (outOfMemory ? "memory_limit" : "error") : session.stop,
      error: outOfMemory
        ? { type: "MemoryLimitExceeded", message: "Memory limit exceeded" }
        : { type: "SandboxCrashed", message: `[sandbox] [javascript] ${message}` },
      recycle: true,
    });
  } finally {
    control.guestWaiting();
    sandbox.session = undefined;
  }
}

/** Waits for the earliest timer (or the wall deadline, or a stop request) and fires it. */
async function nextTimer(
  sandbox: Sandbox,
  session: Session,
): Promise<"stop" | "timeout" | { error: QuickJSHandle } | undefined> {
  const { control, timers } = session;
  const ctx = sandbox.context;
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
  const now = performance.now();
  if (now < due) {
    if (now >= control.wallDeadline) return "timeout";
    // Host timers may fire up to a millisecond early: not due yet, so wait again.
    return undefined;
  }
  if (control.shouldStop()) return "stop";
  const timer = timers.get(id)!;
  if (timer.interval === undefined) timers.delete(id);
  else timer.due = Math.max(performance.now(), timer.due + timer.interval);
  const called = ctx.newNumber(id).consume((arg) => ctx.callFunction(sandbox.fire, ctx.undefined, arg));
  if (called.error) return { error: called.error };
  called.value.dispose();
  return undefined;
}

/** After the result is known: runs the remaining timers and their jobs, like a Node script. */
async function runTimers(
  sandbox: Sandbox,
  session: Session,
): Promise<"stop" | "timeout" | { error: QuickJSHandle } | undefined> {
  const rt = sandbox.runtime;
  const halted = () => session.stop !== undefined || session.control.shouldStop();
  while (session.timers.size > 0) {
    const outcome = await nextTimer(sandbox, session);
    if (outcome) return outcome;
    while (rt.hasPendingJob()) {
      if (halted()) return "stop";
      const jobs = rt.executePendingJobs(JOB_BATCH);
      if (jobs.error) return { error: jobs.error };
    }
    if (halted()) return "stop";
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

/**
 * Whether a guest error says the heap ran out: `certain` for QuickJS's out-of-memory error (or the
 * empty non-Error value an allocation failure inside the engine sometimes throws), `possible` when
 * even describing the error failed (an exhausted heap, or an interrupt that is still pending).
 */
function outOfMemoryEvidence(error: ExecutionError | undefined): "certain" | "possible" | undefined {
  if (!error) return undefined;
  if (error.type === "InternalError" && /out of memory/i.test(error.message)) return "certain";
  if (error.message === "Uncaught ''" || error.message === "Uncaught null") return "certain";
  return error.message === "Uncaught exception" ? "possible" : undefined;
}

/** Keeps the user's frames: drops the prelude's, so line numbers point into the user's code. */
function cleanStack(stack: string): string {
  const lines = stack.split("\n").filter((line) => line.trim() !== "" && !line.includes(PRELUDE_FILE));
  if (lines.length <= MAX_STACK_LINES) return lines.join("\n");
  return [...lines.slice(0, MAX_STACK_LINES), `    ... ${lines.length - MAX_STACK_LINES} more frames`].join(
    "\n",
  );
}
