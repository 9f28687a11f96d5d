import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { juliaRender, probeVideo, runBundle } from "../../test/run-bundle.ts";
import { tempDir } from "../../test/temp-dir.ts";

/** H.264 level ffprobe reports (x264 picks the lowest that fits the size and frame rate: 52 = 5.2). */
async function level(file: string): Promise<number> {
  const { stdout } = await execa("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=level,profile",
    "-of",
    "json",
    file,
  ]);
  return Number(JSON.parse(stdout).streams[0].level);
}

/**
 * 4K and 8K end to end through the bundle, short (few frames, few iterations): MP4 H.264 yuv420p at
 * the size asked, every frame in it, and PNG frames of the full size. Peak memory is measured by the bench.
 */
describe("4K and 8K renders", () => {
  it.each([
    [
      "3840×2160 at 60 fps, supersampled ×2: MP4 H.264 yuv420p level 5.2",
      { width: 3840, height: 2160, fps: 60, frames: 3, maxIterations: 12, supersample: 2 },
      52,
    ],
    ["7680×4320 at 30 fps: MP4 H.264 yuv420p level 6.0", { width: 7680, height: 4320, fps: 30, frames: 2, maxIterations: 12 }, 60],
  ] as const)(
    "%s, and PNG frames",
    async (_label, raw, expectedLevel) => {
      const dir = tempDir("large-");
      writeFileSync(path.join(dir, "big.json"), JSON.stringify({ name: "big", ...raw }));
      const run = await runBundle(juliaRender, [
        "--spec",
        path.join(dir, "big.json"),
        "--out",
        dir,
        "--png-frames",
        "--processes",
        "2",
        "--progress",
        "quiet",
      ]);
      expect(run.exitCode, run.all).toBe(0);
      const video = await probeVideo(path.join(dir, "big.mp4"));
      expect(video).toEqual({
        codec: "h264",
        pixFmt: "yuv420p",
        width: raw.width,
        height: raw.height,
        frames: raw.frames,
        fps: `${raw.fps}/1`,
      });
      expect(await level(path.join(dir, "big.mp4"))).toBe(expectedLevel);
      const pngs = readdirSync(path.join(dir, "frames")).sort();
      expect(pngs).toEqual(Array.from({ length: raw.frames }, (_, k) => `big_${String(k).padStart(5, "0")}.png`));
      const last = PNG.sync.read(readFileSync(path.join(dir, "frames", pngs[pngs.length - 1])));
      expect([last.width, last.height]).toEqual([raw.width, raw.height]);
    },
    240_000,
  );
});
