/** Everything the gateway needs for Python in one call: bundles, the cached snapshot, a warm pool. */
import type { PoolLogger, SandboxPool } from "@gateway/sandbox-core";
import { buildBundles } from "./bundles.ts";
import { DIST_DIR } from "./paths.ts";
import { createPythonRunner } from "./runner.ts";
import { ensureSnapshot } from "./snapshot/ensure.ts";

export interface StartPythonRunnerOptions {
  /** Folder next to the database: the snapshot is cached in its `python/` subfolder. */
  dataDir: string;
  workers?: number;
  processes?: number;
  queue?: number;
  logger?: PoolLogger;
}

/** Builds what is missing (bundles once, the snapshot once per Pyodide release), then starts the pool. */
export async function startPythonRunner(options: StartPythonRunnerOptions): Promise<SandboxPool> {
  const bundles = await buildBundles(DIST_DIR, false);
  const snapshotPath = await ensureSnapshot({
    dataDir: options.dataDir,
    builderScript: bundles.builderScript,
  });
  const runner = createPythonRunner({
    snapshotPath,
    workerScript: bundles.workerScript,
    sharedScript: bundles.sharedScript,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.processes === undefined ? {} : { processes: options.processes }),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  try {
    await runner.start();
  } catch (error) {
    await runner.dispose();
    throw error;
  }
  return runner;
}
