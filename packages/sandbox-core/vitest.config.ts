import { defineConfig } from "vitest/config";

/** The shared settings (see tooling/vitest), plus building the host and test-engine bundles first. */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
    globalSetup: ["./src/testing/build-bundles.ts"],
  },
});
