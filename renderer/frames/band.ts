import { LITTLE_ENDIAN, bandPalette, colorBands, colorBandsWide, colorSmooth, colorYuvRowPair, widePalette, yuvPalette } from "../color.ts";
import { colormapTable } from "../colormaps/index.ts";
import { frameBounds } from "../camera-path.ts";
import { frameAxes, frameC } from "../frame-geometry.ts";
import { escapeCountsScalar } from "../kernel/scalar.ts";
import { shortcutFor, type Shortcut } from "../kernel/shortcuts.ts";
import type { EscapeKernel, Tile } from "../kernel/types.ts";
import type { Job } from "../spec.ts";
import { mirrorPlan, type MirrorPlan } from "./mirror.ts";
import { averagePixelRow, subsampleAxis } from "./supersample.ts";
import { bandRowRanges, bandRows, bandsPerFrame, type FrameFormat } from "./schedule.ts";

/**
 * Renders one band of one frame (schedule.ts: a run of top rows and their
 * mirror rows) straight into a frame buffer: RGB, or yuv420p planes (schedule.ts:
 * FrameFormat) for an encoder that takes them as they are. This is the whole
 * per-pixel pipeline (kernel, then colour); the worker pool only decides which
 * band goes where.
 *
 * The frame buffer is `stride` pixels wide: the even-rounded width when the
 * frame feeds a yuv420p encoder. A padding column repeats the last real pixel.
 */
export interface BandRenderer {
  /** `shortcut`: the frame's, from frameShortcut (planned elsewhere); without it the kernel chooses. */
  render(frame: number, band: number, rgb: Uint8Array, stride: number, shortcut?: Shortcut): BandTiming;
  /** The whole frame: every band in turn. */
  renderFrame(frame: number, rgb: Uint8Array, stride: number, shortcut?: Shortcut): BandTiming;
}

export interface BandTiming {
  iterations: number;
  kernelMs: number;
  colorMs: number;
}

/**
 * The exact shortcut every band of this frame uses (kernel/shortcuts.ts), so that
 * it can be chosen once per frame, in one thread; undefined for smooth
 * colouring, which runs the scalar kernel.
 */
export function frameShortcut(job: Job, frame: number): Shortcut | undefined {
  if (job.coloring === "smooth") return undefined;
  const c = frameC(job, frame);
  return shortcutFor(c.re, c.im, job.escapeRadius * job.escapeRadius, job.maxIterations);
}

/**
 * The sample grid of one frame: the pixel grid, or with supersampling N the
 * sub-grid (supersample.ts) of N × N samples a pixel; and its mirror plan.
 */
interface SampleGrid {
  re: Float64Array;
  im: Float64Array;
  mirror: MirrorPlan | null;
}

export function createBandRenderer(
  job: Job,
  kernel: EscapeKernel,
  rowsPerBand = bandRows(job.width, job.height, "rgb24", job.supersample),
  format: FrameFormat = "rgb24",
): BandRenderer {
  const n = job.supersample;
  const palette = job.coloring === "bands" ? bandPalette(job) : new Uint8Array(0);
  const yuv = format === "yuv420p" ? yuvPalette(palette) : null;
  if (yuv && !LITTLE_ENDIAN) throw new Error("yuv420p frames need a little-endian machine");
  if (yuv && n > 1) throw new Error("yuv420p frames are coloured by count; supersampled pixels need rgb24");
  let yuvTarget: { planes: Uint8Array; luma16: Uint16Array } = { planes: new Uint8Array(0), luma16: new Uint16Array(0) };
  let pairScratch = new Uint32Array(0);
  const wide = widePalette(palette);
  const table = colormapTable(job.colormap);
  const buffers = { top: rowBuffers(), bottom: rowBuffers(), scratch: new Uint32Array(0) };
  const rowRgb = new Uint8Array(job.width * 3);
  // with supersampling: one pixel row's n sample rows, coloured, before they are averaged
  const sampleRgb = new Uint8Array(n > 1 ? job.width * n * n * 3 : 0);
  let grid: SampleGrid & { frame: number } = { frame: -1, re: new Float64Array(0), im: new Float64Array(0), mirror: null };

  /** The frame's sample grid; one for all frames unless a camera path moves the view. */
  function gridOf(frame: number): SampleGrid {
    if (grid.frame === frame || (grid.frame >= 0 && !job.keyframes)) return grid;
    const pixels = frameAxes(job, frame);
    const b = frameBounds(job, frame);
    const re = subsampleAxis(pixels.re, (b.reMax - b.reMin) / (job.width - 1), n);
    const im = subsampleAxis(pixels.im, (b.imMax - b.imMin) / (job.height - 1), n);
    // smooth colouring needs |z| at escape from the scalar kernel; it renders every row
    grid = { frame, re, im, mirror: job.coloring === "bands" ? mirrorPlan(re, im) : null };
    return grid;
  }

  function countRows(tile: Tile, into: RowBuffers): number {
    const pixels = (tile.rowEnd - tile.rowStart) * tile.re.length;
    into.reserve(pixels, job.coloring === "smooth");
    const counts = into.counts.subarray(0, pixels);
    return job.coloring === "smooth" ? escapeCountsScalar(tile, counts, into.norms.subarray(0, pixels)) : kernel(tile, counts);
  }

  const renderer: BandRenderer = {
    renderFrame(frame, rgb, stride, shortcut) {
      const total: BandTiming = { iterations: 0, kernelMs: 0, colorMs: 0 };
      for (let band = 0; band < bandsPerFrame(job.height, rowsPerBand); band++) {
        const timing = renderer.render(frame, band, rgb, stride, shortcut);
        total.iterations += timing.iterations;
        total.kernelMs += timing.kernelMs;
        total.colorMs += timing.colorMs;
      }
      return total;
    },
    render(frame, band, rgb, stride, shortcut) {
      const { top, bottom } = bandRowRanges(band, job.height, rowsPerBand);
      const c = frameC(job, frame);
      const { re, im, mirror } = gridOf(frame);
      const tile = (rowStart: number, rowEnd: number): Tile => ({
        re,
        im,
        rowStart,
        rowEnd,
        cRe: c.re,
        cIm: c.im,
        maxIterations: job.maxIterations,
        escapeRadius: job.escapeRadius,
        shortcut,
      });

      const t0 = performance.now();
      // sample rows: n per pixel row
      let iterations = countRows(tile(top[0] * n, top[1] * n), buffers.top);
      if (bottom[1] > bottom[0]) {
        iterations += mirror
          ? mirroredRows(mirror, tile(bottom[0] * n, bottom[1] * n), top[0] * n, buffers.top.counts, buffers.bottom)
          : countRows(tile(bottom[0] * n, bottom[1] * n), buffers.bottom);
      }
      const t1 = performance.now();
      if (n > 1) {
        paintSupersampled(top[0], top[1], buffers.top, rgb, stride);
        if (bottom[1] > bottom[0]) paintSupersampled(bottom[0], bottom[1], buffers.bottom, rgb, stride);
      } else if (yuv) paintYuv(top, bottom, rgb, stride);
      else {
        paintRows(top[0], top[1], buffers.top, rgb, stride);
        if (bottom[1] > bottom[0]) paintRows(bottom[0], bottom[1], buffers.bottom, rgb, stride);
      }
      return { iterations, kernelMs: t1 - t0, colorMs: performance.now() - t1 };
    },
  };
  return renderer;

  /**
   * Counts of the bottom rows, reusing the top rows' where the pixel's mirror
   * image -z is exactly on the grid: the orbits of z and -z are equal from the
   * first step on (the step squares x and y and multiplies them, and |z|² is
   * the same), so their counts are equal bit for bit. The rest is computed.
   */
  function mirroredRows(plan: MirrorPlan, bottom: Tile, topStart: number, topCounts: Uint32Array, into: RowBuffers): number {
    const { re, im } = bottom;
    const width = re.length;
    const rows = bottom.rowEnd - bottom.rowStart;
    into.reserve(rows * width, false);
    const counts = into.counts;
    const plain: number[] = [],
      mirrored: number[] = [];
    for (let row = bottom.rowStart; row < bottom.rowEnd; row++) (plan.rowMirrored[row] ? mirrored : plain).push(row);
    let work = 0;
    if (plain.length > 0) {
      const rowsIm = Float64Array.from(plain, (row) => im[row]);
      work += scratchKernel({ ...bottom, im: rowsIm, rowStart: 0, rowEnd: plain.length }, plain.length * width);
      plain.forEach((row, k) => {
        counts.set(buffers.scratch.subarray(k * width, (k + 1) * width), (row - bottom.rowStart) * width);
      });
    }
    if (mirrored.length > 0) {
      const computed = plan.computedColumns;
      const rowsIm = Float64Array.from(mirrored, (row) => im[row]);
      if (computed.length > 0)
        work += scratchKernel(
          { ...bottom, re: plan.computedRe, im: rowsIm, rowStart: 0, rowEnd: mirrored.length },
          mirrored.length * computed.length,
        );
      const scratch = buffers.scratch;
      const copied = plan.mirroredColumns;
      for (let k = 0; k < mirrored.length; k++) {
        const row = mirrored[k];
        const target = (row - bottom.rowStart) * width;
        // the mirror row, among the top rows, read from its end: column c mirrors column width - 1 - c
        const sourceEnd = (im.length - 1 - row - topStart) * width + width - 1;
        for (let q = 0, from = k * computed.length; q < computed.length; q++) counts[target + computed[q]] = scratch[from + q];
        for (let q = 0; q < copied.length; q++) {
          const count = topCounts[sourceEnd - copied[q]];
          counts[target + copied[q]] = count;
          work += count + 1;
        }
      }
    }
    return work;
  }

  function scratchKernel(tile: Tile, pixels: number): number {
    if (buffers.scratch.length < pixels) buffers.scratch = new Uint32Array(pixels);
    return kernel(tile, buffers.scratch.subarray(0, pixels));
  }

  /** Pixel rows [rowStart, rowEnd) from their n × n samples each: coloured, then averaged in linear light. */
  function paintSupersampled(rowStart: number, rowEnd: number, rows: RowBuffers, rgb: Uint8Array, stride: number): void {
    const samplesPerRow = job.width * n * n;
    for (let row = 0; row < rowEnd - rowStart; row++) {
      const at = row * samplesPerRow;
      const counts = rows.counts.subarray(at, at + samplesPerRow);
      if (job.coloring === "smooth") colorSmooth(counts, rows.norms.subarray(at, at + samplesPerRow), job, sampleRgb, 0, table);
      else colorBands(counts, palette, sampleRgb, 0);
      const offset = (rowStart + row) * stride * 3;
      averagePixelRow(sampleRgb, job.width, n, rgb, offset);
      // the padding column repeats the last real pixel
      if (stride !== job.width) rgb.copyWithin(offset + job.width * 3, offset + (job.width - 1) * 3, offset + job.width * 3);
    }
  }

  function paintRows(rowStart: number, rowEnd: number, rows: RowBuffers, rgb: Uint8Array, stride: number): void {
    const width = job.width;
    const counts = rows.counts.subarray(0, (rowEnd - rowStart) * width);
    if (job.coloring === "bands" && stride === width) {
      // the rows are contiguous in the frame: colour them in one run
      colorBandsWide(counts, palette, wide, rgb, rowStart * stride * 3);
      return;
    }
    for (let row = 0; row < rowEnd - rowStart; row++) {
      const rowCounts = counts.subarray(row * width, (row + 1) * width);
      const offset = (rowStart + row) * stride * 3;
      const target = stride === width ? rgb : rowRgb;
      const at = stride === width ? offset : 0;
      if (job.coloring === "smooth") colorSmooth(rowCounts, rows.norms.subarray(row * width, (row + 1) * width), job, target, at, table);
      else colorBands(rowCounts, palette, target, at);
      if (stride !== width) {
        rgb.set(rowRgb, offset);
        // the padding column repeats the last real pixel
        rgb.copyWithin(offset + width * 3, offset + (width - 1) * 3, offset + width * 3);
      }
    }
  }

  /**
   * The band's rows into yuv420p planes (Y, then U and V at a quarter size each),
   * two rows at a time. Band edges are even (schedule.ts), but for the middle one,
   * where the band's top rows end and its bottom rows begin: that pair spans both.
   */
  function paintYuv(top: [number, number], bottom: [number, number], planes: Uint8Array, stride: number): void {
    const last = bottom[1] > bottom[0] ? bottom[1] : top[1];
    if (top[0] % 2 !== 0 || last % 2 !== 0 || (bottom[1] > bottom[0] && bottom[0] !== top[1] && bottom[0] % 2 !== 0)) {
      throw new Error(`yuv420p needs bands of whole row pairs; rows ${top[0]}..${last} are not`);
    }
    if (planes !== yuvTarget.planes)
      yuvTarget = { planes, luma16: new Uint16Array(planes.buffer, planes.byteOffset, planes.byteLength >> 1) };
    for (let row = top[0]; row + 1 < top[1]; row += 2)
      paintPair(buffers.top.counts, (row - top[0]) * job.width, (row + 1 - top[0]) * job.width, row, stride);
    let row = bottom[0];
    if (top[1] % 2 !== 0) {
      // the middle pair: the last top row and the first bottom row
      paintPair(buffers.top.counts, (top[1] - 1 - top[0]) * job.width, -1, top[1] - 1, stride);
      row++;
    }
    for (; row + 1 < bottom[1]; row += 2)
      paintPair(buffers.bottom.counts, (row - bottom[0]) * job.width, (row + 1 - bottom[0]) * job.width, row, stride);
  }

  /** Rows `row` and `row + 1` (at `first` and `second` in `counts`; second -1: the first bottom row, in its own buffer). */
  function paintPair(counts: Uint32Array, first: number, second: number, row: number, stride: number): void {
    const { planes, luma16 } = yuvTarget;
    const lumaBytes = stride * job.height;
    const chroma = (row >> 1) * (stride >> 1);
    if (second < 0) {
      // copy the two rows side by side into scratch, so one call sees both
      const width = job.width;
      if (pairScratch.length < 2 * width) pairScratch = new Uint32Array(2 * width);
      pairScratch.set(counts.subarray(first, first + width), 0);
      pairScratch.set(buffers.bottom.counts.subarray(0, width), width);
      counts = pairScratch;
      first = 0;
      second = width;
    }
    colorYuvRowPair(
      counts,
      first,
      second,
      yuv!,
      job.width,
      planes,
      luma16,
      row * stride,
      stride,
      lumaBytes + chroma,
      lumaBytes + (lumaBytes >> 2) + chroma,
    );
  }

  function rowBuffers(): RowBuffers {
    const buffer: RowBuffers = {
      counts: new Uint32Array(0),
      norms: new Float64Array(0),
      reserve(pixels, withNorms) {
        if (buffer.counts.length < pixels) buffer.counts = new Uint32Array(pixels);
        if (withNorms && buffer.norms.length < pixels) buffer.norms = new Float64Array(pixels);
      },
    };
    return buffer;
  }
}

interface RowBuffers {
  counts: Uint32Array;
  norms: Float64Array;
  reserve(pixels: number, withNorms: boolean): void;
}
