import { INTERRUPT_SIGNAL, type StopReason } from "./engine.ts";
import { readThreadCpu, sliceCpuMs } from "./thread-cpu.ts";

/**
 * The shared control block of one worker: a small `SharedArrayBuffer` both the sandbox host's main
 * thread and the worker see. One block per worker thread, for its whole life.
 *
 * | bytes | type    | written by | meaning                                                    |
 * |-------|---------|------------|------------------------------------------------------------|
 * | 0–3   | int32   | host       | interrupt word (Pyodide's interrupt buffer)                |
 * | 4–7   | int32   | host       | stop reason code (0 none, see `REASONS`)                   |
 * | 8–11  | int32   | worker     | guest state: 0 idle, 1 running, 2 waiting                  |
 * | 12–15 | int32   | worker     | the worker's CPU clock file descriptor + 1 (0: none)       |
 * | 16–19 | int32   | worker     | sequence: odd while the worker rewrites the fields below   |
 * | 20–23 | int32   | worker     | 1 once the guest of the current request started, else 0    |
 * | 24–31 | float64 | worker     | guest CPU ms accumulated before the current running slice |
 * | 32–39 | float64 | worker     | epoch ms at which the current running slice began         |
 * | 40–47 | float64 | worker     | the worker's thread CPU ms when that slice began (or NaN)  |
 *
 * The worker writes the guest state and the three floats between two increments of the sequence
 * (a seqlock), and the host retries a read that overlapped a write, so it never adds a slice that
 * was already accumulated.
 */
const REASONS: readonly StopReason[] = ["cpu_limit", "timeout", "cancelled"];

const INTERRUPT = 0;
const REASON = 1;
const STATE = 2;
const CLOCK = 3;
const SEQUENCE = 4;
const STARTED = 5;
const CPU_ACCUMULATED = 3;
const RUNNING_SINCE = 4;
const SLICE_CPU_START = 5;
const BYTES = 48;
const MAX_RETRIES = 1_000;

const scratchFloat = new Float64Array(1);
const scratchInts = new Int32Array(scratchFloat.buffer);

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

  /** The whole block as 32-bit words, for atomic reads of the floats. */
  readonly #words: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(BYTES)) {
    this.#words = new Int32Array(buffer);
    this.ints = new Int32Array(buffer, 0, 6);
    this.floats = new Float64Array(buffer, 0, 6);
    this.interruptBuffer = new Int32Array(buffer, 0, 1);
  }

  /** Host, before handing the worker a request. */
  reset(): void {
    Atomics.store(this.ints, INTERRUPT, 0);
    Atomics.store(this.ints, REASON, 0);
    Atomics.store(this.ints, STARTED, 0);
    this.#write(GuestState.idle, 0, 0, Number.NaN);
    this.#lastReading = 0;
  }

  /** Worker: the current request's guest is about to run its first instruction. */
  markStarted(): void {
    Atomics.store(this.ints, STARTED, 1);
  }

  /**
   * Host: whether the current request's guest started. Until it has, the request can be handed
   * to another worker without running any guest code twice.
   */
  started(): boolean {
    return Atomics.load(this.ints, STARTED) !== 0;
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

  /** Worker: publishes its CPU clock (see `thread-cpu.ts`), once. */
  setClock(fd: number | undefined): void {
    Atomics.store(this.ints, CLOCK, fd === undefined ? 0 : fd + 1);
  }

  /** The worker's CPU clock descriptor, if it has one. */
  clock(): number | undefined {
    const value = Atomics.load(this.ints, CLOCK);
    return value === 0 ? undefined : value - 1;
  }

  /** Host: the last consistent reading of `cpuMs`, reported while the worker is in the middle of a write. */
  #lastReading = 0;

  /**
   * Host: the guest's CPU time as the worker last reported it, up to `now` (epoch ms). While the
   * guest runs, the current slice is read from the worker's CPU clock, or taken as wall time when
   * there is none.
   */
  cpuMs(now: number = epochNow()): number {
    // Retry a read that overlapped a write. A write takes nanoseconds unless the worker was
    // descheduled (a busy machine) or terminated in the middle of it: the fields are then torn (a
    // running state with a waiting write's slice start of 0 would count since 1970), so report the
    // last consistent reading instead; it is at most one host tick old.
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const before = Atomics.load(this.ints, SEQUENCE);
      const state = Atomics.load(this.ints, STATE);
      const accumulated = this.#load(CPU_ACCUMULATED);
      const since = this.#load(RUNNING_SINCE);
      const sliceStart = this.#load(SLICE_CPU_START);
      const after = Atomics.load(this.ints, SEQUENCE);
      if (before !== after || before % 2 === 1) continue;
      this.#lastReading =
        state === GuestState.running ? this.#running(now, accumulated, since, sliceStart) : accumulated;
      return this.#lastReading;
    }
    return this.#lastReading;
  }

  #running(now: number, accumulated: number, since: number, sliceStart: number): number {
    const clock = this.clock();
    if (clock !== undefined && !Number.isNaN(sliceStart)) {
      try {
        return accumulated + sliceCpuMs(now - since, readThreadCpu(clock) - sliceStart);
      } catch {
        // The worker is gone: fall back to wall time.
      }
    }
    return accumulated + Math.max(0, now - since);
  }

  /**
   * Worker: the guest starts a running slice at `since` (epoch ms), when the thread's CPU clock read
   * `sliceCpuStart` (NaN without a clock).
   */
  markRunning(accumulatedMs: number, since: number, sliceCpuStart: number): void {
    this.#write(GuestState.running, accumulatedMs, since, sliceCpuStart);
  }

  /** Worker: the guest stopped running; `accumulatedMs` includes the slice that just ended. */
  markWaiting(accumulatedMs: number): void {
    this.#write(GuestState.waiting, accumulatedMs, 0, Number.NaN);
  }

  /** Worker: the execution is over. */
  markIdle(accumulatedMs: number): void {
    this.#write(GuestState.idle, accumulatedMs, 0, Number.NaN);
  }

  /**
   * Reads a float through two atomic 32-bit loads: plain loads may be reordered after the
   * sequence's second read, which would defeat the retry.
   */
  #load(index: number): number {
    scratchInts[0] = Atomics.load(this.#words, index * 2);
    scratchInts[1] = Atomics.load(this.#words, index * 2 + 1);
    return scratchFloat[0]!;
  }

  #write(state: number, accumulatedMs: number, since: number, sliceCpuStart: number): void {
    Atomics.add(this.ints, SEQUENCE, 1);
    this.floats[CPU_ACCUMULATED] = accumulatedMs;
    this.floats[RUNNING_SINCE] = since;
    this.floats[SLICE_CPU_START] = sliceCpuStart;
    Atomics.store(this.ints, STATE, state);
    Atomics.add(this.ints, SEQUENCE, 1);
  }
}
