import { vitestConfig } from "@gateway/vitest-config";

/** Builds the bundles and the snapshot once before the tests. */
export default vitestConfig({
  testTimeout: 30_000,
  hookTimeout: 120_000,
  globalSetup: ["./src/testing/global-setup.ts"],
});
