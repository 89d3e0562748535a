import { testRunner } from "@gateway/sandbox-core/conformance";
import { createJavaScriptRunner } from "./index.ts";

testRunner({
  name: "javascript",
  createRunner: (options) => createJavaScriptRunner(options),
  snippets: {
    ok: { code: "1 + 1", result: 2 },
    echoInput: "input",
    print: { code: "console.log('out'); console.error('err'); 1", stdout: "out\n", stderr: "err\n" },
    error: { code: "const a = 1;\nconst b = 2;\nnull.boom;", type: "TypeError", line: 3 },
    infiniteLoop: "while (true) {}",
    memoryBomb: "const keep = []; for (;;) keep.push(new Array(1e5).fill(1.5));",
    outputFlood: "for (;;) console.log('flood '.repeat(20));",
    sleepForever: "await new Promise((resolve) => setTimeout(resolve, 600_000));",
    setGlobal: "globalThis.leak = 42; Object.prototype.polluted = 1; 0",
    readGlobal: "typeof leak !== 'undefined' || ({}).polluted !== undefined",
  },
});
