import { createServer, type Server } from "node:net";
import type { SandboxPool } from "@gateway/sandbox-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRunner } from "./testing/runner.ts";

let runner: SandboxPool;
let run: Awaited<ReturnType<typeof startTestRunner>>["run"];
let server: Server;
let port = 0;
let connections = 0;
const CANARY = "gateway-canary-7f3a";
/** Python that finds `_pyodide_core.to_js` among the live objects (no import path reaches it). */
const TO_JS = [
  "import gc",
  "to_js = next(o for o in gc.get_objects() if type(o).__name__ == 'builtin_function_or_method'",
  "             and o.__name__ == 'to_js' and getattr(o, '__module__', '') == '_pyodide_core')",
].join("\n");

beforeAll(async () => {
  // A variable of the gateway's: no sandbox may see it.
  process.env.GATEWAY_TEST_CANARY = CANARY;
  server = createServer((socket) => {
    connections++;
    socket.end("HTTP/1.1 200 OK\r\n\r\nreached");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
  ({ runner, run } = await startTestRunner());
});
afterAll(async () => {
  delete process.env.GATEWAY_TEST_CANARY;
  await runner?.dispose();
  await new Promise((resolve) => server?.close(resolve));
});

/**
 * Runs `code`, which must fail (the route is closed): an exception, or a limit for a route that
 * spins (a socket waiting for a connection that never comes). Returns the error type.
 */
async function closed(code: string): Promise<string> {
  const result = await run(code);
  expect(result.status, JSON.stringify(result)).not.toBe("ok");
  expect(JSON.stringify(result)).not.toContain(CANARY);
  return result.error?.type ?? "";
}

describe("the JavaScript bridge is gone", () => {
  it.each([
    ["import js", "import js\njs.process.env"],
    ["import pyodide_js", "import pyodide_js\npyodide_js.FS"],
    ["pyodide.ffi", "from pyodide.ffi import to_js\nto_js({})"],
    ["pyodide.code", "import pyodide.code\npyodide.code.run_js('1')"],
    ["_pyodide_core", "import _pyodide_core"],
    ["importlib", "import importlib\nimportlib.import_module('js')"],
    ["__import__", "__import__('pyodide_js')"],
    ["sys.modules", "import sys\nsys.modules['js']"],
    [
      "_imp.create_builtin",
      "import _imp\nfrom importlib.machinery import ModuleSpec, BuiltinImporter\n_imp.create_builtin(ModuleSpec('_pyodide_core', BuiltinImporter))",
    ],
    [
      "a fresh _imp",
      "import _imp\nfrom importlib.machinery import ModuleSpec, BuiltinImporter\n_imp.create_builtin(ModuleSpec('_imp', BuiltinImporter))",
    ],
    ["ctypes", "import ctypes\nctypes.CDLL(None)"],
  ])("%s", async (_name, code) => {
    expect(await closed(code)).toMatch(/ModuleNotFoundError|ImportError|KeyError/);
  });

  it("leaves pyodide.ffi without JavaScript when the import block is removed", async () => {
    const result = await run(
      [
        "import sys",
        "sys.meta_path[:] = [f for f in sys.meta_path if 'Blocked' not in getattr(f, '__name__', '')]",
        "from pyodide.ffi import to_js",
        "type(to_js({})).__name__",
      ].join("\n"),
      // Importing Pyodide's package from the zip is slow on a busy machine.
      { limits: { cpuMs: 5_000 } },
    );
    // Pyodide's Python package imports, but without _pyodide_core it is its documentation stub.
    if (result.status === "ok") expect(result.result).toBe("dict");
    else expect(result.error?.type).toMatch(/ModuleNotFoundError|ImportError/);
  });

  it("cannot create the bridge modules again even with the original create_builtin", async () => {
    // The Python guard is a wrapper: its closure gives the original function back. The modules are
    // gone from the interpreter's own table, so the original has nothing to create.
    const result = await run(
      [
        "import _imp",
        "from importlib.machinery import ModuleSpec, BuiltinImporter",
        "real = _imp.create_builtin.__closure__[0].cell_contents",
        "[repr(real(ModuleSpec(name, BuiltinImporter))) for name in ('_pyodide_core', '_ctypes', '_imp', '_testcapi', 'math')]",
      ].join("\n"),
    );
    expect(result.result).toEqual(["None", "None", "None", "None", "<module 'math'>"]);
  });

  it("finds no cached copy of _pyodide_core through _imp.create_dynamic", async () => {
    const result = await run(
      "import _imp\nfrom importlib.machinery import ModuleSpec\n_imp.create_dynamic(ModuleSpec('_pyodide_core', None, origin='_pyodide_core'))",
    );
    expect(result.status).toBe("error");
    expect(result.error?.type).toBe("ImportError");
  });

  it("cannot load WebAssembly of its own as a shared library", async () => {
    // A minimal Emscripten side module whose PyInit_x returns NULL: were it loaded, its code would
    // run (SystemError: initialization of x failed) with Pyodide's JavaScript imports at hand.
    const result = await run(
      [
        "import _imp",
        "from importlib.machinery import ModuleSpec",
        "def section(kind, body): return bytes([kind, len(body)]) + body",
        "wasm = (b'\\0asm\\1\\0\\0\\0' + section(0, bytes([8]) + b'dylink.0' + bytes([1, 4, 0, 0, 0, 0]))",
        "    + section(1, bytes([1, 0x60, 0, 1, 0x7f])) + section(3, bytes([1, 0]))",
        "    + section(7, bytes([1, 8]) + b'PyInit_x' + bytes([0, 0])) + section(10, bytes([1, 4, 0, 0x41, 0, 0x0b])))",
        "open('/tmp/x.so', 'wb').write(wasm)",
        "_imp.create_dynamic(ModuleSpec('x', None, origin='/tmp/x.so'))",
      ].join("\n"),
    );
    expect(result.status).toBe("error");
    expect(result.error?.type).toBe("ImportError");
    expect(result.error?.message).toMatch(/shared libraries is disabled/);
  });

  it("finds no way to JavaScript code generation through the bridge objects Pyodide still holds", async () => {
    // No import path leads to _pyodide_core any more, but the objects Pyodide's own Python code
    // uses (asyncio's event loop calls into it) stay alive, and the garbage collector lists them.
    // Past them, the Function constructor meets Node's refusal of code generation from strings.
    const result = await run(
      [
        TO_JS,
        "try:",
        "    fn = to_js([]).constructor.constructor",
        "    out = fn('return process.env')()",
        "except BaseException as e:",
        "    out = type(e).__name__ + ': ' + str(e)",
        "str(out)",
      ].join("\n"),
    );
    expect(JSON.stringify(result)).not.toContain(CANARY);
    expect(result.status).toBe("ok");
    expect(String(result.result)).toMatch(/EvalError|Code generation/i);
  });
});

describe("the host is out of reach", () => {
  it("cannot open host files", async () => {
    expect(await closed("open('/etc/passwd').read()")).toBe("FileNotFoundError");
    expect(await closed(`open(${JSON.stringify(process.cwd() + "/package.json")}).read()`)).toBe(
      "FileNotFoundError",
    );
    const listing = await run("import os\nsorted(os.listdir('/'))");
    expect(listing.result).toEqual(["dev", "home", "lib", "proc", "tmp"]);
  });

  it("sees none of the gateway's environment", async () => {
    const result = await run("import os\ndict(os.environ)");
    expect(result.status).toBe("ok");
    expect(JSON.stringify(result)).not.toContain(CANARY);
    expect(Object.keys(result.result as object).sort()).not.toContain("GATEWAY_TEST_CANARY");
  });

  it("cannot start a subprocess", async () => {
    await closed("import subprocess\nsubprocess.run(['id'], capture_output=True)");
    await closed("import os\nos.system('id') or os.popen('id').read() or 1/0");
  });

  it("cannot connect to the gateway's port with socket or urllib", async () => {
    await closed(`import socket\nsocket.create_connection(("127.0.0.1", ${port}), timeout=1).recv(100)`);
    await closed(
      `import urllib.request\nurllib.request.urlopen("http://127.0.0.1:${port}/", timeout=1).read()`,
    );
    expect(connections).toBe(0);
  });
});

describe("nothing of one execution is visible to the next", () => {
  it("builtins, sys.modules, files in /tmp, os.environ, the working folder", async () => {
    for (let i = 0; i < 4; i++) {
      const plant = await run(
        [
          "import builtins, os, sys",
          "builtins.planted = 1",
          "builtins.len = lambda x: 0",
          "sys.modules['planted_module'] = sys",
          "sys.path.insert(0, '/tmp/planted')",
          "open('/tmp/planted.txt', 'w').write('x')",
          "os.makedirs('/tmp/planted/dir', exist_ok=True)",
          "os.environ['PLANTED'] = '1'",
          "os.chdir('/tmp')",
          "os.remove('/lib/python314.zip') if os.path.exists('/lib/python314.zip') else None",
          "0",
        ].join("\n"),
      );
      expect(plant.status, JSON.stringify(plant)).toBe("ok");
      const check = await run(
        [
          "import builtins, os, sys, json",
          "[hasattr(builtins, 'planted'), len('abc'), 'planted_module' in sys.modules, '/tmp/planted' in sys.path,",
          " os.path.exists('/tmp/planted.txt'), os.path.exists('/tmp/planted'), 'PLANTED' in os.environ, os.getcwd()]",
        ].join("\n"),
      );
      expect(check.result).toEqual([false, 3, false, false, false, false, false, "/home/pyodide"]);
    }
  });

  it("draws fresh random numbers every run", async () => {
    const draws = await Promise.all(Array.from({ length: 6 }, () => run("import random\nrandom.random()")));
    expect(new Set(draws.map((d) => d.result)).size).toBe(6);
  });

  it("keeps no JavaScript-side state (Object.prototype through a proxy)", async () => {
    const plant = await run(
      [
        TO_JS,
        "proto = to_js({}).__proto__",
        "setattr(proto, 'polluted', 1)",
        "getattr(to_js({}), 'polluted', None)",
      ].join("\n"),
    );
    // The pollution is real inside the run that made it…
    expect(plant.result).toBe(1);
    for (let i = 0; i < 4; i++) {
      const check = await run([TO_JS, "getattr(to_js({}), 'polluted', None)"].join("\n"));
      // …and gone in the next ones: the worker that saw its JS state change was replaced.
      expect(check.status).toBe("ok");
      expect(check.result).toBeUndefined();
    }
  });

  it("cancels timers and tasks left running", async () => {
    const plant = await run(
      "import asyncio, builtins\nasync def later():\n    await asyncio.sleep(0.05)\n    builtins.late = 1\nasyncio.ensure_future(later())\n0",
    );
    expect(plant.status).toBe("ok");
    await new Promise((resolve) => setTimeout(resolve, 150));
    const checks = await Promise.all([
      run("import builtins\nhasattr(builtins, 'late')"),
      run("import builtins\nhasattr(builtins, 'late')"),
    ]);
    expect(checks.map((c) => c.result)).toEqual([false, false]);
  });
});
