import { defineConfig } from "vitest/config";

/**
 * Shared vitest settings: tests sit next to the code as `*.test.ts`.
 * Plain JavaScript (typed by index.d.ts) so Node 20 can load it without a TypeScript loader.
 * @param {{ testTimeout?: number; include?: string[] }} [overrides]
 */
export function vitestConfig(overrides = {}) {
  return defineConfig({
    test: {
      include: overrides.include ?? ["src/**/*.test.ts"],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: 60_000,
      pool: "forks",
      fileParallelism: false,
    },
  });
}
