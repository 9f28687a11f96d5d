import { describe, expect, it } from "vitest";
import { parseSpec } from "../../renderer/spec.ts";
import { calibrate, computedShare, spread } from "./calibrate.ts";

describe("computedShare", () => {
  it("counts the mirror copies of a centred frame (107 rows × 214 columns of 500×500 are exact mirrors)", () => {
    expect(computedShare(parseSpec({ width: 500 }))).toBeCloseTo(1 - (107 * 214) / 250_000, 12);
  });
  it("is 1 off centre, and with smooth colouring (which renders every pixel)", () => {
    expect(computedShare(parseSpec({ width: 300, bounds: { re: [-0.5, 0.3], im: [-0.2, 0.4] } }))).toBe(1);
    expect(computedShare(parseSpec({ width: 500, coloring: "smooth" }))).toBe(1);
  });
});

describe("computedShare on sub-grids and camera paths", () => {
  it("counts the sub-grid's mirror copies when supersampled, and follows a path off centre", () => {
    // ±1.8 over 500 pixels: the sub-grid at ±dx/4 is as symmetric as the grid (~9 % copies)
    const supersampled = computedShare(parseSpec({ width: 500, supersample: 2 }));
    expect(supersampled).toBeGreaterThan(0.85);
    expect(supersampled).toBeLessThan(0.95);
    // a path that starts centred and leaves the centre: only its first frames have mirror copies
    const path = parseSpec({
      width: 200,
      frames: 9,
      keyframes: [
        { frame: 0, center: [0, 0], width: 3.6 },
        { frame: 8, center: [0.3, 0.2], width: 0.5 },
      ],
    });
    expect(computedShare(path)).toBeGreaterThan(computedShare(parseSpec({ width: 200 })));
    expect(computedShare(path)).toBeLessThan(1);
  });
});

describe("calibrate with supersampling", () => {
  it("predicts N² times the work at the same kernel rate (the rate is measured on the samples actually computed)", async () => {
    const raw = { width: 120, maxIterations: 200, frames: 20, c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] } };
    const one = await calibrate(parseSpec(raw), { encode: false, budgetSeconds: 0.2 });
    const three = await calibrate(parseSpec({ ...raw, supersample: 3 }), { encode: false, budgetSeconds: 0.2 });
    expect(three.totalIterations / one.totalIterations).toBeGreaterThan(9 * 0.8);
    expect(three.totalIterations / one.totalIterations).toBeLessThan(9 * 1.25);
    // not a rate inflated by N²: within a factor 3 of the plain job's (the machine's noise is far less than 9×)
    expect(three.kernelRate / one.kernelRate).toBeLessThan(3);
  }, 60_000);
});

describe("spread", () => {
  it("picks frames evenly, ends included, each once", () => {
    expect(spread(300, 9)).toEqual([0, 37, 75, 112, 150, 187, 224, 262, 299]);
    expect(spread(3, 9)).toEqual([0, 1, 2]);
    expect(spread(1, 9)).toEqual([0]);
  });
});

describe("calibrate (no timing asserted: the timing comparison is `npm run bench -- --estimate`)", () => {
  it("counts the job's work exactly when the sample is the whole job, and feeds predict a consistent calibration", async () => {
    const { calibrate } = await import("./calibrate.ts");
    const { escapeCountsScalar } = await import("../../renderer/kernel/scalar.ts");
    const { frameAxes, frameC } = await import("../../renderer/frame-geometry.ts");
    const { DEFAULT_OVERHEAD_SECONDS, DEFAULT_SPEED_FACTOR, predict } = await import("./predict.ts");
    // 24 px wide, 5 frames: the sample grows to the whole frame and samples every frame
    const job = parseSpec({ width: 24, height: 20, maxIterations: 60, frames: 5, fps: 5, bounds: { re: [-1.5, 0.9], im: [-1.1, 0.7] } });
    const calibration = await calibrate(job, { sampleFrames: 9, encode: false });
    const { re, im } = frameAxes(job);
    const exact = Array.from({ length: job.frames }, (_, frame) => {
      const c = frameC(job, frame);
      return escapeCountsScalar(
        { re, im, rowStart: 0, rowEnd: job.height, cRe: c.re, cIm: c.im, maxIterations: job.maxIterations, escapeRadius: job.escapeRadius },
        new Uint32Array(job.width * job.height),
      );
    });
    expect(calibration.sampleWidth).toBe(24);
    expect(calibration.samples.map((sample) => sample.frame)).toEqual([0, 1, 2, 3, 4]);
    expect(calibration.samples.map((sample) => Math.round(sample.iterationsPerPixel * job.width * job.height))).toEqual(exact);
    expect(calibration.totalIterations).toBeCloseTo(
      exact.reduce((sum, work) => sum + work, 0),
      6,
    );
    expect(calibration.computedShare).toBe(1); // off centre: no mirror copies
    expect(calibration.encodeSecondsPerFrame).toBe(0); // encode: false
    expect(calibration.kernelRate).toBeGreaterThan(0);
    const history = { speedFactor: DEFAULT_SPEED_FACTOR, overheadSeconds: DEFAULT_OVERHEAD_SECONDS, runs: 0 };
    const prediction = predict(calibration, job, [], history);
    expect(prediction.totalIterations).toBe(calibration.totalIterations);
    expect(prediction.cpuSeconds).toBeCloseTo(
      calibration.totalIterations / calibration.kernelRate + job.frames * calibration.colorSecondsPerFrame,
      9,
    );
  });
});
