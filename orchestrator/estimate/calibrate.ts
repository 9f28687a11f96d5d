import { execa } from "execa";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { bandPalette, colorBands } from "../../renderer/color.ts";
import { frameAxes, frameC } from "../../renderer/frame-geometry.ts";
import { createKernel } from "../../renderer/kernel/index.ts";
import { findFfmpeg } from "../../renderer/output/ffmpeg.ts";
import { createBandRenderer } from "../../renderer/render/band.ts";
import { mirrorPlan } from "../../renderer/render/mirror.ts";
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
  /** Share of the pixels the kernel computes; the rest are exact mirror copies (renderer/render/mirror.ts). */
  computedShare: number;
  /** CPU seconds x264 needs per full-size frame (measured on one thread). */
  encodeSecondsPerFrame: number;
  /** Wall seconds of a render that does almost nothing: Node, workers, ffmpeg start and finish. */
  startupSeconds: number;
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
}

/** Start-up cost when the bundle cannot be timed: measured on the 2-core development machine. */
export const DEFAULT_STARTUP_SECONDS = 0.8;

export async function calibrate(job: Job, options: CalibrateOptions = {}): Promise<Calibration> {
  const started = performance.now();
  const kernel = createKernel();
  const frames = spread(job.frames, options.sampleFrames ?? 9);
  const budget = (options.budgetSeconds ?? 0.6) * 1000;
  let best: { width: number; perFrame: number[]; iterations: number; ms: number } | undefined;
  await warmUp(job, frames, kernel.run);
  for (const width of [16, 32, 64, 128, 256]) {
    const sample = sampleJob(job, width);
    const t0 = performance.now();
    const perFrame = frames.map((frame) => iterationsPerPixel(sample, frame, kernel.run));
    const ms = performance.now() - t0;
    const iterations = perFrame.reduce((sum, ipp) => sum + ipp, 0) * sample.width * sample.height;
    best = { width: sample.width, perFrame, iterations, ms };
    // Stop before the next size (4x the pixels) would blow the budget, or at full size.
    if (sample.width === job.width || performance.now() - started + ms * 4 > budget) break;
  }
  // Best of five at the final size: on a shared machine the fastest run is the kernel's own speed.
  const final = sampleJob(job, best!.width);
  for (let round = 0; round < 4; round++) {
    const t0 = performance.now();
    for (const frame of frames) iterationsPerPixel(final, frame, kernel.run);
    best!.ms = Math.min(best!.ms, performance.now() - t0);
  }
  const meanPerPixel = best!.perFrame.reduce((sum, ipp) => sum + ipp, 0) / best!.perFrame.length;
  const rate = best!.iterations / Math.max(best!.ms / 1000, 1e-6);
  const fullFrameSeconds = (meanPerPixel * job.width * job.height) / rate;
  const encodeSecondsPerFrame = job.frames > 1 && options.encode !== false ? await measureEncode(job, options.preset ?? "veryfast", fullFrameSeconds) : 0;
  const startupSeconds = options.bundle ? await measureStartup(options.bundle, job, { kernelRate: rate, encodeSecondsPerFrame }) : DEFAULT_STARTUP_SECONDS;
  return {
    samples: frames.map((frame, i) => ({ frame, iterationsPerPixel: best!.perFrame[i] })),
    sampleWidth: best!.width,
    totalIterations: meanPerPixel * job.width * job.height * job.frames,
    kernelRate: rate,
    computedShare: computedShare(job),
    encodeSecondsPerFrame,
    startupSeconds,
    cores: os.availableParallelism(),
    kernelName: kernel.name,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * What every render pays besides its pixels: Node, the worker threads and ffmpeg starting, each
 * worker's kernel and shortcuts warming up on full-size bands, and x264 finishing. Timed on the real
 * renderer with the job cut to 2 frames (its two ends of c) and at most 64 iterations, minus the
 * work those frames do at the rates measured here.
 */
async function measureStartup(bundle: string, job: Job, costs: { kernelRate: number; encodeSecondsPerFrame: number }): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "render-remote-calibrate-"));
  try {
    const spec = path.join(dir, "startup.json");
    const frames = Math.min(2, job.frames);
    await writeFile(spec, JSON.stringify({ ...jobToSpec(job), name: "startup", frames, maxIterations: Math.min(64, job.maxIterations) }));
    // the fastest of three runs: on a shared machine the slower ones measure the neighbours
    let seconds = Infinity;
    let stdout = "";
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      stdout = (await execa(process.execPath, [bundle, "--spec", spec, "--out", dir, "--progress", "json"])).stdout;
      seconds = Math.min(seconds, (performance.now() - t0) / 1000);
    }
    const done = stdout.split("\n").map((line) => JSON.parse(line) as { event: string; iterations?: number }).find((event) => event.event === "done");
    const work = ((done?.iterations ?? 0) * computedShare(job)) / costs.kernelRate + frames * costs.encodeSecondsPerFrame;
    return Math.max(seconds / 2, seconds - work / (os.availableParallelism() * PARALLEL_EFFICIENCY));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** 1 - the share of pixels the band renderer copies from their mirror image instead of computing. */
export function computedShare(job: Job): number {
  if (job.coloring !== "bands") return 1;
  const { re, im } = frameAxes(job);
  const plan = mirrorPlan(re, im);
  if (!plan) return 1;
  const rows = plan.rowMirrored.reduce((sum, mirrored) => sum + mirrored, 0);
  return 1 - (rows * plan.mirroredColumns.length) / (job.width * job.height);
}

/** `count` frame indices spread evenly across the animation, ends included. */
export function spread(frames: number, count: number): number[] {
  const n = Math.min(frames, count);
  if (n === 1) return [0];
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (frames - 1)) / (n - 1))))];
}

/** The job at about `width` pixels across, same region and aspect. */
function sampleJob(job: Job, width: number): Job {
  const w = Math.min(job.width, width);
  return { ...job, width: w, height: Math.max(1, Math.round((job.height * w) / job.width)) };
}

function iterationsPerPixel(job: Job, frame: number, run: ReturnType<typeof createKernel>["run"]): number {
  const { re, im } = frameAxes(job);
  const c = frameC(job, frame);
  const counts = new Uint32Array(job.width * job.height);
  const work = run({ re, im, rowStart: 0, rowEnd: job.height, cRe: c.re, cIm: c.im, maxIterations: job.maxIterations, escapeRadius: job.escapeRadius }, counts);
  return work / counts.length;
}

async function warmUp(job: Job, frames: number[], run: ReturnType<typeof createKernel>["run"]): Promise<void> {
  // A fresh WASM kernel starts in V8's baseline tier; the optimised code is
  // compiled in the background and only used from the next call on (no
  // on-stack replacement). Call it for a while, give the compiler time, call
  // again: otherwise the sample measures a kernel 1.5x slower than the render's.
  // Only the sample's frames: each new c costs a trap search (up to ~1 ms), which would eat the warm-up.
  const tiny = sampleJob(job, 48);
  const spin = (ms: number) => {
    const until = performance.now() + ms;
    for (let i = 0; performance.now() < until; i = (i + 1) % frames.length) iterationsPerPixel(tiny, frames[i], run);
  };
  spin(100);
  await new Promise((resolve) => setTimeout(resolve, 300));
  spin(50);
}

/**
 * CPU seconds per frame for x264 at the job's size, on one thread. Two runs
 * (few and more frames of the same real-looking content) so that ffmpeg's own
 * start-up cancels out of the difference.
 */
async function measureEncode(job: Job, preset: string, fullFrameSeconds: number): Promise<number> {
  const width = job.width + (job.width % 2);
  const height = job.height + (job.height % 2);
  // Real consecutive frames when four of them are cheap to render: x264's cost depends on the content.
  const frames = fullFrameSeconds * 4 < 1 ? consecutiveFrames(job, width, height, 4) : await upscaledFrames(job, width, height, 4);
  const encode = async (count: number) => {
    const input = Buffer.concat(Array.from({ length: count }, (_, i) => frames[i % frames.length]));
    const t0 = performance.now();
    await execa(findFfmpeg(), ["-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${width}x${height}`, "-framerate", "30", "-i", "pipe:0",
      "-c:v", "libx264", "-preset", preset, "-threads", "1", "-pix_fmt", "yuv420p", "-f", "null", "-"], { input });
    return (performance.now() - t0) / 1000;
  };
  const few = Math.max(2, Math.min(4, job.frames));
  const many = few + Math.max(4, Math.min(24, Math.round(2e7 / (width * height))));
  // each the faster of two runs, for the same reason as above
  const short = Math.min(await encode(few), await encode(few));
  const long = Math.min(await encode(many), await encode(many));
  return Math.max(0, (long - short) / (many - few));
}

/** `count` consecutive frames from the middle of the animation, at full size, as the encoder will get them. */
function consecutiveFrames(job: Job, width: number, height: number, count: number): Buffer[] {
  const renderer = createBandRenderer(job, createKernel().run);
  const first = Math.max(0, Math.min(job.frames - count, Math.floor(job.frames / 2)));
  return Array.from({ length: Math.min(count, job.frames) }, (_, i) => {
    const rgb = Buffer.alloc(width * height * 3);
    renderer.renderFrame(first + i, rgb, width);
    if (height > job.height) rgb.copyWithin(job.height * width * 3, (job.height - 1) * width * 3, job.height * width * 3);
    return rgb;
  });
}

/** Frames spread over the animation, rendered small and upscaled: fractal edges, as the real frames have. */
async function upscaledFrames(job: Job, width: number, height: number, count: number): Promise<Buffer[]> {
  const source = sampleJob(job, Math.min(job.width, 160));
  const palette = bandPalette(job);
  const kernel = createKernel();
  const { re, im } = frameAxes(source);
  return spread(job.frames, count).map((frame) => {
    const c = frameC(job, frame);
    const counts = new Uint32Array(source.width * source.height);
    kernel.run({ re, im, rowStart: 0, rowEnd: source.height, cRe: c.re, cIm: c.im, maxIterations: job.maxIterations, escapeRadius: job.escapeRadius }, counts);
    const small = new Uint8Array(counts.length * 3);
    colorBands(counts, palette, small);
    const frameRgb = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      const sy = Math.min(source.height - 1, Math.floor((y * source.height) / height));
      for (let x = 0; x < width; x++) {
        const sx = Math.min(source.width - 1, Math.floor((x * source.width) / width));
        frameRgb.set(small.subarray((sy * source.width + sx) * 3, (sy * source.width + sx) * 3 + 3), (y * width + x) * 3);
      }
    }
    return frameRgb;
  });
}
