import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { DEFAULT_LIMITS, type EngineSpec, type PoolLogger, SandboxPool } from "@gateway/sandbox-core";
import type { JavaScriptEngineInit } from "./engine.ts";

/** The worker bundle, built by `pnpm build`. */
export const WORKER_SCRIPT = fileURLToPath(new URL("../dist/worker.mjs", import.meta.url));
/** QuickJS's WebAssembly binary: the only other file the sandbox process may read. */
export const WASM_PATH = createRequire(import.meta.url).resolve("@jitl/quickjs-wasmfile-release-sync/wasm");

/** The engine spec of the JavaScript runner, for a `SandboxPool`. */
export function javascriptEngine(options: { memoryBytes?: number } = {}): EngineSpec<JavaScriptEngineInit> {
  return {
    language: "javascript",
    workerScript: WORKER_SCRIPT,
    readPaths: [WASM_PATH],
    init: { wasmPath: WASM_PATH, memoryBytes: options.memoryBytes ?? DEFAULT_LIMITS.memoryBytes },
    stackSizeMb: 64,
  };
}

export interface JavaScriptRunnerOptions {
  /** Worker threads in total. Default: the machine's cores. */
  workers?: number;
  /** Sandbox processes the workers are spread over. Default 1. */
  processes?: number;
  /** Requests that may wait for a worker before new ones are rejected as busy. */
  queue?: number;
  /** The memory limit most requests use: instances are prepared ahead for it. */
  memoryBytes?: number;
  logger?: PoolLogger;
}

/** A JavaScript runner: a pool of sandboxed QuickJS workers. Call `start()`, then `execute()`. */
export function createJavaScriptRunner(options: JavaScriptRunnerOptions = {}): SandboxPool {
  return new SandboxPool({
    engine: javascriptEngine({ ...(options.memoryBytes ? { memoryBytes: options.memoryBytes } : {}) }),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.processes === undefined ? {} : { processes: options.processes }),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
