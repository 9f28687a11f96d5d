import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { juliaRender, repoRoot, runBundle } from "../test/run-bundle.ts";
import { frameAxes, frameC } from "./frame-geometry.ts";
import { createKernel } from "./kernel/index.ts";
import { escapeCountsScalar } from "./kernel/scalar.ts";
import { createBandRenderer } from "./render/band.ts";
import { parseSpec, type Job } from "./spec.ts";
import { tempDir } from "../test/temp-dir.ts";

// The seed's own Python arithmetic (scripts/seed-reference.py) is the oracle.
const python = "/usr/bin/python3";
const hasReference = spawnSync(python, ["-c", "import numpy, matplotlib"]).status === 0;
if (!hasReference && process.env.REQUIRE_SEED_REFERENCE === "1") {
  throw new Error("REQUIRE_SEED_REFERENCE=1 but /usr/bin/python3 lacks numpy/matplotlib: apt-get install -y python3-matplotlib");
}

function seedReference(job: Job, frame: number): { counts: number[]; rgb: Buffer } {
  const c = frameC(job, frame);
  const b = job.bounds;
  const args = [job.width, job.height, b.reMin, b.reMax, b.imMin, b.imMax, c.re, c.im, job.maxIterations, job.escapeRadius].map(String);
  const out = execFileSync(python, [path.join(repoRoot, "scripts/seed-reference.py"), ...args], { maxBuffer: 1 << 28 });
  const parsed = JSON.parse(out.toString()) as { counts: number[]; rgb: string };
  return { counts: parsed.counts, rgb: Buffer.from(parsed.rgb, "base64") };
}

const cases: [string, Record<string, unknown>, number][] = [
  ["seed default, first frame", { width: 200, maxIterations: 20, frames: 20 }, 0],
  ["seed default, frame 13", { width: 200, maxIterations: 20, frames: 20 }, 13],
  ["spiral c, 500 iterations, odd sizes", { width: 97, height: 61, maxIterations: 500, frames: 300, c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] } }, 150],
  ["zoomed, escape radius 3", { width: 64, height: 48, maxIterations: 50, escapeRadius: 3, bounds: { re: [-0.5, 0.25], im: [-0.3, 0.4] }, frames: 5 }, 4],
];

describe.skipIf(!hasReference)("pixel-exact against the seed's Python", () => {
  it.each(cases)("%s", async (_label, raw, frame) => {
    const job = parseSpec({ name: "exact", ...raw });
    const reference = seedReference(job, frame);

    // escape counts: the reference kernel and the shipped (fast) kernel
    const { re, im } = frameAxes(job);
    const c = frameC(job, frame);
    const tile = { re, im, rowStart: 0, rowEnd: job.height, cRe: c.re, cIm: c.im, maxIterations: job.maxIterations, escapeRadius: job.escapeRadius };
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
    const run = await runBundle(juliaRender, ["--spec", path.join(dir, "spec.json"), "--out", dir, "--frame", String(frame), "--progress", "quiet"]);
    expect(run.exitCode, run.all).toBe(0);
    const png = PNG.sync.read(readFileSync(path.join(dir, `exact_${frame}.png`)));
    const pngRgb = Buffer.alloc(job.width * job.height * 3);
    for (let i = 0; i < job.width * job.height; i++) png.data.copy(pngRgb, i * 3, i * 4, i * 4 + 3);
    expect(pngRgb.equals(reference.rgb)).toBe(true);
  });
});
