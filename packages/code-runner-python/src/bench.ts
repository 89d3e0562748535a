/**
 * `pnpm bench`: the Python runner's costs, with a naive `loadPyodide()` per execution and a
 * `python3 -c` subprocess as reference points measured in the same run. Prints a table and writes
 * it to `bench-results/code-runner-python.md`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_LIMITS, type SandboxPool } from "@gateway/sandbox-core";
import { formatMs as ms, percentile } from "@gateway/sandbox-core/testing";
import { loadPyodide } from "pyodide";
import { buildBundles } from "./bundles.ts";
import { DIST_DIR, PYODIDE_DIR, PYODIDE_VERSION } from "./paths.ts";
import { createPythonRunner } from "./runner.ts";
import { ensureSnapshot } from "./snapshot/ensure.ts";

const SEQUENTIAL = 300;
const THROUGHPUT_MS = 5_000;
const NAIVE_RUNS = 3;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Resident memory of a process in bytes (Linux). */
function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return line ? Number(line[1]) * 1024 : 0;
}

const request = { code: "1+1", limits: { ...DEFAULT_LIMITS } };

async function startedRunner(snapshotPath: string, workers: number, queue = 1_000) {
  const runner = createPythonRunner({ snapshotPath, workers, queue });
  const started = performance.now();
  await runner.start();
  return { runner, startMs: performance.now() - started };
}

/** Keeps `concurrency` trivial executions in flight for `durationMs`. */
async function sustained(runner: SandboxPool, concurrency: number, durationMs: number) {
  const instantiation: number[] = [];
  let done = 0;
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const result = await runner.execute(request);
        if (result.result !== 2) throw new Error(`bad result: ${JSON.stringify(result)}`);
        instantiation.push(result.metrics.instantiationMs);
        done++;
      }
    }),
  );
  return { perSecond: (done / (performance.now() - started)) * 1000, instantiation };
}

const loadBefore = loadavg()[0]!.toFixed(2);
const dataDir = mkdtempSync(join(tmpdir(), "python-bench-"));
try {
  const bundles = await buildBundles(DIST_DIR, false);
  let t = performance.now();
  const snapshotPath = await ensureSnapshot({ dataDir, builderScript: bundles.builderScript });
  const snapshotMs = performance.now() - t;

  // What each worker no longer does: its sandbox process compiles Pyodide's wasm once for all.
  const wasmBytes = readFileSync(`${PYODIDE_DIR}pyodide.asm.wasm`);
  const compile: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    await WebAssembly.compile(wasmBytes);
    compile.push(performance.now() - t);
  }

  const workers = availableParallelism();
  const gatewayBefore = rss(process.pid);
  const one = await startedRunner(snapshotPath, 1);
  const oneRss = one.runner.processIds().reduce((sum, pid) => sum + rss(pid), 0);
  await one.runner.dispose();

  const { runner, startMs } = await startedRunner(snapshotPath, workers);
  const startedRss = runner.processIds().reduce((sum, pid) => sum + rss(pid), 0);
  for (let i = 0; i < 50; i++) await runner.execute(request);

  const instantiation: number[] = [];
  const roundTrip: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    t = performance.now();
    const result = await runner.execute(request);
    roundTrip.push(performance.now() - t);
    instantiation.push(result.metrics.instantiationMs);
  }
  const load = await sustained(runner, workers * 2, THROUGHPUT_MS);
  const poolRss = runner.processIds().reduce((sum, pid) => sum + rss(pid), 0);
  const gatewayRss = rss(process.pid) + poolRss;
  await runner.dispose();

  // Reference points: a fresh interpreter per execution, the naive way, and CPython.
  const naive: number[] = [];
  for (let i = 0; i < NAIVE_RUNS; i++) {
    t = performance.now();
    const pyodide = await loadPyodide({ indexURL: PYODIDE_DIR, stdout: () => {}, stderr: () => {} });
    pyodide.runPython("1+1");
    naive.push(performance.now() - t);
  }
  const cpython: number[] = [];
  for (let i = 0; i < 10; i++) {
    t = performance.now();
    execFileSync("python3", ["-c", "1+1"]);
    cpython.push(performance.now() - t);
  }

  const rows: [string, string, string][] = [
    [
      "instantiation overhead p50 / p99 (sequential)",
      `${ms(percentile(instantiation, 50))} / ${ms(percentile(instantiation, 99))}`,
      "≤ 10 / ≤ 25 ms",
    ],
    [
      "instantiation overhead p50 / p99 (under sustained load)",
      `${ms(percentile(load.instantiation, 50))} / ${ms(percentile(load.instantiation, 99))}`,
      "≤ 10 / ≤ 25 ms",
    ],
    [
      "`1+1` round trip p50 / p99",
      `${ms(percentile(roundTrip, 50))} / ${ms(percentile(roundTrip, 99))}`,
      "p50 ≤ 15 ms",
    ],
    [`sustained trivial executions, ${workers} workers`, `${load.perSecond.toFixed(0)} /s`, "≥ 100 /s"],
    ["make the snapshot (separate process, incl. cold load)", ms(snapshotMs), ""],
    [
      "compile `pyodide.asm.wasm` (median; once per sandbox process, not per worker)",
      ms(percentile(compile, 50)),
      "",
    ],
    [`start ${workers} workers from the snapshot`, ms(startMs), ""],
    ["start 1 worker from the snapshot", ms(one.startMs), ""],
    ["RSS of a sandbox process with 1 worker", mb(oneRss), ""],
    [
      `RSS per additional worker, just started (${workers} workers vs 1)`,
      mb((startedRss - oneRss) / Math.max(1, workers - 1)),
      "",
    ],
    [
      `RSS per additional worker, after the load above (${workers} workers vs 1 just started)`,
      mb((poolRss - oneRss) / Math.max(1, workers - 1)),
      "",
    ],
    [`RSS of the gateway process + ${workers}-worker Python pool`, mb(gatewayRss), "≤ 600 MB"],
    ["(gateway process alone before the pool)", mb(gatewayBefore), ""],
    ["naive `loadPyodide()` + `1+1` per execution (median)", ms(percentile(naive, 50)), ""],
    ["`python3 -c 1+1` subprocess (median)", ms(percentile(cpython, 50)), ""],
  ];
  const table = [
    `Python runner, Pyodide ${PYODIDE_VERSION}, Node ${process.version}, ${availableParallelism()} cores, ${new Date().toISOString()}, load average before/after ${loadBefore} / ${loadavg()[0]!.toFixed(2)} (a busy machine inflates every figure; compare with the python3 row)`,
    "",
    "| measure | value | target |",
    "|---|---|---|",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
    "",
  ].join("\n");
  console.log(table);
  const out = fileURLToPath(new URL("../../../bench-results/", import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}code-runner-python.md`, table);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
