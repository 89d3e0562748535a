/**
 * A started Python runner for a test file, and a shorthand to run code with the product's limits,
 * except a CPU limit of 1 s: on 2 shared cores a busy machine stretches ordinary snippets past
 * 100 ms. Tests of the CPU limit pass it explicitly.
 */
import { DEFAULT_LIMITS, type ExecutionResult, type JsonValue, type Limits } from "@gateway/sandbox-core";
import { inject } from "vitest";
import { createPythonRunner } from "../runner.ts";

export async function startTestRunner(workers = 2) {
  const runner = createPythonRunner({ snapshotPath: inject("pythonSnapshot"), workers, queue: 200 });
  await runner.start();
  const run = (
    code: string,
    options: { input?: JsonValue; limits?: Partial<Limits> } = {},
  ): Promise<ExecutionResult> =>
    runner.execute({
      code,
      limits: { ...DEFAULT_LIMITS, cpuMs: 1_000, ...options.limits },
      ...(options.input === undefined ? {} : { input: options.input }),
    });
  return { runner, run };
}
