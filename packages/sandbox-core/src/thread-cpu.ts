/**
 * A thread's own CPU time, read from the kernel (Linux): `/proc/thread-self/schedstat` starts with
 * the nanoseconds the thread has spent on a CPU. Node 20 has no per-thread CPU clock, and wall time
 * over-counts whenever the machine is busy: a guest that is descheduled or paused by garbage
 * collection is not using its CPU limit.
 *
 * A file descriptor opened by a thread keeps pointing at that thread, so the sandbox host's main
 * thread can read a worker's clock through the descriptor the worker opened. Node closes the
 * descriptors a worker opened when the worker exits: the host stops using the number then (it may
 * soon name another file), and never closes it itself.
 */
import { closeSync, openSync, readSync } from "node:fs";

/** The path the sandbox process must be allowed to read (`--allow-fs-read`). */
export const THREAD_CPU_PATH = "/proc/thread-self/schedstat";

/**
 * The kernel brings a running thread's figure up to date at scheduler ticks (4 ms at the common
 * HZ=250) and context switches, so a reading can lag by up to a tick: a slice's CPU time is taken
 * as `min(wall time, clock delta + CLOCK_LAG_MS)`, which never under-counts by more than that and
 * keeps sub-tick slices from reading as zero.
 */
export const CLOCK_LAG_MS = 4;

/** A running slice's CPU time from its wall time and its thread-clock delta (see `CLOCK_LAG_MS`). */
export function sliceCpuMs(wallMs: number, clockMs: number): number {
  return Math.max(0, Math.min(wallMs, clockMs + CLOCK_LAG_MS));
}

/** Opens the calling thread's CPU clock; undefined where the kernel does not offer it. */
export function openThreadCpu(): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(THREAD_CPU_PATH, "r");
    readThreadCpu(fd);
    return fd;
  } catch {
    if (fd !== undefined) closeThreadCpu(fd);
    return undefined;
  }
}

const scratch = Buffer.alloc(64);

/** CPU time in ms of the thread that opened `fd`. Throws once that thread is gone. */
export function readThreadCpu(fd: number): number {
  const length = readSync(fd, scratch, 0, scratch.length, 0);
  let nanoseconds = 0;
  let at = 0;
  for (; at < length; at++) {
    const digit = scratch[at]! - 48;
    if (digit < 0 || digit > 9) break;
    nanoseconds = nanoseconds * 10 + digit;
  }
  if (at === 0) throw new Error("[sandbox] unreadable thread CPU clock");
  return nanoseconds / 1e6;
}

export function closeThreadCpu(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}
