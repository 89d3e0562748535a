/** The Python runner: a sandbox pool whose workers run the Pyodide engine. */

import type { EngineSpec } from "@gateway/sandbox-core";
import { type PoolLogger, SandboxPool } from "@gateway/sandbox-core";
import { bundlePaths } from "./bundles.ts";
import type { PythonEngineInit } from "./engine-init.ts";
import { DIST_DIR, PYODIDE_DIR } from "./paths.ts";

export interface PythonRunnerOptions {
  /** The snapshot file (see `ensureSnapshot`). */
  snapshotPath: string;
  /** The bundled worker entry (see `buildBundles`). Default: `dist/python-worker.mjs` (`pnpm build`). */
  workerScript?: string;
  /** The bundled `sharedInit` (see `buildBundles`). Default: `dist/python-shared.mjs`. */
  sharedScript?: string;
  /** Worker threads. Default: the pool's default (the machine's cores). */
  workers?: number;
  /** Sandbox processes the workers are spread over. Default 1. */
  processes?: number;
  /** Executions one worker serves before it is replaced from the snapshot. Default 500. */
  maxExecutionsPerWorker?: number;
  /** How long a stopped guest gets before its worker is terminated. Default 250 ms. */
  stopGraceMs?: number;
  queue?: number;
  logger?: PoolLogger;
}

export function pythonEngineSpec(options: PythonRunnerOptions): EngineSpec<PythonEngineInit> {
  return {
    language: "python",
    workerScript: options.workerScript ?? bundlePaths(DIST_DIR).workerScript,
    sharedInitScript: options.sharedScript ?? bundlePaths(DIST_DIR).sharedScript,
    readPaths: [PYODIDE_DIR, options.snapshotPath],
    init: {
      indexURL: PYODIDE_DIR,
      snapshotPath: options.snapshotPath,
      maxExecutions: options.maxExecutionsPerWorker ?? 500,
    },
    stackSizeMb: 64,
    maxOldGenerationSizeMb: 256,
    stopGraceMs: options.stopGraceMs ?? 250,
    initTimeoutMs: 60_000,
  };
}

/** A `Runner` for Python. Call `start()` to warm it; `dispose()` ends its processes. */
export function createPythonRunner(options: PythonRunnerOptions): SandboxPool {
  return new SandboxPool({
    engine: pythonEngineSpec(options),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.processes === undefined ? {} : { processes: options.processes }),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}
