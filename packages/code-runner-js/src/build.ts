/** `pnpm build`: bundles the sandbox worker entry into `dist/worker.mjs`. */
import { fileURLToPath } from "node:url";
import { bundleSandboxScript } from "@gateway/sandbox-core/bundle";

await bundleSandboxScript(
  fileURLToPath(new URL("./worker.ts", import.meta.url)),
  fileURLToPath(new URL("../dist/worker.mjs", import.meta.url)),
);
