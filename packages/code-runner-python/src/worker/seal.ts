/**
 * Closes, below Python, the import paths Python introspection can reopen. `harden()` in
 * `runner.py` guards `_imp.create_builtin` with a Python wrapper, but guest code can always get the
 * wrapped function back (its closure, `gc.get_referents`) and reach around it:
 *
 * - the interpreter's table of built-in modules (`INITTAB`) would create `_pyodide_core`,
 *   `_ctypes`, the C test modules or a fresh `_imp` anew;
 * - its cache of single-phase extension modules hands out a copy of `_pyodide_core` (imported by
 *   Pyodide at start-up) to `_imp.create_dynamic(ModuleSpec('_pyodide_core', None,
 *   origin='_pyodide_core'))`, without going through `create_builtin` at all;
 * - `_imp.create_dynamic` of a file the guest wrote loads it as a shared library: guest-supplied
 *   WebAssembly, linked against Pyodide's JavaScript imports.
 *
 * `removeBuiltinModules` deletes the names from both copies of the table and from the cache, through
 * the interpreter's own exports, before the pristine image is taken (every restore brings the
 * removal back). `sealWebAssembly` refuses to compile shared libraries once Pyodide is loaded.
 */
import type { PyodideAPI } from "pyodide";

type Exports = Record<string, unknown>;
type CFunction = (...args: number[]) => number;

/** One `struct _inittab` entry on wasm32: `const char *name`, `PyObject *(*initfunc)(void)`. */
const ENTRY_WORDS = 2;
/** How far into `_PyRuntime` to look for the pointer to the runtime's copy of the table. */
const RUNTIME_SCAN_BYTES = 256 * 1024;

/**
 * Removes `names` from the interpreter's built-in module table and its extension cache, so that no
 * `_imp` function can create them again. Throws when the table cannot be found or a removal fails:
 * a worker that cannot be sealed must not serve.
 */
export function removeBuiltinModules(
  pyodide: PyodideAPI,
  instance: WebAssembly.Instance,
  names: readonly string[],
): void {
  // biome-ignore lint/suspicious/noExplicitAny: Pyodide's Emscripten module is untyped
  const module = (pyodide as unknown as { _module: any })._module;
  const exports = instance.exports as Exports;
  const fn = (name: string): CFunction => {
    const value = exports[name];
    if (typeof value !== "function")
      throw new Error(`[sandbox] [python] the interpreter does not export ${name}`);
    return value as CFunction;
  };
  const address = (name: string): number => {
    const value = exports[name];
    if (!(value instanceof WebAssembly.Global)) throw new Error(`[sandbox] [python] no data symbol ${name}`);
    return (value.value as number) >>> 0;
  };
  const words = () => new Uint32Array(module.HEAPU8.buffer);
  const text = (pointer: number): string => {
    const bytes: Uint8Array = module.HEAPU8;
    let end = pointer;
    while (bytes[end] !== 0) end++;
    return Buffer.from(bytes.subarray(pointer, end)).toString("latin1");
  };

  // `PyImport_Inittab` is a pointer to the static table; `_PyImport_Init` copied it to the heap and
  // keeps the copy in `_PyRuntime.imports.inittab`: find the field by the copy's contents.
  const original = words()[address("PyImport_Inittab") >>> 2]!;
  const entriesOf = (table: number): number[] => {
    const memory = words();
    const names: number[] = [];
    for (let at = table >>> 2; memory[at] !== 0; at += ENTRY_WORDS) names.push(memory[at]!);
    return names;
  };
  const originalNames = entriesOf(original);
  const runtime = address("_PyRuntime");
  const memory = words();
  const copies: number[] = [];
  for (let at = runtime >>> 2; at < (runtime + RUNTIME_SCAN_BYTES) >>> 2; at++) {
    const pointer = memory[at]!;
    if (pointer === 0 || pointer === original || pointer % 4 !== 0 || pointer >= memory.byteLength) continue;
    if (memory[pointer >>> 2] !== originalNames[0]) continue;
    const candidate = entriesOf(pointer);
    if (candidate.length === originalNames.length && candidate.every((name, i) => name === originalNames[i]))
      copies.push(pointer);
  }
  if (copies.length !== 1)
    throw new Error(
      `[sandbox] [python] found ${copies.length} copies of the built-in module table, expected 1`,
    );

  const removed = new Set(names);
  for (const table of [copies[0]!, original]) {
    const memory = words();
    const start = table >>> 2;
    let write = start;
    let read = start;
    for (; memory[read] !== 0; read += ENTRY_WORDS) {
      if (removed.has(text(memory[read]!))) continue;
      memory[write] = memory[read]!;
      memory[write + 1] = memory[read + 1]!;
      write += ENTRY_WORDS;
    }
    // The terminator, then zeros over the freed tail.
    for (; write <= read; write += ENTRY_WORDS) {
      memory[write] = 0;
      memory[write + 1] = 0;
    }
  }

  // Built-in modules are cached under their name as both key parts (name, "path").
  const fromString = fn("PyUnicode_FromString");
  const clearExtension = fn("_PyImport_ClearExtension");
  const decRef = fn("Py_DecRef");
  const errorOccurred = fn("PyErr_Occurred");
  const clearError = fn("PyErr_Clear");
  for (const name of names) {
    const cString: number = module.stringToNewUTF8(name);
    const object = fromString(cString);
    module._free(cString);
    if (object === 0) {
      clearError();
      throw new Error(`[sandbox] [python] could not make the string ${name}`);
    }
    const status = clearExtension(object, object);
    decRef(object);
    if (status < 0 || errorOccurred() !== 0) {
      clearError();
      throw new Error(`[sandbox] [python] could not remove ${name} from the extension cache`);
    }
  }
}

/**
 * From now on, WebAssembly that declares itself a shared library (its first section is the
 * `dylink.0` custom section, which Emscripten requires before it links a library) cannot be
 * compiled in this worker. Pyodide keeps compiling small modules of its own at run time (wrappers
 * that put JavaScript functions into the function table), so compilation as such stays on.
 */
export function sealWebAssembly(): void {
  const wasm = WebAssembly as unknown as Record<string, unknown>;
  const check = (source: unknown) => {
    if (isSharedLibrary(source))
      throw new WebAssembly.CompileError("[sandbox] loading shared libraries is disabled in the sandbox");
  };
  const Module = wasm.Module as new (bytes: unknown) => object;
  wasm.Module = new Proxy(Module, {
    construct(target, args: unknown[], newTarget) {
      check(args[0]);
      return Reflect.construct(target, args, newTarget);
    },
  });
  for (const name of ["compile", "instantiate", "validate"]) {
    const original = wasm[name] as (...args: unknown[]) => unknown;
    wasm[name] = function sealed(this: unknown, ...args: unknown[]) {
      if (name === "validate") {
        if (isSharedLibrary(args[0])) return false;
      } else if (isSharedLibrary(args[0])) {
        return Promise.reject(
          new WebAssembly.CompileError("[sandbox] loading shared libraries is disabled in the sandbox"),
        );
      }
      return original.apply(this, args);
    };
  }
  for (const name of ["compileStreaming", "instantiateStreaming"]) {
    if (typeof wasm[name] === "function")
      wasm[name] = () =>
        Promise.reject(new WebAssembly.CompileError("[sandbox] streaming compilation is disabled"));
  }
}

/** Whether `source` (bytes) is a WebAssembly binary whose first section is `dylink.0` or `dylink`. */
export function isSharedLibrary(source: unknown): boolean {
  let bytes: Uint8Array;
  if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (ArrayBuffer.isView(source))
    bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  else return false;
  let at = 8;
  const leb = (): number => {
    let value = 0;
    for (let shift = 0; at < bytes.length && shift < 35; shift += 7) {
      const byte = bytes[at++]!;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    return -1;
  };
  if (bytes.length < 10 || bytes[at++] !== 0) return false; // the first section is not custom
  if (leb() < 0) return false;
  const length = leb();
  if (length < 0) return false;
  const name = Buffer.from(bytes.subarray(at, at + length)).toString("latin1");
  return name === "dylink.0" || name === "dylink";
}
