/**
 * `pnpm bench`: sandbox overhead of the JavaScript runner against a bare quickjs-emscripten loop,
 * measured in the same run. Prints a table and writes it to `bench-results/code-runner-js.md`.
 *
 * Other work on the machine moves every figure: the table records the load average before and
 * after, and the ratios to the floor measured in the same run are the figures to compare.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { DEFAULT_LIMITS, type ExecutionRequest, SandboxPool } from "@gateway/sandbox-core";
import { bundleSandboxScript } from "@gateway/sandbox-core/bundle";
import { formatMs as ms, percentile, testEngine } from "@gateway/sandbox-core/testing";
import type { BenchLoop, BenchLoopResult } from "./bench-worker.ts";
import { createJavaScriptRunner, WASM_PATH } from "./index.ts";

/** The unit of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = 100;
const WORKER_BUNDLE = fileURLToPath(new URL("../dist/bench-worker.mjs", import.meta.url));
const N = 300;
const WARM_UP = 50;
const THROUGHPUT_RUNS = 2_000;
/** Between spaced requests: an agent's calls are far apart, and the workers refill meanwhile. */
const PAUSE_MS = 15;

const p50 = (values: number[]) => percentile(values, 50);
const sleep = (delay: number) => new Promise((resolve) => setTimeout(resolve, delay));
const load = () => loadavg()[0]!.toFixed(2);

/** Runs one of the single-thread loops of `bench-worker.ts` in a worker thread. */
async function inWorker(loop: BenchLoop["loop"]): Promise<BenchLoopResult> {
  const data: BenchLoop = { loop, wasmPath: WASM_PATH, warmUp: WARM_UP, runs: N };
  const worker = new Worker(WORKER_BUNDLE, { workerData: data, resourceLimits: { stackSizeMb: 64 } });
  try {
    return await new Promise<BenchLoopResult>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  } finally {
    await worker.terminate();
  }
}

/** Round trips of `request` one at a time, `pause` ms apart; checks every result. */
async function roundTrips(
  pool: SandboxPool,
  request: ExecutionRequest,
  expected: unknown,
  pause: number,
): Promise<{ roundTrip: number[]; instantiation: number[] }> {
  const roundTrip: number[] = [];
  const instantiation: number[] = [];
  for (let i = 0; i < N; i++) {
    if (pause > 0) await sleep(pause);
    const t0 = performance.now();
    const result = await pool.execute(request);
    roundTrip.push(performance.now() - t0);
    instantiation.push(result.metrics.instantiationMs);
    if (result.result !== expected) throw new Error(`bad result: ${JSON.stringify(result)}`);
  }
  return { roundTrip, instantiation };
}

async function runnerFigures(workers: number) {
  const runner = createJavaScriptRunner({ workers, queue: THROUGHPUT_RUNS });
  await runner.start();
  try {
    const request = { code: "1+1", limits: { ...DEFAULT_LIMITS } };
    for (let i = 0; i < WARM_UP; i++) await runner.execute(request);
    const spaced = await roundTrips(runner, request, 2, PAUSE_MS);
    const backToBack = await roundTrips(runner, request, 2, 0);
    await sleep(100);
    const [pid] = runner.processIds();
    const sandboxCpu = processCpuMs(pid!);
    const gatewayCpu = process.cpuUsage();
    const started = performance.now();
    const all = await Promise.all(Array.from({ length: THROUGHPUT_RUNS }, () => runner.execute(request)));
    const perSecond = (THROUGHPUT_RUNS / (performance.now() - started)) * 1000;
    const gateway = process.cpuUsage(gatewayCpu);
    const cpuPerRun = {
      sandbox: sandboxCpu === undefined ? undefined : (processCpuMs(pid!)! - sandboxCpu) / THROUGHPUT_RUNS,
      gateway: (gateway.user + gateway.system) / 1000 / THROUGHPUT_RUNS,
    };
    const wrong = all.filter((result) => result.result !== 2);
    if (wrong.length > 0) throw new Error(`bad result under load: ${JSON.stringify(wrong[0])}`);
    return { spaced, backToBack, perSecond, cpuPerRun };
  } finally {
    await runner.dispose();
  }
}

/** CPU time a process used so far (all its threads), in ms; undefined where /proc is not available. */
function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The sandbox plumbing alone: gateway → sandbox process → worker and back, with a no-op engine. */
async function plumbing(workers: number) {
  const pool = new SandboxPool({ engine: testEngine(), workers });
  await pool.start();
  try {
    const request = { code: "value:2", limits: { ...DEFAULT_LIMITS } };
    for (let i = 0; i < WARM_UP; i++) await pool.execute(request);
    return (await roundTrips(pool, request, 2, PAUSE_MS)).roundTrip;
  } finally {
    await pool.dispose();
  }
}

const workers = availableParallelism();
const loadBefore = load();
await bundleSandboxScript(fileURLToPath(new URL("./bench-worker.ts", import.meta.url)), WORKER_BUNDLE);
const floor = await inWorker("floor");
const onDemandLoop = await inWorker("on-demand");
const onDemand = onDemandLoop.times;
const runner = await runnerFigures(workers);
const ipc = await plumbing(workers);
const loadAfter = load();

const floorP50 = p50(floor.times);
const rows: [string, string, string, string][] = [
  [
    "bare library: fresh instance + `1+1`, back to back, in a worker (floor)",
    ms(floorP50),
    ms(percentile(floor.times, 99)),
    "—",
  ],
  [
    "fresh instance made on demand: instance, runtime, context and prelude (in a worker)",
    ms(p50(onDemand)),
    ms(percentile(onDemand, 99)),
    "p50 ≤ 1.5 ms",
  ],
  [
    `runner: instantiation, prepared instance (requests ${PAUSE_MS} ms apart)`,
    ms(p50(runner.spaced.instantiation)),
    ms(percentile(runner.spaced.instantiation, 99)),
    "p50 ≤ 0.5 ms",
  ],
  [
    `runner: \`1+1\` round trip (requests ${PAUSE_MS} ms apart)`,
    ms(p50(runner.spaced.roundTrip)),
    ms(percentile(runner.spaced.roundTrip, 99)),
    "p50 ≤ 2 ms, ≤ 2× floor",
  ],
  [
    "runner: `1+1` round trip, back to back (instances made while the next request waits)",
    ms(p50(runner.backToBack.roundTrip)),
    ms(percentile(runner.backToBack.roundTrip, 99)),
    "—",
  ],
  [
    `sandbox plumbing alone: no-op engine round trip (requests ${PAUSE_MS} ms apart)`,
    ms(p50(ipc)),
    ms(percentile(ipc, 99)),
    "—",
  ],
  ["bare library: runs/s, one worker thread", floor.perSecond.toFixed(0), "", "—"],
  [
    `runner: runs/s, ${workers} workers, fresh instance each`,
    runner.perSecond.toFixed(0),
    "",
    "≥ 400, ≥ floor / 2",
  ],
  [
    "CPU per run, whole process: bare library loop / on-demand loop (prepare + execute)",
    `${ms(floor.cpuPerRun)} / ${ms(onDemandLoop.cpuPerRun)}`,
    "",
    "—",
  ],
  [
    "runner: CPU per execution in the throughput run, sandbox process (all threads) / gateway",
    `${runner.cpuPerRun.sandbox === undefined ? "n/a" : ms(runner.cpuPerRun.sandbox)} / ${ms(runner.cpuPerRun.gateway)}`,
    "",
    "—",
  ],
];
const ratio = (value: number) => `${value.toFixed(2)}×`;
const table = [
  `# code-runner-js benchmark (${new Date().toISOString()}, Node ${process.version}, ${workers} cores)`,
  "",
  `Command: \`pnpm bench\` in packages/code-runner-js. Load average (1 min): ${loadBefore} before, ${loadAfter} after.`,
  "",
  "| measure | p50 / value | p99 | target |",
  "|---|---|---|---|",
  ...rows.map((row) => `| ${row.join(" | ")} |`),
  "",
  `Fresh instance on demand / floor p50: ${ratio(p50(onDemand) / floorP50)}.`,
  `Round trip / floor p50: ${ratio(p50(runner.spaced.roundTrip) / floorP50)} spaced, ${ratio(p50(runner.backToBack.roundTrip) / floorP50)} back to back.`,
  `Runner throughput / floor runs/s: ${ratio(runner.perSecond / floor.perSecond)}.`,
  "",
].join("\n");
console.log(table);
const out = fileURLToPath(new URL("../../../bench-results/", import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(`${out}code-runner-js.md`, table);
console.log(`written to ${out}code-runner-js.md`);
