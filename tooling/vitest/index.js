import { defineConfig } from "vitest/config";

/**
 * Shared vitest settings: tests sit next to the code as `*.test.ts`, files run one at a time (the
 * machines have 2 cores and the sandbox tests start processes of their own).
 * Plain JavaScript (typed by index.d.ts) so Node 20 can load it without a TypeScript loader.
 * @param {import("./index.d.ts").VitestOverrides} [overrides]
 */
export function vitestConfig(overrides = {}) {
  return defineConfig({
    test: {
      include: overrides.include ?? ["src/**/*.test.ts"],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: overrides.hookTimeout ?? 60_000,
      pool: "forks",
      fileParallelism: false,
      ...(overrides.globalSetup ? { globalSetup: overrides.globalSetup } : {}),
    },
  });
}
