import { frameBounds, keyframeC } from "./camera-path.ts";
import { linspace, linspaceAt } from "./math/linspace.ts";
import type { Job } from "./spec.ts";

/** Column reals (left to right) and row imaginaries (top row is imMax); a keyframed job's differ per frame. */
export function frameAxes(job: Job, frame = 0): { re: Float64Array; im: Float64Array } {
  const bounds = frameBounds(job, frame);
  return {
    re: linspace(bounds.reMin, bounds.reMax, job.width),
    im: linspace(bounds.imMax, bounds.imMin, job.height),
  };
}

/** c for frame k: from the keyframes that give it, else linspace over the frames, for each part separately, as the seed does. */
export function frameC(job: Job, frame: number): { re: number; im: number } {
  const keyed = job.keyframes ? keyframeC(job.keyframes, frame) : undefined;
  if (keyed) return keyed;
  return {
    re: linspaceAt(job.c.from.re, job.c.to.re, job.frames, frame),
    im: linspaceAt(job.c.from.im, job.c.to.im, job.frames, frame),
  };
}
