import type { UserConfig } from "vitest/config";

/** Shared vitest settings: tests sit next to the code as `*.test.ts`. */
export declare function vitestConfig(overrides?: { testTimeout?: number; include?: string[] }): UserConfig;
