import type { ExecutionResult, SandboxPool } from "@gateway/sandbox-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRunner } from "./testing/runner.ts";

let runner: SandboxPool;
let run: Awaited<ReturnType<typeof startTestRunner>>["run"];

beforeAll(async () => {
  ({ runner, run } = await startTestRunner());
});
afterAll(async () => {
  await runner?.dispose();
});

const ok = (result: ExecutionResult) => {
  expect(result.error).toBeUndefined();
  expect(result.status).toBe("ok");
  return result.result;
};

describe("the pre-imported standard library", () => {
  const cases: [string, string, unknown][] = [
    ["json", "import json\njson.loads('{\"a\": [1, 2]}')['a'][1]", 2],
    [
      "re",
      "import re\nre.findall(r'(\\w+)@(\\w+)\\.com', 'ann@x.com, bob@y.com')",
      [
        ["ann", "x"],
        ["bob", "y"],
      ],
    ],
    ["math", "import math\nround(math.sqrt(2) * math.pi, 6)", 4.442883],
    [
      "datetime",
      "from datetime import date, timedelta\n(date(2024, 2, 28) + timedelta(days=2)).isoformat()",
      "2024-03-01",
    ],
    [
      "statistics",
      "import statistics\n[statistics.median([3, 1, 4, 1, 5]), statistics.pstdev([2, 4, 4, 4, 5, 5, 7, 9])]",
      [3, 2],
    ],
    [
      "decimal",
      "from decimal import Decimal, ROUND_HALF_UP\n(Decimal('1000') * Decimal('1.035') ** 3).quantize(Decimal('0.01'), ROUND_HALF_UP)",
      "1108.72",
    ],
    ["fractions", "from fractions import Fraction\nstr(Fraction(1, 3) + Fraction(1, 6))", "1/2"],
    [
      "collections",
      "from collections import Counter\nCounter('mississippi').most_common(2)",
      [
        ["i", 4],
        ["s", 4],
      ],
    ],
    ["itertools", "import itertools\nlist(itertools.accumulate([1, 2, 3, 4]))", [1, 3, 6, 10]],
    ["functools", "import functools\nfunctools.reduce(lambda a, b: a * b, range(1, 6))", 120],
    [
      "csv",
      "import csv, io\nlist(csv.DictReader(io.StringIO('name,qty\\npen,3\\ncup,2\\n')))[1]",
      { name: "cup", qty: "2" },
    ],
    ["io", "import io\nb = io.BytesIO()\nb.write(b'abc')\nb.getvalue().decode()", "abc"],
    ["string", "import string\nstring.Template('Hi $who').substitute(who='Ada')", "Hi Ada"],
    [
      "textwrap",
      "import textwrap\ntextwrap.wrap('the quick brown fox jumps', width=10)",
      ["the quick", "brown fox", "jumps"],
    ],
    ["random", "import random\nr = random.Random(7)\nlen(set(r.sample(range(100), 10)))", 10],
    ["hashlib", "import hashlib\nhashlib.sha256(b'abc').hexdigest()[:16]", "ba7816bf8f01cfea"],
    ["base64", "import base64\nbase64.b64encode(b'gateway').decode()", "Z2F0ZXdheQ=="],
    [
      "dataclasses",
      "from dataclasses import dataclass, asdict\n@dataclass\nclass P:\n    x: int\n    y: int = 2\nasdict(P(1))",
      { x: 1, y: 2 },
    ],
    [
      "typing",
      "from typing import NamedTuple\nclass Pt(NamedTuple):\n    x: int\n    y: int\nPt(1, 2)._asdict()",
      { x: 1, y: 2 },
    ],
    [
      "asyncio",
      "import asyncio\nasync def twice(x):\n    await asyncio.sleep(0.001)\n    return x * 2\nawait asyncio.gather(twice(1), twice(2))",
      [2, 4],
    ],
  ];
  it.each(cases)("%s", async (_name, code, expected) => {
    expect(ok(await run(code))).toEqual(expected);
  });

  it.each([
    [
      "sqlite3",
      "import sqlite3\ndb = sqlite3.connect(':memory:')\ndb.execute('create table t(x)')\ndb.executemany('insert into t values (?)', [(1,), (2,)])\ndb.execute('select sum(x) from t').fetchone()[0]",
      3,
    ],
    ["lzma", "import lzma\nlzma.decompress(lzma.compress(b'abc' * 100)) == b'abc' * 100", true],
  ])("%s (not pre-imported, but present)", async (_name, code, expected) => {
    expect(ok(await run(code))).toEqual(expected);
  });
});

describe("semantics", () => {
  it("returns the last expression, prints to stdout and stderr", async () => {
    const result = await run(
      "import sys\nprint('a', 1)\nprint('warn', file=sys.stderr)\nsys.stdout.write('partial')\nx = 20\nx + 22",
    );
    expect(ok(result)).toBe(42);
    expect(result.stdout).toBe("a 1\npartial");
    expect(result.stderr).toBe("warn\n");
  });

  it("has no result for a statement or None", async () => {
    expect(ok(await run("x = 1"))).toBeUndefined();
    expect(ok(await run("None"))).toBeUndefined();
  });

  it("exposes the request's input as the global `input`", async () => {
    expect(ok(await run("input['a'] + sum(input['b'])", { input: { a: 1, b: [2, 3] } }))).toBe(6);
    expect(ok(await run("input is None"))).toBe(true);
  });

  it("converts results to JSON faithfully", async () => {
    const code = [
      "from decimal import Decimal",
      "import datetime",
      "class Thing:\n    def __repr__(self):\n        return 'Thing()'",
      "{'tuple': (1, 2), 'set': {3}, 'big': 2**64, 'neg_big': -(2**60), 'safe': 2**53 - 1,",
      " 'dec': Decimal('0.10'), 'dt': datetime.datetime(2024, 5, 6, 7, 8, 9), 'd': datetime.date(2024, 1, 2),",
      " 'obj': Thing(), 1: 'int key', 'nan': float('nan'), 'f': 1.5, 'nested': [[(None, True)]]}",
    ].join("\n");
    expect(ok(await run(code))).toEqual({
      tuple: [1, 2],
      set: [3],
      big: "18446744073709551616",
      neg_big: "-1152921504606846976",
      safe: 9007199254740991,
      dec: "0.10",
      dt: "2024-05-06T07:08:09",
      d: "2024-01-02",
      obj: "Thing()",
      "1": "int key",
      nan: null,
      f: 1.5,
      nested: [[[null, true]]],
    });
  });

  it("reports tracebacks with the user's lines and no Pyodide frames", async () => {
    const result = await run(
      "def inner():\n    return {}['missing']\n\ndef outer():\n    return inner()\n\nouter()",
    );
    expect(result.status).toBe("error");
    expect(result.error?.type).toBe("KeyError");
    const stack = result.error?.stack ?? "";
    expect(stack).toContain('File "<code>", line 7, in <module>');
    expect(stack).toContain('File "<code>", line 5, in outer');
    expect(stack).toContain('File "<code>", line 2, in inner');
    expect(stack).not.toMatch(/_pyodide|pyodide\/|\/lib\/python|_gateway_runner/);
  });

  it("reports a syntax error with its line", async () => {
    const result = await run("x = 1\ny = (2\n");
    expect(result.status).toBe("error");
    expect(result.error?.type).toBe("SyntaxError");
    expect(result.error?.stack).toMatch(/line 2/);
  });

  it("ends deep recursion as RecursionError", async () => {
    const result = await run("def f(n):\n    return f(n + 1)\nf(0)", { limits: { cpuMs: 5_000 } });
    expect(result.status).toBe("error");
    expect(result.error?.type).toBe("RecursionError");
    expect(ok(await run("1 + 1"))).toBe(2);
  });

  it("restores a worker whose memory grew within the limit", async () => {
    for (let i = 0; i < 3; i++) {
      const grown = await run(
        "import builtins\nbuiltins.big = bytearray(20 * 1024 * 1024)\nlen(builtins.big)",
      );
      expect(ok(grown)).toBe(20 * 1024 * 1024);
      expect(grown.metrics.peakMemoryBytes).toBeGreaterThan(40 * 1024 * 1024);
      expect(ok(await run("import builtins\nhasattr(builtins, 'big')"))).toBe(false);
    }
  });

  it("answers 50 concurrent executions correctly", async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        run("import math\n[input, math.factorial(input)]", { input: i % 10 }),
      ),
    );
    expect(results.map((r) => r.result)).toEqual(
      Array.from({ length: 50 }, (_, i) => [i % 10, [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880][i % 10]]),
    );
  });
});

describe("limits", () => {
  it("stops `while True: pass` at the CPU limit", async () => {
    const result = await run("while True:\n    pass", { limits: { cpuMs: 100 } });
    expect(result.status).toBe("cpu_limit");
    expect(result.metrics.cpuMs).toBeGreaterThanOrEqual(100);
  });

  it("stops a loop that swallows the interrupt with `except BaseException`", async () => {
    const result = await run(
      "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass",
      { limits: { cpuMs: 100 } },
    );
    expect(result.status).toBe("cpu_limit");
    expect(result.metrics.wallMs - result.metrics.queueMs).toBeLessThan(5_000);
  });

  it("stops a `finally` that re-enters a loop", async () => {
    const result = await run("try:\n    while True:\n        pass\nfinally:\n    while True:\n        pass", {
      limits: { cpuMs: 100 },
    });
    expect(result.status).toBe("cpu_limit");
  });

  it("sleeps for the time asked", async () => {
    const result = await run("import time\nt = time.monotonic()\ntime.sleep(0.05)\ntime.monotonic() - t");
    expect(result.result).toBeGreaterThanOrEqual(0.05);
  });

  it("ends `time.sleep(60)` at the wall limit", async () => {
    const result = await run("import time\ntime.sleep(60)", { limits: { wallMs: 500, cpuMs: 60_000 } });
    expect(result.status).toBe("timeout");
    expect(result.metrics.wallMs - result.metrics.queueMs).toBeLessThan(5_000);
  });

  it("ends `bytearray(200 MiB)` as memory_limit, and the next execution works", async () => {
    const result = await run("b = bytearray(200 * 1024 * 1024)\nlen(b)");
    expect(result.status).toBe("memory_limit");
    expect(result.error?.type).toBe("MemoryLimitExceeded");
    expect(ok(await run("sum(range(10))"))).toBe(45);
  });

  it("ends a growing list as memory_limit", async () => {
    const result = await run("keep = []\nwhile True:\n    keep.append('x' * 100_000)", {
      limits: { cpuMs: 10_000 },
    });
    expect(result.status).toBe("memory_limit");
    expect(ok(await run("'after'"))).toBe("after");
  });

  it("caps an output flood", async () => {
    const outputBytes = 32 * 1024;
    const result = await run("while True:\n    print('x' * 100)", { limits: { outputBytes, cpuMs: 5_000 } });
    expect(result.status).toBe("output_limit");
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(outputBytes);
    expect(Buffer.byteLength(result.stdout)).toBeGreaterThan(outputBytes / 2);
  });

  it("counts a large result against the output limit", async () => {
    const result = await run("'y' * 5000", { limits: { outputBytes: 1000 } });
    expect(result.status).toBe("output_limit");
    expect(result.result).toBeUndefined();
  });
});
