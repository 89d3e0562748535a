import type { StopReason } from "./engine.ts";
import { type ExecutionError, SandboxErrorType } from "./types.ts";

/** The error reported for an execution stopped for `reason`. */
export function describeStop(reason: StopReason, detail?: string): ExecutionError {
  const base = {
    cpu_limit: { type: SandboxErrorType.cpu, message: "CPU time limit exceeded" },
    timeout: { type: SandboxErrorType.wall, message: "Wall time limit exceeded" },
    cancelled: { type: SandboxErrorType.cancelled, message: "Execution cancelled" },
  }[reason];
  return detail ? { type: base.type, message: `${base.message} (${detail})` } : base;
}
