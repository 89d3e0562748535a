export { ControlBlock, epochNow, GuestState } from "./control.ts";
export * from "./engine.ts";
export { cutUtf8, OutputBuffer } from "./output.ts";
export { type PoolLogger, SandboxPool, type SandboxPoolOptions, type SandboxPoolStats } from "./pool.ts";
export { describeStop } from "./stop.ts";
export * from "./types.ts";
