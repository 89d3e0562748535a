/**
 * The gateway side of the sandbox: a bounded queue in front of sandbox host processes, each holding
 * a share of the worker threads. Requests that cannot run are answered at once (`rejected`);
 * a process that dies or stops answering is killed and replaced, and its in-flight executions get
 * a clear result.
 *
 * A live host enforces every limit itself (see `host/main.ts`), and a request may wait in it for a
 * worker (one starting after a recycle, or a replacement after a failure) before its wall clock
 * starts. So an execution that is overdue at the gateway is not reason enough to kill a process:
 * the pool then pings the host, and kills it only if its main thread does not answer in time or if
 * it answers but has lost the request or holds it far past any limit (see `recheckAfterMs`).
 */
import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { EngineSpec } from "./engine.ts";
import type { FromHost, HeldJob, HostResult, ToHost } from "./protocol.ts";
import { describeStop } from "./stop.ts";
import { THREAD_CPU_PATH } from "./thread-cpu.ts";
import {
  type ExecutionRequest,
  type ExecutionResult,
  type ExecutionStatus,
  type Runner,
  SandboxErrorType,
} from "./types.ts";

/** The subset of a pino-style logger the pool writes to. */
export interface PoolLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SandboxPoolOptions {
  engine: EngineSpec;
  /** Worker threads in total (one execution each at a time). Default: the machine's cores. */
  workers?: number;
  /** Sandbox host processes the workers are spread over. Default 1. */
  processes?: number;
  /** Requests that may wait for a worker; beyond that they are rejected as busy. Default 256. */
  queue?: number;
  /**
   * Extra time past `wallMs` + the engine's stop grace after which the gateway kills a sandbox
   * process that has neither answered an execution nor a liveness ping (sent at half this time,
   * answered at once by a live host). Default 2 000 ms.
   */
  killAfterMs?: number;
  logger?: PoolLogger;
}

export interface SandboxPoolStats {
  workers: number;
  processes: number;
  running: number;
  queued: number;
  executions: number;
  rejected: number;
  processRestarts: number;
}

/** The host bundle, built by `pnpm build` (see `build.ts`). */
export const HOST_SCRIPT = fileURLToPath(new URL("../dist/host.mjs", import.meta.url));

const silent: PoolLogger = { debug() {}, info() {}, warn() {}, error() {} };

interface Pending {
  id: number;
  request: ExecutionRequest;
  submittedAt: number;
  dispatchedAt?: number;
  resolve(result: ExecutionResult): void;
  /** Set once the caller got its answer (e.g. cancelled) while the host still holds the worker. */
  answered: boolean;
  host?: HostProcess;
  backstop?: NodeJS.Timeout;
  detach?: () => void;
}

interface HostProcess {
  child: ChildProcess;
  capacity: number;
  inflight: Map<number, Pending>;
  ready: boolean;
  /** An unanswered liveness ping: the executions that were overdue, and the kill timer. */
  probe?: { overdue: Set<Pending>; timer: NodeJS.Timeout };
  /** Why the pool killed it, if it did, and the executions it was overdue on. */
  killed?: { why: string; overdue: Set<Pending> };
}

export class SandboxPool implements Runner {
  readonly language: string;
  readonly #engine: EngineSpec;
  readonly #workers: number;
  readonly #processCount: number;
  readonly #queueLimit: number;
  readonly #killAfterMs: number;
  readonly #log: PoolLogger;
  readonly #hosts: (HostProcess | undefined)[];
  readonly #queue: Pending[] = [];
  #nextId = 1;
  #disposed = false;
  #started: Promise<void> | undefined;
  #consecutiveFailures = 0;
  #stats = { executions: 0, rejected: 0, processRestarts: 0 };

  constructor(options: SandboxPoolOptions) {
    this.#engine = options.engine;
    this.language = options.engine.language;
    this.#workers = Math.max(1, options.workers ?? availableParallelism());
    this.#processCount = Math.min(this.#workers, Math.max(1, options.processes ?? 1));
    this.#queueLimit = Math.max(0, options.queue ?? 256);
    this.#killAfterMs = options.killAfterMs ?? 2_000;
    this.#log = options.logger ?? silent;
    this.#hosts = new Array(this.#processCount).fill(undefined);
  }

  /** Starts the sandbox processes and resolves once every worker is ready. Idempotent. */
  start(): Promise<void> {
    this.#started ??= Promise.all(this.#hosts.map((_, index) => this.#spawn(index))).then(() => {});
    return this.#started;
  }

  stats(): SandboxPoolStats {
    const hosts = this.#hosts.filter((host): host is HostProcess => host !== undefined);
    return {
      workers: this.#workers,
      processes: hosts.length,
      running: hosts.reduce((sum, host) => sum + host.inflight.size, 0),
      queued: this.#queue.length,
      ...this.#stats,
    };
  }

  /** The process ids of the live sandbox processes (for operators and tests). */
  processIds(): number[] {
    return this.#hosts.flatMap((host) => (host?.child.pid === undefined ? [] : [host.child.pid]));
  }

  execute(request: ExecutionRequest, signal?: AbortSignal): Promise<ExecutionResult> {
    const submittedAt = performance.now();
    const refusal = this.#check(request, signal);
    if (refusal) {
      this.#stats.rejected++;
      return Promise.resolve(
        outcome(refusal.status, { type: refusal.type, message: refusal.message }, submittedAt),
      );
    }
    return new Promise<ExecutionResult>((resolve) => {
      const pending: Pending = {
        id: this.#nextId++,
        request: {
          code: request.code,
          limits: request.limits,
          ...(request.input === undefined ? {} : { input: request.input }),
        },
        submittedAt,
        resolve,
        answered: false,
      };
      if (signal) {
        const onAbort = () => this.#cancel(pending);
        signal.addEventListener("abort", onAbort, { once: true });
        pending.detach = () => signal.removeEventListener("abort", onAbort);
      }
      const host = this.#freeHost();
      if (host) {
        this.#send(host, pending);
      } else if (this.#queue.length < this.#queueLimit) {
        this.#queue.push(pending);
        void this.start();
      } else {
        this.#stats.rejected++;
        this.#answer(
          pending,
          outcome(
            "rejected",
            {
              type: SandboxErrorType.busy,
              message: "The server is busy: too many executions are waiting. Retry later.",
            },
            submittedAt,
          ),
        );
      }
    });
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const gone = { type: SandboxErrorType.unavailable, message: "[sandbox] the runner was shut down" };
    for (const pending of this.#queue.splice(0))
      this.#answer(pending, outcome("rejected", gone, pending.submittedAt));
    await Promise.all(
      this.#hosts.map(async (host, index) => {
        this.#hosts[index] = undefined;
        if (!host) return;
        clearTimeout(host.probe?.timer);
        for (const pending of host.inflight.values()) {
          clearTimeout(pending.backstop);
          this.#answer(pending, outcome("error", gone, pending.submittedAt));
        }
        host.inflight.clear();
        await stopProcess(host.child);
      }),
    );
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  #check(
    request: ExecutionRequest,
    signal: AbortSignal | undefined,
  ): { status: ExecutionStatus; type: string; message: string } | undefined {
    if (this.#disposed)
      return {
        status: "rejected",
        type: SandboxErrorType.unavailable,
        message: "[sandbox] the runner was shut down",
      };
    if (signal?.aborted)
      return { status: "cancelled", type: SandboxErrorType.cancelled, message: "Execution cancelled" };
    if (typeof request.code !== "string")
      return { status: "rejected", type: SandboxErrorType.invalidInput, message: "code must be a string" };
    const { limits } = request;
    for (const key of ["memoryBytes", "cpuMs", "wallMs", "codeBytes", "outputBytes"] as const) {
      const value = limits?.[key];
      if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
        return {
          status: "rejected",
          type: SandboxErrorType.invalidInput,
          message: `limit ${key} must be a positive number`,
        };
      }
    }
    const codeBytes = Buffer.byteLength(request.code, "utf8");
    if (codeBytes > limits.codeBytes) {
      return {
        status: "rejected",
        type: SandboxErrorType.codeTooLarge,
        message: `The code is ${codeBytes} bytes; the limit is ${limits.codeBytes} bytes (UTF-8).`,
      };
    }
    if (request.input !== undefined) {
      let text: string | undefined;
      try {
        text = JSON.stringify(request.input);
      } catch (error) {
        return {
          status: "rejected",
          type: SandboxErrorType.invalidInput,
          message: `input is not JSON: ${(error as Error).message}`,
        };
      }
      if (text === undefined)
        return { status: "rejected", type: SandboxErrorType.invalidInput, message: "input is not JSON" };
    }
    return undefined;
  }

  #freeHost(): HostProcess | undefined {
    let best: HostProcess | undefined;
    for (const host of this.#hosts) {
      if (!host?.ready || host.inflight.size >= host.capacity) continue;
      if (!best || host.inflight.size < best.inflight.size) best = host;
    }
    return best;
  }

  #send(host: HostProcess, pending: Pending): void {
    pending.host = host;
    pending.dispatchedAt = performance.now();
    host.inflight.set(pending.id, pending);
    this.#arm(host, pending, this.#budget(pending).checkMs);
    const message: ToHost = { type: "run", id: pending.id, request: pending.request };
    host.child.send(message);
  }

  #budget(pending: Pending): Budget {
    const spanMs = pending.request.limits.wallMs + (this.#engine.stopGraceMs ?? 250) + this.#killAfterMs;
    return {
      checkMs: spanMs - this.#killAfterMs / 2,
      pingMs: this.#killAfterMs / 2,
      brokenAtWorkerMs: 2 * spanMs,
      brokenHeldMs: 2 * (spanMs + (this.#engine.initTimeoutMs ?? 30_000)),
    };
  }

  /** Checks on the execution after `ms` unless the host answers it first. */
  #arm(host: HostProcess, pending: Pending, ms: number): void {
    pending.backstop = setTimeout(() => this.#probe(host, pending), ms);
    pending.backstop.unref?.();
  }

  /** An execution is overdue: ask its host whether it is alive (one ping at a time per host). */
  #probe(host: HostProcess, pending: Pending): void {
    if (host.killed || !host.child.connected) return; // its exit answers the execution
    if (host.probe) {
      host.probe.overdue.add(pending);
      return;
    }
    const overdue = new Set([pending]);
    const timer = setTimeout(
      () => this.#kill(host, overdue, "the sandbox process stopped answering"),
      this.#budget(pending).pingMs,
    );
    timer.unref?.();
    host.probe = { overdue, timer };
    host.child.send({ type: "ping" } satisfies ToHost);
  }

  /** The host is alive: check its overdue executions again later, unless it is broken. */
  #onPong(host: HostProcess, jobs: HeldJob[]): void {
    const probe = host.probe;
    if (!probe || host.killed) return;
    clearTimeout(probe.timer);
    host.probe = undefined;
    const held = new Map(jobs.map((job) => [job.id, job]));
    const now = performance.now();
    const broken = new Set<Pending>();
    for (const pending of probe.overdue) {
      if (host.inflight.get(pending.id) !== pending) continue; // answered meanwhile
      const heldForMs = now - (pending.dispatchedAt ?? now);
      const after = recheckAfterMs(held.get(pending.id), heldForMs, this.#budget(pending));
      if (after === undefined) broken.add(pending);
      else this.#arm(host, pending, after);
    }
    if (broken.size > 0)
      this.#kill(host, broken, "the sandbox process answers but did not finish the execution in time");
  }

  #kill(host: HostProcess, overdue: Set<Pending>, why: string): void {
    if (host.killed) return;
    this.#log.error({ language: this.language, pid: host.child.pid }, `[sandbox] ${why}; killing it`);
    host.killed = { why, overdue };
    host.child.kill("SIGKILL");
  }

  #drain(): void {
    while (this.#queue.length > 0) {
      const host = this.#freeHost();
      if (!host) return;
      this.#send(host, this.#queue.shift()!);
    }
  }

  #cancel(pending: Pending): void {
    const queued = this.#queue.indexOf(pending);
    if (queued >= 0) this.#queue.splice(queued, 1);
    else if (pending.host) pending.host.child.send({ type: "cancel", id: pending.id } satisfies ToHost);
    this.#answer(
      pending,
      outcome("cancelled", describeStop("cancelled"), pending.submittedAt, pending.dispatchedAt),
    );
  }

  /** Gives the caller its result once; the worker slot is freed only when the host answers. */
  #answer(pending: Pending, result: ExecutionResult): void {
    if (pending.answered) return;
    pending.answered = true;
    pending.detach?.();
    this.#stats.executions++;
    pending.resolve(result);
  }

  #spawn(index: number): Promise<void> {
    const child = fork(HOST_SCRIPT, [], {
      execArgv: sandboxExecArgv(this.#engine),
      env: {},
      stdio: ["ignore", "inherit", "pipe", "ipc"],
      serialization: "advanced",
    });
    const host: HostProcess = {
      child,
      capacity:
        Math.floor(this.#workers / this.#processCount) + (index < this.#workers % this.#processCount ? 1 : 0),
      inflight: new Map(),
      ready: false,
    };
    this.#hosts[index] = host;
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      const trimmed = text.trim();
      if (trimmed)
        this.#log.warn(
          { language: this.language, pid: child.pid, stderr: trimmed },
          "[sandbox] process stderr",
        );
    });
    return new Promise<void>((resolve, reject) => {
      child.on("message", (message: FromHost) => {
        if (message.type === "ready") {
          host.ready = true;
          this.#consecutiveFailures = 0;
          resolve();
          this.#drain();
        } else if (message.type === "failed") {
          if (!host.ready) {
            reject(new Error(`[sandbox] [${this.language}] the engine failed to start: ${message.message}`));
            host.child.kill("SIGKILL");
            if (!this.#hosts.some((other) => other?.ready)) this.#failQueued(message.message);
          }
        } else if (message.type === "result") {
          this.#onResult(host, message.id, message.result);
        } else if (message.type === "pong") {
          this.#onPong(host, message.jobs);
        } else if (message.type === "log") {
          this.#log[message.level](
            { language: this.language, pid: child.pid, ...message.data },
            message.message,
          );
        }
      });
      child.on("error", (error) => {
        this.#log.error({ language: this.language, err: error }, "[sandbox] process error");
      });
      child.on("exit", (code, signal) => {
        reject(
          new Error(
            `[sandbox] [${this.language}] the sandbox process exited during start-up (${code ?? signal})`,
          ),
        );
        this.#onExit(index, host, code, signal);
      });
      const configure: ToHost = { type: "configure", spec: this.#engine, workers: host.capacity };
      child.send(configure);
    });
  }

  /** No sandbox can start: waiting requests get an answer instead of waiting for a retry. */
  #failQueued(reason: string): void {
    const error = {
      type: SandboxErrorType.unavailable,
      message: `[sandbox] [${this.language}] cannot start: ${reason}`,
    };
    for (const pending of this.#queue.splice(0))
      this.#answer(pending, outcome("error", error, pending.submittedAt));
  }

  #onResult(host: HostProcess, id: number, result: HostResult): void {
    const pending = host.inflight.get(id);
    if (!pending) return;
    host.inflight.delete(id);
    clearTimeout(pending.backstop);
    const { hostQueueMs, instantiationMs, cpuMs, peakMemoryBytes, recycle: _recycle, ...rest } = result;
    const queueMs = (pending.dispatchedAt ?? pending.submittedAt) - pending.submittedAt + hostQueueMs;
    this.#answer(pending, {
      ...rest,
      metrics: {
        queueMs: roundMs(queueMs),
        instantiationMs: roundMs(instantiationMs),
        cpuMs: roundMs(cpuMs),
        wallMs: roundMs(performance.now() - pending.submittedAt),
        ...(peakMemoryBytes === undefined ? {} : { peakMemoryBytes }),
      },
    });
    this.#drain();
  }

  #onExit(index: number, host: HostProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#hosts[index] !== host) return;
    this.#hosts[index] = undefined;
    clearTimeout(host.probe?.timer);
    host.probe = undefined;
    const { killed } = host;
    for (const pending of host.inflight.values()) {
      clearTimeout(pending.backstop);
      const hung = killed?.overdue.has(pending);
      this.#answer(
        pending,
        outcome(
          hung ? "timeout" : "error",
          hung
            ? describeStop("timeout", `${killed!.why} and was killed`)
            : {
                type: SandboxErrorType.crashed,
                message: killed
                  ? `[sandbox] ${killed.why} on another execution and was killed; this execution's outcome is unknown`
                  : `[sandbox] the sandbox process ended unexpectedly (${code ?? signal}); the execution's outcome is unknown`,
              },
          pending.submittedAt,
          pending.dispatchedAt,
        ),
      );
    }
    host.inflight.clear();
    if (this.#disposed) return;
    this.#stats.processRestarts++;
    this.#log.warn(
      { language: this.language, code, signal },
      "[sandbox] sandbox process ended; starting a new one",
    );
    const delay = host.ready ? 0 : Math.min(10_000, 100 * 2 ** this.#consecutiveFailures++);
    setTimeout(() => {
      if (this.#disposed || this.#hosts[index]) return;
      this.#spawn(index).catch((error) =>
        this.#log.error({ language: this.language, err: error }, "[sandbox] restart failed"),
      );
    }, delay).unref?.();
  }
}

/** How long the pool waits on a host's execution before it checks that the host is alive. */
export interface Budget {
  /** From dispatch, and from a worker taking the request: wall limit + stop grace + half the kill delay. */
  checkMs: number;
  /** How long a ping may go unanswered before the host counts as frozen. */
  pingMs: number;
  /** A live host that still holds a request this long after a worker took it does not enforce its limits. */
  brokenAtWorkerMs: number;
  /** A live host that still holds a request this long after it got it (waits for workers included) is stuck. */
  brokenHeldMs: number;
}

/**
 * A live host answered a ping while it held an overdue execution (`job`, or undefined if the host
 * does not hold it), `heldForMs` after the pool sent it: the ms until the pool checks again, or
 * undefined if the host is broken and must be killed. A request still waiting for a worker has not
 * started its wall clock; one at a worker gets its own result from the host at its wall limit.
 */
export function recheckAfterMs(
  job: HeldJob | undefined,
  heldForMs: number,
  budget: Budget,
): number | undefined {
  if (!job || heldForMs > budget.brokenHeldMs) return undefined;
  if (job.atWorkerMs === undefined) return budget.checkMs;
  if (job.atWorkerMs > budget.brokenAtWorkerMs) return undefined;
  return Math.max(budget.checkMs - job.atWorkerMs, budget.pingMs);
}

/**
 * The Node flags of a sandbox process: permission model, only the runtime's files readable (and
 * each thread's own CPU clock, see `thread-cpu.ts`).
 */
export function sandboxExecArgv(engine: EngineSpec): string[] {
  const readable = [
    HOST_SCRIPT,
    engine.workerScript,
    ...(engine.sharedInitScript ? [engine.sharedInitScript] : []),
    ...engine.readPaths,
    THREAD_CPU_PATH,
  ];
  return [
    "--experimental-permission",
    "--allow-worker",
    ...readable.map((path) => `--allow-fs-read=${path}`),
    "--disallow-code-generation-from-strings",
    "--disable-warning=ExperimentalWarning",
    "--disable-warning=SecurityWarning",
  ];
}

function outcome(
  status: ExecutionStatus,
  error: { type: string; message: string },
  submittedAt: number,
  dispatchedAt?: number,
): ExecutionResult {
  const now = performance.now();
  return {
    status,
    stdout: "",
    stderr: "",
    truncated: false,
    error,
    metrics: {
      queueMs: roundMs((dispatchedAt ?? now) - submittedAt),
      instantiationMs: 0,
      cpuMs: 0,
      wallMs: roundMs(now - submittedAt),
    },
  };
}

/** Metrics are reported to the microsecond: finer digits are clock noise. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (child.connected) child.send({ type: "shutdown" } satisfies ToHost);
  const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
  await exited;
  clearTimeout(timer);
}
