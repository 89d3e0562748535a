/**
 * The Python engine: one Pyodide instance per worker thread, loaded from the memory snapshot,
 * hardened, and restored in place to its pristine image after every execution.
 */
import { readFileSync } from "node:fs";
import type { EngineEnvironment, ExecutionRequest, JsonValue } from "@gateway/sandbox-core";
import type { Engine, EngineOutcome, ExecutionControl } from "@gateway/sandbox-core/worker";
import { loadPyodide, type PyodideAPI } from "pyodide";
import type { PythonEngineInit, PythonShared } from "../engine-init.ts";
import { PristineImage } from "./image.ts";
import { JsStateRecord } from "./js-state.ts";
import { installPatches } from "./patches.ts";
import { removeBuiltinModules, sealWebAssembly } from "./seal.ts";

/** The decoded JSON the Python runner returns. */
interface RunnerOutcome {
  result?: JsonValue;
  error?: { type: string; message: string; stack?: string };
  memoryError?: boolean;
  /** Set by the engine (not the guest) when the wall deadline passed while the guest waited. */
  wallLimit?: boolean;
}

type PyCallable = (...args: unknown[]) => unknown;

interface PyFuture extends PromiseLike<string> {
  destroy(): void;
  cancel?(): void;
}

const HOME = "/home/pyodide";
const GROWN_MEMORY_RECYCLE_BYTES = 32 * 1024 * 1024;

const WARM_UP = [
  'import sys, asyncio\nprint("warm")\nprint("warm", file=sys.stderr)\nawait asyncio.sleep(0)\n{"a": (1, 2), "b": 2**60}',
  "def f():\n    raise ValueError('warm')\nf()",
  "1/0",
  "syntax error here",
];

export async function createPythonEngine(
  init: PythonEngineInit,
  env: EngineEnvironment<PythonShared | undefined>,
): Promise<Engine> {
  // Instantiated from the module the sandbox process compiled once for all its workers.
  const patches = installPatches(env.shared?.pyodideModule);
  const snapshot = readFileSync(init.snapshotPath);
  const output = new OutputCapture();
  const pyodide: PyodideAPI = await loadPyodide({
    indexURL: init.indexURL,
    _loadSnapshot: snapshot,
    jsglobals: Object.create(null),
    env: { HOME },
    stdout: () => {},
    stderr: () => {},
  });
  // Pyodide keeps its options: drop the snapshot bytes (31 MB) it no longer needs.
  const config = (pyodide as unknown as { _api: { config: Record<string, unknown> } })._api.config;
  config._loadSnapshot = undefined;
  const instance = patches.captured.instance;
  if (!instance) throw new Error("[sandbox] [python] the wasm instance was not captured");
  pyodide.setStdout({ write: (bytes: Uint8Array) => output.write("stdout", bytes, env.interruptBuffer) });
  pyodide.setStderr({ write: (bytes: Uint8Array) => output.write("stderr", bytes, env.interruptBuffer) });
  pyodide.setInterruptBuffer(env.interruptBuffer);

  // Kept for the worker's lifetime: the image below is taken while this proxy holds the module.
  const runnerModule = pyodide.pyimport("_gateway_runner");
  const run = runnerModule.run as PyCallable;
  const sealed = runnerModule.harden() as { toJs(): string[]; destroy(): void };
  removeBuiltinModules(pyodide, instance, sealed.toJs());
  sealed.destroy();
  sealWebAssembly();

  const image = new PristineImage(pyodide, instance, patches.captured.dedupMap);

  // Warm-up: the first runs make Pyodide create some JS-side helpers lazily. Run the common paths
  // once (then restore) so that the JS-state record below is taken in the steady state.
  output.reset(1 << 20);
  for (const code of WARM_UP) {
    const returned = run(code, "null", "0") as string | PyFuture;
    if (typeof returned !== "string") {
      await returned;
      returned.destroy();
    }
  }
  Atomics.store(env.interruptBuffer, 0, 0);
  let dirty = true;
  const api = (pyodide as unknown as { _api: object; _module: object })._api;
  const module = (pyodide as unknown as { _module: { _sbrk(increment: number): number } })._module;
  const sbrk = (increment: number) => module._sbrk(increment) >>> 0;
  let jsState: JsStateRecord | undefined;
  let pyodideState: JsStateRecord | undefined;
  let executions = 0;

  const execute = async (request: ExecutionRequest, control: ExecutionControl): Promise<EngineOutcome> => {
    executions++;
    dirty = true;
    output.reset(request.limits.outputBytes);
    patches.memory.limitBytes = request.limits.memoryBytes;
    patches.memory.refused = false;
    patches.memory.peakBytes = 0;
    patches.timers.hooks = { before: () => control.guestRunning(), after: () => control.guestWaiting() };
    const seed = crypto.getRandomValues(new Uint32Array(4)).join("");
    const input = JSON.stringify(request.input ?? null);

    let raw: string;
    control.guestStarted();
    try {
      const returned = run(request.code, input, seed) as string | PyFuture;
      if (typeof returned === "string") {
        raw = returned;
      } else {
        control.guestWaiting();
        try {
          raw = await untilSettled(returned, control, patches.realSetTimeout, patches.realClearTimeout);
        } finally {
          returned.destroy();
        }
      }
    } catch (error) {
      // A host-level failure inside Pyodide (e.g. a fatal error): this instance is done.
      return finish(control, {
        status: "error",
        error: { type: "SandboxCrashed", message: `[sandbox] [python] ${describeError(error)}` },
        recycle: true,
      });
    } finally {
      control.guestWaiting();
      patches.timers.hooks = { before() {}, after() {} };
      patches.memory.limitBytes = Number.POSITIVE_INFINITY;
    }

    const parsed = JSON.parse(raw) as RunnerOutcome;
    if (parsed.wallLimit) {
      // The engine's own wall timer may fire before the host's deadline check does.
      return finish(control, {
        status: "timeout",
        error: { type: "WallTimeExceeded", message: "Wall time limit exceeded" },
      });
    }
    if (parsed.error) {
      const memory = parsed.memoryError || (patches.memory.refused && parsed.error.type === "MemoryError");
      return finish(control, {
        status: memory ? "memory_limit" : "error",
        error: memory
          ? { ...parsed.error, type: "MemoryLimitExceeded", message: `MemoryError: ${parsed.error.message}` }
          : parsed.error,
      });
    }
    return finish(control, {
      status: "ok",
      ...(parsed.result === undefined ? {} : { result: parsed.result }),
    });
  };

  /**
   * JS-side state cannot be restored in place: any change found retires the worker. The built-ins
   * are checked before the result is sent (a change recycles the worker cleanly); Pyodide's own
   * objects, larger, after it (a change fails the worker, see `prepare`).
   */
  const jsStateChanged = (): boolean => {
    if (!jsState) return false;
    const changed = jsState.changes();
    if (changed.length === 0) return false;
    console.error(`[sandbox] [python] JavaScript state changed: ${changed.join(", ")}`);
    return true;
  };

  const finish = (
    control: ExecutionControl,
    partial: Pick<EngineOutcome, "status" | "result" | "error" | "recycle">,
  ): EngineOutcome => {
    let status = partial.status;
    let result = partial.result;
    if (result !== undefined && !output.reserve(JSON.stringify(result))) {
      result = undefined;
      status = "output_limit";
    }
    if (output.truncated) status = "output_limit";
    const limitHit =
      status !== "ok" && status !== "error"
        ? true
        : control.stopReason() !== undefined || patches.memory.refused || output.truncated;
    const outcome: EngineOutcome = {
      status,
      stdout: output.stdout,
      stderr: output.stderr,
      truncated: output.truncated,
      // The heap's break marks the most the guest used, unless the run grew memory past it.
      peakMemoryBytes: Math.max(patches.memory.peakBytes, sbrk(0)),
      recycle:
        partial.recycle === true ||
        limitHit ||
        executions >= init.maxExecutions ||
        // Memory never shrinks: past this, restoring (zeroing) the grown part costs more than a new worker.
        image.liveMemoryBytes > image.memoryBytes + GROWN_MEMORY_RECYCLE_BYTES ||
        jsStateChanged(),
    };
    if (result !== undefined) outcome.result = result;
    if (status === "output_limit") {
      outcome.error = {
        type: "OutputLimitExceeded",
        message: "The output limit was reached; output was cut.",
      };
    } else if (partial.error) {
      outcome.error = partial.error;
    }
    return outcome;
  };

  const prepare = async () => {
    if (dirty) {
      // Let anything the guest queued as a microtask run now, against the state that is about to go.
      await new Promise<void>((resolve) => patches.realSetImmediate(resolve));
      patches.timers.clearAll();
      image.restore();
      const problems = image.verify();
      if (problems.length > 0) throw new Error(`[sandbox] [python] restore failed: ${problems.join(", ")}`);
      dirty = false;
    }
    if (!jsState) {
      jsState = new JsStateRecord();
      // The module's `_`-prefixed keys are wasm exports and Emscripten internals, and its `HEAP*`
      // views are replaced when memory grows: presence only.
      const notExport = (key: string | symbol) => typeof key !== "string" || !/^(_|HEAP)/.test(key);
      pyodideState = new JsStateRecord([api, module], false, new Map([[module, notExport]]));
      return;
    }
    const changed = pyodideState?.changes() ?? [];
    if (changed.length > 0)
      throw new Error(`[sandbox] [python] Pyodide's JS state changed: ${changed.join(", ")}`);
  };

  return {
    prepare,
    execute,
    dispose() {
      patches.timers.clearAll();
    },
  };
}

/** Waits for the runner's Future, unless the host asks to stop or the wall deadline passes. */
async function untilSettled(
  future: PyFuture,
  control: ExecutionControl,
  setTimer: typeof setTimeout,
  clearTimer: typeof clearTimeout,
): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<string>((resolve) => {
    // Stopped by the host: an error that the worker runtime turns into the host's stop reason.
    onAbort = () => resolve(JSON.stringify({ error: { type: "KeyboardInterrupt", message: "stopped" } }));
    control.signal.addEventListener("abort", onAbort, { once: true });
    timer = setTimer(
      () => resolve(JSON.stringify({ wallLimit: true })),
      Math.max(0, control.wallDeadline - performance.now()),
    );
  });
  try {
    return await Promise.race([Promise.resolve(future), stopped]);
  } finally {
    clearTimer(timer);
    if (onAbort) control.signal.removeEventListener("abort", onAbort);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** stdout and stderr of one execution under one byte budget, decoded as UTF-8 at the end. */
class OutputCapture {
  #chunks: { stdout: Uint8Array[]; stderr: Uint8Array[] } = { stdout: [], stderr: [] };
  #used = 0;
  #limit = 0;
  truncated = false;

  reset(limitBytes: number): void {
    this.#chunks = { stdout: [], stderr: [] };
    this.#used = 0;
    this.#limit = limitBytes;
    this.truncated = false;
  }

  /** Keeps what fits; past the budget, asks the guest to stop (the interrupt word). */
  write(stream: "stdout" | "stderr", bytes: Uint8Array, interrupt: Int32Array): number {
    const room = this.#limit - this.#used;
    if (bytes.length <= room) {
      this.#chunks[stream].push(bytes.slice());
      this.#used += bytes.length;
    } else {
      if (room > 0) this.#chunks[stream].push(bytes.slice(0, room));
      this.#used = this.#limit;
      this.truncated = true;
      Atomics.store(interrupt, 0, 2);
    }
    return bytes.length;
  }

  /** Counts a serialized result against the budget; false when it does not fit. */
  reserve(json: string): boolean {
    const bytes = Buffer.byteLength(json, "utf8");
    if (this.#used + bytes > this.#limit) {
      this.truncated = true;
      return false;
    }
    this.#used += bytes;
    return true;
  }

  get stdout(): string {
    return decode(this.#chunks.stdout);
  }

  get stderr(): string {
    return decode(this.#chunks.stderr);
  }
}

function decode(chunks: Uint8Array[]): string {
  // A cut may split a character: drop a trailing partial sequence rather than emit U+FFFD.
  const text = Buffer.concat(chunks).toString("utf8");
  return text.endsWith("\uFFFD") ? text.replace(/\uFFFD+$/, "") : text;
}
