/** The sandbox worker entry for JavaScript, bundled to `dist/worker.mjs` (see `build.ts`). */
import { serveEngine } from "@gateway/sandbox-core/worker";
import { createJavaScriptEngine, type JavaScriptEngineInit } from "./engine.ts";

serveEngine<JavaScriptEngineInit>((init) => createJavaScriptEngine(init));
