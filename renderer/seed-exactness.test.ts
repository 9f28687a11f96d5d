import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { hasPythonOracle as hasReference, python } from "../test/python-oracle.ts";
import { juliaRender, repoRoot, runBundle } from "../test/run-bundle.ts";
import { frameAxes, frameC } from "./frame-geometry.ts";
import { createKernel } from "./kernel/index.ts";
import { escapeCountsScalar } from "./kernel/scalar.ts";
import { createBandRenderer } from "./frames/band.ts";
import { parseSpec, type Job } from "./spec.ts";
import { tempDir } from "../test/temp-dir.ts";

// The seed's own Python arithmetic (scripts/seed-reference.py) is the oracle, c schedule included:
// it gets the spec's c.from, c.to and frame count, never our per-frame c.
function seedReference(job: Job, frame: number): { c: { re: number; im: number }; counts: number[]; rgb: Buffer } {
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
  ];
  const out = execFileSync(python, [path.join(repoRoot, "scripts/seed-reference.py"), ...args.map(String)], { maxBuffer: 1 << 28 });
  const parsed = JSON.parse(out.toString()) as { c: [number, number]; counts: number[]; rgb: string };
  return { c: { re: parsed.c[0], im: parsed.c[1] }, counts: parsed.counts, rgb: Buffer.from(parsed.rgb, "base64") };
}

const cases: [string, Record<string, unknown>, number][] = [
  ["seed default, first frame", { width: 200, maxIterations: 20, frames: 20 }, 0],
  ["seed default, frame 13", { width: 200, maxIterations: 20, frames: 20 }, 13],
  [
    "spiral c, 500 iterations, odd sizes",
    { width: 97, height: 61, maxIterations: 500, frames: 300, c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] } },
    150,
  ],
  ["seed default, last frame (c.to exactly)", { width: 40, maxIterations: 20, frames: 20 }, 19],
  [
    "moving real part, frame 2 of 7",
    { width: 50, height: 30, maxIterations: 60, frames: 7, c: { from: [-0.8, 0.156], to: [-0.7, 0.27015] } },
    2,
  ],
  [
    "zoomed, escape radius 3",
    { width: 64, height: 48, maxIterations: 50, escapeRadius: 3, bounds: { re: [-0.5, 0.25], im: [-0.3, 0.4] }, frames: 5 },
    4,
  ],
  // pixels whose orbit ends a few ulps past |z| = 2, where the seed's abs(z) (hypot) and fl(x² + y²) > 4
  // disagree (kernel/seed-escape.ts; each frame's first pixel is p)
  ...(
    [
      ["|z| ≈ 2 at check 0", [0, 0], [0.550489941522463, -1.9227482477647966], 50],
      ["|z| ≈ 2 at check 6", [-0.7514810886962383, 0.6763955587237408], [-0.2701516606037577, 0.873914813686436], 50],
      ["|z| ≈ 2 at check 5, trap shortcut", [0.9540469354722951, 0.6778478624319401], [0.011632543362936176, -0.3396997047407637], 100],
    ] as const
  ).map(([label, p, c, max]): [string, Record<string, unknown>, number] => [
    label,
    {
      width: 2,
      height: 2,
      maxIterations: max,
      frames: 1,
      bounds: { re: [p[0], p[0] + 0.25], im: [p[1] - 0.25, p[1]] },
      c: { from: c, to: c },
    },
    0,
  ]),
];

describe.skipIf(!hasReference)("pixel-exact against the seed's Python", () => {
  it.each(cases)("%s", async (_label, raw, frame) => {
    const job = parseSpec({ name: "exact", ...raw });
    const reference = seedReference(job, frame);

    // c: the seed's schedule, bit for bit
    const c = frameC(job, frame);
    expect(c).toEqual(reference.c);

    // escape counts: the reference kernel and the shipped (fast) kernel
    const { re, im } = frameAxes(job);
    const tile = {
      re,
      im,
      rowStart: 0,
      rowEnd: job.height,
      cRe: c.re,
      cIm: c.im,
      maxIterations: job.maxIterations,
      escapeRadius: job.escapeRadius,
    };
    const scalar = new Uint32Array(job.width * job.height);
    escapeCountsScalar(tile, scalar);
    expect([...scalar]).toEqual(reference.counts);
    const fast = new Uint32Array(job.width * job.height);
    createKernel().run(tile, fast);
    expect([...fast]).toEqual(reference.counts);

    // colours, in process
    const rgb = new Uint8Array(job.width * job.height * 3);
    createBandRenderer(job, createKernel().run).renderFrame(frame, rgb, job.width);
    expect(Buffer.from(rgb).equals(reference.rgb)).toBe(true);

    // colours from the bundle's PNG, as a user gets them
    const dir = tempDir("exact-");
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify({ name: "exact", ...raw }));
    const run = await runBundle(juliaRender, [
      "--spec",
      path.join(dir, "spec.json"),
      "--out",
      dir,
      "--frame",
      String(frame),
      "--progress",
      "quiet",
    ]);
    expect(run.exitCode, run.all).toBe(0);
    const png = PNG.sync.read(readFileSync(path.join(dir, `exact_${frame}.png`)));
    const pngRgb = Buffer.alloc(job.width * job.height * 3);
    for (let i = 0; i < job.width * job.height; i++) png.data.copy(pngRgb, i * 3, i * 4, i * 4 + 3);
    expect(pngRgb.equals(reference.rgb)).toBe(true);
  });
});
