import { build } from "esbuild";

/**
 * Bundles a sandbox script (the host, or an engine's worker entry) into one ES module file, so
 * the sandbox process only needs read access to that file (plus the runtime's own data files).
 */
export async function bundleSandboxScript(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    legalComments: "none",
    // Bundled CommonJS code may call require() for Node built-ins.
    banner: {
      js: 'import { createRequire as __sandboxRequire } from "node:module"; const require = __sandboxRequire(import.meta.url);',
    },
  });
}
