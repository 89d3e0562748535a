import { INTERRUPT_SIGNAL, type StopReason } from "./engine.ts";

/**
 * The shared control block of one worker: a small `SharedArrayBuffer` both the sandbox host's main
 * thread and the worker see.
 *
 * | bytes | type    | written by | meaning                                             |
 * |-------|---------|------------|-----------------------------------------------------|
 * | 0–3   | int32   | host       | interrupt word (Pyodide's interrupt buffer)         |
 * | 4–7   | int32   | host       | stop reason code (0 none, see `REASONS`)            |
 * | 8–11  | int32   | worker     | guest state: 0 idle, 1 running, 2 waiting           |
 * | 16–23 | float64 | worker     | guest CPU ms accumulated before the current slice   |
 * | 24–31 | float64 | worker     | epoch ms at which the current running slice began  |
 *
 * The float fields are read without locking: the host re-reads them every few ms, so a value
 * a moment stale only delays a CPU deadline by that moment.
 */
const REASONS: readonly StopReason[] = ["cpu_limit", "timeout", "cancelled"];

const INTERRUPT = 0;
const REASON = 1;
const STATE = 2;
const CPU_ACCUMULATED = 2;
const RUNNING_SINCE = 3;

export const GuestState = { idle: 0, running: 1, waiting: 2 } as const;

/** Milliseconds since the epoch with sub-millisecond precision, comparable across threads. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export class ControlBlock {
  readonly ints: Int32Array;
  readonly floats: Float64Array;
  /** The interrupt word alone, as Pyodide's `setInterruptBuffer` wants it. */
  readonly interruptBuffer: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(32)) {
    this.ints = new Int32Array(buffer, 0, 4);
    this.floats = new Float64Array(buffer, 0, 4);
    this.interruptBuffer = new Int32Array(buffer, 0, 1);
  }

  /** Host, before handing the worker a request. */
  reset(): void {
    Atomics.store(this.ints, INTERRUPT, 0);
    Atomics.store(this.ints, REASON, 0);
    Atomics.store(this.ints, STATE, GuestState.idle);
    this.floats[CPU_ACCUMULATED] = 0;
    this.floats[RUNNING_SINCE] = 0;
  }

  /** Host: asks the guest to stop. The first reason given wins. */
  requestStop(reason: StopReason): void {
    Atomics.compareExchange(this.ints, REASON, 0, REASONS.indexOf(reason) + 1);
    Atomics.store(this.ints, INTERRUPT, INTERRUPT_SIGNAL);
  }

  /** Host: writes the interrupt word again if the guest's runtime consumed it (a write can be lost). */
  rearm(): void {
    Atomics.compareExchange(this.ints, INTERRUPT, 0, INTERRUPT_SIGNAL);
  }

  /** The reason the host gave, if it asked the guest to stop. */
  reason(): StopReason | undefined {
    const code = Atomics.load(this.ints, REASON);
    return code === 0 ? undefined : REASONS[code - 1];
  }

  /** Whether the interrupt word is set right now. */
  interrupted(): boolean {
    return Atomics.load(this.ints, INTERRUPT) !== 0;
  }

  /** Host: the guest's CPU time as the worker last reported it, up to `now` (epoch ms). */
  cpuMs(now: number = epochNow()): number {
    const accumulated = this.floats[CPU_ACCUMULATED]!;
    if (Atomics.load(this.ints, STATE) !== GuestState.running) return accumulated;
    return accumulated + Math.max(0, now - this.floats[RUNNING_SINCE]!);
  }

  /** Worker: the guest starts a running slice at `since` (epoch ms). */
  markRunning(accumulatedMs: number, since: number): void {
    this.floats[CPU_ACCUMULATED] = accumulatedMs;
    this.floats[RUNNING_SINCE] = since;
    Atomics.store(this.ints, STATE, GuestState.running);
  }

  /** Worker: the guest stopped running; `accumulatedMs` includes the slice that just ended. */
  markWaiting(accumulatedMs: number): void {
    this.floats[CPU_ACCUMULATED] = accumulatedMs;
    Atomics.store(this.ints, STATE, GuestState.waiting);
  }

  /** Worker: the execution is over. */
  markIdle(accumulatedMs: number): void {
    this.floats[CPU_ACCUMULATED] = accumulatedMs;
    Atomics.store(this.ints, STATE, GuestState.idle);
  }
}
