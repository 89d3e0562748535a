import { EXECUTION_STATUSES, type ExecutionResult } from "@gateway/sandbox-core";
import { z } from "zod";

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
  return lines.join("\n");
}

function clip(text: string): string {
  return text.length <= MAX_TEXT
    ? text
    : `${text.slice(0, MAX_TEXT)}… (${text.length - MAX_TEXT} more characters)`;
}
