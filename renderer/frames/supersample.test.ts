import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { hasPythonOracle as hasReference, python } from "../../test/python-oracle.ts";
import { juliaRender, repoRoot, runBundle } from "../../test/run-bundle.ts";
import { bandPalette, colorBands, colorSmooth } from "../color.ts";
import { frameAxes, frameC } from "../frame-geometry.ts";
import { createKernel } from "../kernel/index.ts";
import { escapeCountsScalar } from "../kernel/scalar.ts";
import { parseSpec, type Job } from "../spec.ts";
import { createBandRenderer } from "./band.ts";
import { mirrorPlan } from "./mirror.ts";
import { encodeLinear, LINEAR_OF_BYTE, linearToSrgb, srgbToLinear, subsampleAxis } from "./supersample.ts";
import { tempDir } from "../../test/temp-dir.ts";

/** scripts/seed-reference.py with N: the seed's arithmetic at every subsample, averaged in linear light by numpy. */
function pythonReference(job: Job, frame: number): { counts: number[]; rgb: Buffer } {
  const { bounds: b, c } = job;
  const args = [
    job.width,
    job.height,
    b.reMin,
    b.reMax,
    b.imMin,
    b.imMax,
    c.from.re,
    c.from.im,
    c.to.re,
    c.to.im,
    job.frames,
    frame,
    job.maxIterations,
    job.escapeRadius,
    job.supersample,
  ].map(String);
  const out = execFileSync(python, [path.join(repoRoot, "scripts/seed-reference.py"), ...args], { maxBuffer: 1 << 28 });
  const parsed = JSON.parse(out.toString()) as { counts: number[]; rgb: string };
  return { counts: parsed.counts, rgb: Buffer.from(parsed.rgb, "base64") };
}

function render(job: Job, frame: number, rowsPerBand?: number): Uint8Array {
  const rgb = new Uint8Array(job.width * job.height * 3);
  createBandRenderer(job, createKernel().run, rowsPerBand).renderFrame(frame, rgb, job.width);
  return rgb;
}

function maxChannelDifference(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** The same picture the slow way: every subsample by the scalar kernel on the whole sub-grid, coloured, averaged per pixel with Math.pow. */
function plainReference(job: Job, frame: number): { rgb: Uint8Array; work: number } {
  const n = job.supersample;
  const { re, im } = frameAxes(job, frame);
  const b = job.bounds;
  const subRe = Float64Array.from(
    { length: job.width * n },
    (_, s) => re[Math.floor(s / n)] + (((s % n) + 0.5) / n - 0.5) * ((b.reMax - b.reMin) / (job.width - 1)),
  );
  const subIm = Float64Array.from(
    { length: job.height * n },
    (_, s) => im[Math.floor(s / n)] + ((n - 1 - (s % n) + 0.5) / n - 0.5) * ((b.imMax - b.imMin) / (job.height - 1)),
  );
  const c = frameC(job, frame);
  const counts = new Uint32Array(subRe.length * subIm.length);
  const norms = new Float64Array(counts.length);
  const work = escapeCountsScalar(
    {
      re: subRe,
      im: subIm,
      rowStart: 0,
      rowEnd: subIm.length,
      cRe: c.re,
      cIm: c.im,
      maxIterations: job.maxIterations,
      escapeRadius: job.escapeRadius,
    },
    counts,
    norms,
  );
  const colours = new Uint8Array(counts.length * 3);
  if (job.coloring === "smooth") colorSmooth(counts, norms, job, colours, 0);
  else colorBands(counts, bandPalette(job), colours, 0);
  const rgb = new Uint8Array(job.width * job.height * 3);
  for (let i = 0; i < job.height; i++) {
    for (let j = 0; j < job.width; j++) {
      for (let ch = 0; ch < 3; ch++) {
        let sum = 0;
        for (let l = 0; l < n; l++)
          for (let k = 0; k < n; k++) sum += srgbToLinear(colours[((i * n + l) * subRe.length + j * n + k) * 3 + ch] / 255);
        rgb[(i * job.width + j) * 3 + ch] = Math.round(255 * linearToSrgb(sum / (n * n)));
      }
    }
  }
  return { rgb, work };
}

describe("linear-light averaging", () => {
  it("encodes every byte's linear value back to that byte", () => {
    for (let v = 0; v < 256; v++) expect(encodeLinear(LINEAR_OF_BYTE[v])).toBe(v);
  });

  it("rounds like Math.round(255 · sRGB(mean)) on a sweep of means", () => {
    for (let i = 0; i <= 20_000; i++) {
      const mean = i / 20_000;
      expect(encodeLinear(mean)).toBe(Math.round(255 * linearToSrgb(mean)));
    }
  });

  it("averages black and white to 188, not 128 (the sRGB bytes' mean)", () => {
    expect(encodeLinear((LINEAR_OF_BYTE[0] + LINEAR_OF_BYTE[255]) / 2)).toBe(188);
  });

  it("places subsamples at x_j + ((k + 0.5)/N - 0.5)·dx, falling with a falling axis", () => {
    expect([...subsampleAxis(Float64Array.of(0, 1), 1, 2)]).toEqual([-0.25, 0.25, 0.75, 1.25]);
    expect([...subsampleAxis(Float64Array.of(1, 0), 1, 2)]).toEqual([1.25, 0.75, 0.25, -0.25]);
  });
});

describe.skipIf(!hasReference)("supersampled pixels against the seed's arithmetic at the subsamples (scripts/seed-reference.py)", () => {
  it.each([
    ["N = 2, seed default frame 7", { width: 40, height: 30, maxIterations: 20, frames: 20, supersample: 2 }, 7],
    [
      "N = 3, spiral c, 200 iterations",
      { width: 33, height: 25, maxIterations: 200, frames: 300, c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] }, supersample: 3 },
      250,
    ],
    [
      "N = 2, off-centre window, escape radius 3",
      {
        width: 30,
        height: 22,
        maxIterations: 50,
        escapeRadius: 3,
        bounds: { re: [-0.5, 0.25], im: [-0.3, 0.4] },
        frames: 5,
        supersample: 2,
      },
      3,
    ],
  ])("%s: every channel within ±1, subsample counts equal", (_label, raw, frame) => {
    const job = parseSpec({ name: "ss", ...raw });
    const reference = pythonReference(job, frame);
    const rgb = render(job, frame, 3);
    expect(maxChannelDifference(rgb, reference.rgb)).toBeLessThanOrEqual(1);

    // the counts themselves, exactly: the shipped kernel on the sub-grid, reordered pixel by pixel
    const n = job.supersample;
    const { re, im } = frameAxes(job, frame);
    const b = job.bounds;
    const subRe = subsampleAxis(re, (b.reMax - b.reMin) / (job.width - 1), n);
    const subIm = subsampleAxis(im, (b.imMax - b.imMin) / (job.height - 1), n);
    const c = frameC(job, frame);
    const counts = new Uint32Array(subRe.length * subIm.length);
    createKernel().run(
      {
        re: subRe,
        im: subIm,
        rowStart: 0,
        rowEnd: subIm.length,
        cRe: c.re,
        cIm: c.im,
        maxIterations: job.maxIterations,
        escapeRadius: job.escapeRadius,
      },
      counts,
    );
    const byPixel: number[] = [];
    // the script's l runs with y rising (l = 0 lowest); the sub-grid's rows fall
    for (let i = 0; i < job.height; i++) {
      for (let j = 0; j < job.width; j++)
        for (let l = 0; l < n; l++) for (let k = 0; k < n; k++) byPixel.push(counts[(i * n + (n - 1 - l)) * subRe.length + j * n + k]);
    }
    expect(byPixel).toEqual(reference.counts);
  });

  it("the bundle's --supersample 2 PNG is within ±1 of the reference", async () => {
    const raw = { name: "ss-cli", width: 36, height: 28, maxIterations: 30, frames: 10 };
    const dir = tempDir("supersample-");
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify(raw));
    const run = await runBundle(juliaRender, [
      "--spec",
      path.join(dir, "spec.json"),
      "--out",
      dir,
      "--frame",
      "4",
      "--supersample",
      "2",
      "--progress",
      "quiet",
    ]);
    expect(run.exitCode, run.all).toBe(0);
    const png = PNG.sync.read(readFileSync(path.join(dir, "ss-cli_4.png")));
    const rgb = new Uint8Array(36 * 28 * 3);
    for (let i = 0; i < 36 * 28; i++) png.data.copy(rgb, i * 3, i * 4, i * 4 + 3);
    const reference = pythonReference(parseSpec({ ...raw, supersample: 2 }), 4);
    expect(maxChannelDifference(rgb, reference.rgb)).toBeLessThanOrEqual(1);
    // and it is not simply the unsupersampled frame
    const plain = render(parseSpec(raw), 4);
    expect(maxChannelDifference(rgb, plain)).toBeGreaterThan(10);
  });
});

describe("supersampled band rendering", () => {
  it.each([
    [2, 64, 48, "bands"],
    [3, 41, 33, "bands"],
    [2, 30, 21, "smooth"],
  ] as const)(
    "N = %i on a centred %i×%i frame (%s): the mirror-copying band renderer equals the plain sub-grid average, with the same work",
    (n, width, height, coloring) => {
      const job = parseSpec({
        name: "ss",
        width,
        height,
        maxIterations: 300,
        frames: 300,
        c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] },
        supersample: n,
        coloring,
      });
      if (coloring === "bands" && n === 2) {
        // the sub-grid of ±1.8 has exact mirror samples, so the copying is exercised
        const { re, im } = frameAxes(job);
        const plan = mirrorPlan(subsampleAxis(re, 3.6 / (width - 1), n), subsampleAxis(im, 3.6 / (height - 1), n));
        expect(plan!.mirroredColumns.length).toBeGreaterThan(10);
      }
      for (const frame of [0, 180, 290]) {
        const expected = plainReference(job, frame);
        const rgb = new Uint8Array(width * height * 3);
        const { iterations } = createBandRenderer(job, createKernel().run, 4).renderFrame(frame, rgb, width);
        expect(maxChannelDifference(rgb, expected.rgb), `frame ${frame}`).toBe(0);
        expect(iterations).toBe(expected.work);
      }
    },
  );

  it("N = 1 is byte-identical to a spec without the field, and N = 2 costs about 4× the work", () => {
    const raw = { name: "n1", width: 60, height: 44, maxIterations: 100, frames: 10 };
    const plain = parseSpec(raw);
    const one = parseSpec({ ...raw, supersample: 1 });
    expect(Buffer.from(render(one, 3)).equals(Buffer.from(render(plain, 3)))).toBe(true);
    const rgb = new Uint8Array(60 * 44 * 3);
    const single = createBandRenderer(plain, createKernel().run).renderFrame(3, rgb, 60).iterations;
    const double = createBandRenderer(parseSpec({ ...raw, supersample: 2 }), createKernel().run).renderFrame(3, rgb, 60).iterations;
    expect(double / single).toBeGreaterThan(3);
    expect(double / single).toBeLessThan(5);
  });

  it("writes the padding column of an odd width's even stride", () => {
    const job = parseSpec({ name: "pad", width: 15, height: 10, maxIterations: 40, frames: 3, supersample: 2 });
    const rgb = new Uint8Array(16 * 10 * 3);
    createBandRenderer(job, createKernel().run).renderFrame(1, rgb, 16);
    const tight = render(job, 1);
    for (let row = 0; row < 10; row++) {
      expect(Buffer.from(rgb.subarray(row * 48, row * 48 + 45)).equals(Buffer.from(tight.subarray(row * 45, row * 45 + 45)))).toBe(true);
      expect([...rgb.subarray(row * 48 + 45, row * 48 + 48)]).toEqual([...tight.subarray(row * 45 + 42, row * 45 + 45)]);
    }
  });
});
