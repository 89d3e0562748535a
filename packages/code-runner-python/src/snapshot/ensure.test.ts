import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PYODIDE_VERSION } from "../paths.ts";
import { ensureSnapshot, snapshotFileName } from "./ensure.ts";

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "python-snapshot-test-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the snapshot cache", () => {
  it("is keyed by the Pyodide release", () => {
    expect(snapshotFileName()).toMatch(
      new RegExp(`^pyodide-${PYODIDE_VERSION.replace(/\./g, "\\.")}-[0-9a-f]{16}\\.snapshot$`),
    );
  });

  it("reuses a snapshot already in the data folder without building", async () => {
    const dir = dataDir();
    mkdirSync(join(dir, "python"));
    const cached = join(dir, "python", snapshotFileName());
    writeFileSync(cached, "cached");
    // A builder that does not exist would fail any build.
    const path = await ensureSnapshot({ dataDir: dir, builderScript: join(dir, "missing.mjs") });
    expect(path).toBe(cached);
    expect(readFileSync(path, "utf8")).toBe("cached");
  });

  it("removes snapshots of other releases when it builds, and reports a failed build", async () => {
    const dir = dataDir();
    mkdirSync(join(dir, "python"));
    const stale = join(dir, "python", "pyodide-0.27.7-0000000000000000.snapshot");
    writeFileSync(stale, "old");
    const failing = join(dir, "fail.mjs");
    writeFileSync(failing, "process.stderr.write('builder broke'); process.exit(3);");
    await expect(ensureSnapshot({ dataDir: dir, builderScript: failing })).rejects.toThrow(/builder broke/);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(join(dir, "python", snapshotFileName()))).toBe(false);
  });
});
