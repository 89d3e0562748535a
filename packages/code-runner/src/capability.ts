import { type Capability, defineCapability, defineTool } from "@gateway/capability";
import { createJavaScriptRunner } from "@gateway/code-runner-js";
import { startPythonRunner } from "@gateway/code-runner-python";
import { type ExecutionResult, type PoolLogger, type Runner, SandboxErrorType } from "@gateway/sandbox-core";
import { z } from "zod";
import { executionResultSchema, summarize } from "./result.ts";
import { type CodeRunnerSettings, codeRunnerSettingsSchema, type MaxLimits, toLimits } from "./settings.ts";

export interface CodeRunnerOptions {
  /** Server-wide maximums for every gateway's limits (config). */
  maxLimits: MaxLimits;
  /** Worker threads per language. Default: the machine's cores. */
  workers?: number;
  /** Executions that may wait per language before new ones are rejected as busy. */
  queue?: number;
  /** Sandbox processes per language. Default 1. */
  processes?: number;
  /**
   * When to start the Python pool (and build its snapshot on first boot): `true` in `start()`,
   * which waits for it; `"background"` from `start()` without waiting (a call arriving meanwhile
   * waits for the same start); `false` (default) on the first `run_python` call.
   */
  warmPython?: boolean | "background";
}

const codeInput = z.object({
  code: z.string().describe("The program. The value of its last expression is returned as `result`."),
  input: z.json().optional().describe("Any JSON value, available to the code as the global `input`."),
});

const ANNOTATIONS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/**
 * The built-in `code-runner` capability: runs agents' code in fresh WebAssembly sandboxes.
 * `start()` creates the language pools, `dispose()` ends them.
 */
export function createCodeRunnerCapability(options: CodeRunnerOptions): Capability {
  const settingsSchema = codeRunnerSettingsSchema(options.maxLimits);
  let javascript: Runner | undefined;
  let logger: PoolLogger | undefined;
  const pool = { workers: options.workers, queue: options.queue, processes: options.processes };
  const javascriptRunner = () => {
    javascript ??= createJavaScriptRunner({
      maxMemoryBytes: options.maxLimits.memoryMb * 1024 * 1024,
      ...(pool.workers ? { workers: pool.workers } : {}),
      ...(pool.queue === undefined ? {} : { queue: pool.queue }),
      ...(pool.processes ? { processes: pool.processes } : {}),
      ...(logger ? { logger } : {}),
    });
    return javascript;
  };

  let dataDir: string | undefined;
  let python: Promise<Runner> | undefined;
  const pythonRunner = () => {
    if (!dataDir) return Promise.reject(new Error("[code-runner] the capability was not started"));
    if (!python) {
      const starting = startPythonRunner({
        dataDir,
        ...(pool.workers ? { workers: pool.workers } : {}),
        ...(pool.queue === undefined ? {} : { queue: pool.queue }),
        ...(pool.processes ? { processes: pool.processes } : {}),
        ...(logger ? { logger } : {}),
      });
      python = starting;
      // A failed start is not remembered: the next call tries again.
      starting.catch(() => {
        if (python === starting) python = undefined;
      });
    }
    return python;
  };

  const runJavaScript = codeTool({
    name: "run_javascript",
    title: "Run JavaScript",
    description: [
      "Runs JavaScript in a fresh, isolated QuickJS WebAssembly sandbox and returns the value of the last expression.",
      "Top-level await works; console.log/info/debug go to stdout, console.warn/error to stderr; `input` holds the",
      "input value. setTimeout/setInterval/queueMicrotask are available. No require, import, process, fetch or DOM.",
      "Each run starts from a clean state and is limited in memory, CPU time, wall time, code size and output.",
    ].join(" "),
    language: "javascript",
    runner: async () => javascriptRunner(),
    summarize: (result, limits) => summarize(result, "main.js", undefined, limits),
  });

  const runPython = codeTool({
    name: "run_python",
    title: "Run Python",
    description: [
      "Runs Python 3.14 (Pyodide) in a fresh, isolated WebAssembly sandbox and returns the value of the last",
      "expression. Top-level await works (asyncio); print goes to stdout, sys.stderr to stderr; `input` holds the",
      "input value. The standard library is available (json, re, math, datetime, statistics, decimal, csv, sqlite3…);",
      "no network, subprocesses, host files or third-party packages. Each run starts from a clean interpreter and",
      "is limited in memory, CPU time, wall time, code size and output.",
    ].join(" "),
    language: "python",
    runner: pythonRunner,
    summarize: (result, limits) => summarize(result, "<code>", pythonLine, limits),
  });

  return defineCapability({
    id: "code-runner",
    name: "Code Runner",
    description:
      "Lets agents run JavaScript and Python in fresh WebAssembly sandboxes with memory, CPU, time and output limits.",
    settingsSchema,
    tools: [runJavaScript, runPython],
    async start(ctx) {
      logger = ctx.logger;
      dataDir = ctx.dataDir;
      const runner = javascriptRunner();
      if ("start" in runner && typeof runner.start === "function") await runner.start();
      if (options.warmPython === true) await pythonRunner();
      if (options.warmPython === "background") {
        pythonRunner().then(
          () => ctx.logger.info("the Python sandbox pool is ready"),
          (error) =>
            ctx.logger.error(
              { err: error },
              "the Python sandbox pool could not start; retrying on the next call",
            ),
        );
      }
    },
    async dispose() {
      const runner = javascript;
      javascript = undefined;
      await runner?.dispose();
      const starting = python;
      python = undefined;
      await (await starting?.catch(() => undefined))?.dispose();
    },
  });
}

/**
 * One language's tool: offered while its language is switched on; runs the code with the
 * gateway's limits and the call's AbortSignal. A runner that cannot start gives a `rejected`
 * result, never a thrown error.
 */
function codeTool(spec: {
  name: string;
  title: string;
  description: string;
  language: keyof CodeRunnerSettings["languages"];
  runner: () => Promise<Runner>;
  summarize: (result: ExecutionResult, limits: CodeRunnerSettings["limits"]) => string;
}) {
  return defineTool<CodeRunnerSettings, typeof codeInput, typeof executionResultSchema>({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    inputSchema: codeInput,
    outputSchema: executionResultSchema,
    annotations: ANNOTATIONS,
    isEnabled: (settings) => settings.languages[spec.language],
    async handler(input, ctx) {
      const submitted = performance.now();
      let result: ExecutionResult;
      try {
        const runner = await spec.runner();
        result = await runner.execute(
          {
            code: input.code,
            limits: toLimits(ctx.settings.limits),
            ...(input.input === undefined ? {} : { input: input.input }),
          },
          ctx.signal,
        );
      } catch (error) {
        ctx.logger.error({ err: error, language: spec.language }, "the sandbox runner could not start");
        result = unavailable(spec.language, performance.now() - submitted);
      }
      return {
        content: [{ type: "text", text: spec.summarize(result, ctx.settings.limits) }],
        structuredContent: result,
        isError: result.status !== "ok",
      };
    },
  });
}

/** The innermost line of the user's code in a Python traceback. */
function pythonLine(stack: string): string | undefined {
  return [...stack.matchAll(/File "<code>", line (\d+)/g)].at(-1)?.[1];
}

function unavailable(language: string, wallMs: number): ExecutionResult {
  return {
    status: "rejected",
    stdout: "",
    stderr: "",
    truncated: false,
    error: {
      type: SandboxErrorType.unavailable,
      message: `The ${language === "python" ? "Python" : "JavaScript"} sandbox is not available. Retry later.`,
    },
    metrics: { queueMs: wallMs, instantiationMs: 0, cpuMs: 0, wallMs },
  };
}
