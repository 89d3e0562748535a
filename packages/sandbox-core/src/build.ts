/** `pnpm build`: bundles the sandbox host process script and the test engine (with its `sharedInit`) into `dist/`. */
import { fileURLToPath } from "node:url";
import { bundleSandboxScript } from "./bundle.ts";

const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

await bundleSandboxScript(path("./host/main.ts"), path("../dist/host.mjs"));
await bundleSandboxScript(path("./testing/test-engine.ts"), path("../dist/test-engine.mjs"));
await bundleSandboxScript(path("./testing/test-shared.ts"), path("../dist/test-shared.mjs"));
