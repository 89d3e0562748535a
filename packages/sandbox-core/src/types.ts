/**
 * The runner contract shared by every language. Plain data only: these values cross
 * process and thread boundaries (IPC, postMessage) unchanged.
 */

/** A JSON value, as produced by a guest and returned to the agent. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The limits of one execution. Every one is enforced. */
export interface Limits {
  /** Guest heap (WASM linear memory) in bytes. */
  memoryBytes: number;
  /** Guest CPU time in milliseconds. */
  cpuMs: number;
  /** Wall-clock time in milliseconds, including waiting on timers. */
  wallMs: number;
  /** Source size in UTF-8 bytes. */
  codeBytes: number;
  /** stdout + stderr + serialized result, in UTF-8 bytes. */
  outputBytes: number;
}

/** The product's defaults. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  memoryBytes: 128 * 1024 * 1024,
  cpuMs: 100,
  wallMs: 30_000,
  codeBytes: 10 * 1024,
  outputBytes: 1024 * 1024,
});

export interface ExecutionRequest {
  code: string;
  /** Exposed to the guest as the global `input`. */
  input?: JsonValue;
  limits: Limits;
}

/**
 * `ok`: the code finished. `error`: the code raised (or its sandbox failed: see `error.type`).
 * `timeout`: wall limit. `cpu_limit`, `memory_limit`, `output_limit`: that limit was broken.
 * `rejected`: refused before running (code too large, server busy, bad input).
 * `cancelled`: the caller aborted the execution (its AbortSignal fired).
 */
export type ExecutionStatus =
  | "ok"
  | "error"
  | "timeout"
  | "cpu_limit"
  | "memory_limit"
  | "output_limit"
  | "rejected"
  | "cancelled";

/** Every status, in a stable order (for schemas). */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  "ok",
  "error",
  "timeout",
  "cpu_limit",
  "memory_limit",
  "output_limit",
  "rejected",
  "cancelled",
];

export interface ExecutionError {
  /** e.g. `TypeError`, `ZeroDivisionError`, `CpuLimitExceeded`, `ServerBusy`. */
  type: string;
  message: string;
  /** Stack or traceback whose line numbers point into the user's code. */
  stack?: string;
}

/** The `error.type` names the sandbox itself reports (guest errors keep their own names). */
export const SandboxErrorType = {
  cpu: "CpuLimitExceeded",
  wall: "WallTimeExceeded",
  memory: "MemoryLimitExceeded",
  output: "OutputLimitExceeded",
  cancelled: "Cancelled",
  codeTooLarge: "CodeTooLarge",
  busy: "ServerBusy",
  invalidInput: "InvalidInput",
  /** The worker or sandbox process died or broke; the execution's outcome is unknown. */
  crashed: "SandboxCrashed",
  /** The runner was disposed, or cannot start its sandboxes. */
  unavailable: "SandboxUnavailable",
} as const;

export interface ExecutionMetrics {
  /** Waiting for a free worker. */
  queueMs: number;
  /** From a worker taking the request until the first guest instruction runs. */
  instantiationMs: number;
  /** Guest CPU time. */
  cpuMs: number;
  /** From submission to result. */
  wallMs: number;
  /** Peak guest memory in bytes, where it can be measured. */
  peakMemoryBytes?: number;
}

export interface ExecutionResult {
  status: ExecutionStatus;
  /** The JSON value of the code's last expression; absent when undefined/None or on failure. */
  result?: JsonValue;
  stdout: string;
  stderr: string;
  /** True when output was cut at the output limit. */
  truncated: boolean;
  error?: ExecutionError;
  metrics: ExecutionMetrics;
}

/** A language runner. Disposable: `dispose()` ends its workers and processes. */
export interface Runner {
  readonly language: string;
  execute(request: ExecutionRequest, signal?: AbortSignal): Promise<ExecutionResult>;
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
