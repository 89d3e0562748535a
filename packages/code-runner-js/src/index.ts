import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { DEFAULT_LIMITS, type EngineSpec, type PoolLogger, SandboxPool } from "@gateway/sandbox-core";
import type { JavaScriptEngineInit } from "./engine.ts";

/** The worker bundle, built by `pnpm build`. */
export const WORKER_SCRIPT = fileURLToPath(new URL("../dist/worker.mjs", import.meta.url));
/** QuickJS's WebAssembly binary: the only other file the sandbox process may read. */
export const WASM_PATH = createRequire(import.meta.url).resolve("@jitl/quickjs-wasmfile-release-sync/wasm");

export interface JavaScriptEngineOptions {
  /**
   * The largest memory limit requests will use (the server-wide maximum). Prepared instances are
   * capped at it; each request is held to its own limit below. Default: the product default, 128 MB.
   */
  maxMemoryBytes?: number;
  /** Executions kept ready in each worker. Default 2. */
  ready?: number;
}

/** The engine spec of the JavaScript runner, for a `SandboxPool`. */
export function javascriptEngine(options: JavaScriptEngineOptions = {}): EngineSpec<JavaScriptEngineInit> {
  return {
    language: "javascript",
    workerScript: WORKER_SCRIPT,
    readPaths: [WASM_PATH],
    init: {
      wasmPath: WASM_PATH,
      maxMemoryBytes: options.maxMemoryBytes ?? DEFAULT_LIMITS.memoryBytes,
      ...(options.ready === undefined ? {} : { ready: options.ready }),
    },
    stackSizeMb: 64,
  };
}

export interface JavaScriptRunnerOptions extends JavaScriptEngineOptions {
  /** Worker threads in total. Default: the machine's cores. */
  workers?: number;
  /** Sandbox processes the workers are spread over. Default 1. */
  processes?: number;
  /** Requests that may wait for a worker before new ones are rejected as busy. */
  queue?: number;
  logger?: PoolLogger;
}

/** A JavaScript runner: a pool of sandboxed QuickJS workers. Call `start()`, then `execute()`. */
export function createJavaScriptRunner(options: JavaScriptRunnerOptions = {}): SandboxPool {
  const { workers, processes, queue, logger, ...engine } = options;
  return new SandboxPool({
    engine: javascriptEngine(engine),
    ...(workers === undefined ? {} : { workers }),
    ...(processes === undefined ? {} : { processes }),
    ...(queue === undefined ? {} : { queue }),
    ...(logger ? { logger } : {}),
  });
}
