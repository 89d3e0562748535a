import type { Capability } from "@gateway/capability";
import { createCodeRunnerCapability } from "@gateway/code-runner";
import type { Env } from "../env.ts";

/**
 * The built-in capabilities, in the order the catalog shows them. This is the one place that
 * names them; add a capability package here and nowhere else.
 */
export function builtinCapabilities(env: Env): Capability[] {
  return [
    createCodeRunnerCapability({
      maxLimits: {
        memoryMb: env.SANDBOX_MAX_MEMORY_MB,
        cpuMs: env.SANDBOX_MAX_CPU_MS,
        wallMs: env.SANDBOX_MAX_WALL_MS,
        codeKb: env.SANDBOX_MAX_CODE_KB,
        outputKb: env.SANDBOX_MAX_OUTPUT_KB,
      },
      ...(env.SANDBOX_WORKERS > 0 ? { workers: env.SANDBOX_WORKERS } : {}),
      queue: env.SANDBOX_QUEUE,
      warmPython: env.SANDBOX_PYTHON_WARM ? "background" : false,
    }),
  ];
}
