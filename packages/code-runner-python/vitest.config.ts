import { defineConfig } from "vitest/config";

/** The shared settings (see tooling/vitest), plus building the bundles and the snapshot first. */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    globalSetup: ["./src/testing/global-setup.ts"],
  },
});
