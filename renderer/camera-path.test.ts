import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { juliaRender, probeVideo, runBundle } from "../test/run-bundle.ts";
import { frameBounds, keyframeC, minViewWidth, viewAt, viewBounds } from "./camera-path.ts";
import { BadInputError } from "./errors.ts";
import { frameC } from "./frame-geometry.ts";
import { createKernel } from "./kernel/index.ts";
import { createBandRenderer } from "./frames/band.ts";
import { jobToSpec, parseSpec, type Keyframe } from "./spec.ts";
import { tempDir } from "../test/temp-dir.ts";

const zoom: Keyframe[] = [
  { frame: 0, center: { re: 0, im: 0 }, width: 3.6, c: { re: -0.62772, im: -0.42 } },
  { frame: 30, center: { re: 0.3, im: -0.1 }, width: 0.36 },
  { frame: 40, center: { re: 0.31, im: -0.12 }, width: 0.36, c: { re: -0.62772, im: -0.39 } },
  { frame: 59, center: { re: 0.3105, im: -0.1195 }, width: 0.0036, c: { re: -0.62772, im: -0.385 } },
];

const rawZoom = {
  name: "zoom",
  width: 48,
  height: 30,
  maxIterations: 200,
  frames: 60,
  keyframes: zoom.map((k) => ({
    frame: k.frame,
    center: [k.center.re, k.center.im],
    width: k.width,
    ...(k.c ? { c: [k.c.re, k.c.im] } : {}),
  })),
};

function rejection(raw: unknown): string {
  try {
    parseSpec(raw, "test");
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return (error as Error).message;
  }
  throw new Error("the spec was accepted");
}

describe("views along a camera path", () => {
  it("is each keyframe's own view at its frame", () => {
    for (const k of zoom) expect(viewAt(zoom, k.frame)).toEqual({ center: k.center, width: k.width });
  });

  it("zooms log-linearly with the fixed point p = (c_b w_a - c_a w_b)/(w_a - w_b) still", () => {
    const [a, b] = zoom;
    const p = {
      re: (b.center.re * a.width - a.center.re * b.width) / (a.width - b.width),
      im: (b.center.im * a.width - a.center.im * b.width) / (a.width - b.width),
    };
    for (const frame of [1, 7, 15, 22, 29]) {
      const t = frame / 30;
      const w = a.width * (b.width / a.width) ** t;
      const view = viewAt(zoom, frame);
      expect(view.width).toBeCloseTo(w, 14);
      expect(view.center.re).toBeCloseTo(p.re + ((a.center.re - p.re) * w) / a.width, 13);
      expect(view.center.im).toBeCloseTo(p.im + ((a.center.im - p.im) * w) / a.width, 13);
      // p is the same point of the picture in every frame: the same fraction of the way across
      const bounds = viewBounds(view, 48, 30);
      const first = viewBounds(viewAt(zoom, 0), 48, 30);
      expect((p.re - bounds.reMin) / (bounds.reMax - bounds.reMin)).toBeCloseTo((p.re - first.reMin) / (first.reMax - first.reMin), 10);
    }
    // halfway in t the width is the geometric mean
    expect(viewAt(zoom, 15).width).toBeCloseTo(Math.sqrt(3.6 * 0.36), 14);
  });

  it("moves the centre linearly when the widths are equal", () => {
    const view = viewAt(zoom, 35);
    expect(view.width).toBe(0.36);
    expect(view.center.re).toBeCloseTo(0.3 + 0.01 * 0.5, 15);
    expect(view.center.im).toBeCloseTo(-0.1 - 0.02 * 0.5, 15);
  });

  it("interpolates c linearly between the keyframes that give it, skipping those that do not", () => {
    expect(keyframeC(zoom, 20)!.im).toBeCloseTo(-0.42 + 0.03 * 0.5, 15);
    expect(keyframeC(zoom, 40)).toEqual({ re: -0.62772, im: -0.39 });
    expect(
      keyframeC(
        zoom.map(({ c: _c, ...k }) => k),
        20,
      ),
    ).toBeUndefined();
    // without keyframe c, the spec's c.from/c.to as today (linspace over the frames)
    const job = parseSpec({
      ...rawZoom,
      keyframes: rawZoom.keyframes.map(({ c: _c, ...k }) => k),
      c: { from: [-0.7, 0], to: [-0.7, 0.59] },
    });
    expect(frameC(job, 10)).toEqual({ re: -0.7, im: 10 * (0.59 / 59) });
  });

  it("makes square pixels: h = w (H - 1)/(W - 1)", () => {
    const b = viewBounds({ center: { re: 0.5, im: -0.25 }, width: 4.7 }, 48, 30);
    expect(b.reMax - b.reMin).toBeCloseTo(4.7, 15);
    expect((b.imMax - b.imMin) / 29).toBeCloseTo((b.reMax - b.reMin) / 47, 15);
    expect((b.reMin + b.reMax) / 2).toBeCloseTo(0.5, 15);
    expect((b.imMin + b.imMax) / 2).toBeCloseTo(-0.25, 15);
  });
});

describe("keyframed frames render as their views given as plain bounds", () => {
  const job = parseSpec(rawZoom);

  it.each([0, 13, 30, 35, 52, 59])("frame %i", (frame) => {
    const b = frameBounds(job, frame);
    const c = frameC(job, frame);
    const plain = parseSpec({
      name: "plain",
      width: 48,
      height: 30,
      maxIterations: 200,
      frames: 1,
      bounds: { re: [b.reMin, b.reMax], im: [b.imMin, b.imMax] },
      c: { from: [c.re, c.im], to: [c.re, c.im] },
    });
    const keyed = new Uint8Array(48 * 30 * 3),
      expected = new Uint8Array(48 * 30 * 3);
    // one renderer for every frame: its per-frame grid must follow the path
    createBandRenderer(job, createKernel().run, 4).renderFrame(frame, keyed, 48);
    createBandRenderer(plain, createKernel().run, 4).renderFrame(0, expected, 48);
    expect(Buffer.from(keyed).equals(Buffer.from(expected))).toBe(true);
  });

  it("one renderer across frames follows the path: frames 52, 13, 52 each equal their plain render", () => {
    const renderer = createBandRenderer(job, createKernel().run);
    const plainOf = (frame: number) => {
      const b = frameBounds(job, frame);
      const c = frameC(job, frame);
      const plain = parseSpec({
        name: "plain",
        width: 48,
        height: 30,
        maxIterations: 200,
        frames: 1,
        bounds: { re: [b.reMin, b.reMax], im: [b.imMin, b.imMax] },
        c: { from: [c.re, c.im], to: [c.re, c.im] },
      });
      const rgb = new Uint8Array(48 * 30 * 3);
      createBandRenderer(plain, createKernel().run).renderFrame(0, rgb, 48);
      return Buffer.from(rgb);
    };
    const rgb = new Uint8Array(48 * 30 * 3);
    for (const frame of [52, 13, 52]) {
      renderer.renderFrame(frame, rgb, 48);
      expect(Buffer.from(rgb).equals(plainOf(frame)), `frame ${frame}`).toBe(true);
    }
    expect(plainOf(13).equals(plainOf(52))).toBe(false);
  });

  it("the bundle's frame 45 PNG equals the bundle's render of that view as bounds", async () => {
    const dir = tempDir("keyframes-");
    writeFileSync(path.join(dir, "zoom.json"), JSON.stringify(rawZoom));
    const b = frameBounds(job, 45);
    const c = frameC(job, 45);
    writeFileSync(
      path.join(dir, "plain.json"),
      JSON.stringify({
        name: "plain",
        width: 48,
        height: 30,
        maxIterations: 200,
        frames: 1,
        bounds: { re: [b.reMin, b.reMax], im: [b.imMin, b.imMax] },
        c: { from: [c.re, c.im], to: [c.re, c.im] },
      }),
    );
    for (const [spec, extra] of [
      ["zoom.json", ["--frame", "45"]],
      ["plain.json", []],
    ] as const) {
      const run = await runBundle(juliaRender, ["--spec", path.join(dir, spec), "--out", dir, "--progress", "quiet", ...extra]);
      expect(run.exitCode, run.all).toBe(0);
    }
    const zoomed = PNG.sync.read(readFileSync(path.join(dir, "zoom_45.png")));
    const plain = PNG.sync.read(readFileSync(path.join(dir, "plain.png")));
    expect(zoomed.data.equals(plain.data)).toBe(true);
  });
});

describe("keyframed animations through the worker pool", () => {
  it("PNG frames from 2 workers (each switching between frames, so views) equal each frame's plain-bounds render, and the MP4 has every frame", async () => {
    const dir = tempDir("keyframes-pool-");
    const raw = { ...rawZoom, name: "pool", frames: 8, keyframes: [rawZoom.keyframes[0], { ...rawZoom.keyframes[3], frame: 7 }] };
    writeFileSync(path.join(dir, "pool.json"), JSON.stringify(raw));
    const run = await runBundle(juliaRender, [
      "--spec",
      path.join(dir, "pool.json"),
      "--out",
      dir,
      "--png-frames",
      "--processes",
      "2",
      "--progress",
      "quiet",
    ]);
    expect(run.exitCode, run.all).toBe(0);
    const job = parseSpec(raw);
    for (let frame = 0; frame < 8; frame++) {
      const b = frameBounds(job, frame);
      const c = frameC(job, frame);
      const plain = parseSpec({
        name: "plain",
        width: 48,
        height: 30,
        maxIterations: 200,
        frames: 1,
        bounds: { re: [b.reMin, b.reMax], im: [b.imMin, b.imMax] },
        c: { from: [c.re, c.im], to: [c.re, c.im] },
      });
      const expected = new Uint8Array(48 * 30 * 3);
      createBandRenderer(plain, createKernel().run).renderFrame(0, expected, 48);
      const png = PNG.sync.read(readFileSync(path.join(dir, "frames", `pool_${String(frame).padStart(5, "0")}.png`)));
      const rgb = Buffer.alloc(48 * 30 * 3);
      for (let i = 0; i < 48 * 30; i++) png.data.copy(rgb, i * 3, i * 4, i * 4 + 3);
      expect(rgb.equals(Buffer.from(expected)), `frame ${frame}`).toBe(true);
    }
    expect((await probeVideo(path.join(dir, "pool.mp4"))).frames).toBe(8);
  });
});

describe("keyframe refusals (exit 2 via BadInputError)", () => {
  it("keyframes with bounds", () => {
    expect(rejection({ ...rawZoom, bounds: { re: [-1, 1], im: [-1, 1] } })).toMatch(/"bounds" cannot be given with "keyframes"/);
  });

  it("frames out of order, a first keyframe not at 0, a last not at frames - 1", () => {
    const keys = rawZoom.keyframes;
    expect(rejection({ ...rawZoom, keyframes: [keys[0], keys[2], keys[1], keys[3]] })).toMatch(
      /"keyframes\.2\.frame" must be greater than the keyframe before it \(frame 40\)/,
    );
    expect(rejection({ ...rawZoom, keyframes: [keys[0], { ...keys[1], frame: 0 }, keys[3]] })).toMatch(/strictly increasing/);
    expect(rejection({ ...rawZoom, keyframes: [{ ...keys[0], frame: 3 }, keys[3]] })).toMatch(/"keyframes\.0\.frame" must be 0/);
    expect(rejection({ ...rawZoom, keyframes: [keys[0], { ...keys[3], frame: 58 }] })).toMatch(
      /"keyframes\.1\.frame" must be 59: the last keyframe is the last frame/,
    );
    expect(rejection({ ...rawZoom, keyframes: [keys[0]] })).toMatch(/at least 2 keyframes/);
  });

  it("c on some keyframes but not the last, and c beside keyframe c", () => {
    const keys = rawZoom.keyframes;
    expect(rejection({ ...rawZoom, keyframes: [keys[0], keys[1], { frame: 59, center: keys[3].center, width: keys[3].width }] })).toMatch(
      /the first and the last must give it too/,
    );
    expect(rejection({ ...rawZoom, c: { from: [0, 0], to: [0, 1] } })).toMatch(/"c" cannot be given when keyframes give "c"/);
  });

  it("a width below the zoom floor: names the smallest width and perturbation", () => {
    const floor = minViewWidth({ re: 0.3105, im: -0.1195 }, 48);
    expect(floor).toBeCloseTo(4096 * 2 ** -52 * 47, 25);
    const keys = rawZoom.keyframes;
    const message = rejection({ ...rawZoom, keyframes: [keys[0], { ...keys[3], width: floor / 2 }] });
    expect(message).toContain(`"keyframes.1.width" ${floor / 2} is below the zoom floor`);
    expect(message).toContain(`the smallest width double precision renders faithfully at 48 pixels across is ${floor.toPrecision(3)}`);
    expect(message).toMatch(/perturbation techniques, which julia-render does not support/);
    // just above it is accepted
    expect(parseSpec({ ...rawZoom, keyframes: [keys[0], { ...keys[3], width: floor * 1.01 }] }).keyframes![1].width).toBe(floor * 1.01);
    // the floor scales with |centre| (its ulp) and the pixel count
    expect(minViewWidth({ re: 1.5, im: 0 }, 48)).toBe(minViewWidth({ re: 0.2, im: 0 }, 48));
    expect(minViewWidth({ re: 2.5, im: 0 }, 48)).toBe(2 * minViewWidth({ re: 0.2, im: 0 }, 48));
    expect(minViewWidth({ re: 0, im: 0 }, 95)).toBe(2 * minViewWidth({ re: 0, im: 0 }, 48));
  });

  it("the CLI exits 2 with the message", async () => {
    const dir = tempDir("keyframes-");
    writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ ...rawZoom, bounds: { re: [-1, 1], im: [-1, 1] } }));
    const run = await runBundle(juliaRender, ["--spec", path.join(dir, "bad.json"), "--out", dir, "--progress", "quiet"]);
    expect(run.exitCode).toBe(2);
    expect(run.all).toMatch(/"bounds" cannot be given with "keyframes"/);
  });
});

describe("keyframed specs round-trip", () => {
  it("through jobToSpec, with and without keyframe c", () => {
    const job = parseSpec(rawZoom);
    expect(parseSpec(jobToSpec(job))).toEqual(job);
    const noC = parseSpec({ ...rawZoom, keyframes: rawZoom.keyframes.map(({ c: _c, ...k }) => k), supersample: 2 });
    expect(parseSpec(jobToSpec(noC))).toEqual(noC);
    expect(job.bounds).toEqual(viewBounds(viewAt(job.keyframes!, 0), 48, 30));
  });
});
