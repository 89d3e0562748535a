/// <reference path="./webassembly.d.ts" />
/**
 * Worker entry of `bench.ts` (bundled to `dist/bench-worker.mjs` when the benchmark starts): the
 * single-thread loops, timed in a worker thread as executions run in the sandbox.
 *
 * - `floor`: the library as documented: a fresh module from the cached compiled module, runtime,
 *   context, `1+1`, dispose.
 * - `on-demand`: fresh executions made on demand. The engine keeps one execution ready, so
 *   `prepare()` after each execution makes the next from scratch (instance, runtime, context, host
 *   functions, prelude).
 */
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { DEFAULT_LIMITS, type ExecutionControl } from "@gateway/sandbox-core";
import variantExport from "@jitl/quickjs-wasmfile-release-sync";
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSSyncVariant,
} from "quickjs-emscripten-core";
import { createJavaScriptEngine } from "./engine.ts";

export interface BenchLoop {
  loop: "floor" | "on-demand";
  wasmPath: string;
  warmUp: number;
  runs: number;
}

export interface BenchLoopResult {
  /** Per run, ms: the whole run (`floor`) or the preparation alone (`on-demand`). */
  times: number[];
  perSecond: number;
  /** CPU time of the whole process (all threads, garbage collection included) per run, ms. */
  cpuPerRun: number;
}

const { loop, wasmPath, warmUp, runs } = workerData as BenchLoop;
const variant = variantExport as unknown as QuickJSSyncVariant;

async function floor(): Promise<BenchLoopResult> {
  const wasmModule = new WebAssembly.Module(readFileSync(wasmPath));
  const once = async () => {
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 2112 });
    const module = await newQuickJSWASMModuleFromVariant(
      newVariant(variant, { wasmModule, wasmMemory: memory }),
    );
    const runtime = module.newRuntime();
    const context = runtime.newContext();
    const result = context.unwrapResult(context.evalCode("1+1"));
    if (context.getNumber(result) !== 2) throw new Error("bad result");
    result.dispose();
    context.dispose();
    runtime.dispose();
  };
  for (let i = 0; i < warmUp; i++) await once();
  const times: number[] = [];
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  return { times, perSecond: (runs / (performance.now() - started)) * 1000, cpuPerRun: cpuSince(cpu) / runs };
}

async function onDemand(): Promise<BenchLoopResult> {
  const engine = createJavaScriptEngine({ wasmPath, maxMemoryBytes: DEFAULT_LIMITS.memoryBytes, ready: 1 });
  const times: number[] = [];
  let started = 0;
  let cpu = process.cpuUsage();
  try {
    for (let i = 0; i < warmUp + runs; i++) {
      if (i === warmUp) {
        started = performance.now();
        cpu = process.cpuUsage();
      }
      const t0 = performance.now();
      await engine.prepare?.();
      if (i >= warmUp) times.push(performance.now() - t0);
      const outcome = await engine.execute({ code: "1+1", limits: { ...DEFAULT_LIMITS } }, inertControl());
      if (outcome.result !== 2) throw new Error(`bad result: ${JSON.stringify(outcome)}`);
    }
  } finally {
    await engine.dispose?.();
  }
  return { times, perSecond: (runs / (performance.now() - started)) * 1000, cpuPerRun: cpuSince(cpu) / runs };
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** An execution control that never stops the guest: timing `1+1` needs no limits. */
function inertControl(): ExecutionControl {
  return {
    interruptBuffer: new Int32Array(1),
    signal: new AbortController().signal,
    wallDeadline: performance.now() + DEFAULT_LIMITS.wallMs,
    guestStarted() {},
    guestRunning() {},
    guestWaiting() {},
    cpuMs: () => 0,
    shouldStop: () => false,
    stopReason: () => undefined,
  };
}

parentPort?.postMessage(await (loop === "floor" ? floor() : onDemand()));
