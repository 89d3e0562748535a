/** Bundles the worker entry, its shared init and the snapshot builder into single files the sandbox may read. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleSandboxScript } from "@gateway/sandbox-core/bundle";

export interface PythonBundles {
  workerScript: string;
  /** The `sharedInit` run once per sandbox process (compiles Pyodide's wasm). */
  sharedScript: string;
  builderScript: string;
}

export function bundlePaths(dir: string): PythonBundles {
  return {
    workerScript: join(dir, "python-worker.mjs"),
    sharedScript: join(dir, "python-shared.mjs"),
    builderScript: join(dir, "python-snapshot-builder.mjs"),
  };
}

/** Writes the bundles into `dir` (unless present and `force` is false). */
export async function buildBundles(dir: string, force = true): Promise<PythonBundles> {
  const paths = bundlePaths(dir);
  const entries: [string, string][] = [
    [fileURLToPath(new URL("./worker/entry.ts", import.meta.url)), paths.workerScript],
    [fileURLToPath(new URL("./worker/shared.ts", import.meta.url)), paths.sharedScript],
    [fileURLToPath(new URL("./snapshot/builder.ts", import.meta.url)), paths.builderScript],
  ];
  for (const [entry, out] of entries) {
    if (force || !existsSync(out)) await bundleSandboxScript(entry, out);
  }
  return paths;
}
