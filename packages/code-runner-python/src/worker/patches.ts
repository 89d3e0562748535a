/**
 * Changes to the worker's JavaScript globals that must be in place before Pyodide loads:
 * a memory cap on WebAssembly memory growth, tracked timers (so nothing scheduled by one execution
 * runs in the next), a no-op FinalizationRegistry (a finalizer firing after an in-place restore
 * would free Python objects of the restored image), capture of the wasm instance and of the JS
 * reference table's dedup map, and the `process.binding('constants')` shim Pyodide's NODEFS needs
 * under Node's permission model.
 */
import fs from "node:fs";

/** Caps the guest's linear memory: `grow` past `limitBytes` throws, which Python sees as MemoryError. */
export interface MemoryGuard {
  limitBytes: number;
  /** Set when a growth was refused since the last reset. */
  refused: boolean;
  peakBytes: number;
}

/** Timers started through the worker's globals, cancelled together at each restore. */
export interface TimerTracker {
  /** Called around every timer callback (guest code runs inside them): CPU accounting. */
  hooks: { before(): void; after(): void };
  pending(): number;
  /** Cancels every pending timer; callbacks already queued from before are dropped too. */
  clearAll(): void;
}

export interface Captured {
  instance?: WebAssembly.Instance;
  /** The latest `Map` Pyodide created to deduplicate JS references. */
  dedupMap?: Map<unknown, number>;
}

export interface Patches {
  memory: MemoryGuard;
  timers: TimerTracker;
  captured: Captured;
  /** The timer functions as they were, for the engine's own use. */
  realSetTimeout: typeof setTimeout;
  realClearTimeout: typeof clearTimeout;
  realSetImmediate: typeof setImmediate;
}

const PAGE = 65_536;

/**
 * `wasmModule`: Pyodide's binary, already compiled (by the sandbox process, once): Pyodide still
 * reads the file, but its instance comes from this module instead of a compilation of its own.
 */
export function installPatches(wasmModule?: WebAssembly.Module): Patches {
  const memory: MemoryGuard = { limitBytes: Number.POSITIVE_INFINITY, refused: false, peakBytes: 0 };
  const grow = WebAssembly.Memory.prototype.grow;
  WebAssembly.Memory.prototype.grow = function guardedGrow(this: WebAssembly.Memory, delta: number) {
    const next = this.buffer.byteLength + delta * PAGE;
    if (next > memory.limitBytes) {
      memory.refused = true;
      throw new RangeError("[sandbox] [python] memory limit reached");
    }
    const previous = grow.call(this, delta);
    memory.peakBytes = Math.max(memory.peakBytes, next);
    return previous;
  };

  const captured: Captured = {};
  const instantiate = WebAssembly.instantiate;
  const wrapped = async (source: unknown, imports?: WebAssembly.Imports) => {
    const env = imports?.env as Record<string, unknown> | undefined;
    const dedupNew = env?.__hiwire_deduplicate_new;
    if (env && typeof dedupNew === "function") {
      env.__hiwire_deduplicate_new = () => {
        const map = dedupNew() as Map<unknown, number>;
        captured.dedupMap = map;
        return map;
      };
    }
    // biome-ignore lint/suspicious/noExplicitAny: the overloads of instantiate do not narrow here
    const call = instantiate as any;
    if (wasmModule && !captured.instance && !(source instanceof WebAssembly.Module)) {
      // Pyodide's own binary, the first instantiation: Pyodide passes the file's bytes and expects
      // `{ instance, module }` back. Later ones (shared libraries) are left alone.
      const instance = (await call(wasmModule, imports)) as WebAssembly.Instance;
      captured.instance = instance;
      return { instance, module: wasmModule };
    }
    const result = await call(source, imports);
    captured.instance = result instanceof WebAssembly.Instance ? result : result.instance;
    return result;
  };
  WebAssembly.instantiate = wrapped as typeof WebAssembly.instantiate;

  class NoFinalization {
    register(): void {}
    unregister(): boolean {
      return false;
    }
  }
  (globalThis as { FinalizationRegistry: unknown }).FinalizationRegistry = NoFinalization;

  shimProcessBinding();

  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const realSetImmediate = globalThis.setImmediate;
  return { memory, timers: trackTimers(), captured, realSetTimeout, realClearTimeout, realSetImmediate };
}

function trackTimers(): TimerTracker {
  const g = globalThis as unknown as Record<string, (...args: unknown[]) => unknown>;
  const real = {
    setTimeout: g.setTimeout!,
    clearTimeout: g.clearTimeout!,
    setInterval: g.setInterval!,
    clearInterval: g.clearInterval!,
    setImmediate: g.setImmediate!,
    clearImmediate: g.clearImmediate!,
  };
  const live = new Map<unknown, (handle: unknown) => unknown>();
  let generation = 0;
  const tracker: TimerTracker = {
    hooks: { before() {}, after() {} },
    pending: () => live.size,
    clearAll() {
      generation++;
      for (const [handle, clear] of live) clear(handle);
      live.clear();
    },
  };
  const wrap = (fn: unknown, once: boolean, handleOf: () => unknown) => {
    const born = generation;
    return (...args: unknown[]) => {
      if (born !== generation || typeof fn !== "function") return;
      if (once) live.delete(handleOf());
      tracker.hooks.before();
      try {
        fn(...args);
      } finally {
        tracker.hooks.after();
      }
    };
  };
  const schedule = (start: string, stop: string, once: boolean) => {
    g[start] = (fn: unknown, ...rest: unknown[]) => {
      let handle: unknown;
      handle = real[start as keyof typeof real](
        wrap(fn, once, () => handle),
        ...rest,
      );
      live.set(handle, real[stop as keyof typeof real]);
      return handle;
    };
    g[stop] = (handle: unknown) => {
      live.delete(handle);
      return real[stop as keyof typeof real](handle);
    };
  };
  schedule("setTimeout", "clearTimeout", true);
  schedule("setInterval", "clearInterval", false);
  schedule("setImmediate", "clearImmediate", true);
  return tracker;
}

/** Pyodide's NODEFS set-up calls `process.binding('constants')`, which the permission model denies. */
export function shimProcessBinding(): void {
  const proc = process as unknown as { binding(name: string): unknown };
  const binding = proc.binding?.bind(process);
  proc.binding = (name: string) => (name === "constants" ? { fs: fs.constants } : binding?.(name));
}
