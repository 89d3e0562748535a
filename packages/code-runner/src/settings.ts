import { DEFAULT_LIMITS, type Limits } from "@gateway/sandbox-core";
import { z } from "zod";

/** The server-wide maximums a gateway's limits may reach (from the environment), in settings units. */
export interface MaxLimits {
  memoryMb: number;
  cpuMs: number;
  wallMs: number;
  codeKb: number;
  outputKb: number;
}

/** The product defaults in settings units. */
export const DEFAULT_SETTINGS_LIMITS: Readonly<MaxLimits> = Object.freeze({
  memoryMb: DEFAULT_LIMITS.memoryBytes / (1024 * 1024),
  cpuMs: DEFAULT_LIMITS.cpuMs,
  wallMs: DEFAULT_LIMITS.wallMs,
  codeKb: DEFAULT_LIMITS.codeBytes / 1024,
  outputKb: DEFAULT_LIMITS.outputBytes / 1024,
});

const LIMIT_FIELDS: Record<keyof MaxLimits, { title: string; description: string }> = {
  memoryMb: { title: "Memory (MB)", description: "Memory one execution may use." },
  cpuMs: {
    title: "CPU time (ms)",
    description: "CPU time one execution may use; waiting on timers does not count.",
  },
  wallMs: { title: "Wall time (ms)", description: "Real time one execution may take, including waiting." },
  codeKb: { title: "Code size (KB)", description: "Largest accepted source code, in UTF-8 kilobytes." },
  outputKb: { title: "Output (KB)", description: "stdout, stderr and the result together." },
};

function limitField(key: keyof MaxLimits, max: number) {
  const { title, description } = LIMIT_FIELDS[key];
  return z
    .number()
    .int()
    .min(1)
    .max(max)
    .default(Math.min(DEFAULT_SETTINGS_LIMITS[key], max))
    .meta({ title, description });
}

/**
 * The Code Runner's settings for one gateway. `parse({})` gives the defaults; every limit is an
 * integer from 1 to the server-wide maximum.
 */
export function codeRunnerSettingsSchema(maxLimits: MaxLimits) {
  return z.object({
    languages: z
      .object({
        javascript: z
          .boolean()
          .default(true)
          .meta({ title: "JavaScript", description: "Offer the run_javascript tool." }),
        python: z
          .boolean()
          .default(true)
          .meta({ title: "Python", description: "Offer the run_python tool." }),
      })
      .prefault({})
      .meta({ title: "Languages", description: "Which languages agents may run." }),
    limits: z
      .object({
        memoryMb: limitField("memoryMb", maxLimits.memoryMb),
        cpuMs: limitField("cpuMs", maxLimits.cpuMs),
        wallMs: limitField("wallMs", maxLimits.wallMs),
        codeKb: limitField("codeKb", maxLimits.codeKb),
        outputKb: limitField("outputKb", maxLimits.outputKb),
      })
      .prefault({})
      .meta({ title: "Limits", description: "What one execution may use." }),
  });
}

export type CodeRunnerSettings = z.output<ReturnType<typeof codeRunnerSettingsSchema>>;

/** A gateway's limits in the runner's units (bytes). */
export function toLimits(limits: CodeRunnerSettings["limits"]): Limits {
  return {
    memoryBytes: limits.memoryMb * 1024 * 1024,
    cpuMs: limits.cpuMs,
    wallMs: limits.wallMs,
    codeBytes: limits.codeKb * 1024,
    outputBytes: limits.outputKb * 1024,
  };
}
