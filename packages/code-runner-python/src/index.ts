export { buildBundles, bundlePaths, type PythonBundles } from "./bundles.ts";
export { DIST_DIR, PYODIDE_DIR, PYODIDE_VERSION } from "./paths.ts";
export { createPythonRunner, type PythonRunnerOptions, pythonEngineSpec } from "./runner.ts";
export { type EnsureSnapshotOptions, ensureSnapshot, snapshotFileName } from "./snapshot/ensure.ts";
export { type StartPythonRunnerOptions, startPythonRunner } from "./start.ts";
