import { bandPalette, colorBands, colorBandsWide, colorSmooth, widePalette } from "../color.ts";
import { colormapTable } from "../colormaps/index.ts";
import { frameAxes, frameC } from "../frame-geometry.ts";
import { escapeCountsScalar } from "../kernel/scalar.ts";
import type { EscapeKernel, Tile } from "../kernel/types.ts";
import type { Job } from "../spec.ts";

/**
 * Renders rows [rowStart, rowEnd) of one frame straight into an RGB frame
 * buffer. This is the whole per-pixel pipeline (kernel, then colour); the
 * worker pool only decides which band goes where.
 *
 * The frame buffer is `stride` pixels wide: the even-rounded width when the
 * frame feeds a yuv420p encoder. A padding column repeats the last real pixel.
 */
export interface BandRenderer {
  render(frame: number, rowStart: number, rowEnd: number, rgb: Uint8Array, stride: number): BandTiming;
}

export interface BandTiming {
  iterations: number;
  kernelMs: number;
  colorMs: number;
}

export function createBandRenderer(job: Job, kernel: EscapeKernel): BandRenderer {
  const { re, im } = frameAxes(job);
  const palette = job.coloring === "bands" ? bandPalette(job) : new Uint8Array(0);
  const wide = widePalette(palette);
  const table = colormapTable(job.colormap);
  let counts = new Uint32Array(0);
  let norms = new Float64Array(0);
  let rowRgb = new Uint8Array(job.width * 3);

  return {
    render(frame, rowStart, rowEnd, rgb, stride) {
      const pixels = (rowEnd - rowStart) * job.width;
      if (counts.length < pixels) counts = new Uint32Array(pixels);
      const c = frameC(job, frame);
      const tile: Tile = { re, im, rowStart, rowEnd, cRe: c.re, cIm: c.im, maxIterations: job.maxIterations, escapeRadius: job.escapeRadius };
      const bandCounts = counts.subarray(0, pixels);

      const t0 = performance.now();
      let iterations: number;
      if (job.coloring === "smooth") {
        if (norms.length < pixels) norms = new Float64Array(pixels);
        iterations = escapeCountsScalar(tile, bandCounts, norms.subarray(0, pixels));
      } else {
        iterations = kernel(tile, bandCounts);
      }
      const t1 = performance.now();
      if (job.coloring === "bands" && stride === job.width) {
        // the band's rows are contiguous in the frame: colour them in one run
        colorBandsWide(bandCounts, palette, wide, rgb, rowStart * stride * 3);
        return { iterations, kernelMs: t1 - t0, colorMs: performance.now() - t1 };
      }

      for (let row = 0; row < rowEnd - rowStart; row++) {
        const rowCounts = bandCounts.subarray(row * job.width, (row + 1) * job.width);
        const offset = (rowStart + row) * stride * 3;
        if (stride === job.width) {
          paint(rowCounts, row, rgb, offset);
        } else {
          paint(rowCounts, row, rowRgb, 0);
          rgb.set(rowRgb, offset);
          // the padding column repeats the last real pixel
          rgb.copyWithin(offset + job.width * 3, offset + (job.width - 1) * 3, offset + job.width * 3);
        }
      }
      return { iterations, kernelMs: t1 - t0, colorMs: performance.now() - t1 };

      function paint(rowCounts: Uint32Array, row: number, target: Uint8Array, offset: number) {
        if (job.coloring === "smooth") {
          colorSmooth(rowCounts, norms.subarray(row * job.width, (row + 1) * job.width), job, target, offset, table);
        } else {
          colorBands(rowCounts, palette, target, offset);
        }
      }
    },
  };
}
