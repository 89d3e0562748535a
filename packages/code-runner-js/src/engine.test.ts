import { DEFAULT_LIMITS, type JsonValue, type Limits, type SandboxPool } from "@gateway/sandbox-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJavaScriptRunner } from "./index.ts";

let runner: SandboxPool;
beforeAll(async () => {
  runner = createJavaScriptRunner({ workers: 2, queue: 50 });
  await runner.start();
});
afterAll(async () => {
  await runner?.dispose();
});

const MB = 1024 * 1024;
const run = (code: string, limits: Partial<Limits> = {}, input?: JsonValue) =>
  runner.execute({
    code,
    limits: { ...DEFAULT_LIMITS, ...limits },
    ...(input === undefined ? {} : { input }),
  });

describe("semantics", () => {
  it("supports modern JavaScript", async () => {
    const result = await run(`
      class Counter { #n = 0; static zero = 0; inc() { return ++this.#n; } }
      function* gen() { yield 1; yield 2; }
      async function later(x) { return x * 2; }
      const { a, ...rest } = { a: 1, b: 2, c: 3 };
      const [first, ...others] = [...gen(), 3];
      const m = /(?<year>\\d{4})-(?<month>\\d{2})/.exec("2024-05");
      const map = new Map([["k", 1]]);
      const set = new Set([1, 1, 2]);
      [
        new Counter().inc(),
        a, rest, first, others,
        await later(21),
        \`t\${1 + 1}\`,
        ({ x: { y: null } }).x?.y?.z ?? "none",
        (2n ** 64n).toString(),
        m.groups.year,
        map.get("k"), set.size,
        JSON.parse('{"j":true}').j,
        new Date(0).toISOString(),
        [3, 1, 2].toSorted(),
        ((x) => x + 1)(1),
      ]`);
    expect(result.status).toBe("ok");
    expect(result.result).toEqual([
      1,
      1,
      { b: 2, c: 3 },
      1,
      [2, 3],
      42,
      "t2",
      "none",
      "18446744073709551616",
      "2024",
      1,
      2,
      true,
      "1970-01-01T00:00:00.000Z",
      [1, 2, 3],
      2,
    ]);
  });

  it("awaits top-level await and a returned promise", async () => {
    expect((await run("const v = await Promise.resolve(20); v + 1")).result).toBe(21);
    expect((await run("(async () => 'later')()")).result).toBe("later");
    expect((await run("Promise.reject(new RangeError('no'))")).error).toMatchObject({
      type: "RangeError",
      message: "no",
    });
  });

  it("runs timers, intervals and microtasks in order, bounded by the wall limit", async () => {
    const result = await run(`
      const order = [];
      setTimeout(() => order.push("t100"), 100);
      setTimeout(() => order.push("t0"), 0);
      const never = setTimeout(() => order.push("cleared"), 5);
      clearTimeout(never);
      queueMicrotask(() => order.push("micro"));
      let n = 0;
      await new Promise((resolve) => {
        const id = setInterval(() => { order.push("i" + ++n); if (n === 3) { clearInterval(id); resolve(); } }, 1);
      });
      await new Promise((resolve) => setTimeout(resolve, 120));
      order`);
    expect(result.status).toBe("ok");
    expect(result.result).toEqual(["micro", "t0", "i1", "i2", "i3", "t100"]);
  });

  it("exposes input as a global", async () => {
    expect((await run("input.a + input.b.length", {}, { a: 1, b: [1, 2] })).result).toBe(3);
    expect((await run("typeof input")).result).toBe("undefined");
  });

  it("formats console output readably", async () => {
    const result = await run(`
      console.log("s", 1, true, null, undefined, 2n);
      console.info({ a: 1, b: "x", c: [1, 2], d: { e: { f: { g: 1 } } } });
      console.debug(new Map([["k", 1]]), new Set([1]), [1, [2, [3, [4]]]]);
      console.log("%s is %d", "n", 42);
      console.warn(new Error("w").message);
      console.error(function named() {}, class K {}, Symbol("s"));
      const cyc = { name: "c" }; cyc.self = cyc; console.log(cyc);`);
    expect(result.status).toBe("ok");
    expect(result.stdout).toBe(
      [
        "s 1 true null undefined 2n",
        "{ a: 1, b: 'x', c: [ 1, 2 ], d: { e: { f: [Object] } } }",
        "Map(1) { 'k' => 1 } Set(1) { 1 } [ 1, [ 2, [ 3, [Array] ] ] ]",
        "n is 42",
        "{ name: 'c', self: [Circular] }",
        "",
      ].join("\n"),
    );
    expect(result.stderr).toBe("w\n[Function: named] [class K] Symbol(s)\n");
  });

  it("substitutes format specifiers and quotes keys and strings like Node", async () => {
    const result = await run(String.raw`
      console.log("100%% %s %s", "a");
      console.log("%j and %o", { a: 1 }, [2]);
      console.log("%d%i%f", "4", 5.7, "6.5");
      console.log("no format", "%s");
      console.log({ "a-b": 1, $x: 2, _y: 3, "1a": 4, "": 5 });
      console.log(["it's", "a\\b", "l1\nl2"]);`);
    expect(result.stdout).toBe(
      [
        "100% a %s",
        '{"a":1} and [ 2 ]',
        "456.5",
        "no format %s",
        "{ 'a-b': 1, $x: 2, _y: 3, '1a': 4, '': 5 }",
        String.raw`[ 'it\'s', 'a\\b', 'l1\nl2' ]`,
        "",
      ].join("\n"),
    );
  });

  it("formats with the built-ins it captured before the code ran", async () => {
    const result = await run(
      "Object.keys = () => { throw new Error('replaced'); };\nglobalThis.eval = null;\nconsole.log({ a: 1 }); new Map([['k', 1]])",
    );
    expect(result.status).toBe("ok");
    expect(result.stdout).toBe("{ a: 1 }\n");
    expect(result.result).toEqual({ k: 1 });
  });

  it("converts results to JSON faithfully", async () => {
    const cases: [string, JsonValue | undefined][] = [
      ["undefined", undefined],
      ["({ a: undefined, b: 1 })", { b: 1 }],
      ["10n ** 20n", "100000000000000000000"],
      ["new Map([['a', 1], ['b', new Set([1, 2])]])", { a: 1, b: [1, 2] }],
      ["new Map([[{}, 1]])", [[{}, 1]]],
      ["new Date(Date.UTC(2020, 0, 2))", "2020-01-02T00:00:00.000Z"],
      ["const o = { n: 1 }; o.me = o; o", { n: 1, me: "[Circular]" }],
      ["({ f() {} }).f", "[Function: f]"],
      ["[NaN, Infinity, -0]", ["NaN", "Infinity", 0]],
      ["new Uint8Array([1, 2])", [1, 2]],
      ["'text'", "text"],
      ["null", null],
    ];
    for (const [code, expected] of cases) {
      const result = await run(code);
      expect(result.status, code).toBe("ok");
      if (expected === undefined) expect(result).not.toHaveProperty("result");
      else expect(result.result, code).toEqual(expected);
    }
  });

  it("reports errors with line numbers in the user's code", async () => {
    const thrown = await run("const x = 1;\n\nfunction f() {\n  throw new TypeError('bad ' + x);\n}\nf();");
    expect(thrown.status).toBe("error");
    expect(thrown.error).toMatchObject({ type: "TypeError", message: "bad 1" });
    expect(thrown.error?.stack).toContain("main.js:4");
    expect(thrown.error?.stack).not.toContain("prelude");
    const inTimer = await run("setTimeout(() => {\n  undefinedName;\n}, 1);");
    expect(inTimer.error).toMatchObject({ type: "ReferenceError" });
    expect(inTimer.error?.stack).toContain("main.js:2");
    const syntax = await run("let ok = 1;\nlet = = 2;");
    expect(syntax.error?.type).toBe("SyntaxError");
    expect(syntax.error?.stack).toContain("main.js:2");
    expect((await run("throw 'plain'")).error).toMatchObject({ type: "Error", message: "Uncaught 'plain'" });
  });
});

describe("limits", () => {
  it.each([
    ["while (true) {}"],
    ["try { while (true) {} } catch {}"],
    ["for (;;) await null"],
    ["for (;;) { try { for (;;) {} } finally { continue; } }"],
  ])("stops %s at the CPU limit near 100 ms", async (code) => {
    const result = await run(code);
    expect(result.status).toBe("cpu_limit");
    expect(result.metrics.cpuMs).toBeGreaterThanOrEqual(100);
    expect(result.metrics.cpuMs).toBeLessThan(400);
  });

  const bombs = [
    ["growing arrays", "const a = []; for (;;) a.push(new Array(1e5).fill(0.5));"],
    ["long strings", "let s = 'x'.repeat(1 << 20); const keep = []; for (;;) { keep.push(s); s = s + 'y'; }"],
    ["typed arrays", "const a = []; for (;;) a.push(new Uint8Array(1e6));"],
    ["one huge allocation", "new ArrayBuffer(512 * 1024 * 1024)"],
  ];
  /** Linear memory beyond the memory limit: static data and the 1 MiB stack, in whole pages (engine.ts). */
  const RESERVED = 1.25 * MB;

  it.each(bombs)(
    "stops %s at a lowered memory limit under the default CPU limit, and the next run succeeds",
    async (_name, code) => {
      const result = await run(code!, { memoryBytes: 12 * MB });
      expect(result.status).toBe("memory_limit");
      expect(result.error?.type).toBe("MemoryLimitExceeded");
      expect(result.metrics.peakMemoryBytes).toBeLessThanOrEqual(12 * MB + RESERVED);
      expect((await run("[1, 2].length", { memoryBytes: 12 * MB })).result).toBe(2);
    },
  );

  // Filling memory costs CPU: on a 2-core VM each fresh page costs microseconds to fault in, so
  // reaching 128 MB takes more than the default 100 ms for bombs that write what they allocate.
  // Whatever ends them first, none gets past its memory limit, and the pool serves on.
  it.each(bombs)(
    "holds %s to the default limits, ending at whichever it reaches first",
    async (name, code) => {
      const result = await run(code!);
      expect(["memory_limit", "cpu_limit"]).toContain(result.status);
      if (name === "one huge allocation") expect(result.status).toBe("memory_limit");
      if (result.metrics.peakMemoryBytes !== undefined) {
        expect(result.metrics.peakMemoryBytes).toBeLessThanOrEqual(DEFAULT_LIMITS.memoryBytes + RESERVED);
      }
      expect((await run("[1, 2].length")).result).toBe(2);
    },
  );

  it("reports the memory limit when an allocation fails after the CPU limit ran out", async () => {
    // Each 2 MB typed array is one long built-in call, and QuickJS polls its interrupt handler only
    // every many thousand bytecodes: the guest runs past its 1 ms of CPU until an allocation fails.
    const result = await run("const a = []; for (;;) a.push(new Uint8Array(2e6));", {
      memoryBytes: 24 * MB,
      cpuMs: 1,
    });
    expect(result.status).toBe("memory_limit");
    expect(result.metrics.cpuMs).toBeGreaterThan(1);
  });

  it("gives a memory limit above the server maximum an instance of its own", async () => {
    const small = createJavaScriptRunner({ workers: 1, maxMemoryBytes: 16 * MB });
    try {
      await small.start();
      const bomb = "const a = []; for (;;) a.push(new Uint8Array(1e6));";
      const within = await small.execute({
        code: bomb,
        limits: { ...DEFAULT_LIMITS, memoryBytes: 16 * MB, cpuMs: 5_000 },
      });
      expect(within.status).toBe("memory_limit");
      expect(within.metrics.peakMemoryBytes).toBeLessThanOrEqual(16 * MB + RESERVED);
      const above = await small.execute({
        code: bomb,
        limits: { ...DEFAULT_LIMITS, memoryBytes: 40 * MB, cpuMs: 5_000 },
      });
      expect(above.status).toBe("memory_limit");
      expect(above.metrics.peakMemoryBytes).toBeGreaterThan(16 * MB + RESERVED);
      expect(above.metrics.peakMemoryBytes).toBeLessThanOrEqual(40 * MB + RESERVED);
    } finally {
      await small.dispose();
    }
  });

  it("makes deep recursion a guest error", async () => {
    const result = await run("function down(n) { return down(n + 1) + 1; }\ndown(0);", { cpuMs: 5_000 });
    expect(result.status).toBe("error");
    expect(result.error?.message).toMatch(/stack overflow/i);
    const caught = await run("function d() { d(); }\ntry { d(); } catch (e) { 'caught ' + e.name }", {
      cpuMs: 5_000,
    });
    expect(caught.result).toMatch(/^caught /);
    const deepJson = await run("JSON.parse('['.repeat(100000) + ']'.repeat(100000))", { cpuMs: 5_000 });
    expect(deepJson.status).toBe("error");
  });

  it.each([
    ["deeply nested source", "eval('('.repeat(100000) + '1' + ')'.repeat(100000))"],
    ["deep JSON.stringify", "let a = []; for (let i = 0; i < 3000; i++) a = [a]; JSON.stringify(a)"],
    ["deep Array toString", "let a = []; for (let i = 0; i < 100000; i++) a = [a]; String(a)"],
    ["deeply nested regular expression", "new RegExp('(?:'.repeat(100000) + 'a' + ')'.repeat(100000))"],
    ["backtracking regular expression", "/^(a|b)*$/.test('ab'.repeat(100000))"],
    ["deep structuredClone-like copy", "const f = (n) => n ? { n: f(n - 1) } : {}; f(100000)"],
  ])("keeps %s within the instance's stack", async (_name, code) => {
    const result = await run(code, { cpuMs: 5_000 });
    expect(["ok", "error"]).toContain(result.status);
    if (result.status === "error") expect(result.error?.type).not.toBe("SandboxCrashed");
    expect((await run("6 * 7")).result).toBe(42);
  });

  it("stops an output flood at 1 MB with truncated set", async () => {
    const result = await run("for (;;) console.log('0123456789'.repeat(10));", { cpuMs: 10_000 });
    expect(result.status).toBe("output_limit");
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(MB);
    expect(Buffer.byteLength(result.stdout)).toBeGreaterThan(MB - 200);
    const bigResult = await run("'x'.repeat(2 * 1024 * 1024)", { cpuMs: 10_000 });
    expect(bigResult.status).toBe("output_limit");
    expect(bigResult).not.toHaveProperty("result");
  });

  it("ends a 60-second setTimeout at the wall limit", async () => {
    const result = await run("setTimeout(() => console.log('late'), 60_000); 'started'", { wallMs: 300 });
    expect(result.status).toBe("timeout");
    expect(result.stdout).toBe("");
    expect(result.metrics.wallMs).toBeGreaterThanOrEqual(290);
    expect(result.metrics.wallMs).toBeLessThan(3_000);
  });

  it("rejects code over 10 KB before instantiating anything", async () => {
    const result = await run(`// ${"x".repeat(10 * 1024)}\n1`);
    expect(result.status).toBe("rejected");
    expect(result.error?.type).toBe("CodeTooLarge");
    expect(result.metrics.instantiationMs).toBe(0);
  });
});

describe("isolation", () => {
  it("reaches nothing on the host", async () => {
    const probes = [
      "typeof require",
      "typeof process",
      "typeof fetch",
      "typeof globalThis.constructor.constructor('return typeof process')()",
      "globalThis.constructor.constructor('return typeof process')()",
      "typeof __write + typeof __timer + typeof __clear + typeof __load",
      "typeof document + typeof window + typeof navigator",
    ];
    for (const code of probes) {
      const result = await run(code);
      expect(result.status, code).toBe("ok");
      expect(result.result, code).toMatch(/^(undefined)+$|^string$/);
    }
    const imported = await run("await import('fs')");
    expect(imported.status).toBe("error");
    expect(imported.error?.message).toMatch(/fs/);
    const statically = await run("import fs from 'fs';\nfs");
    expect(statically.status).toBe("error");
    expect(statically.error?.type).toBe("SyntaxError");
  });

  it("gives every execution a fresh global scope", async () => {
    await run("globalThis.secret = 'leak'; Array.prototype.evil = 1; 0");
    for (let i = 0; i < 4; i++) {
      const result = await run("[typeof secret, [].evil]");
      expect(result.result).toEqual(["undefined", null]);
    }
  });
});
