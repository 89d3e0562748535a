/** The Python worker thread's entry, bundled to `dist/worker.mjs`. */
import { serveEngine } from "@gateway/sandbox-core/worker";
import { createPythonEngine } from "./engine.ts";

serveEngine(createPythonEngine);
