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
import { SandboxErrorType } from "./types.ts";

export type { Engine, EngineFactory, EngineOutcome, ExecutionControl, StopReason } from "./engine.ts";
export { cutUtf8, OutputBuffer } from "./output.ts";
export { describeStop } from "./stop.ts";

export function serveEngine<Init>(factory: EngineFactory<Init>): void {
  const port = parentPort;
  if (!port) throw new Error("[sandbox] serveEngine must run in a worker thread");
  const data = workerData as WorkerData;
  const block = new ControlBlock(data.control);
  const send = (message: FromWorker) => port.postMessage(message);

  let engine: Engine | undefined;
  let preparing: Promise<void> = Promise.resolve();
  let chain: Promise<void> = Promise.resolve();
  let current: { id: number; abort: AbortController } | undefined;

  const fail = (error: unknown) => {
    send({
      type: "failed",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    port.close();
  };

  const run = async (message: Extract<ToWorker, { type: "run" }>) => {
    const takenAt = performance.now();
    await preparing;
    const active = engine!;
    const abort = new AbortController();
    current = { id: message.id, abort };
    const { control, finish } = createExecutionControl(block, message, abort.signal);
    let outcome: EngineOutcome;
    try {
      outcome = await active.execute(message.request, control);
    } catch (error) {
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
    outcome = applyStopReason(outcome, block.reason() ?? control.stopReason());
    send({
      type: "result",
      id: message.id,
      outcome,
      instantiationMs: (startedAt ?? performance.now()) - takenAt,
      cpuMs,
    });
    if (!outcome.recycle) preparing = Promise.resolve(active.prepare?.()).catch(fail);
  };

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
    engine = await factory(data.init as Init, { interruptBuffer: block.interruptBuffer });
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
): { control: ExecutionControl; finish(): { cpuMs: number; startedAt: number | undefined } } {
  const limit = message.request.limits.cpuMs;
  const ints = block.ints;
  let accumulated = 0;
  let since = -1;
  let startedAt: number | undefined;
  const cpuMs = () => (since >= 0 ? accumulated + (performance.now() - since) : accumulated);
  const control: ExecutionControl = {
    interruptBuffer: block.interruptBuffer,
    signal,
    wallDeadline: message.wallDeadlineEpoch - performance.timeOrigin,
    guestStarted() {
      startedAt ??= performance.now();
      control.guestRunning();
    },
    guestRunning() {
      if (since >= 0) return;
      since = performance.now();
      block.markRunning(accumulated, performance.timeOrigin + since);
    },
    guestWaiting() {
      if (since < 0) return;
      accumulated += performance.now() - since;
      since = -1;
      block.markWaiting(accumulated);
    },
    cpuMs,
    shouldStop() {
      return Atomics.load(ints, 0) !== 0 || Atomics.load(ints, 1) !== 0 || cpuMs() > limit;
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
