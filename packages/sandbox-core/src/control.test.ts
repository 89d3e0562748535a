import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { ControlBlock, epochNow, GuestState } from "./control.ts";
import { INTERRUPT_SIGNAL } from "./engine.ts";
import { CLOCK_LAG_MS, closeThreadCpu, openThreadCpu, readThreadCpu, sliceCpuMs } from "./thread-cpu.ts";

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
};

describe("ControlBlock", () => {
  it("starts idle, with no stop requested and no CPU used", () => {
    const block = new ControlBlock();
    expect(block.interrupted()).toBe(false);
    expect(block.reason()).toBeUndefined();
    expect(block.cpuMs()).toBe(0);
    expect(block.clock()).toBeUndefined();
    expect(Atomics.load(block.ints, 2)).toBe(GuestState.idle);
  });

  it("sets the interrupt word Pyodide reads, and keeps the first stop reason", () => {
    const block = new ControlBlock();
    block.requestStop("timeout");
    block.requestStop("cpu_limit");
    expect(block.reason()).toBe("timeout");
    expect(block.interruptBuffer[0]).toBe(INTERRUPT_SIGNAL);
    expect(block.interrupted()).toBe(true);
  });

  it("re-arms an interrupt word the guest's runtime consumed", () => {
    const block = new ControlBlock();
    block.requestStop("cancelled");
    Atomics.store(block.interruptBuffer, 0, 0); // as Pyodide does when it raises KeyboardInterrupt
    expect(block.interrupted()).toBe(false);
    block.rearm();
    expect(block.interrupted()).toBe(true);
    expect(block.reason()).toBe("cancelled");
  });

  it("does not re-arm without a stop request's reason being cleared by reset", () => {
    const block = new ControlBlock();
    block.requestStop("cpu_limit");
    block.reset();
    expect(block.interrupted()).toBe(false);
    expect(block.reason()).toBeUndefined();
    expect(block.cpuMs()).toBe(0);
  });

  it("counts wall time of a running slice when the worker has no CPU clock", () => {
    const block = new ControlBlock();
    const start = epochNow();
    block.markRunning(40, start - 25, Number.NaN);
    expect(block.cpuMs(start)).toBeCloseTo(65, 5);
    block.markWaiting(70);
    expect(block.cpuMs(start + 1_000)).toBe(70);
    block.markIdle(70);
    expect(block.cpuMs(start + 5_000)).toBe(70);
  });

  it("counts the worker's thread CPU time of a running slice, not the time it sat waiting for a core", () => {
    const fd = openThreadCpu();
    if (fd === undefined) throw new Error("this test needs /proc/thread-self/schedstat (Linux)");
    try {
      const block = new ControlBlock();
      block.setClock(fd);
      const since = epochNow();
      const sliceStart = readThreadCpu(fd);
      block.markRunning(10, since, sliceStart);
      while (readThreadCpu(fd) - sliceStart < 20) {} // 20 ms of CPU, however long that takes
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60); // 60 ms asleep
      const cpu = block.cpuMs(epochNow());
      expect(cpu).toBeGreaterThanOrEqual(30);
      expect(cpu).toBeLessThan(50);
    } finally {
      closeThreadCpu(fd);
    }
  });

  it("never adds a slice that was already accumulated, however the reads and writes interleave", async () => {
    const block = new ControlBlock();
    // A worker flips between running and waiting as fast as it can, keeping accumulated + slice at
    // 100 at every instant. A torn read would see 0 (waiting, nothing accumulated) or 200 (running,
    // the slice counted twice).
    const worker = new Worker(
      `const { workerData } = require("node:worker_threads");
       const ints = new Int32Array(workerData, 0, 6);
       const floats = new Float64Array(workerData, 0, 6);
       const write = (state, accumulated, since) => {
         Atomics.add(ints, 4, 1);
         floats[3] = accumulated; floats[4] = since; floats[5] = NaN;
         Atomics.store(ints, 2, state);
         Atomics.add(ints, 4, 1);
       };
       write(2, 100, 0);
       Atomics.store(ints, 5, 1);
       const pause = () => { for (let i = 0; i < 50; i++) Atomics.load(ints, 5); };
       while (Atomics.load(ints, 0) === 0) {
         write(1, 0, 1000000);
         pause();
         write(2, 100, 0);
         pause();
       }`,
      { eval: true, workerData: block.buffer },
    );
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    try {
      while (Atomics.load(block.ints, 5) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const seen = new Set<number>();
      let reads = 0;
      for (const end = performance.now() + 100; performance.now() < end; reads++)
        seen.add(block.cpuMs(1_000_100));
      expect(reads).toBeGreaterThan(1_000);
      expect([...seen]).toEqual([100]);
    } finally {
      Atomics.store(block.ints, 0, 1);
      await exited;
    }
  });

  it("reports the last consistent reading while a write is unfinished, never torn fields", () => {
    const block = new ControlBlock();
    block.markWaiting(12);
    expect(block.cpuMs()).toBe(12);
    // A worker descheduled or terminated in the middle of a write: the state already says running,
    // the slice start still holds the previous write's 0.
    Atomics.add(block.ints, 4, 1);
    Atomics.store(block.ints, 2, GuestState.running);
    expect(block.cpuMs()).toBe(12);
    Atomics.add(block.ints, 4, 1);
    expect(block.cpuMs(epochNow())).toBeGreaterThan(1e12); // the same fields, once consistent
  });
});

describe("thread CPU clock", () => {
  it("makes a slice's CPU time its clock delta plus one tick of lag, never more than its wall time", () => {
    expect(sliceCpuMs(0.2, 0)).toBe(0.2); // a sub-tick slice the clock has not seen yet
    expect(sliceCpuMs(300, 5)).toBe(5 + CLOCK_LAG_MS); // mostly descheduled
    expect(sliceCpuMs(100, 98)).toBe(100);
    expect(sliceCpuMs(5, -1)).toBe(CLOCK_LAG_MS - 1);
  });

  it("advances with work on its thread, never faster than wall time, and not with sleep", () => {
    const fd = openThreadCpu();
    if (fd === undefined) throw new Error("this test needs /proc/thread-self/schedstat (Linux)");
    try {
      const wallStart = performance.now();
      const before = readThreadCpu(fd);
      busy(30);
      const afterWork = readThreadCpu(fd);
      const wallWork = performance.now() - wallStart;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      const afterSleep = readThreadCpu(fd);
      expect(afterWork - before).toBeGreaterThan(0.5);
      // The kernel updates a running thread's figure at scheduler ticks: allow one tick of lag.
      expect(afterWork - before).toBeLessThanOrEqual(wallWork + 5);
      expect(afterSleep - afterWork).toBeLessThan(10);
    } finally {
      closeThreadCpu(fd);
    }
  });
});
