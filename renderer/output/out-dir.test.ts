import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp-dir.ts";
import { BadInputError } from "../errors.ts";
import { prepareOutDir } from "./out-dir.ts";

describe("prepareOutDir: --out is checked before any work", () => {
  it("creates a missing directory chain, leaves no probe behind, and removes what it made when unused", async () => {
    const root = tempDir("out-dir-");
    const out = path.join(root, "a", "b", "renders");
    const prepared = await prepareOutDir(out);
    expect(prepared.path).toBe(out);
    expect(prepared.created).toEqual([path.join(root, "a"), path.join(root, "a", "b"), out]);
    expect(readdirSync(out)).toEqual([]); // the probe file was removed
    await prepared.removeIfUnused();
    expect(readdirSync(root)).toEqual([]);
  });

  it("keeps a directory that existed, and one that got files", async () => {
    const root = tempDir("out-dir-");
    expect((await prepareOutDir(root)).created).toEqual([]);
    const prepared = await prepareOutDir(path.join(root, "new", "inner"));
    writeFileSync(path.join(root, "new", "kept.txt"), "x");
    await prepared.removeIfUnused();
    expect(readdirSync(root)).toEqual(["new"]);
    expect(readdirSync(path.join(root, "new"))).toEqual(["kept.txt"]);
  });

  it("refuses a file, and a path under a file, in plain words", async () => {
    const root = tempDir("out-dir-");
    const file = path.join(root, "README.md");
    writeFileSync(file, "# hi\n");
    await expect(prepareOutDir(file)).rejects.toThrow(
      new BadInputError(`\`--out ${file}\` is a file, not a directory. Give a directory (it is created if missing), e.g. --out renders.`),
    );
    await expect(prepareOutDir(path.join(file, "x", "y"))).rejects.toThrow(`is under ${file}, which is a file, not a directory`);
    expect(readdirSync(root)).toEqual(["README.md"]);
  });

  it("refuses /proc/nope at once instead of looping (Node's recursive mkdir never returns there)", async () => {
    const error = await prepareOutDir("/proc/nope/deeper").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toMatch(
      /^`--out \/proc\/nope\/deeper` cannot be created \(at \/proc\/nope\): no such file or directory/,
    );
    expect((error as Error).message).not.toMatch(/ENOENT/);
  });

  it("refuses a directory it cannot write to", async () => {
    // root writes anywhere a mode allows nothing, so as root use sysfs, where even root may not create files
    let dir = "/sys";
    if (process.getuid?.() !== 0) {
      dir = path.join(tempDir("out-dir-"), "locked");
      mkdirSync(dir);
      chmodSync(dir, 0o555);
    }
    const error = await prepareOutDir(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toMatch(new RegExp(`^\`--out ${dir}\` is not writable: (permission denied|operation not permitted)`));
    expect(existsSync(path.join(dir, ".render-remote-probe"))).toBe(false);
  });

  it("names the flag it checks", async () => {
    const file = path.join(tempDir("out-dir-"), "f");
    writeFileSync(file, "");
    await expect(prepareOutDir(file, "--out-dir")).rejects.toThrow(/^`--out-dir .*` is a file/);
  });
});
