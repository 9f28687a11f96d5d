import { describe, expect, it } from "vitest";
import { frameC } from "../../renderer/frame-geometry.ts";
import { parseSpec } from "../../renderer/spec.ts";
import { BadInputError } from "../errors.ts";
import { cAtSeconds, parseSegmentPoint, refineJob, segmentName, type SegmentPoint } from "./refine.ts";

const at = (value: string, flag = "--from"): SegmentPoint => parseSegmentPoint(flag, value);
const seed = (initial: number, increment: number, name = "seed") =>
  parseSpec({
    name,
    width: 500,
    maxIterations: 500,
    duration: 10,
    fps: 30,
    c: { from: [-0.62772, initial], to: [-0.62772, initial + increment] },
  });

describe("parseSegmentPoint", () => {
  it("reads times in seconds and frame numbers", () => {
    expect(at("4s")).toEqual({ kind: "seconds", seconds: 4, text: "4s" });
    expect(at("4.5s")).toEqual({ kind: "seconds", seconds: 4.5, text: "4.5s" });
    expect(at("120")).toEqual({ kind: "frame", frame: 120, text: "120" });
  });

  it("rejects anything else, naming the flag and the value", () => {
    expect(() => at("4.5", "--to")).toThrow(
      `--to takes a time like 4s or 4.5s, or a frame number like 120; got "4.5" (frame numbers are whole; for a time write 4.5s).`,
    );
    for (const value of ["-1", "4 s", "4m", "", "s", "1e3"]) expect(() => at(value), value).toThrow(BadInputError);
  });
});

describe("the seed's sequence (julia_set_plot.py, 'Selecting an animation to focus on')", () => {
  it("seconds 4-5 of -0.7 + 0.7 is -0.42 + 0.07; the first 6 seconds of that is -0.42 + 0.042", () => {
    const firstHalf = seed(-0.7, 0.7);
    const seconds45 = refineJob(firstHalf, { from: at("4s"), to: at("5s") }).job;
    expect(seconds45.c.from.im).toBeCloseTo(-0.42, 12);
    expect(seconds45.c.to.im - seconds45.c.from.im).toBeCloseTo(0.07, 12);
    expect(seconds45.c.from.re).toBe(-0.62772);
    expect(seconds45.c.to.re).toBe(-0.62772);
    // the old fps and duration are kept: 10 s at 30 fps
    expect([seconds45.frames, seconds45.fps]).toEqual([300, 30]);

    const first6 = refineJob(seconds45, { from: at("0s"), to: at("6s") }).job;
    expect(first6.c.from.im).toBe(seconds45.c.from.im);
    expect(first6.c.from.im).toBeCloseTo(-0.42, 12);
    expect(first6.c.to.im - first6.c.from.im).toBeCloseTo(0.042, 12);
  });

  it("the full range -0.7 + 1.4, first half (0s-5s), is the seed's -0.7 + 0.7", () => {
    const half = refineJob(seed(-0.7, 1.4), { from: at("0s"), to: at("5s") }).job;
    expect(half.c.from.im).toBe(-0.7);
    expect(half.c.to.im).toBeCloseTo(0, 12);
  });
});

describe("refineJob", () => {
  const old = seed(-0.7, 0.7, "first-half");

  it("maps frame numbers to those frames' exact c", () => {
    const { job, fromSeconds, toSeconds } = refineJob(old, { from: at("120"), to: at("150") });
    expect(job.c.from).toEqual(frameC(old, 120));
    expect(job.c.to).toEqual(frameC(old, 150));
    expect([fromSeconds, toSeconds]).toEqual([4, 5]);
    expect(job.name).toBe("first-half-f120-f150");
  });

  it("maps times linearly over the duration, ends exact", () => {
    expect(cAtSeconds(old, 0)).toEqual(old.c.from);
    expect(cAtSeconds(old, 10)).toEqual(old.c.to);
    expect(cAtSeconds(old, 2.5).im).toBeCloseTo(-0.7 + 0.7 / 4, 14);
    const whole = refineJob(old, { from: at("0s"), to: at("10s") }).job;
    expect(whole.c).toEqual(old.c);
  });

  it("keeps everything else, and takes the new timing when given", () => {
    const colourful = parseSpec({
      ...{ name: "x", width: 320, height: 200, maxIterations: 77, escapeRadius: 3, colormap: "magma", coloring: "smooth" },
      bounds: { re: [-1, 1], im: [-0.5, 0.5] },
      frames: 50,
      fps: 25,
    });
    const { job } = refineJob(colourful, { from: at("10"), to: at("1.5s") });
    expect(job).toMatchObject({
      width: 320,
      height: 200,
      maxIterations: 77,
      escapeRadius: 3,
      colormap: "magma",
      coloring: "smooth",
      bounds: colourful.bounds,
      frames: 50,
      fps: 25,
    });
    expect(refineJob(old, { from: at("4s"), to: at("5s"), duration: 60 }).job).toMatchObject({ frames: 1800, fps: 30 });
    expect(refineJob(old, { from: at("4s"), to: at("5s"), duration: 6.1 }).job.frames).toBe(183);
    expect(refineJob(old, { from: at("4s"), to: at("5s"), fps: 60 }).job).toMatchObject({ frames: 600, fps: 60 });
    expect(refineJob(old, { from: at("4s"), to: at("5s"), duration: 20, fps: 15 }).job).toMatchObject({ frames: 300, fps: 15 });
    expect(refineJob(old, { from: at("4s"), to: at("5s"), frames: 42 }).job).toMatchObject({ frames: 42, fps: 30 });
    expect(refineJob(old, { from: at("4s"), to: at("5s"), name: "mine" }).job.name).toBe("mine");
  });

  it("rejects segments outside the animation or backwards, naming the flag, the value and the range", () => {
    const bad = (from: string, to: string) => () => refineJob(old, { from: at(from, "--from"), to: at(to, "--to") });
    expect(bad("4s", "11s")).toThrow("--to 11s is past the end: the animation runs from 0s to 10s, frames 0 to 299 at 30 fps.");
    expect(bad("300", "301")).toThrow("--from 300 is past the last frame: the animation runs from 0s to 10s, frames 0 to 299 at 30 fps.");
    expect(bad("5s", "4s")).toThrow(
      "--from 5s must come before --to 4s: the segment runs forward in time, and here --from is at 5s, --to at 4s. Swap them: --from 4s --to 5s.",
    );
    expect(bad("4s", "4s")).toThrow(BadInputError);
    expect(bad("4s", "120")).toThrow("--from 4s and --to 120 are the same moment (4s). A segment needs a --to later than its --from.");
    expect(bad("150", "4s")).toThrow(/here --from is at 5s, --to at 4s\. Swap them: --from 4s --to 150\./);
  });

  it("rejects bad timing", () => {
    const with_ = (extra: object) => () => refineJob(old, { from: at("4s"), to: at("5s"), ...extra });
    expect(with_({ frames: 10, duration: 2 })).toThrow("Give --frames or --duration, not both");
    expect(with_({ frames: 0 })).toThrow("--frames takes a whole number from 1 to 1,000,000, got 0.");
    expect(with_({ duration: 0.01 })).toThrow(
      "--duration × fps must be a whole number of frames from 1 to 1,000,000, got 0.01 × 30 = 0.3.",
    );
    expect(with_({ fps: 0 })).toThrow(/--fps takes/);
  });
});

describe("segmentName", () => {
  it("stays a valid spec name of at most 100 characters", () => {
    expect(segmentName("spiral", at("4.5s"), at("5s"))).toBe("spiral-4.5s-5s");
    const long = segmentName("n".repeat(100), at("120"), at("150"));
    expect(long).toHaveLength(100);
    expect(long.endsWith("-f120-f150")).toBe(true);
    expect(() => parseSpec({ name: long })).not.toThrow();
  });
});
