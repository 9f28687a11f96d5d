import { frameC } from "../../renderer/frame-geometry.ts";
import { jobToSpec, MAX_FRAMES, parseSpec, type Job } from "../../renderer/spec.ts";
import { BadInputError } from "../errors.ts";
import { refinePath, wholeFrame } from "./refine-path.ts";

/**
 * `refine`: a new job whose c path is one segment of an old one, as the seed's
 * author worked out by hand ("seconds 4-5" of -0.7 + 0.7 is -0.42 + 0.07).
 * Pure arithmetic; the command reads and writes the files.
 */
export type SegmentPoint = { kind: "seconds"; seconds: number; text: string } | { kind: "frame"; frame: number; text: string };

/** `4s` or `4.5s` is a time; `120` is a frame number. */
export function parseSegmentPoint(flag: string, value: string): SegmentPoint {
  const text = value.trim();
  if (/^\d+(\.\d+)?s$/.test(text)) return { kind: "seconds", seconds: Number(text.slice(0, -1)), text };
  if (/^\d+$/.test(text)) return { kind: "frame", frame: Number(text), text };
  const hint = /^\d*\.\d+$/.test(text) ? ` (frame numbers are whole; for a time write ${text}s)` : "";
  throw new BadInputError(`${flag} takes a time like 4s or 4.5s, or a frame number like 120; got "${value}"${hint}.`);
}

export interface RefineRequest {
  from: SegmentPoint;
  to: SegmentPoint;
  /** The new animation's timing; unset, the old fps and the old duration (or frame count) are kept. */
  duration?: number;
  fps?: number;
  frames?: number;
  /** The new spec's name; by default the old name plus the segment, e.g. spiral-4s-5s. */
  name?: string;
}

export interface Complex {
  re: number;
  im: number;
}

export interface Refinement {
  job: Job;
  /** Where the segment starts and ends in the old animation, in seconds. */
  fromSeconds: number;
  toSeconds: number;
}

export function durationOf(job: Pick<Job, "frames" | "fps">): number {
  return job.frames / job.fps;
}

/** c at time t of the animation, linear over its duration: from + (to - from) × t / duration (the seed's arithmetic). */
export function cAtSeconds(job: Job, seconds: number): Complex {
  const duration = durationOf(job);
  if (seconds === 0) return { ...job.c.from };
  if (seconds === duration) return { ...job.c.to };
  const along = (a: number, b: number) => a + ((b - a) * seconds) / duration;
  return { re: along(job.c.from.re, job.c.to.re), im: along(job.c.from.im, job.c.to.im) };
}

export function refineJob(job: Job, request: RefineRequest): Refinement {
  const fromSeconds = secondsOf(job, request.from, "--from");
  const toSeconds = secondsOf(job, request.to, "--to");
  if (fromSeconds === toSeconds) {
    throw new BadInputError(
      `--from ${request.from.text} and --to ${request.to.text} are the same moment (${describeTime(fromSeconds)}). A segment needs a --to later than its --from.`,
    );
  }
  if (fromSeconds > toSeconds) {
    throw new BadInputError(
      `--from ${request.from.text} must come before --to ${request.to.text}: the segment runs forward in time, and here --from is at ${describeTime(fromSeconds)}, --to at ${describeTime(toSeconds)}. ` +
        `Swap them: --from ${request.to.text} --to ${request.from.text}.`,
    );
  }
  if (job.keyframes) {
    const keepsTiming = request.frames === undefined && request.duration === undefined && request.fps === undefined;
    const from = wholeFrame(job, fromSeconds, request.from.text, "--from");
    const to = wholeFrame(job, toSeconds, request.to.text, "--to");
    const path = refinePath({ ...job, keyframes: job.keyframes }, from, to, keepsTiming ? undefined : newTiming(job, request));
    const refined: Job = { ...job, ...path, name: request.name ?? segmentName(job.name, request.from, request.to) };
    return { job: parseSpec(jobToSpec(refined)), fromSeconds, toSeconds };
  }
  const timing = newTiming(job, request);
  const refined: Job = {
    ...job,
    name: request.name ?? segmentName(job.name, request.from, request.to),
    c: { from: cAt(job, request.from), to: cAt(job, request.to) },
    frames: timing.frames,
    fps: timing.fps,
  };
  // the boundary check, once: what we write must load back as exactly this job
  return { job: parseSpec(jobToSpec(refined)), fromSeconds, toSeconds };
}

/** Frame numbers map to those frames' exact c; times map linearly over the duration. */
function cAt(job: Job, point: SegmentPoint): Complex {
  return point.kind === "frame" ? frameC(job, point.frame) : cAtSeconds(job, point.seconds);
}

function secondsOf(job: Job, point: SegmentPoint, flag: string): number {
  const duration = durationOf(job);
  const range = `the animation runs from 0s to ${describeTime(duration)}, frames 0 to ${job.frames - 1} at ${job.fps} fps`;
  if (point.kind === "frame") {
    if (point.frame > job.frames - 1) throw new BadInputError(`${flag} ${point.text} is past the last frame: ${range}.`);
    return point.frame / job.fps;
  }
  if (point.seconds > duration) throw new BadInputError(`${flag} ${point.text} is past the end: ${range}.`);
  return point.seconds;
}

function newTiming(job: Job, request: RefineRequest): { frames: number; fps: number } {
  const fps = request.fps ?? job.fps;
  if (!(fps > 0 && fps <= 1000)) throw new BadInputError(`--fps takes frames per second from above 0 to 1000, got ${fps}.`);
  if (request.frames !== undefined && request.duration !== undefined) {
    throw new BadInputError(`Give --frames or --duration, not both (frames = duration × fps).`);
  }
  if (request.frames !== undefined) {
    if (!Number.isInteger(request.frames) || request.frames < 1 || request.frames > MAX_FRAMES) {
      throw new BadInputError(`--frames takes a whole number from 1 to ${MAX_FRAMES.toLocaleString("en-US")}, got ${request.frames}.`);
    }
    return { frames: request.frames, fps };
  }
  if (request.duration !== undefined) {
    const frames = wholeFrames(request.duration * fps);
    if (!(request.duration > 0) || frames === undefined) {
      throw new BadInputError(
        `--duration × fps must be a whole number of frames from 1 to ${MAX_FRAMES.toLocaleString("en-US")}, got ${request.duration} × ${fps} = ${request.duration * fps}.`,
      );
    }
    return { frames, fps };
  }
  if (request.fps === undefined) return { frames: job.frames, fps };
  // a new fps over the old duration
  return { frames: Math.min(MAX_FRAMES, Math.max(1, Math.round(durationOf(job) * fps))), fps };
}

/** 6.1 × 30 is 182.99999999999997 in floating point: that is 183 frames. */
function wholeFrames(product: number): number | undefined {
  const frames = Math.round(product);
  return Math.abs(product - frames) < 1e-9 && frames >= 1 && frames <= MAX_FRAMES ? frames : undefined;
}

/** The old name plus the segment, e.g. spiral-4s-5s or spiral-f120-f150, within the spec's 100 characters. */
export function segmentName(name: string, from: SegmentPoint, to: SegmentPoint): string {
  const part = (point: SegmentPoint) => (point.kind === "frame" ? `f${point.frame}` : point.text);
  const suffix = `-${part(from)}-${part(to)}`;
  return `${name.slice(0, 100 - suffix.length)}${suffix}`;
}

function describeTime(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}
