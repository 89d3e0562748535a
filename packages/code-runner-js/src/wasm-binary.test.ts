/// <reference path="./webassembly.d.ts" />
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { WASM_PATH } from "./index.ts";
import { findMemoryImport, findStack, withMemoryMinimum, withStackSize } from "./wasm-binary.ts";

/** A module whose only content is an imported memory `a.b` with these limits bytes. */
const moduleImportingMemory = (limits: number[]) => {
  const entry = [0x01, 0x61, 0x01, 0x62, 0x02, ...limits];
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0, 0x02, entry.length + 1, 0x01, ...entry]);
};

describe("the memory import of a WebAssembly binary", () => {
  it("is found in QuickJS's build, declaring 16 MiB", () => {
    expect(findMemoryImport(readFileSync(WASM_PATH))).toMatchObject({ minimum: 256, maximum: 32_768 });
  });

  it("can be lowered in place, so a smaller memory links", () => {
    const original = readFileSync(WASM_PATH);
    const lowered = withMemoryMinimum(original, 100);
    expect(lowered.length).toBe(original.length);
    expect(findMemoryImport(lowered)).toMatchObject({ minimum: 100, maximum: 32_768 });
    expect(findMemoryImport(original)?.minimum).toBe(256); // the input is not modified
    const small = { initial: 100, maximum: 200 };
    expect(() => instantiateWithMemory(original, small)).toThrow(/memory/i);
    expect(() => instantiateWithMemory(lowered, small)).not.toThrow(/memory/i);
  });

  it("is rewritten in the bytes its encoding already uses", () => {
    const oneByte = moduleImportingMemory([0x00, 0x05]);
    expect(findMemoryImport(oneByte)).toMatchObject({ minimum: 5, maximum: undefined, length: 1 });
    const lowered = withMemoryMinimum(oneByte, 3);
    expect(findMemoryImport(lowered)?.minimum).toBe(3);
    expect(WebAssembly.validate(lowered)).toBe(true);
    expect(() => withMemoryMinimum(oneByte, 200)).toThrow(/cannot encode/);
    const padded = withMemoryMinimum(moduleImportingMemory([0x01, 0x80, 0x02, 0x90, 0x03]), 1);
    expect(findMemoryImport(padded)).toMatchObject({ minimum: 1, maximum: 400, length: 2 });
    expect(WebAssembly.validate(padded)).toBe(true);
  });

  it("refuses what is not a WebAssembly binary or imports no memory", () => {
    expect(() => findMemoryImport(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/not a WebAssembly/);
    const empty = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0]);
    expect(findMemoryImport(empty)).toBeUndefined();
    expect(() => withMemoryMinimum(empty, 1)).toThrow(/imports no memory/);
  });
});

const MiB = 1024 * 1024;

describe("the stack of QuickJS's build", () => {
  it("is found: 5 MiB right above the static data, the heap starting at its top", () => {
    const stack = findStack(readFileSync(WASM_PATH));
    expect(stack.size).toBe(5 * MiB);
    expect(stack.top - stack.size).toBeGreaterThan(64 * 1024); // static data below
    expect(stack.top - stack.size).toBeLessThan(128 * 1024);
  });

  it("can be shrunk in place: same bottom, lower top, a binary that still compiles", () => {
    const original = readFileSync(WASM_PATH);
    const before = findStack(original);
    const edited = withStackSize(original, MiB);
    expect(edited.bytes.length).toBe(original.length);
    expect(edited.stack).toEqual({ top: before.top - before.size + MiB, size: MiB });
    expect(findStack(edited.bytes)).toEqual(edited.stack);
    expect(findStack(original)).toEqual(before); // the input is not modified
    expect(WebAssembly.validate(edited.bytes)).toBe(true);
    // Only the four values changed.
    const changed = original.reduce((count, byte, i) => count + (byte === edited.bytes[i] ? 0 : 1), 0);
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(4 * 4);
  });

  it("refuses sizes it cannot write and binaries without that layout", () => {
    const original = readFileSync(WASM_PATH);
    expect(() => withStackSize(original, 1000)).toThrow(/bad stack size/);
    expect(() => withStackSize(original, 0)).toThrow(/bad stack size/);
    expect(() => withStackSize(original, 256 * MiB)).toThrow(/cannot encode/);
    expect(() => findStack(moduleImportingMemory([0x00, 0x05]))).toThrow(/expected one section/);
  });
});

/** Links the module against stub imports and the given memory; throws a LinkError on a mismatch. */
function instantiateWithMemory(bytes: Uint8Array, memory: { initial: number; maximum: number }): void {
  const module = new WebAssembly.Module(bytes);
  const env: Record<string, Record<string, unknown>> = {};
  for (const entry of WebAssembly.Module.imports(module)) {
    env[entry.module] ??= {};
    env[entry.module]![entry.name] = entry.kind === "memory" ? new WebAssembly.Memory(memory) : () => 0;
  }
  try {
    new WebAssembly.Instance(module, env);
  } catch (error) {
    // Only a link failure about the memory is of interest; start-up traps of the stubs are not.
    if (/memory/i.test(String(error))) throw error;
  }
}
