import { defineConfig } from "vitest/config";

/** Shared vitest settings: tests sit next to the code as `*.test.ts`. */
export function vitestConfig(overrides: { testTimeout?: number; include?: string[] } = {}) {
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
