import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parseSpec } from "../../renderer/spec.ts";
import { juliaRender } from "../../test/run-bundle.ts";
import { calibrate } from "./calibrate.ts";
import { DEFAULT_OVERHEAD_SECONDS, DEFAULT_SPEED_FACTOR, predict } from "./predict.ts";

// Varied jobs of 1–2 s here: many light frames (encoding-bound), few heavy ones, the spiral's region
// (slow escapers, Koenigs traps), the whole range of c, a zoom with odd proportions. Shorter jobs
// measured the machine's noise (±0.1 s) more than the model.
const specs: Record<string, unknown>[] = [
  { name: "light-many", width: 640, maxIterations: 30, frames: 240, fps: 30 },
  { name: "spiral-heavy", width: 500, height: 400, maxIterations: 2000, frames: 90, fps: 30, c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] } },
  { name: "full-range", width: 400, maxIterations: 500, frames: 300, fps: 30, c: { from: [-0.62772, -0.7], to: [-0.62772, 0.7] } },
  { name: "zoom", width: 640, height: 360, maxIterations: 1000, frames: 120, fps: 30, bounds: { re: [-0.6, 0.2], im: [-0.25, 0.2] } },
  // a camera path: 1000× into the spiral of specs/spiral-zoom.json, the cost rising as the view fills with slow escapers
  {
    name: "zoom-path", width: 480, height: 270, maxIterations: 500, frames: 90, fps: 30,
    keyframes: [{ frame: 0, center: [0, 0], width: 3.6, c: [-0.62772, -0.42] }, { frame: 89, center: [-0.4619648066023434, -0.21830320460653785], width: 0.0036, c: [-0.62772, -0.42] }],
  },
  { name: "supersampled", width: 240, height: 240, maxIterations: 500, frames: 60, fps: 30, supersample: 3, c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] } },
];

describe("estimate accuracy: predicted local time against real renders", () => {
  it.each(specs)("$name: within ±20 %", async (raw) => {
    const job = parseSpec(raw);
    const dir = mkdtempSync(path.join(os.tmpdir(), "accuracy-"));
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify(raw));
    const history = { speedFactor: DEFAULT_SPEED_FACTOR, overheadSeconds: DEFAULT_OVERHEAD_SECONDS, runs: 0 };
    // A round is a calibration and a real render right after it, so that both see the shared
    // machine in one state: its speed drifts by up to ±20 % within minutes, and a round caught
    // across a change is no verdict on the model. Up to three rounds; a model that is off
    // misses in all of them.
    const rounds: string[] = [];
    let best = Infinity;
    for (let round = 0; round < 3 && best > 0.2; round++) {
      const predicted = predict(await calibrate(job, { bundle: juliaRender }), job, [], history).localSeconds;
      const t0 = performance.now();
      await execa(process.execPath, [juliaRender, "--spec", path.join(dir, "spec.json"), "--out", dir, "--progress", "quiet"]);
      const actual = (performance.now() - t0) / 1000;
      const error = (predicted - actual) / actual;
      rounds.push(`predicted ${predicted.toFixed(2)} s, actual ${actual.toFixed(2)} s (${(error * 100).toFixed(0)} %)`);
      best = Math.min(best, Math.abs(error));
    }
    console.log(`${job.name}: ${rounds.join("; ")}`);
    expect(best, rounds.join("; ")).toBeLessThanOrEqual(0.2);
  });
});
