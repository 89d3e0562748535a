/**
 * The memory snapshot cache: built once into `<dataDir>/python/`, keyed by the Pyodide release and
 * the runner source, so a new release (or runner) rebuilds it and stale ones are removed.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { PYODIDE_DIR, PYODIDE_VERSION, RUNNER_SOURCE } from "../paths.ts";

/** Bump when the way the snapshot is made changes. */
const FORMAT = 1;

export interface EnsureSnapshotOptions {
  /** Folder next to the database; the snapshot goes to its `python/` subfolder. */
  dataDir: string;
  /** The bundled snapshot builder (see `bundles.ts`). */
  builderScript: string;
  /** Give up after this long. Default 120 s. */
  timeoutMs?: number;
}

export function snapshotFileName(): string {
  const hash = createHash("sha256")
    .update(`${FORMAT}\0${PYODIDE_VERSION}\0`)
    .update(readFileSync(RUNNER_SOURCE))
    .digest("hex")
    .slice(0, 16);
  return `pyodide-${PYODIDE_VERSION}-${hash}.snapshot`;
}

/** Returns the snapshot's path, building it first if the cache has none for this release. */
export async function ensureSnapshot(options: EnsureSnapshotOptions): Promise<string> {
  const dir = join(options.dataDir, "python");
  const name = snapshotFileName();
  const path = join(dir, name);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  // Snapshots of other releases (or runner sources) are stale. Temporary files are left alone: a
  // concurrent build (another gateway on the same folder) may own them.
  for (const entry of readdirSync(dir)) {
    if (entry.endsWith(".snapshot") && entry !== name) rmSync(join(dir, entry), { force: true });
  }
  const temporary = `${path}.${process.pid}.tmp`;
  await runBuilder(options, temporary, dir);
  if (!existsSync(temporary)) throw new Error("[code-runner-python] the snapshot builder wrote no snapshot");
  renameSync(temporary, path);
  return path;
}

function runBuilder(options: EnsureSnapshotOptions, out: string, dir: string): Promise<void> {
  const args = [
    "--experimental-permission",
    `--allow-fs-read=${PYODIDE_DIR}`,
    `--allow-fs-read=${options.builderScript}`,
    `--allow-fs-read=${RUNNER_SOURCE}`,
    `--allow-fs-write=${dir}`,
    "--disallow-code-generation-from-strings",
    "--disable-warning=ExperimentalWarning",
    options.builderScript,
    PYODIDE_DIR,
    RUNNER_SOURCE,
    out,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: {}, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(`[code-runner-python] snapshot builder failed (${signal ?? code}): ${stderr.trim()}`),
        );
    });
  });
}
