import { describe, expect, it } from "vitest";
import { viewAt } from "../../renderer/camera-path.ts";
import { frameC } from "../../renderer/frame-geometry.ts";
import { parseSpec, type Job } from "../../renderer/spec.ts";
import { BadInputError } from "../errors.ts";
import { parseSegmentPoint, refineJob } from "./refine.ts";

const at = (value: string) => parseSegmentPoint("--from", value);

const path = parseSpec({
  name: "zoom",
  width: 320,
  height: 180,
  maxIterations: 300,
  frames: 120,
  fps: 30,
  keyframes: [
    { frame: 0, center: [0, 0], width: 3.6, c: [-0.62772, -0.42] },
    { frame: 60, center: [0.35, -0.12], width: 0.01 },
    { frame: 119, center: [0.351, -0.1201], width: 1e-6, c: [-0.62772, -0.39] },
  ],
});

/** Every frame of the new path against old frame `from + k`: views and c to within a few ulps (relative 1e-12 of the width). */
function expectSameViews(refined: Job, old: Job, from: number): void {
  for (let k = 0; k < refined.frames; k++) {
    const a = viewAt(refined.keyframes!, k),
      b = viewAt(old.keyframes!, from + k);
    expect(Math.abs(a.width - b.width) / b.width, `width at ${k}`).toBeLessThan(1e-12);
    expect(Math.abs(a.center.re - b.center.re) / b.width, `centre.re at ${k}`).toBeLessThan(1e-9);
    expect(Math.abs(a.center.im - b.center.im) / b.width, `centre.im at ${k}`).toBeLessThan(1e-9);
    expect(frameC(refined, k).im).toBeCloseTo(frameC(old, from + k).im, 14);
    expect(frameC(refined, k).re).toBeCloseTo(frameC(old, from + k).re, 14);
  }
}

describe("refine on a camera path", () => {
  it("cuts a segment inside one zoom into a 2-keyframe path with the old views at every frame", () => {
    const { job } = refineJob(path, { from: at("10"), to: at("50") });
    expect(job.frames).toBe(41);
    expect(job.keyframes!.map((k) => k.frame)).toEqual([0, 40]);
    expect(job.keyframes![0]).toEqual({ frame: 0, ...viewAt(path.keyframes!, 10), c: frameC(path, 10) });
    expect(job.keyframes![1]).toEqual({ frame: 40, ...viewAt(path.keyframes!, 50), c: frameC(path, 50) });
    expectSameViews(job, path, 10);
  });

  it("keeps an old keyframe inside the segment, so the views still match across it", () => {
    const { job } = refineJob(path, { from: at("1s"), to: at("100") });
    expect(job.keyframes!.map((k) => k.frame)).toEqual([0, 30, 70]);
    expectSameViews(job, path, 30);
  });

  it("without keyframe c, c keeps following c.from/c.to", () => {
    const plainC = parseSpec({
      ...{ name: "z", width: 64, height: 48, frames: 50, c: { from: [-0.7, 0], to: [-0.7, 0.49] } },
      keyframes: [
        { frame: 0, center: [0, 0], width: 3 },
        { frame: 49, center: [0.2, 0.1], width: 0.03 },
      ],
    });
    const { job } = refineJob(plainC, { from: at("5"), to: at("45") });
    expectSameViews(job, plainC, 5);
  });

  it("refuses times between frames, and a new frame count across an inner keyframe", () => {
    expect(() => refineJob(path, { from: at("0.51s"), to: at("100") })).toThrow(
      /falls between frames \(30 fps\): a camera path is cut at whole frames/,
    );
    expect(() => refineJob(path, { from: at("10"), to: at("100"), frames: 50 })).toThrow(BadInputError);
    expect(() => refineJob(path, { from: at("10"), to: at("100"), frames: 50 })).toThrow(/span the path's keyframe at frame 60/);
    // inside one zoom a new frame count resamples the same zoom
    const resampled = refineJob(path, { from: at("10"), to: at("50"), frames: 81 }).job;
    expect(resampled.frames).toBe(81);
    const a = viewAt(resampled.keyframes!, 40),
      b = viewAt(path.keyframes!, 30);
    expect(Math.abs(a.width - b.width) / b.width).toBeLessThan(1e-12);
  });
});
