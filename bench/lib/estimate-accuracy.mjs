// Estimate accuracy: the local time `render-remote estimate` predicts against a real render of the
// same job right after it. A timing comparison, so a benchmark: it was a unit test and failed by
// -30 to -59 % whenever other work shared the machine (issue 17).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { benchDir, buildDir } from "./bundle.mjs";

const cli = path.join(benchDir, "..", "dist", "julia-render.mjs");

// Varied jobs of 1–2 s here: many light frames (encoding-bound), few heavy ones, the spiral's region
// (slow escapers, Koenigs traps), the whole range of c, a zoom with odd proportions.
export const ESTIMATE_SPECS = [
  { name: "light-many", width: 640, maxIterations: 30, frames: 240, fps: 30 },
  {
    name: "spiral-heavy",
    width: 500,
    height: 400,
    maxIterations: 2000,
    frames: 90,
    fps: 30,
    c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] },
  },
  { name: "full-range", width: 400, maxIterations: 500, frames: 300, fps: 30, c: { from: [-0.62772, -0.7], to: [-0.62772, 0.7] } },
  { name: "zoom", width: 640, height: 360, maxIterations: 1000, frames: 120, fps: 30, bounds: { re: [-0.6, 0.2], im: [-0.25, 0.2] } },
  // a camera path: 1000× into the spiral of specs/spiral-zoom.json, the cost rising as the view fills with slow escapers
  {
    name: "zoom-path",
    width: 480,
    height: 270,
    maxIterations: 500,
    frames: 90,
    fps: 30,
    keyframes: [
      { frame: 0, center: [0, 0], width: 3.6, c: [-0.62772, -0.42] },
      { frame: 89, center: [-0.4619648066023434, -0.21830320460653785], width: 0.0036, c: [-0.62772, -0.42] },
    ],
  },
  {
    name: "supersampled",
    width: 240,
    height: 240,
    maxIterations: 500,
    frames: 60,
    fps: 30,
    supersample: 3,
    c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] },
  },
];

/** Seconds the real CLI takes for the spec file, wall clock. */
async function renderSeconds(specFile, outDir) {
  const start = performance.now();
  const child = spawn(process.execPath, [cli, "--spec", specFile, "--out", outDir, "--progress", "quiet"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`julia-render exited with ${code}: ${stderr.trim()}`);
  return (performance.now() - start) / 1000;
}

/**
 * Per spec, `rounds` rounds of a calibration and a real render right after it (both see the machine
 * in one state; its speed drifts by up to ±20 % within minutes). Returns rows of
 * { name, rounds: [{ predicted, actual, error }], best } or { skipped }.
 */
export async function estimateAccuracy(rounds = 3) {
  if (!existsSync(cli)) return { skipped: "dist/julia-render.mjs does not exist (run `npm run build`)" };
  await build({
    entryPoints: [path.join(benchDir, "estimate-entry.ts")],
    outfile: path.join(buildDir, "estimate.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  const { calibrate, predict, parseSpec, DEFAULT_OVERHEAD_SECONDS, DEFAULT_SPEED_FACTOR } = await import(
    path.join(buildDir, "estimate.mjs")
  );
  const history = { speedFactor: DEFAULT_SPEED_FACTOR, overheadSeconds: DEFAULT_OVERHEAD_SECONDS, runs: 0 };
  const results = [];
  for (const raw of ESTIMATE_SPECS) {
    const job = parseSpec(raw);
    const dir = mkdtempSync(path.join(os.tmpdir(), "estimate-bench-"));
    try {
      const specFile = path.join(dir, "spec.json");
      writeFileSync(specFile, JSON.stringify(raw));
      const runs = [];
      for (let round = 0; round < rounds; round++) {
        const predicted = predict(await calibrate(job, { bundle: cli }), job, [], history).localSeconds;
        const actual = await renderSeconds(specFile, dir);
        runs.push({ predicted, actual, error: (predicted - actual) / actual });
      }
      results.push({ name: raw.name, rounds: runs, best: Math.min(...runs.map((run) => Math.abs(run.error))) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { results };
}
