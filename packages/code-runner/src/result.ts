import { EXECUTION_STATUSES, type ExecutionResult } from "@gateway/sandbox-core";
import { z } from "zod";
import type { CodeRunnerSettings } from "./settings.ts";

/** The tool's output schema: the sandbox's execution result, the same for every language. */
export const executionResultSchema = z.object({
  status: z
    .enum(EXECUTION_STATUSES as [ExecutionResult["status"], ...ExecutionResult["status"][]])
    .describe(
      "ok, error (the code raised), timeout (wall limit), cpu_limit, memory_limit, output_limit, rejected, cancelled",
    ),
  result: z.json().optional().describe("The JSON value of the code's last expression"),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean().describe("True when output was cut at the output limit"),
  error: z.object({ type: z.string(), message: z.string(), stack: z.string().optional() }).optional(),
  metrics: z.object({
    queueMs: z.number(),
    instantiationMs: z.number(),
    cpuMs: z.number(),
    wallMs: z.number(),
    peakMemoryBytes: z.number().optional(),
  }),
});

const MAX_TEXT = 4_000;

/** A short text an LLM reads easily: status, result, output, and the error with its line. */
export function summarize(
  result: ExecutionResult,
  file: string,
  /** Finds the user's line in an error's stack; default: the first `<file>:<line>`. */
  lineOf: (stack: string) => string | undefined = (stack) =>
    new RegExp(`${file.replace(".", "\\.")}:(\\d+)`).exec(stack)?.[1],
  /** The limits the execution ran under, in settings units: a broken one is named with its value. */
  limits?: CodeRunnerSettings["limits"],
): string {
  const lines = [`status: ${result.status}`];
  if (result.result !== undefined) lines.push(`result: ${clip(JSON.stringify(result.result))}`);
  if (result.stdout) lines.push(`stdout:\n${clip(result.stdout.trimEnd())}`);
  if (result.stderr) lines.push(`stderr:\n${clip(result.stderr.trimEnd())}`);
  if (result.truncated) lines.push("(output truncated at the output limit)");
  if (result.error) {
    const line = lineOf(result.error.stack ?? "");
    lines.push(`error: ${result.error.type}: ${result.error.message}${line ? ` (line ${line})` : ""}`);
  }
  const hint = limits && limitHint(result.status, limits);
  if (hint) lines.push(hint);
  return lines.join("\n");
}

function clip(text: string): string {
  return text.length <= MAX_TEXT
    ? text
    : `${text.slice(0, MAX_TEXT)}… (${text.length - MAX_TEXT} more characters)`;
}

/** What an agent should know when a limit stopped its code: which limit, its value, what to do. */
function limitHint(
  status: ExecutionResult["status"],
  limits: CodeRunnerSettings["limits"],
): string | undefined {
  switch (status) {
    case "cpu_limit":
      return `limit: ${limits.cpuMs} ms of CPU time per execution. Do less work per call or use a faster algorithm.`;
    case "timeout":
      return `limit: ${limits.wallMs} ms of wall time per execution, waiting included.`;
    case "memory_limit":
      return `limit: ${limits.memoryMb} MB of memory per execution. Process the data in smaller pieces.`;
    case "output_limit":
      return `limit: ${limits.outputKb} KB of output (stdout, stderr and result together). Print less or return a summary.`;
    default:
      return undefined;
  }
}
