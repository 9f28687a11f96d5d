import { describe, expect, it } from "vitest";
import { bandPalette, colorBands } from "../color.ts";
import { frameAxes, frameC } from "../frame-geometry.ts";
import { createKernel } from "../kernel/index.ts";
import { escapeCountsScalar } from "../kernel/scalar.ts";
import { parseSpec, type Job } from "../spec.ts";
import { createBandRenderer } from "./band.ts";
import { mirrorPlan } from "./mirror.ts";
import { bandRowRanges, bandRows, bandsPerFrame } from "./schedule.ts";

/** The frame as the seed computes it: every pixel iterated, then coloured. */
function reference(job: Job, frame: number): { rgb: Uint8Array; work: number } {
  const { re, im } = frameAxes(job);
  const c = frameC(job, frame);
  const counts = new Uint32Array(job.width * job.height);
  const work = escapeCountsScalar({ re, im, rowStart: 0, rowEnd: job.height, cRe: c.re, cIm: c.im, maxIterations: job.maxIterations, escapeRadius: job.escapeRadius }, counts);
  const rgb = new Uint8Array(job.width * job.height * 3);
  colorBands(counts, bandPalette(job), rgb, 0);
  return { rgb, work };
}

const spiral = { c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] }, frames: 300, maxIterations: 500 };

describe("band rendering with mirrored pixels", () => {
  it.each([
    [500, 500],
    [501, 333],
    [64, 49],
    [7, 4],
  ])("gives the seed's pixels for a centred %i×%i frame, copying exact mirror images", (width, height) => {
    const job = parseSpec({ name: "mirror", width, height, ...spiral });
    const plan = mirrorPlan(frameAxes(job).re, frameAxes(job).im);
    if (width === 500) expect(plan!.mirroredColumns.length).toBeGreaterThan(150); // the test does exercise the copying
    const renderer = createBandRenderer(job, createKernel().run);
    for (const frame of [0, 150, 280]) {
      const rgb = new Uint8Array(width * height * 3);
      const { iterations } = renderer.renderFrame(frame, rgb, width);
      const expected = reference(job, frame);
      expect(Buffer.from(rgb).equals(Buffer.from(expected.rgb)), `frame ${frame}`).toBe(true);
      expect(iterations).toBe(expected.work);
    }
  });

  it("finds no mirror pixels in an off-centre window, and still renders exactly", () => {
    const job = parseSpec({ name: "zoom", width: 120, height: 90, bounds: { re: [-0.5, 0.3], im: [-0.2, 0.4] }, ...spiral });
    expect(mirrorPlan(frameAxes(job).re, frameAxes(job).im)).toBeNull();
    const rgb = new Uint8Array(120 * 90 * 3);
    createBandRenderer(job, createKernel().run).renderFrame(7, rgb, 120);
    expect(Buffer.from(rgb).equals(Buffer.from(reference(job, 7).rgb))).toBe(true);
  });
});

describe("bandRowRanges", () => {
  it.each([[1], [2], [5], [500], [501]])("puts every row of a %i-row frame in exactly one band, mirrors with mirrors", (height) => {
    for (const rowsPerBand of [1, 3, bandRows(500, height)]) {
      const seen = new Array<number>(height).fill(0);
      for (let band = 0; band < bandsPerFrame(height, rowsPerBand); band++) {
        const { top, bottom } = bandRowRanges(band, height, rowsPerBand);
        for (let row = top[0]; row < top[1]; row++) seen[row]++;
        for (let row = bottom[0]; row < bottom[1]; row++) {
          seen[row]++;
          // a bottom row's mirror is among the same band's top rows
          expect(height - 1 - row).toBeGreaterThanOrEqual(top[0]);
          expect(height - 1 - row).toBeLessThan(top[1]);
        }
      }
      expect(seen.every((count) => count === 1), `height ${height}, ${rowsPerBand} rows a band`).toBe(true);
    }
  });
});
