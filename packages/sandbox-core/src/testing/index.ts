/** The test engine (see `test-engine.ts`) for sandbox-core's tests and the runners' benchmarks. */
import { fileURLToPath } from "node:url";
import type { EngineSpec } from "../engine.ts";
import type { TestEngineInit } from "./test-engine.ts";

/** The test engine's bundle, built by `pnpm build` with the host. */
export const TEST_ENGINE_SCRIPT = fileURLToPath(new URL("../../dist/test-engine.mjs", import.meta.url));

/** The test engine's `sharedInit` bundle (see `test-shared.ts`), for `sharedInitScript`. */
export const TEST_SHARED_SCRIPT = fileURLToPath(new URL("../../dist/test-shared.mjs", import.meta.url));

export function testEngine(overrides: Partial<EngineSpec<TestEngineInit>> = {}): EngineSpec<TestEngineInit> {
  return {
    language: "test",
    workerScript: TEST_ENGINE_SCRIPT,
    readPaths: [],
    init: {},
    stackSizeMb: 4,
    maxOldGenerationSizeMb: 64,
    stopGraceMs: 100,
    ...overrides,
  };
}

export { formatMs, percentile } from "./stats.ts";
export type { TestEngineInit } from "./test-engine.ts";
