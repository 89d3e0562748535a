/**
 * The engine contract: what a language plugs into the sandbox pool.
 *
 * Layers: gateway process → `SandboxPool` (queue, dispatch, deadline backstop) → sandbox host
 * child processes (Node permission model, empty environment, IPC) → worker threads → one
 * *engine* per worker. An engine is language-specific code loaded in a worker from a bundled
 * script whose entry calls `serveEngine(factory)` (from `@gateway/sandbox-core/worker`).
 *
 * Stopping guest code is cooperative first and forced last:
 * 1. the engine checks `control.shouldStop()` from its interrupt hook (QuickJS) or hands
 *    `control.interruptBuffer` to the runtime (Pyodide's `setInterruptBuffer`);
 * 2. the host's main thread, which is never blocked by the guest, writes the interrupt word at
 *    the CPU or wall deadline and re-arms it every ~10 ms until the worker answers, and also
 *    aborts `control.signal` (seen when the guest is waiting on timers);
 * 3. after `stopGraceMs` the host terminates the worker; as the last resort the gateway kills
 *    the whole sandbox process, if its main thread no longer answers the liveness ping the gateway
 *    sends once an execution is overdue (see `pool.ts`).
 */
import type { ExecutionRequest, ExecutionResult } from "./types.ts";

/** Why the host asks a running execution to stop. */
export type StopReason = "cpu_limit" | "timeout" | "cancelled";

/** The value the host writes into the interrupt word: SIGINT, as Pyodide expects. */
export const INTERRUPT_SIGNAL = 2;

/**
 * What the gateway needs to know to run an engine. Plain data: it is sent to the sandbox process.
 */
export interface EngineSpec<Init = unknown> {
  /** e.g. `javascript`, `python`; used in logs and errors (`[sandbox] [javascript] …`). */
  language: string;
  /** Absolute path of the bundled worker script (its entry calls `serveEngine`). */
  workerScript: string;
  /**
   * Absolute paths (files or folders) the sandbox process may read besides the host and worker
   * bundles: the runtime's `.wasm`, a snapshot, a standard library. Nothing else is readable.
   */
  readPaths: string[];
  /** Structured-cloneable data handed to the engine factory in each worker (e.g. a snapshot path). */
  init?: Init;
  /**
   * Absolute path of a bundled ES module exporting `sharedInit` (a `SharedInit`): run once per
   * sandbox process, on its main thread under the same permissions, before the first worker starts.
   * What it returns is handed to every worker of that process as `EngineEnvironment.shared`, so work
   * that would otherwise repeat in each worker happens once, e.g. compiling the runtime's `.wasm`:
   * a `WebAssembly.Module` crosses into workers without copying its compiled code. The value must
   * be structured-cloneable (plain data, `WebAssembly.Module`, `SharedArrayBuffer`…). A throw
   * fails the sandbox process's start like a failing engine. The file is readable in the sandbox.
   */
  sharedInitScript?: string;
  /** Stack of each worker thread, in MB. Deep guest recursion must end inside the guest. Default 64. */
  stackSizeMb?: number;
  /** V8 heap cap of each worker thread, in MB (the guest's wasm memory is separate). Default 256. */
  maxOldGenerationSizeMb?: number;
  /** How long the host waits after asking a guest to stop before it terminates the worker. Default 250. */
  stopGraceMs?: number;
  /** How long `sharedInit`, and then each worker's initialisation (`factory` + first `prepare`), may take. Default 30 000. */
  initTimeoutMs?: number;
}

/** What the engine factory receives besides its `init` data. Lives as long as the worker. */
export interface EngineEnvironment<Shared = unknown> {
  /** What the spec's `sharedInitScript` returned in this sandbox process; `undefined` without one. */
  shared: Shared;
  /**
   * The worker's interrupt word: an `Int32Array` of length 1 on a `SharedArrayBuffer`. Non-zero
   * means "stop now" (the host writes `INTERRUPT_SIGNAL`). Pass it to Pyodide's
   * `setInterruptBuffer` once; it is the same array for every execution and is cleared before each.
   */
  interruptBuffer: Int32Array;
}

/**
 * The live control of one execution, given to `Engine.execute`. Cheap to call from hot paths.
 */
export interface ExecutionControl {
  /** Same array as `EngineEnvironment.interruptBuffer`. */
  readonly interruptBuffer: Int32Array;
  /**
   * Aborted (with the `StopReason` as its reason) when the host asks this execution to stop. It
   * fires only when the worker's event loop is free, i.e. while the guest waits on timers.
   */
  readonly signal: AbortSignal;
  /** `performance.now()` in this worker at which the wall limit ends. Timers must not outlive it. */
  readonly wallDeadline: number;
  /**
   * Call right before the first guest instruction runs. Ends `instantiationMs` and starts CPU
   * accounting as if `guestRunning()` was called.
   */
  guestStarted(): void;
  /** The guest runs on this thread from now on: CPU time accrues. */
  guestRunning(): void;
  /** The guest waits (timers, I/O with the host): CPU time does not accrue. */
  guestWaiting(): void;
  /**
   * Guest CPU time so far, in ms: this thread's CPU time during running slices where the kernel
   * offers a thread clock (Linux), else their wall time.
   */
  cpuMs(): number;
  /**
   * Whether the guest must stop now: the host asked (interrupt word or reason set) or the CPU
   * limit is used up. Meant for interrupt handlers; does not clear anything.
   */
  shouldStop(): boolean;
  /**
   * The reason to report when the guest was stopped: the host's reason, or `cpu_limit` when the
   * CPU limit is used up, else `undefined`.
   */
  stopReason(): StopReason | undefined;
}

/**
 * What an engine returns for one execution. The worker runtime adds the timing metrics. If a stop
 * was requested, an `ok` or `error` status is replaced by the stop reason, so an engine may
 * report an interrupted guest simply as an error (e.g. Python's `KeyboardInterrupt`).
 */
export interface EngineOutcome extends Omit<ExecutionResult, "metrics"> {
  /** Peak guest memory in bytes, where the engine can measure it. */
  peakMemoryBytes?: number;
  /**
   * True when this worker must not serve another execution (its state may not be pristine, or a
   * host-level error happened). The host replaces the worker. Default false: the engine vouches
   * that the next `execute` starts from a clean state (a fresh instance, or a restored image).
   */
  recycle?: boolean;
}

/** A language engine living in one worker thread. */
export interface Engine {
  /**
   * Gets the next execution ready ahead of demand (e.g. instantiate a fresh WebAssembly instance,
   * restore an image). Called once after the factory and again after each execution that did not
   * recycle, right after its result was sent. The next `execute` waits for it: an engine that keeps
   * several executions ready may return as soon as one is and prepare more in the background.
   * A throw is fatal to the worker. A request the host already handed to it does not fail with it:
   * its guest never started, so it goes back to the front of the queue (once; a second failure
   * before its guest starts answers it with `SandboxCrashed`).
   */
  prepare?(): void | Promise<void>;
  /**
   * Runs one execution. The request was already checked (code size, input). Must call
   * `control.guestStarted()` before the first guest instruction. Guest failures are outcomes, not
   * throws; a throw is treated as a host-level failure: the execution ends as `error`
   * (`SandboxCrashed`) and the worker is replaced. A throw before `guestStarted()` fails the worker
   * like a failed `prepare`, and the request is re-queued the same way.
   */
  execute(request: ExecutionRequest, control: ExecutionControl): Promise<EngineOutcome>;
  /** Releases what the engine holds. Called when the worker is asked to shut down. */
  dispose?(): void | Promise<void>;
}

/** What an engine's worker entry passes to `serveEngine`. May be slow (load a snapshot). */
export type EngineFactory<Init = unknown, Shared = unknown> = (
  init: Init,
  env: EngineEnvironment<Shared>,
) => Engine | Promise<Engine>;

/**
 * The `sharedInit` export of an engine's `sharedInitScript`: receives the spec's `init`, runs once
 * per sandbox process on its main thread, and returns what every worker gets as `env.shared`.
 */
export type SharedInit<Init = unknown, Shared = unknown> = (init: Init) => Shared | Promise<Shared>;
