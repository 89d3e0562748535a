/**
 * `pnpm bench`: sandbox overhead of the JavaScript runner against a bare quickjs-emscripten loop,
 * measured in the same run. Prints a table and writes it to `bench-results/code-runner-js.md`.
 */
/// <reference path="./webassembly.d.ts" />
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { DEFAULT_LIMITS } from "@gateway/sandbox-core";
import variantExport from "@jitl/quickjs-wasmfile-release-sync";
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSSyncVariant,
} from "quickjs-emscripten-core";
import { createJavaScriptRunner, WASM_PATH } from "./index.ts";

const variant = variantExport as unknown as QuickJSSyncVariant;
const N = 300;
const THROUGHPUT_RUNS = 2_000;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (value: number) => `${value.toFixed(2)} ms`;

/** The floor: a fresh module from the cached compiled module, runtime, context, `1+1`, dispose. */
async function bareLoop(): Promise<{ times: number[]; perSecond: number }> {
  const wasmModule = new WebAssembly.Module(readFileSync(WASM_PATH));
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
  for (let i = 0; i < 30; i++) await once();
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  return { times, perSecond: (N / (performance.now() - started)) * 1000 };
}

async function runnerFigures() {
  const workers = availableParallelism();
  const runner = createJavaScriptRunner({ workers, queue: THROUGHPUT_RUNS });
  await runner.start();
  const request = { code: "1+1", limits: { ...DEFAULT_LIMITS } };
  for (let i = 0; i < 50; i++) await runner.execute(request);
  const roundTrips: number[] = [];
  const instantiation: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const result = await runner.execute(request);
    roundTrips.push(performance.now() - t0);
    instantiation.push(result.metrics.instantiationMs);
    if (result.result !== 2) throw new Error(`bad result: ${JSON.stringify(result)}`);
  }
  const started = performance.now();
  const all = await Promise.all(Array.from({ length: THROUGHPUT_RUNS }, () => runner.execute(request)));
  const perSecond = (THROUGHPUT_RUNS / (performance.now() - started)) * 1000;
  if (all.some((result) => result.result !== 2)) throw new Error("bad result under load");
  await runner.dispose();
  return { workers, roundTrips, instantiation, perSecond };
}

const floor = await bareLoop();
const runner = await runnerFigures();
const rows: [string, string, string, string][] = [
  [
    "bare loop: fresh instance + `1+1` (floor), p50 / p99",
    ms(percentile(floor.times, 50)),
    ms(percentile(floor.times, 99)),
    "—",
  ],
  [
    "runner: instantiation (prepared instance), p50 / p99",
    ms(percentile(runner.instantiation, 50)),
    ms(percentile(runner.instantiation, 99)),
    "p50 ≤ 0.5 ms",
  ],
  [
    "runner: `1+1` round trip, p50 / p99",
    ms(percentile(runner.roundTrips, 50)),
    ms(percentile(runner.roundTrips, 99)),
    "p50 ≤ 2 ms, ≤ 2× floor",
  ],
  ["bare loop: runs/s, one thread", floor.perSecond.toFixed(0), "", "—"],
  [`runner: runs/s, ${runner.workers} workers`, runner.perSecond.toFixed(0), "", "≥ 400"],
];
const table = [
  `# code-runner-js benchmark (${new Date().toISOString()}, Node ${process.version}, ${availableParallelism()} cores)`,
  "",
  "| measure | value | p99 | target |",
  "|---|---|---|---|",
  ...rows.map((row) => `| ${row.join(" | ")} |`),
  "",
  `Round trip / floor p50: ${(percentile(runner.roundTrips, 50) / percentile(floor.times, 50)).toFixed(2)}×`,
  "",
].join("\n");
console.log(table);
const out = fileURLToPath(new URL("../../../bench-results/", import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(`${out}code-runner-js.md`, table);
console.log(`written to ${out}code-runner-js.md`);
