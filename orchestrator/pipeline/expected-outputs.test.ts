import { describe, expect, it } from "vitest";
import { parseSpec } from "../../renderer/spec.ts";
import { confinedOutputs } from "./download.ts";
import { expectedOutputs } from "./expected-outputs.ts";

const job = (frames: number) => parseSpec({ name: "tiny", width: 65, height: 48, frames, fps: 6 }, "tiny");
const runDir = "/home/render/.render-remote-run.Ab3dEf9h";
const outputs = (list: unknown[], frames = 6, keepFrames = true) =>
  confinedOutputs({ job: job(frames), keepFrames }, { path: runDir }, { outputs: list } as never);

describe("expected outputs, computed from the job", () => {
  it("names exactly <name>.mp4 and, with --keep-frames, frames/<name>_00000.png … for each frame", () => {
    const expected = expectedOutputs(job(6), true);
    for (const good of ["tiny.mp4", "frames/tiny_00000.png", "frames/tiny_00005.png"]) expect(expected.has(good), good).toBe(true);
    for (const bad of [
      "tiny.png",
      "frames/tiny_00006.png",
      "frames/tiny_0001.png",
      "frames/tiny_000001.png",
      "../tiny.mp4",
      "frames/../tiny.mp4",
      "/tiny.mp4",
      "tiny.mp4/",
      "tinyXmp4",
      "frames/tinyX00001.png",
      ".bashrc",
    ]) {
      expect(expected.has(bad), bad).toBe(false);
    }
    expect(expectedOutputs(job(6), false).has("frames/tiny_00000.png")).toBe(false);
    expect(expected.maxCount).toBe(7);
  });

  it("names <name>.png or <name>_<k>.png for a single frame", () => {
    const expected = expectedOutputs(job(1), false);
    expect(["tiny.png", "tiny_0.png"].map(expected.has)).toEqual([true, true]);
    expect(["tiny.mp4", "tiny_00.png", "tiny_1.png"].map(expected.has)).toEqual([false, false, false]);
    expect(expected.maxCount).toBe(1);
  });

  it("bounds each size by the job: a PNG by its pixels, the MP4 by its frames", () => {
    const expected = expectedOutputs(job(6), true);
    expect(expected.maxBytes("frames/tiny_00000.png")).toBe(65 * 48 * 3 * 2 + (1 << 20));
    expect(expected.maxBytes("tiny.mp4")).toBe(66 * 48 * 1.5 * 6 * 2 + (1 << 20));
    expect(expected.maxBytes("../x")).toBe(0);
  });
});

describe("confinedOutputs: the server's list against the expected names", () => {
  it("accepts the expected paths under <runDir>/out/", () => {
    expect(outputs([`${runDir}/out/tiny.mp4`, `${runDir}/out/frames/tiny_00000.png`])).toEqual([
      { remote: `${runDir}/out/tiny.mp4`, relative: "tiny.mp4" },
      { remote: `${runDir}/out/frames/tiny_00000.png`, relative: "frames/tiny_00000.png" },
    ]);
  });

  it.each([
    [`${runDir}/out/../.bashrc`],
    [`${runDir}/out/frames/../../../.ssh/authorized_keys`],
    ["/home/render/.bashrc"],
    [`${runDir}/out//tiny.mp4`],
    [`/elsewhere/out/tiny.mp4`],
    [`${runDir}/out/tiny.mp4\u001b]0;owned\u0007`],
    [42],
  ])("refuses %j with the server's path, escape sequences stripped", (bad) => {
    expect(() => outputs([bad])).toThrow(/^The server sent an unexpected path for an output: [^\u001b\u0007]*Nothing was downloaded/);
  });

  it("refuses duplicates, an empty list and more files than the job makes", () => {
    expect(() => outputs([`${runDir}/out/tiny.mp4`, `${runDir}/out/tiny.mp4`])).toThrow(/unexpected path/);
    expect(() => outputs([])).toThrow(/reported 0 outputs; this job makes 1 to 7/);
    const many = Array.from({ length: 8 }, (_, k) => `${runDir}/out/frames/tiny_${String(k).padStart(5, "0")}.png`);
    expect(() => outputs(many)).toThrow(/reported 8 outputs; this job makes 1 to 7/);
  });
});
