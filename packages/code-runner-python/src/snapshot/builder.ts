/**
 * Makes the memory snapshot. Runs as its own Node process under the permission model, allowed to
 * read only Pyodide's files and the runner source and to write only the snapshot folder.
 *
 * Usage: node builder.mjs <pyodide index folder/> <runner.py> <output file (a temporary name)>
 */
import { readFileSync, writeFileSync } from "node:fs";
import { loadPyodide } from "pyodide";
import { shimProcessBinding } from "../worker/patches.ts";

const [indexURL, runnerPath, outPath] = process.argv.slice(2);
if (!indexURL || !runnerPath || !outPath) throw new Error("usage: builder <indexURL> <runner.py> <out>");

shimProcessBinding();
const pyodide = await loadPyodide({
  indexURL,
  _makeSnapshot: true,
  jsglobals: Object.create(null),
  env: { HOME: "/home/pyodide" },
  stdout: () => {},
  stderr: () => {},
});
pyodide.FS.writeFile("/tmp/_gateway_runner.py", readFileSync(runnerPath, "utf8"));
pyodide.runPython(`
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("_gateway_runner", "/tmp/_gateway_runner.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
sys.modules["_gateway_runner"] = module
module.preload()
os.remove("/tmp/_gateway_runner.py")
del importlib, os, sys, spec, module
`);
const bytes = pyodide.makeMemorySnapshot();
// The parent renames it into place: renaming needs read access, which this process lacks.
writeFileSync(outPath, bytes);
