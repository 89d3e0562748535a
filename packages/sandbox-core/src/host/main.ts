/**
 * The sandbox host process: forked by `SandboxPool` under Node's permission model with an empty
 * environment. It keeps a fixed number of worker threads, each running one engine, hands them the
 * requests the gateway sends over IPC, watches their CPU and wall deadlines from this (never
 * blocked) main thread, and replaces workers that crash, hang or ask to be recycled. It answers the
 * gateway's liveness ping at once with the requests it holds.
 *
 * Bundled to `dist/host.mjs`; see `build.ts`.
 */
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { ControlBlock, epochNow } from "../control.ts";
import type { EngineOutcome, EngineSpec, SharedInit, StopReason } from "../engine.ts";
import type { FromHost, FromWorker, HeldJob, HostResult, ToHost, ToWorker, WorkerData } from "../protocol.ts";
import { describeStop } from "../stop.ts";
import { type ExecutionRequest, SandboxErrorType } from "../types.ts";

/** How often deadlines are checked and a stop request re-armed. */
const TICK_MS = 5;

interface Job {
  id: number;
  request: ExecutionRequest;
  receivedAt: number;
  dispatchedAt?: number;
  wallDeadline?: number;
  stopReason?: StopReason;
  stopRequestedAt?: number;
  /** Set when a worker failed before this job's guest started and the job was queued again. */
  retried?: boolean;
}

interface Slot {
  index: number;
  control: ControlBlock;
  worker?: Worker;
  state: "starting" | "idle" | "busy" | "down";
  /** When the slot last became idle: work goes to the longest-idle worker, which had the most time to prepare. */
  idleSince: number;
  job?: Job;
  failures: number;
  initTimer?: NodeJS.Timeout;
}

const send = (message: FromHost) => process.send?.(message);
const log = (level: "debug" | "info" | "warn" | "error", message: string, data?: Record<string, unknown>) =>
  send({ type: "log", level, message, ...(data ? { data } : {}) });

let spec: EngineSpec;
/** What the engine's `sharedInit` returned, handed to every worker. */
let shared: unknown;
let slots: Slot[] = [];
const waiting: Job[] = [];
let announcedReady = false;
let shuttingDown = false;
let ticker: NodeJS.Timeout | undefined;

process.on("message", (message: ToHost) => {
  switch (message.type) {
    case "configure":
      spec = message.spec;
      slots = Array.from({ length: message.workers }, (_, index) => ({
        index,
        control: new ControlBlock(),
        state: "down" as const,
        idleSince: 0,
        failures: 0,
      }));
      sharedInit(spec).then(
        (value) => {
          shared = value;
          for (const slot of slots) spawn(slot);
        },
        (error: unknown) => {
          const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
          log("error", `[sandbox] [${spec.language}] sharedInit failed: ${firstLine(text)}`);
          send({ type: "failed", message: `sharedInit failed: ${text}` });
        },
      );
      break;
    case "run":
      waiting.push({ id: message.id, request: message.request, receivedAt: performance.now() });
      dispatch();
      break;
    case "cancel":
      cancel(message.id);
      break;
    case "ping":
      send({ type: "pong", jobs: heldJobs() });
      break;
    case "shutdown":
      shutdown();
      break;
  }
});
process.on("disconnect", () => process.exit(0));

/** Runs the engine's `sharedInit` once for this process (within the init timeout), if it has one. */
async function sharedInit(engine: EngineSpec): Promise<unknown> {
  if (!engine.sharedInitScript) return undefined;
  const script = engine.sharedInitScript;
  const timeoutMs = engine.initTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const run = (async () => {
      const module = (await import(pathToFileURL(script).href)) as { sharedInit?: SharedInit };
      if (typeof module.sharedInit !== "function")
        throw new Error(`${script} does not export a sharedInit function`);
      return module.sharedInit(engine.init);
    })();
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function spawn(slot: Slot): void {
  if (shuttingDown) return;
  slot.state = "starting";
  slot.control = new ControlBlock();
  const data: WorkerData = { init: spec.init, shared, control: slot.control.buffer };
  const worker = new Worker(spec.workerScript, {
    workerData: data,
    resourceLimits: {
      stackSizeMb: spec.stackSizeMb ?? 64,
      maxOldGenerationSizeMb: spec.maxOldGenerationSizeMb ?? 256,
    },
    env: {},
  });
  slot.worker = worker;
  slot.initTimer = setTimeout(() => {
    log("error", `[sandbox] [${spec.language}] worker did not initialise in time`, { slot: slot.index });
    onWorkerGone(slot, worker, new Error("the worker did not initialise in time"), true);
  }, spec.initTimeoutMs ?? 30_000);
  worker.on("message", (message: FromWorker) => onWorkerMessage(slot, worker, message));
  worker.on("error", (error) => onWorkerGone(slot, worker, error, false));
  worker.on("exit", (code) =>
    onWorkerGone(slot, worker, new Error(`worker exited with code ${code}`), false),
  );
}

function onWorkerMessage(slot: Slot, worker: Worker, message: FromWorker): void {
  if (slot.worker !== worker) return;
  if (message.type === "ready") {
    clearTimeout(slot.initTimer);
    slot.state = "idle";
    slot.idleSince = performance.now();
    slot.failures = 0;
    if (!announcedReady && slots.every((s) => s.state === "idle")) {
      announcedReady = true;
      send({ type: "ready" });
    }
    dispatch();
  } else if (message.type === "failed") {
    log("error", `[sandbox] [${spec.language}] worker failed: ${message.message}`, { slot: slot.index });
    onWorkerGone(slot, worker, new Error(message.message), false);
  } else if (message.type === "result") {
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    finish(job, message.outcome, message.instantiationMs, message.cpuMs);
    slot.job = undefined;
    if (message.outcome.recycle) {
      replace(slot, worker);
    } else {
      slot.state = "idle";
      slot.idleSince = performance.now();
      dispatch();
    }
  }
}

/**
 * A worker crashed, exited or is being terminated (`alive`: it still runs, so its CPU clock can be
 * read one last time): answer its job, or queue the job again if its guest never started, and start
 * a replacement.
 */
function onWorkerGone(slot: Slot, worker: Worker, error: Error & { code?: string }, alive: boolean): void {
  if (slot.worker !== worker) return;
  if (!alive) slot.control.setClock(undefined);
  if (!announcedReady) send({ type: "failed", message: error.message });
  const job = slot.job;
  slot.job = undefined;
  if (slot.state === "starting") failRetried(`a new worker failed to start: ${firstLine(error.message)}`);
  if (job && !job.stopReason && !slot.control.started()) {
    retryElsewhere(job, error);
  } else if (job) {
    const outOfMemory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
    finish(
      job,
      outOfMemory
        ? failure("memory_limit", SandboxErrorType.memory, "the sandbox ran out of memory")
        : job.stopReason
          ? { ...failure(job.stopReason), error: describeStop(job.stopReason, "the sandbox was terminated") }
          : failure(
              "error",
              SandboxErrorType.crashed,
              `[sandbox] the sandbox worker failed: ${error.message}`,
            ),
      job.dispatchedAt === undefined ? 0 : performance.now() - job.dispatchedAt,
      slot.control.cpuMs(),
    );
  }
  slot.failures++;
  replace(slot, worker);
  dispatch();
}

/**
 * The worker holding `job` failed before the job's guest started (its `prepare` threw, it died):
 * nothing of the job ran, so it goes back to the front of the queue, once. A second failure before
 * its guest starts answers it.
 */
function retryElsewhere(job: Job, error: Error): void {
  if (job.retried) {
    finish(job, notStarted(`its worker failed again: ${firstLine(error.message)}`), 0, 0);
    return;
  }
  log("warn", `[sandbox] [${spec.language}] worker failed before the guest started; re-queued`, {
    id: job.id,
    error: firstLine(error.message),
  });
  job.retried = true;
  job.dispatchedAt = undefined;
  job.wallDeadline = undefined;
  waiting.unshift(job);
}

/** A new worker failed to start: re-queued jobs waiting for one get their answer now. */
function failRetried(reason: string): void {
  for (let i = waiting.length - 1; i >= 0; i--) {
    const job = waiting[i]!;
    if (!job.retried) continue;
    waiting.splice(i, 1);
    finish(job, notStarted(reason), 0, 0);
  }
}

function notStarted(reason: string): EngineOutcome {
  return failure(
    "error",
    SandboxErrorType.crashed,
    `[sandbox] [${spec.language}] the execution could not start (its worker failed before the code ran, and ${reason}); the code did not run`,
  );
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? text;
}

/** Terminates a worker (if still running) and starts a new one, backing off after repeated failures. */
function replace(slot: Slot, worker: Worker): void {
  if (slot.worker !== worker) return;
  clearTimeout(slot.initTimer);
  slot.worker = undefined;
  slot.state = "down";
  worker.removeAllListeners("message");
  // Node closes the descriptors a worker opened (its CPU clock among them) when it exits: the block
  // must not be read through that number any more, which may soon name something else.
  slot.control.setClock(undefined);
  worker.terminate().catch(() => {});
  if (shuttingDown) return;
  const delay = slot.failures <= 1 ? 0 : Math.min(5_000, 50 * 2 ** slot.failures);
  setTimeout(() => spawn(slot), delay);
}

function dispatch(): void {
  while (waiting.length > 0) {
    let slot: Slot | undefined;
    for (const candidate of slots) {
      if (candidate.state !== "idle" || !candidate.worker) continue;
      if (!slot || candidate.idleSince < slot.idleSince) slot = candidate;
    }
    if (!slot?.worker) break;
    const job = waiting.shift()!;
    slot.state = "busy";
    slot.job = job;
    slot.control.reset();
    job.dispatchedAt = performance.now();
    job.wallDeadline = epochNow() + job.request.limits.wallMs;
    const message: ToWorker = {
      type: "run",
      id: job.id,
      request: job.request,
      wallDeadlineEpoch: job.wallDeadline,
    };
    slot.worker.postMessage(message);
  }
  const busy = slots.some((slot) => slot.state === "busy");
  if (busy && !ticker) ticker = setInterval(tick, TICK_MS);
  if (!busy && ticker) {
    clearInterval(ticker);
    ticker = undefined;
  }
}

/** Checks deadlines of running jobs, re-arms stop requests, terminates workers past their grace. */
function tick(): void {
  const now = epochNow();
  for (const slot of slots) {
    const job = slot.job;
    if (!job || !slot.worker) continue;
    if (job.stopRequestedAt === undefined) {
      if (now >= job.wallDeadline!) requestStop(slot, job, "timeout");
      else if (slot.control.cpuMs(now) > job.request.limits.cpuMs) requestStop(slot, job, "cpu_limit");
    } else {
      slot.control.rearm();
      if (now - job.stopRequestedAt > (spec.stopGraceMs ?? 250)) {
        log("warn", `[sandbox] [${spec.language}] guest ignored the stop request; terminating its worker`, {
          reason: job.stopReason,
        });
        onWorkerGone(slot, slot.worker, new Error("terminated"), true);
      }
    }
  }
  if (!slots.some((slot) => slot.state === "busy") && ticker) {
    clearInterval(ticker);
    ticker = undefined;
  }
}

function requestStop(slot: Slot, job: Job, reason: StopReason): void {
  job.stopReason = reason;
  job.stopRequestedAt = epochNow();
  slot.control.requestStop(reason);
  const message: ToWorker = { type: "stop", id: job.id, reason };
  slot.worker?.postMessage(message);
}

function cancel(id: number): void {
  const queued = waiting.findIndex((job) => job.id === id);
  if (queued >= 0) {
    const [job] = waiting.splice(queued, 1);
    finish(job!, failure("cancelled"), 0, 0);
    return;
  }
  const slot = slots.find((s) => s.job?.id === id);
  if (slot?.job && slot.job.stopRequestedAt === undefined) requestStop(slot, slot.job, "cancelled");
}

/** What this host holds for the gateway's liveness check: each job, and how long it has been at a worker. */
function heldJobs(): HeldJob[] {
  const now = performance.now();
  const held: HeldJob[] = waiting.map((job) => ({ id: job.id }));
  for (const slot of slots) {
    const job = slot.job;
    if (job)
      held.push(
        job.dispatchedAt === undefined ? { id: job.id } : { id: job.id, atWorkerMs: now - job.dispatchedAt },
      );
  }
  return held;
}

function finish(job: Job, outcome: EngineOutcome, instantiationMs: number, cpuMs: number): void {
  const result: HostResult = {
    ...outcome,
    hostQueueMs: (job.dispatchedAt ?? performance.now()) - job.receivedAt,
    instantiationMs,
    cpuMs,
  };
  send({ type: "result", id: job.id, result });
}

function failure(status: EngineOutcome["status"], type?: string, message?: string): EngineOutcome {
  const error =
    type && message
      ? { type, message }
      : status === "cpu_limit" || status === "timeout" || status === "cancelled"
        ? describeStop(status)
        : undefined;
  return { status, stdout: "", stderr: "", truncated: false, ...(error ? { error } : {}) };
}

function shutdown(): void {
  shuttingDown = true;
  for (const job of waiting.splice(0)) {
    finish(job, failure("rejected", SandboxErrorType.unavailable, "[sandbox] shutting down"), 0, 0);
  }
  const exits = slots.map((slot) => {
    const worker = slot.worker;
    slot.worker = undefined;
    clearTimeout(slot.initTimer);
    return worker ? worker.terminate().catch(() => 0) : Promise.resolve(0);
  });
  Promise.all(exits).finally(() => process.exit(0));
}
