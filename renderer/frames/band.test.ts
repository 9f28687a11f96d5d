import { describe, expect, it } from "vitest";
import { bandPalette, colorBands, yuvPalette } from "../color.ts";
import { frameAxes, frameC } from "../frame-geometry.ts";
import { createKernel } from "../kernel/index.ts";
import { escapeCountsScalar } from "../kernel/scalar.ts";
import { parseSpec, type Job } from "../spec.ts";
import { createBandRenderer } from "./band.ts";
import { mirrorPlan } from "./mirror.ts";
import { bandRowRanges, bandRows, bandsPerFrame, frameBytes } from "./schedule.ts";

/** The frame as the seed computes it: every pixel iterated, then coloured. */
function reference(job: Job, frame: number): { rgb: Uint8Array; work: number } {
  const { re, im } = frameAxes(job);
  const c = frameC(job, frame);
  const counts = new Uint32Array(job.width * job.height);
  const work = escapeCountsScalar(
    { re, im, rowStart: 0, rowEnd: job.height, cRe: c.re, cIm: c.im, maxIterations: job.maxIterations, escapeRadius: job.escapeRadius },
    counts,
  );
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

/** The frame as yuv420p planes, from the seed's counts, pixel by pixel: stride = width rounded up to even. */
function referenceYuv(job: Job, frame: number): Uint8Array {
  const { re, im } = frameAxes(job);
  const c = frameC(job, frame);
  const counts = new Uint32Array(job.width * job.height);
  escapeCountsScalar(
    { re, im, rowStart: 0, rowEnd: job.height, cRe: c.re, cIm: c.im, maxIterations: job.maxIterations, escapeRadius: job.escapeRadius },
    counts,
  );
  const { y, uv } = yuvPalette(bandPalette(job));
  const stride = job.width + (job.width % 2);
  const at = (column: number, row: number) => counts[row * job.width + Math.min(column, job.width - 1)];
  const planes = new Uint8Array((stride * job.height * 3) / 2);
  for (let row = 0; row < job.height; row++)
    for (let column = 0; column < stride; column++) planes[row * stride + column] = y[at(column, row)];
  const chroma = stride * job.height;
  for (let row = 0; row < job.height; row += 2) {
    for (let column = 0; column < stride; column += 2) {
      const block = [at(column, row), at(column + 1, row), at(column, row + 1), at(column + 1, row + 1)];
      const sum = (shift: number) => block.reduce((total, count) => total + ((uv[count] >>> shift) & 0xffff), 0);
      const index = (row / 2) * (stride / 2) + column / 2;
      planes[chroma + index] = Math.round(sum(0) / 16);
      planes[chroma + chroma / 4 + index] = Math.round(sum(16) / 16);
    }
  }
  return planes;
}

describe("band rendering into yuv420p planes", () => {
  it.each([
    [500, 500, undefined],
    [33, 14, undefined], // 7 top rows: the middle row pair spans the top and bottom halves; odd width: a padding column
    [64, 50, 2],
    [64, 50, 6],
    [64, 46, 4], // 23 top rows, bands of 4: the last band's middle pair spans both halves
    [7, 4, undefined],
  ])("gives luma and 2×2 chroma of the seed's colours for a %i×%i frame (%s rows a band)", (width, height, rows) => {
    const job = parseSpec({ name: "yuv", width, height, ...spiral });
    const stride = width + (width % 2);
    const renderer = createBandRenderer(job, createKernel().run, rows ?? bandRows(width, height, "yuv420p"), "yuv420p");
    for (const frame of [0, 150, 280]) {
      const planes = new Uint8Array(frameBytes("yuv420p", stride, height));
      renderer.renderFrame(frame, planes, stride);
      expect(Buffer.from(planes).equals(Buffer.from(referenceYuv(job, frame))), `frame ${frame}`).toBe(true);
    }
  });

  it("refuses bands that split a row pair", () => {
    const job = parseSpec({ name: "yuv", width: 20, height: 20, ...spiral });
    const planes = new Uint8Array(frameBytes("yuv420p", 20, 20));
    expect(() => createBandRenderer(job, createKernel().run, 3, "yuv420p").renderFrame(0, planes, 20)).toThrow(/row pairs/);
  });

  it("bands for yuv420p start on even rows", () => {
    expect(bandRows(600, 1000, "yuv420p")).toBe(26); // 16384 / 600 = 27.3 rows
    expect(bandRows(600, 1000)).toBe(27);
    expect(bandRows(20_000, 1000, "yuv420p")).toBe(2);
    expect(bandRows(64, 46, "yuv420p")).toBe(23); // the whole top half in one band
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
      expect(
        seen.every((count) => count === 1),
        `height ${height}, ${rowsPerBand} rows a band`,
      ).toBe(true);
    }
  });
});
