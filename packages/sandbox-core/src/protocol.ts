/**
 * Messages between the gateway and a sandbox host process (IPC), and between the host and its
 * workers (`postMessage`). Internal to sandbox-core.
 */
import type { EngineOutcome, EngineSpec, StopReason } from "./engine.ts";
import type { ExecutionRequest } from "./types.ts";

/** What the gateway sends a sandbox host process. `configure` comes first, once. */
export type ToHost =
  | { type: "configure"; spec: EngineSpec; workers: number }
  | { type: "run"; id: number; request: ExecutionRequest }
  | { type: "cancel"; id: number }
  /** Sent only when an execution is overdue: the host's main thread answers with a `pong` at once. */
  | { type: "ping" }
  | { type: "shutdown" };

/** The part of a result a host reports; the pool adds its own queue and wall times. */
export interface HostResult extends EngineOutcome {
  /** Time the request waited inside the host for a free worker. */
  hostQueueMs: number;
  instantiationMs: number;
  cpuMs: number;
}

/** A request a host holds: waiting for a worker, or for `atWorkerMs` at one (its wall clock runs). */
export interface HeldJob {
  id: number;
  atWorkerMs?: number;
}

export type FromHost =
  | { type: "ready" }
  /** A worker failed before the host was first ready: the engine cannot start. */
  | { type: "failed"; message: string }
  | { type: "result"; id: number; result: HostResult }
  /** The answer to a `ping`: every request the host holds and not yet answered. */
  | { type: "pong"; jobs: HeldJob[] }
  | {
      type: "log";
      level: "debug" | "info" | "warn" | "error";
      message: string;
      data?: Record<string, unknown>;
    };

/** The `workerData` of a worker thread. */
export interface WorkerData {
  init: unknown;
  /** What the engine's `sharedInit` returned in this sandbox process, if it has one. */
  shared: unknown;
  control: SharedArrayBuffer;
}

export type ToWorker =
  | { type: "run"; id: number; request: ExecutionRequest; wallDeadlineEpoch: number }
  | { type: "stop"; id: number; reason: StopReason }
  | { type: "shutdown" };

export type FromWorker =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "result"; id: number; outcome: EngineOutcome; instantiationMs: number; cpuMs: number };
