import type { UserConfig } from "vitest/config";

export interface VitestOverrides {
  testTimeout?: number;
  hookTimeout?: number;
  include?: string[];
  /** Scripts run once before the package's tests (e.g. building sandbox bundles). */
  globalSetup?: string[];
}

/** Shared vitest settings: tests sit next to the code as `*.test.ts`. */
export declare function vitestConfig(overrides?: VitestOverrides): UserConfig;
