export { type CodeRunnerOptions, createCodeRunnerCapability } from "./capability.ts";
export { executionResultSchema, summarize } from "./result.ts";
export {
  type CodeRunnerSettings,
  codeRunnerSettingsSchema,
  DEFAULT_SETTINGS_LIMITS,
  type MaxLimits,
  toLimits,
} from "./settings.ts";
