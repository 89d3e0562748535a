/** Vitest global set-up: the sandbox runs bundled scripts, so build them before the tests. */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  for (const pkg of ["../../../sandbox-core", "../../../code-runner-js", "../../../code-runner-python"]) {
    execFileSync("pnpm", ["run", "--silent", "build"], {
      cwd: fileURLToPath(new URL(pkg, import.meta.url)),
      stdio: "inherit",
    });
  }
}
