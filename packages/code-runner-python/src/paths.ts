/** Where the Python runner's files are: Pyodide's package, the guest runner, the bundles. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** Pyodide's package folder (symlinks resolved), with a trailing slash as `indexURL` wants. */
export const PYODIDE_DIR = `${dirname(require.resolve("pyodide/package.json"))}/`;

/** The Pyodide release in use, from its package. */
export const PYODIDE_VERSION: string = JSON.parse(readFileSync(`${PYODIDE_DIR}package.json`, "utf8")).version;

/** The Python source baked into the snapshot. */
export const RUNNER_SOURCE = fileURLToPath(new URL("./guest/runner.py", import.meta.url));

/** Default bundle locations, made by `pnpm build` (see `build.ts`). */
export const DIST_DIR = fileURLToPath(new URL("../dist/", import.meta.url));
