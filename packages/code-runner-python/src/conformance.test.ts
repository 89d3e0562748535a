import { testRunner } from "@gateway/sandbox-core/conformance";
import { inject } from "vitest";
import { createPythonRunner } from "./index.ts";

testRunner({
  name: "python",
  createRunner: (options) => createPythonRunner({ snapshotPath: inject("pythonSnapshot"), ...options }),
  snippets: {
    ok: { code: "1 + 1", result: 2 },
    echoInput: "input",
    print: {
      code: "import sys\nprint('out')\nprint('err', file=sys.stderr)\n1",
      stdout: "out\n",
      stderr: "err\n",
    },
    error: { code: "a = 1\nb = 2\nraise TypeError('boom')", type: "TypeError", line: 3 },
    infiniteLoop: "while True:\n    pass",
    memoryBomb: "keep = []\nwhile True:\n    keep.append(bytearray(10**6))",
    outputFlood: "while True:\n    print('flood ' * 20)",
    sleepForever: "import asyncio\nawait asyncio.sleep(600)",
    setGlobal:
      "import builtins, sys\nbuiltins.leak = 42\nsys.modules['leaky'] = sys\nopen('/tmp/leak', 'w').write('x')\n0",
    readGlobal:
      "import builtins, os, sys\nhasattr(builtins, 'leak') or 'leaky' in sys.modules or os.path.exists('/tmp/leak')",
  },
});
