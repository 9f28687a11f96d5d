import { execa } from "execa";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { bandPalette, colorBandsWide, widePalette } from "../../renderer/color.ts";
import { frameAxes, frameC } from "../../renderer/frame-geometry.ts";
import { createKernel } from "../../renderer/kernel/index.ts";
import { SHORTCUT_MIN_ITERATIONS } from "../../renderer/kernel/shortcuts.ts";
import { findTrap } from "../../renderer/kernel/trap.ts";
import { findFfmpeg, rawFramesInput } from "../../renderer/output/ffmpeg.ts";
import { parseProgressLine } from "../../renderer/progress.ts";
import { createBandRenderer } from "../../renderer/frames/band.ts";
import { bandRows, encoderFormat, frameBytes, type FrameFormat } from "../../renderer/frames/schedule.ts";
import { mirrorPlan } from "../../renderer/frames/mirror.ts";
import { subsampleAxis } from "../../renderer/frames/supersample.ts";
import { frameBounds } from "../../renderer/camera-path.ts";
import { jobToSpec, type Job } from "../../renderer/spec.ts";
import { PARALLEL_EFFICIENCY } from "./predict.ts";

/**
 * Calibration on the machine at hand: render a few frames spread across the
 * animation (cost varies hugely along c) at reduced size with the shipped
 * kernel, and encode a few frames with ffmpeg on one thread. The sample grows
 * until it has cost about `budgetSeconds`, so a 1,000,000-iteration spec
 * still calibrates quickly.
 */
export interface Calibration {
  /** The frames sampled, and the iterations per pixel measured on each. */
  samples: { frame: number; iterationsPerPixel: number }[];
  /** Side of the largest sample grid, in pixels. */
  sampleWidth: number;
  /** Σ(count+1) the whole job will do, extrapolated from the samples. */
  totalIterations: number;
  /** Iterations per second of one core of this machine, in this kernel. */
  kernelRate: number;
  /** Share of the pixels the kernel computes; the rest are exact mirror copies (renderer/frames/mirror.ts). */
  computedShare: number;
  /** CPU seconds x264 needs per full-size frame (measured on one thread). */
  encodeSecondsPerFrame: number;
  /** Wall seconds of a render that does almost nothing: Node, workers, ffmpeg start and finish. */
  startupSeconds: number;
  /** CPU seconds to colour one full-size frame. */
  colorSecondsPerFrame: number;
  /** Seconds to find one frame's exact shortcut; the main thread does it once per frame (wall time, whatever the core count). */
  searchSecondsPerFrame: number;
  cores: number;
  kernelName: string;
  seconds: number;
}

export interface CalibrateOptions {
  sampleFrames?: number;
  budgetSeconds?: number;
  preset?: string;
  /** Skip the ffmpeg measurement (e.g. single PNG frames). */
  encode?: boolean;
  /** The renderer bundle, to time a near-empty render; without it a documented constant is used. */
  bundle?: string;
  /** Told each step as it starts ("sampling 9 frames…"), so a long calibration is not a blank terminal. */
  onStep?: (step: string) => void;
}

/** Start-up cost when the bundle cannot be timed: measured on the 2-core development machine. */
export const DEFAULT_STARTUP_SECONDS = 0.8;

export async function calibrate(job: Job, options: CalibrateOptions = {}): Promise<Calibration> {
  const started = performance.now();
  const kernel = createKernel();
  const frames = spread(job.frames, options.sampleFrames ?? 9);
  const budget = (options.budgetSeconds ?? 0.6) * 1000;
  let best: { width: number; perFrame: number[]; iterations: number; ms: number } | undefined;
  const step = options.onStep ?? (() => undefined);
  step(`warming up the ${kernel.name} kernel`);
  await warmUp(job, frames, kernel.run);
  step(`sampling ${frames.length} frames across the animation at reduced size`);
  for (const width of [16, 32, 64, 128, 256]) {
    const sample = sampleJob(job, width);
    const measure = sampler(sample, kernel.run);
    const t0 = performance.now();
    const perFrame = frames.map(measure);
    const ms = performance.now() - t0;
    const iterations = perFrame.reduce((sum, ipp) => sum + ipp, 0) * sample.width * sample.height;
    best = { width: sample.width, perFrame, iterations, ms };
    // Stop before the next size (4x the pixels) would blow the budget, or at full size.
    if (sample.width === job.width || performance.now() - started + ms * 4 > budget) break;
  }
  // Best of five at the final size: on a shared machine the fastest run is the kernel's own speed.
  const final = sampler(sampleJob(job, best!.width), kernel.run);
  for (let round = 0; round < 4; round++) {
    const t0 = performance.now();
    for (const frame of frames) final(frame);
    best!.ms = Math.min(best!.ms, performance.now() - t0);
  }
  // a supersampled pixel is N² samples, each costing about what a pixel of a grid as fine does
  const samplesPerPixel = job.supersample ** 2;
  const meanPerPixel = (samplesPerPixel * best!.perFrame.reduce((sum, ipp) => sum + ipp, 0)) / best!.perFrame.length;
  const rate = best!.iterations / Math.max(best!.ms / 1000, 1e-6);
  const fullFrameSeconds = (meanPerPixel * job.width * job.height) / rate;
  const encodes = job.frames > 1 && options.encode !== false;
  if (encodes) step(`timing x264 (${options.preset ?? "veryfast"}) on ${job.width}×${job.height} frames`);
  const encodeSecondsPerFrame = encodes ? await measureEncode(job, options.preset ?? "veryfast", fullFrameSeconds) : 0;
  step("timing colouring and the shortcut search");
  const { colorSecondsPerFrame, searchSecondsPerFrame } = frameCosts(job, sampleJob(job, Math.min(best!.width, 128)), frames, kernel.run);
  if (options.bundle) step("timing the renderer's start (three tiny renders)");
  const startupSeconds = options.bundle
    ? await measureStartup(options.bundle, job, { kernelRate: rate, encodeSecondsPerFrame })
    : DEFAULT_STARTUP_SECONDS;
  return {
    samples: frames.map((frame, i) => ({ frame, iterationsPerPixel: samplesPerPixel * best!.perFrame[i] })),
    sampleWidth: best!.width,
    totalIterations: meanPerPixel * job.width * job.height * job.frames,
    kernelRate: rate,
    computedShare: computedShare(job),
    encodeSecondsPerFrame,
    startupSeconds,
    colorSecondsPerFrame,
    searchSecondsPerFrame,
    cores: os.availableParallelism(),
    kernelName: kernel.name,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * What every render pays besides its pixels: Node, the worker threads and ffmpeg starting, each
 * worker's kernel warming up, and x264 finishing. Timed on the real renderer with the job cut to 2
 * frames and at most 64 iterations, minus the work those frames do at the rates measured here.
 */
async function measureStartup(bundle: string, job: Job, costs: { kernelRate: number; encodeSecondsPerFrame: number }): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "render-remote-calibrate-"));
  try {
    const spec = path.join(dir, "startup.json");
    const frames = Math.min(2, job.frames);
    await writeFile(
      spec,
      JSON.stringify({ ...jobToSpec(fixedView(job)), name: "startup", frames, maxIterations: Math.min(64, job.maxIterations) }),
    );
    // the fastest of three runs: on a shared machine the slower ones measure the neighbours
    let seconds = Infinity;
    let stdout = "";
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      stdout = (await execa(process.execPath, [bundle, "--spec", spec, "--out", dir, "--progress", "json"])).stdout;
      seconds = Math.min(seconds, (performance.now() - t0) / 1000);
    }
    let iterations = 0;
    for (const line of stdout.split("\n")) {
      const parsed = parseProgressLine(line); // a stray line is not an event, and never throws
      if (parsed.kind === "event" && parsed.event.event === "done") iterations = parsed.event.iterations;
    }
    const work = (iterations * computedShare(job)) / costs.kernelRate + frames * costs.encodeSecondsPerFrame;
    return Math.max(seconds / 2, seconds - work / (os.availableParallelism() * PARALLEL_EFFICIENCY));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Per-frame costs besides the kernel and x264, on the sample frames: colouring (per pixel, scaled
 * to the job's size) and finding the frame's exact shortcut (trap.ts), which the main thread plans
 * once per frame for all the workers. The fastest of three passes.
 */
function frameCosts(
  job: Job,
  sample: Job,
  frames: number[],
  run: ReturnType<typeof createKernel>["run"],
): { colorSecondsPerFrame: number; searchSecondsPerFrame: number } {
  const palette = bandPalette(job);
  const wide = widePalette(palette);
  const counts = frames.map((frame) => {
    const { re, im } = frameAxes(sample, frame);
    const c = frameC(sample, frame);
    const into = new Uint32Array(sample.width * sample.height);
    run(
      {
        re,
        im,
        rowStart: 0,
        rowEnd: sample.height,
        cRe: c.re,
        cIm: c.im,
        maxIterations: job.maxIterations,
        escapeRadius: job.escapeRadius,
      },
      into,
    );
    return into;
  });
  const rgb = new Uint8Array(sample.width * sample.height * 3);
  const limit = job.escapeRadius * job.escapeRadius;
  const cs = frames.map((frame) => frameC(job, frame));
  let color = Infinity;
  let search = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (const frameCounts of counts) colorBandsWide(frameCounts, palette, wide, rgb);
    const t1 = performance.now();
    for (const c of cs) findTrap(c.re, c.im, limit);
    const t2 = performance.now();
    color = Math.min(color, t1 - t0);
    search = Math.min(search, t2 - t1);
  }
  // supersampling colours N² samples a pixel (and averages them)
  const scale = (job.width * job.height * job.supersample ** 2) / (sample.width * sample.height);
  return {
    colorSecondsPerFrame: job.coloring === "bands" ? (color / 1000 / frames.length) * scale : 0,
    searchSecondsPerFrame: job.maxIterations >= SHORTCUT_MIN_ITERATIONS ? search / 1000 / frames.length : 0,
  };
}

/** 1 - the share of pixels the band renderer copies from their mirror image instead of computing. */
export function computedShare(job: Job): number {
  if (job.coloring !== "bands") return 1;
  // a camera path's views differ: the mean over a few of its frames
  const frames = job.keyframes ? spread(job.frames, 9) : [0];
  return frames.reduce((sum, frame) => sum + frameComputedShare(job, frame), 0) / frames.length;
}

/** The same for one frame, on its sample grid (the sub-grid when supersampled, as band.ts mirrors it). */
function frameComputedShare(job: Job, frame: number): number {
  const { re, im } = frameAxes(job, frame);
  const b = frameBounds(job, frame);
  const n = job.supersample;
  const plan = mirrorPlan(
    subsampleAxis(re, (b.reMax - b.reMin) / (job.width - 1), n),
    subsampleAxis(im, (b.imMax - b.imMin) / (job.height - 1), n),
  );
  if (!plan) return 1;
  const rows = plan.rowMirrored.reduce((sum, mirrored) => sum + mirrored, 0);
  return 1 - (rows * plan.mirroredColumns.length) / (job.width * job.height * n * n);
}

/** `count` frame indices spread evenly across the animation, ends included. */
export function spread(frames: number, count: number): number[] {
  const n = Math.min(frames, count);
  if (n === 1) return [0];
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (frames - 1)) / (n - 1))))];
}

/** A camera path's job as a plain one at its first view and c (the start-up run cuts the frame count, which a path's last keyframe names). */
function fixedView(job: Job): Job {
  if (!job.keyframes) return job;
  const c = frameC(job, 0);
  return { ...job, keyframes: undefined, c: { from: c, to: c } };
}

/** The job at about `width` pixels across, same region and aspect. */
function sampleJob(job: Job, width: number): Job {
  const w = Math.min(job.width, width);
  return { ...job, width: w, height: Math.max(1, Math.round((job.height * w) / job.width)) };
}

/**
 * Iterations per pixel of a frame of `job`, one frame per call. The counts go to one reused array:
 * a fresh one per frame costs page faults that can be a quarter of a small sample's time.
 */
function sampler(job: Job, run: ReturnType<typeof createKernel>["run"]): (frame: number) => number {
  let axes = frameAxes(job);
  const counts = new Uint32Array(job.width * job.height);
  return (frame) => {
    // a camera path moves the view every frame
    if (job.keyframes) axes = frameAxes(job, frame);
    const c = frameC(job, frame);
    return (
      run(
        {
          re: axes.re,
          im: axes.im,
          rowStart: 0,
          rowEnd: job.height,
          cRe: c.re,
          cIm: c.im,
          maxIterations: job.maxIterations,
          escapeRadius: job.escapeRadius,
        },
        counts,
      ) / counts.length
    );
  };
}

async function warmUp(job: Job, frames: number[], run: ReturnType<typeof createKernel>["run"]): Promise<void> {
  // A fresh WASM kernel starts in V8's baseline tier; the optimised code is
  // compiled in the background and only used from the next call on (no
  // on-stack replacement). Call it for a while, give the compiler time, call
  // again: otherwise the sample measures a kernel 1.5x slower than the render's.
  // Only the sample's frames: each new c costs a trap search (up to ~1 ms), which would eat the warm-up.
  const tiny = sampler(sampleJob(job, 48), run);
  const spin = (ms: number) => {
    const until = performance.now() + ms;
    for (let i = 0; performance.now() < until; i = (i + 1) % frames.length) tiny(frames[i]);
  };
  spin(100);
  await new Promise((resolve) => setTimeout(resolve, 300));
  spin(50);
}

/**
 * CPU seconds per frame for x264 at the job's size, on one thread. Two runs
 * (few and more frames of the same real content) so that ffmpeg's own
 * start-up cancels out of the difference. The content is real consecutive
 * frames: x264's cost depends on how much changes from frame to frame. When
 * the whole frames would take more than 0.8 s to render, a strip across
 * their middle stands in for them, scaled up by its share of the rows.
 */
async function measureEncode(job: Job, preset: string, fullFrameSeconds: number): Promise<number> {
  const width = job.width + (job.width % 2);
  const height = job.height + (job.height % 2);
  const few = Math.max(2, Math.min(4, job.frames));
  const extra = Math.max(8, Math.min(24, Math.round(2e7 / (width * height))));
  // about 0.8 s of rendering for all the frames the longer run needs
  const affordable = Math.floor((height * 0.8) / Math.max(0.8, fullFrameSeconds * (few + extra)) / 2) * 2;
  const rows = Math.min(height, Math.max(16, affordable));
  // in the format the render will feed x264 (render.ts)
  const format = encoderFormat(job, false);
  const frames = consecutiveFrames(job, width, rows, few + extra, format);
  const encode = async (count: number) => {
    const t0 = performance.now();
    const child = execa(findFfmpeg(), [
      "-hide_banner",
      "-loglevel",
      "error",
      ...rawFramesInput(format, width, rows, 30),
      "-c:v",
      "libx264",
      "-preset",
      preset,
      "-threads",
      "1",
      "-pix_fmt",
      "yuv420p",
      "-f",
      "null",
      "-",
    ]);
    // Distinct frames in order (a job with fewer frames has them repeated from the start).
    // Repeating a few frames back and forth measured x264 at 0.6-0.75x its real cost: repeats are almost free to encode.
    for (let i = 0; i < count; i++) {
      if (!child.stdin!.write(frames[i % frames.length])) await once(child.stdin!, "drain");
    }
    child.stdin!.end();
    await child;
    return (performance.now() - t0) / 1000;
  };
  // each the faster of two runs, for the same reason as above
  const short = Math.min(await encode(few), await encode(few));
  const long = Math.min(await encode(few + extra), await encode(few + extra));
  return ((Math.max(0, long - short) / extra) * height) / rows;
}

/**
 * `count` consecutive frames from the middle of the animation, as the encoder gets them (rows
 * padded to `width`, an odd height's last row repeated), `rows` rows of them: the whole frame,
 * or a strip across its middle.
 */
function consecutiveFrames(job: Job, width: number, rows: number, count: number, format: FrameFormat): Buffer[] {
  const strip = rows >= job.height ? job : stripJob(job, rows);
  const renderer = createBandRenderer(strip, createKernel().run, bandRows(strip.width, strip.height, format), format);
  const first = Math.max(0, Math.min(job.frames - count, Math.floor(job.frames / 2)));
  return Array.from({ length: Math.min(count, job.frames) }, (_, i) => {
    const frame = Buffer.alloc(frameBytes(format, width, rows));
    renderer.renderFrame(first + i, frame, width);
    if (format === "rgb24" && rows > strip.height)
      frame.copyWithin(strip.height * width * 3, (strip.height - 1) * width * 3, strip.height * width * 3);
    return frame;
  });
}

/** The job cut to `rows` rows across the middle of its frame (same pixel spacing). */
function stripJob(job: Job, rows: number): Job {
  // a camera path's views are centred with square pixels: fewer rows are the strip across the middle
  if (job.keyframes) return { ...job, height: rows };
  const { im } = frameAxes(job);
  const top = Math.floor((job.height - rows) / 2);
  return { ...job, height: rows, bounds: { ...job.bounds, imMax: im[top], imMin: im[top + rows - 1] } };
}
