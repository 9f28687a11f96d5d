import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runOnHost } from "../../orchestrator/run/run-on-host.ts";
import { renderJob } from "../render-job.ts";
import { parseSpec } from "../spec.ts";
import { findFfmpeg } from "./ffmpeg.ts";
import { checkMp4FrameSize, mp4FrameFits } from "./h264-limits.ts";
import { tempDir } from "../../test/temp-dir.ts";

const run = promisify(execFile);

/** One frame through the renderer's ffmpeg and libx264, as the encoder is used (no file kept). */
async function encodes(width: number, height: number): Promise<boolean> {
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    "-f",
    "lavfi",
    "-i",
    `color=c=black:size=${width}x${height}:rate=2`,
    "-frames:v",
    "1",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
    "-f",
    "null",
    "-",
  ];
  return run(findFfmpeg(), args, { maxBuffer: 1 << 20 }).then(
    () => true,
    () => false,
  );
}

describe("H.264 frame size limits", () => {
  it("draws the line where the real ffmpeg does: 16384x16128 encodes, 16384x16130 does not", async () => {
    expect([mp4FrameFits(16384, 16128), mp4FrameFits(16384, 16130)]).toEqual([true, false]);
    expect(await encodes(16384, 16130)).toBe(false);
    expect(await encodes(16384, 16128)).toBe(true);
  }, 120_000);

  it("refuses a 16384² animation with exit 2 before a frame is computed, and leaves no output", async () => {
    const job = parseSpec({ name: "huge", width: 16384, height: 16384, frames: 2 });
    expect(() => checkMp4FrameSize(job)).toThrow(/16384x16384 animation is too large .*at width 16384, height up to 16128/);
    const out = tempDir("rr-h264-");
    const failure = renderJob(job, {
      outDir: path.join(out, "out"),
      workers: 1,
      pngFrames: false,
      preset: "ultrafast",
      progress: { emit: () => undefined },
      kernelName: "scalar",
    });
    await expect(failure).rejects.toMatchObject({ kind: "bad-input" });
    expect(existsSync(path.join(out, "out"))).toBe(false);
  });

  it("lets one 16384² frame through (a PNG needs no encoder)", () => {
    expect(() => checkMp4FrameSize(parseSpec({ width: 16384, height: 16384, frames: 1 }))).not.toThrow();
  });

  it("render-remote refuses before any stage runs", async () => {
    const dir = tempDir("rr-h264-run-");
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify({ name: "huge", width: 16384, height: 16384, frames: 2 }));
    const stages: string[] = [];
    const reporter = {
      stage: async <T>(name: string, fn: () => Promise<T>) => (stages.push(name), { value: await fn(), seconds: 0 }),
      progress: () => undefined,
      info: () => undefined,
      warn: () => undefined,
    };
    await expect(
      runOnHost({
        spec: path.join(dir, "spec.json"),
        out: path.join(dir, "out"),
        dryRun: true,
        acceptNewHostKey: false,
        keepFrames: false,
        preset: "veryfast",
        reporter,
        signal: new AbortController().signal,
        connectTimeoutSeconds: 5,
      }),
    ).rejects.toMatchObject({ kind: "bad-input" });
    expect(stages).toEqual([]);
  });
});
