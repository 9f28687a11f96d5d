import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OutputStaging } from "./staging.ts";
import { tempDir } from "../../test/temp-dir.ts";

describe("OutputStaging", () => {
  const root = () => {
    const dir = tempDir("rr-staging-");
    writeFileSync(path.join(dir, "canary"), "mine");
    return { dir, out: path.join(dir, "out") };
  };

  it("refuses any destination that resolves outside the staging or output directory", async () => {
    const { dir, out } = root();
    const staging = await OutputStaging.create(out, "tiny");
    for (const bad of ["../canary", "../../canary", "frames/../../canary", path.join(dir, "canary"), "/etc/passwd", "..", "."]) {
      expect(() => staging.stage(bad), bad).toThrow(/Refusing to write .* outside/);
    }
    await expect(staging.write("../canary", new Uint8Array([1]))).rejects.toThrow(/outside/);
    expect(readFileSync(path.join(dir, "canary"), "utf8")).toBe("mine");
    await staging.discard();
    expect(readdirSync(out)).toEqual([]);
  });

  it("moves in-bounds files to their final names on commit, and never an unstaged one", async () => {
    const { out } = root();
    const staging = await OutputStaging.create(out, "tiny");
    await staging.write("frames/tiny_00000.png", new Uint8Array([1, 2]));
    const bad = staging.stage("tiny.mp4");
    writeFileSync(bad, "damaged");
    await staging.unstage(bad);
    expect(existsSync(bad)).toBe(false);
    expect(await staging.commit()).toEqual([path.join(out, "frames/tiny_00000.png")]);
    expect(readdirSync(out).sort()).toEqual(["frames"]);
  });
});
