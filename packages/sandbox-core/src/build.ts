/** `pnpm build`: bundles the sandbox host process script into `dist/host.mjs`. */
import { fileURLToPath } from "node:url";
import { bundleSandboxScript } from "./bundle.ts";

await bundleSandboxScript(
  fileURLToPath(new URL("./host/main.ts", import.meta.url)),
  fileURLToPath(new URL("../dist/host.mjs", import.meta.url)),
);
