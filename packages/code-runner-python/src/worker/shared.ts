/**
 * The Python engine's `sharedInit`, bundled to `dist/python-shared.mjs`: runs once per sandbox
 * process on its main thread and compiles Pyodide's WebAssembly binary (9.6 MB) there, so its
 * workers instantiate the one compiled module instead of each compiling (and holding) its own.
 */
import { readFile } from "node:fs/promises";
import type { SharedInit } from "@gateway/sandbox-core/worker";
import type { PythonEngineInit, PythonShared } from "../engine-init.ts";

export const sharedInit: SharedInit<PythonEngineInit, PythonShared> = async (init) => ({
  pyodideModule: await WebAssembly.compile(await readFile(`${init.indexURL}pyodide.asm.wasm`)),
});
