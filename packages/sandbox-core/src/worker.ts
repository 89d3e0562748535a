/**
 * The worker side of the sandbox: an engine's bundled worker entry calls `serveEngine(factory)`.
 * It creates the engine, answers the host's requests one at a time, keeps the CPU account in the
 * shared control block, and prepares the next execution while idle.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ControlBlock } from "./control.ts";
import type { Engine, EngineFactory, EngineOutcome, ExecutionControl, StopReason } from "./engine.ts";
import type { FromWorker, ToWorker, WorkerData } from "./protocol.ts";
import { describeStop } from "./stop.ts";
import { openThreadCpu, readThreadCpu, sliceCpuMs } from "./thread-cpu.ts";
import { SandboxErrorType } from "./types.ts";

export type {
  Engine,
  EngineFactory,
  EngineOutcome,
  ExecutionControl,
  SharedInit,
  StopReason,
} from "./engine.ts";
export { cutUtf8, OutputBuffer } from "./output.ts";
export { describeStop } from "./stop.ts";

export function serveEngine<Init, Shared = unknown>(factory: EngineFactory<Init, Shared>): void {
  const port = parentPort;
  if (!port) throw new Error("[sandbox] serveEngine must run in a worker thread");
  const data = workerData as WorkerData;
  const block = new ControlBlock(data.control);
  // Guest CPU time is this thread's CPU time; the host reads the same clock (see thread-cpu.ts).
  const clock = openThreadCpu();
  block.setClock(clock);
  const send = (message: FromWorker) => port.postMessage(message);

  let engine: Engine | undefined;
  /** Settles once the next execution is ready: false when `prepare` failed (the worker is done). */
  let preparing: Promise<boolean> = Promise.resolve(true);
  let chain: Promise<void> = Promise.resolve();
  let current: { id: number; abort: AbortController } | undefined;
  let failed = false;

  /**
   * Fatal to the worker. The host replaces it; a request it held whose guest had not started yet
   * is handed to another worker.
   */
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    send({
      type: "failed",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    port.close();
  };

  const run = async (message: Extract<ToWorker, { type: "run" }>) => {
    const takenAt = performance.now();
    // No guest code runs on an engine that could not get ready.
    if (!(await preparing) || failed) return;
    const active = engine!;
    const abort = new AbortController();
    current = { id: message.id, abort };
    const { control, finish } = createExecutionControl(block, message, abort.signal, clock);
    let outcome: EngineOutcome;
    let thrown: { error: unknown } | undefined;
    try {
      outcome = await active.execute(message.request, control);
    } catch (error) {
      thrown = { error };
      outcome = {
        status: "error",
        stdout: "",
        stderr: "",
        truncated: false,
        error: {
          type: SandboxErrorType.crashed,
          message: `[sandbox] the engine failed: ${error instanceof Error ? error.message : String(error)}`,
        },
        recycle: true,
      };
    }
    const { cpuMs, startedAt } = finish();
    current = undefined;
    // A throw before the guest started is a failure of the worker, not of the request.
    if (thrown && startedAt === undefined) return fail(thrown.error);
    outcome = applyStopReason(outcome, block.reason() ?? control.stopReason());
    send({
      type: "result",
      id: message.id,
      outcome,
      instantiationMs: (startedAt ?? performance.now()) - takenAt,
      cpuMs,
    });
    if (!outcome.recycle) preparing = prepareNext(active);
  };

  const prepareNext = (active: Engine): Promise<boolean> =>
    Promise.resolve()
      .then(() => active.prepare?.())
      .then(
        () => true,
        (error: unknown) => {
          fail(error);
          return false;
        },
      );

  port.on("message", (message: ToWorker) => {
    if (message.type === "run") {
      chain = chain.then(() => run(message)).catch(fail);
    } else if (message.type === "stop") {
      if (current?.id === message.id) current.abort.abort(message.reason);
    } else if (message.type === "shutdown") {
      chain
        .then(() => engine?.dispose?.())
        .finally(() => port.close())
        .catch(() => {});
    }
  });

  (async () => {
    engine = await factory(data.init as Init, {
      shared: data.shared as Shared,
      interruptBuffer: block.interruptBuffer,
    });
    await engine.prepare?.();
    send({ type: "ready" });
  })().catch(fail);
}

/**
 * A guest stopped on request often surfaces as an error (an uncatchable interrupt, Python's
 * KeyboardInterrupt) or even as success (a swallowed interrupt): report the reason instead.
 */
function applyStopReason(outcome: EngineOutcome, reason: StopReason | undefined): EngineOutcome {
  if (!reason || (outcome.status !== "ok" && outcome.status !== "error")) return outcome;
  const { result: _dropped, ...rest } = outcome;
  return { ...rest, status: reason, error: describeStop(reason) };
}

function createExecutionControl(
  block: ControlBlock,
  message: Extract<ToWorker, { type: "run" }>,
  signal: AbortSignal,
  clock: number | undefined,
): { control: ExecutionControl; finish(): { cpuMs: number; startedAt: number | undefined } } {
  const limit = message.request.limits.cpuMs;
  const ints = block.ints;
  const threadCpu = clock === undefined ? undefined : () => readThreadCpu(clock);
  let accumulated = 0;
  /** `performance.now()` when the current running slice began; -1 while the guest is not running. */
  let since = -1;
  /** The thread's CPU clock when the current slice began. */
  let sliceCpu = Number.NaN;
  /** Before this `performance.now()` the CPU limit cannot have been reached (CPU time ≤ wall time). */
  let nextCheck = 0;
  let startedAt: number | undefined;
  const slice = (now: number) => (threadCpu ? sliceCpuMs(now - since, threadCpu() - sliceCpu) : now - since);
  const cpuMs = () => (since >= 0 ? accumulated + slice(performance.now()) : accumulated);
  /** Cheap enough for an interrupt handler: reads the CPU clock only when wall time says it might be due. */
  const overLimit = () => {
    if (since < 0) return accumulated > limit;
    const now = performance.now();
    if (now < nextCheck) return false;
    const upperBound = accumulated + (now - since);
    if (upperBound <= limit) {
      nextCheck = now + (limit - upperBound);
      return false;
    }
    if (!threadCpu) return true;
    const used = accumulated + slice(now);
    if (used > limit) return true;
    nextCheck = now + (limit - used);
    return false;
  };
  const control: ExecutionControl = {
    interruptBuffer: block.interruptBuffer,
    signal,
    wallDeadline: message.wallDeadlineEpoch - performance.timeOrigin,
    guestStarted() {
      if (startedAt === undefined) {
        startedAt = performance.now();
        block.markStarted();
      }
      control.guestRunning();
    },
    guestRunning() {
      if (since >= 0) return;
      since = performance.now();
      sliceCpu = threadCpu ? threadCpu() : Number.NaN;
      block.markRunning(accumulated, performance.timeOrigin + since, sliceCpu);
    },
    guestWaiting() {
      if (since < 0) return;
      accumulated += slice(performance.now());
      since = -1;
      block.markWaiting(accumulated);
    },
    cpuMs,
    shouldStop() {
      return Atomics.load(ints, 0) !== 0 || Atomics.load(ints, 1) !== 0 || overLimit();
    },
    stopReason() {
      return block.reason() ?? (cpuMs() > limit ? "cpu_limit" : undefined);
    },
  };
  return {
    control,
    finish() {
      control.guestWaiting();
      block.markIdle(accumulated);
      return { cpuMs: accumulated, startedAt };
    },
  };
}
