import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { frameC } from "../../renderer/frame-geometry.ts";
import { parseSpec } from "../../renderer/spec.ts";
import { renderRemote, runBundle } from "../../test/run-bundle.ts";
import { tempDir } from "../../test/temp-dir.ts";

// the seed's "first half": 10 s at 30 fps, c.im from -0.7 with increment 0.7
const firstHalf = {
  name: "first-half",
  width: 500,
  maxIterations: 500,
  duration: 10,
  fps: 30,
  colormap: "magma",
  c: { from: [-0.62772, -0.7], to: [-0.62772, -0.7 + 0.7] },
};

function workspace() {
  const dir = tempDir("render-remote-refine-");
  const spec = path.join(dir, "first-half.json");
  writeFileSync(spec, JSON.stringify(firstHalf));
  return { dir, spec };
}

const readJob = (file: string) => parseSpec(JSON.parse(readFileSync(file, "utf8")));

describe("render-remote refine (the bundle)", () => {
  it("writes seconds 4-5 next to the old spec, prints the path, the new c range and what to run next", async () => {
    const w = workspace();
    const run = await runBundle(renderRemote, ["refine", "--spec", w.spec, "--from", "4s", "--to", "5s"]);
    expect(run.exitCode, run.all).toBe(0);
    const file = path.join(w.dir, "first-half-4s-5s.json");
    expect(run.stdout).toContain(
      `Wrote ${file}: c from -0.62772-0.42000i to -0.62772-0.35000i (first-half from 4s to 5s), 300 frames at 30 fps (10 s).`,
    );
    expect(run.stdout).toContain(`npx render-remote preview --spec ${file}`);
    const job = readJob(file);
    expect(job).toMatchObject({
      name: "first-half-4s-5s",
      width: 500,
      height: 500,
      maxIterations: 500,
      colormap: "magma",
      frames: 300,
      fps: 30,
    });
    expect(job.c.from.im).toBeCloseTo(-0.42, 12);
    expect(job.c.to.im - job.c.from.im).toBeCloseTo(0.07, 12);
    expect(readdirSync(w.dir).sort()).toEqual(["first-half-4s-5s.json", "first-half.json"]);
    expect(JSON.parse(readFileSync(w.spec, "utf8"))).toEqual(firstHalf);

    // and the first 6 seconds of that, as the seed does next, with --out naming the spec
    const out = path.join(w.dir, "specs", "explore-seconds-4-5-first-6s.json");
    const again = await runBundle(renderRemote, ["refine", "--spec", file, "--from", "0s", "--to", "6s", "--duration", "20", "--out", out]);
    expect(again.exitCode, again.all).toBe(0);
    const refined = readJob(out);
    expect(refined).toMatchObject({ name: "explore-seconds-4-5-first-6s", frames: 600, fps: 30 });
    expect(refined.c.from.im).toBe(job.c.from.im);
    expect(refined.c.to.im - refined.c.from.im).toBeCloseTo(0.042, 12);
  });

  it("frame numbers give those frames' exact c", async () => {
    const w = workspace();
    const out = path.join(w.dir, "frames.json");
    const run = await runBundle(renderRemote, ["refine", "--spec", w.spec, "--from", "120", "--to", "150", "--fps", "60", "--out", out]);
    expect(run.exitCode, run.all).toBe(0);
    const old = parseSpec(firstHalf);
    const job = readJob(out);
    expect(job.c.from).toEqual(frameC(old, 120));
    expect(job.c.to).toEqual(frameC(old, 150));
    expect([job.frames, job.fps]).toEqual([600, 60]);
  });

  it.each([
    [["--from", "4s", "--to", "11s"], /--to 11s is past the end: the animation runs from 0s to 10s, frames 0 to 299 at 30 fps\./],
    [["--from", "300", "--to", "310"], /--from 300 is past the last frame/],
    [["--from", "5s", "--to", "4s"], /--from 5s must come before --to 4s/],
    [["--from", "four", "--to", "5s"], /--from takes a time like 4s or 4\.5s, or a frame number like 120; got "four"/],
    [["--from", "4s"], /--from and --to are required/],
    [["--from", "4s", "--to", "5s", "--frames", "10", "--duration", "2"], /Give --frames or --duration, not both/],
    [["--from", "4s", "--to", "5s", "--fps", "fast"], /--fps takes a number, got "fast"/],
  ])("refine %j is exit 2 and writes nothing", async (args, message) => {
    const w = workspace();
    const run = await runBundle(renderRemote, ["refine", "--spec", w.spec, ...args]);
    expect(run.exitCode, run.all).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(readdirSync(w.dir)).toEqual(["first-half.json"]);
  });

  it("never overwrites the input, and a missing spec is exit 2", async () => {
    const w = workspace();
    const run = await runBundle(renderRemote, ["refine", "--spec", w.spec, "--from", "4s", "--to", "5s", "--out", w.spec]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/is the input spec; refine never overwrites it/);
    expect(JSON.parse(readFileSync(w.spec, "utf8"))).toEqual(firstHalf);
    const missing = await runBundle(renderRemote, ["refine", "--spec", path.join(w.dir, "nope.json"), "--from", "4s", "--to", "5s"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read spec file .*nope\.json/);
    expect(existsSync(path.join(w.dir, "nope-4s-5s.json"))).toBe(false);
  });
});
