/** What the pool hands each Python worker (structured-cloneable). */
export interface PythonEngineInit {
  /** Pyodide's package folder, with a trailing slash. */
  indexURL: string;
  /** The memory snapshot file made by `ensureSnapshot`. */
  snapshotPath: string;
  /** Executions a worker serves before it is replaced anyway. */
  maxExecutions: number;
}

/** What each sandbox process prepares once for all its Python workers (see `worker/shared.ts`). */
export interface PythonShared {
  /** `pyodide.asm.wasm`, compiled. */
  pyodideModule: WebAssembly.Module;
}
