// The exactness check: every kernel variant against the scalar reference, pixel
// for pixel and work figure for work figure, on whole frames and in bands of rows;
// then the band renderer (mirror-pixel copies and colouring included), byte for byte.
import {
  bandPalette,
  bandRows,
  colorBands,
  colorYuvRowPair,
  createBandRenderer,
  createInterleavedKernel,
  createWasmKernel,
  escapeCountsScalar,
  frameBytes,
  parseSpec,
  yuvPalette,
} from "../build/kernels.mjs";
import { frameTile, spiralC } from "./frames.mjs";

/**
 * Supersampled frames (N = 2 on every frame, N = 3 on the first four): the band renderer
 * (kernel on the sub-grid, mirror copies where it is symmetric, linear-light mean) against
 * the scalar kernel on every subsample coloured and averaged with Math.pow, byte for byte,
 * and the same work figure.
 */
function checkSupersampled() {
  const failures = [];
  const linear = (byte) => ((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))(byte / 255);
  const encode = (v) => Math.round(255 * (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055));
  EXACTNESS_FRAMES.forEach((frame, index) => {
    for (const n of index < 4 ? [2, 3] : [2]) {
      const { width, height = width, re = [-1.8, 1.8], im = [-1.8, 1.8], c, max, radius = 2 } = frame;
      const job = parseSpec({
        name: "bench",
        width,
        height,
        bounds: { re, im },
        c: { from: c, to: c },
        maxIterations: max,
        escapeRadius: radius,
        frames: 1,
        supersample: n,
      });
      const tile = frameTile(frame);
      const dx = (re[1] - re[0]) / (width - 1),
        dy = (im[1] - im[0]) / (height - 1);
      const subRe = Float64Array.from({ length: width * n }, (_, s) => tile.re[Math.floor(s / n)] + (((s % n) + 0.5) / n - 0.5) * dx);
      const subIm = Float64Array.from(
        { length: height * n },
        (_, s) => tile.im[Math.floor(s / n)] + ((n - 1 - (s % n) + 0.5) / n - 0.5) * dy,
      );
      const counts = new Uint32Array(subRe.length * subIm.length);
      const work = escapeCountsScalar({ ...tile, re: subRe, im: subIm, rowEnd: subIm.length }, counts);
      const colours = new Uint8Array(counts.length * 3);
      colorBands(counts, bandPalette(job), colours, 0);
      const expected = new Uint8Array(width * height * 3);
      for (let i = 0; i < height; i++)
        for (let j = 0; j < width; j++)
          for (let ch = 0; ch < 3; ch++) {
            let sum = 0;
            for (let l = 0; l < n; l++)
              for (let k = 0; k < n; k++) sum += linear(colours[((i * n + l) * subRe.length + j * n + k) * 3 + ch]);
            expected[(i * width + j) * 3 + ch] = encode(sum / (n * n));
          }
      const rgb = new Uint8Array(width * height * 3);
      const timing = createBandRenderer(job, createWasmKernel()).renderFrame(0, rgb, width);
      const at = rgb.findIndex((byte, i) => byte !== expected[i]);
      if (at >= 0)
        failures.push(
          `supersample ${n} on ${frame.label}: pixel (${Math.floor(at / 3) % width}, ${Math.floor(at / 3 / width)}) differs from the plain sub-grid's mean`,
        );
      if (timing.iterations !== work) failures.push(`supersample ${n} on ${frame.label}: work ${timing.iterations} instead of ${work}`);
    }
  });
  return failures;
}

export const EXACTNESS_FRAMES = [
  { label: "perf-notes frame", width: 500, c: [-0.62772, -0.42], max: 500 },
  { label: "seed default", width: 200, c: [-0.62772, -0.42193], max: 20 },
  ...[0, 60, 100, 150, 200, 250, 299].map((k) => ({ label: `spiral frame ${k}`, width: 500, c: spiralC(k), max: 500 })),
  { label: "zoomed, R = 3", width: 64, height: 48, re: [-0.5, 0.25], im: [-0.3, 0.4], c: [-0.62772, -0.42193], max: 50, radius: 3 },
  { label: "nothing escapes", width: 200, re: [-0.05, 0.05], im: [-0.05, 0.05], c: [-0.62772, -0.42], max: 2000 },
  { label: "Siegel c, 2000 iterations", width: 120, c: [-0.390541, -0.586788], max: 2000 },
  // a Koenigs trap (renderer/kernel/koenigs-trap.ts): the fixed point attracts with |λ| = 0.9988
  { label: "spiral frame 270, 3000 iterations", width: 200, c: spiralC(270), max: 3000 },
  { label: "R = 0.5, orbits come back inside", width: 64, c: [-0.1, 0.1], max: 200, radius: 0.5 },
];

export const VARIANTS = [
  ["WASM SIMD, shipped (auto shortcuts)", () => createWasmKernel()],
  ["WASM SIMD, no shortcut", () => createWasmKernel({ shortcuts: "off" })],
  ["WASM SIMD, Brent forced", () => createWasmKernel({ shortcuts: "brent" })],
  ["WASM SIMD, escape tested every step", () => createWasmKernel({ blockCheck: "never" })],
  ["JS fallback (auto shortcuts)", () => createInterleavedKernel()],
  ["JS fallback, no shortcut", () => createInterleavedKernel({ shortcuts: "off" })],
];

const BAND_ROWS = 37;

/** Returns a list of failures (empty when everything matches). */
export function checkExactness() {
  const failures = [];
  let pixels = 0;
  for (const frame of EXACTNESS_FRAMES) {
    const tile = frameTile(frame);
    const width = tile.re.length;
    const expected = new Uint32Array(width * tile.rowEnd);
    const expectedWork = escapeCountsScalar(tile, expected);
    for (const [name, create] of VARIANTS) {
      const kernel = create();
      const whole = new Uint32Array(expected.length).fill(0xffffffff);
      const banded = new Uint32Array(expected.length).fill(0xffffffff);
      const work = kernel(tile, whole);
      let bandWork = 0;
      for (let rowStart = 0; rowStart < tile.rowEnd; rowStart += BAND_ROWS) {
        const rowEnd = Math.min(tile.rowEnd, rowStart + BAND_ROWS);
        bandWork += kernel({ ...tile, rowStart, rowEnd }, banded.subarray(rowStart * width, rowEnd * width));
      }
      for (const [how, counts, total] of [
        ["whole frame", whole, work],
        [`${BAND_ROWS}-row bands`, banded, bandWork],
      ]) {
        const i = counts.findIndex((count, index) => count !== expected[index]);
        if (i >= 0) {
          const x = i % width,
            y = Math.floor(i / width);
          failures.push(
            `${name} on ${frame.label} (${how}): pixel (${x}, ${y}) = ${tile.re[x]} + ${tile.im[y]}i counts ${counts[i]}, scalar says ${expected[i]}`,
          );
        } else if (total !== expectedWork) {
          failures.push(`${name} on ${frame.label} (${how}): work ${total}, scalar says ${expectedWork}`);
        }
      }
      pixels += 2 * expected.length;
    }
  }
  failures.push(...checkBandRenderer());
  failures.push(...checkSupersampled());
  return { failures, pixels, frames: EXACTNESS_FRAMES.length, variants: VARIANTS.length };
}

/**
 * The shipped band renderer (kernel, mirror-pixel copies, colouring) against the
 * scalar kernel's counts coloured pixel by pixel: every RGB byte must agree, and
 * every byte of the yuv420p planes the MP4 path writes (for an even height).
 */
function checkBandRenderer() {
  const failures = [];
  for (const frame of EXACTNESS_FRAMES) {
    const { width, height = width, re = [-1.8, 1.8], im = [-1.8, 1.8], c, max, radius = 2 } = frame;
    const job = parseSpec({
      name: "bench",
      width,
      height,
      bounds: { re, im },
      c: { from: c, to: c },
      maxIterations: max,
      escapeRadius: radius,
      frames: 1,
    });
    const tile = frameTile(frame);
    const counts = new Uint32Array(width * height);
    escapeCountsScalar(tile, counts);
    const expected = new Uint8Array(width * height * 3);
    colorBands(counts, bandPalette(job), expected, 0);
    const rgb = new Uint8Array(width * height * 3);
    createBandRenderer(job, createWasmKernel()).renderFrame(0, rgb, width);
    const i = rgb.findIndex((byte, index) => byte !== expected[index]);
    if (i >= 0)
      failures.push(
        `band renderer on ${frame.label}: pixel (${Math.floor(i / 3) % width}, ${Math.floor(i / 3 / width)}) colour differs from the scalar kernel's`,
      );
    if (height % 2 === 0) {
      const stride = width + (width % 2);
      const table = yuvPalette(bandPalette(job));
      const planesOf = () => new Uint8Array(frameBytes("yuv420p", stride, height));
      const expectedYuv = planesOf();
      const luma16 = new Uint16Array(expectedYuv.buffer);
      for (let row = 0; row < height; row += 2) {
        const chroma = stride * height + (row / 2) * (stride / 2);
        colorYuvRowPair(
          counts,
          row * width,
          (row + 1) * width,
          table,
          width,
          expectedYuv,
          luma16,
          row * stride,
          stride,
          chroma,
          chroma + (stride * height) / 4,
        );
      }
      const yuv = planesOf();
      createBandRenderer(job, createWasmKernel(), bandRows(width, height, "yuv420p"), "yuv420p").renderFrame(0, yuv, stride);
      const j = yuv.findIndex((byte, index) => byte !== expectedYuv[index]);
      if (j >= 0) failures.push(`band renderer on ${frame.label}: yuv420p byte ${j} differs from the scalar kernel's counts converted`);
    }
  }
  return failures;
}
