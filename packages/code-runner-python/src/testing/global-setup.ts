/**
 * Vitest global set-up: builds the sandbox bundles, then the memory snapshot once into a temp
 * folder keyed by Pyodide release and runner source (reused across runs), and hands its path to
 * the tests as `inject("pythonSnapshot")`.
 */
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { bundlePaths } from "../bundles.ts";
import { DIST_DIR } from "../paths.ts";
import { ensureSnapshot } from "../snapshot/ensure.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pythonSnapshot: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  for (const pkg of ["../../../sandbox-core", "../.."]) {
    execFileSync("pnpm", ["run", "--silent", "build"], {
      cwd: fileURLToPath(new URL(pkg, import.meta.url)),
      stdio: "inherit",
    });
  }
  const snapshot = await ensureSnapshot({
    dataDir: join(tmpdir(), "gateway-code-runner-python-test"),
    builderScript: bundlePaths(DIST_DIR).builderScript,
  });
  project.provide("pythonSnapshot", snapshot);
}
