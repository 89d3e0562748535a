/**
 * The test engine's `sharedInit` (bundled to `dist/test-shared.mjs`): runs once per sandbox
 * process and hands every worker a random token, the thread it ran on, and a compiled
 * `WebAssembly.Module` whose `answer` export returns 42.
 */
import { randomUUID } from "node:crypto";
import { threadId } from "node:worker_threads";
import type { SharedInit } from "../engine.ts";
import type { TestEngineInit } from "./test-engine.ts";

export interface TestShared {
  token: string;
  threadId: number;
  /** A `WebAssembly.Module`. */
  module: object;
}

/** The part of the WebAssembly global these tests use (TypeScript's ES lib does not declare it). */
export const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      compile(bytes: Uint8Array): Promise<object>;
      Instance: new (module: object) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

/** `(module (func (export "answer") (result i32) i32.const 42))` */
const ANSWER_WASM = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7f, // type section: () -> i32
  0x03,
  0x02,
  0x01,
  0x00, // function section: one function of type 0
  0x07,
  0x0a,
  0x01,
  0x06,
  0x61,
  0x6e,
  0x73,
  0x77,
  0x65,
  0x72,
  0x00,
  0x00, // export "answer"
  0x0a,
  0x06,
  0x01,
  0x04,
  0x00,
  0x41,
  0x2a,
  0x0b, // code: i32.const 42
]);

export const sharedInit: SharedInit<TestEngineInit, TestShared> = async (init) => {
  if (init.failSharedInit) throw new Error("the test engine's sharedInit was told to fail");
  return { token: randomUUID(), threadId, module: await wasm.compile(ANSWER_WASM) };
};
