import { vitestConfig } from "@gateway/vitest-config";

/** Builds the host and test-engine bundles once before the tests. */
export default vitestConfig({ testTimeout: 30_000, globalSetup: ["./src/testing/build-bundles.ts"] });
