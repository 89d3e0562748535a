import { vitestConfig } from "@gateway/vitest-config";

/** Builds the sandbox bundles once before the tests. */
export default vitestConfig({ testTimeout: 30_000, globalSetup: ["./src/testing/build-bundles.ts"] });
