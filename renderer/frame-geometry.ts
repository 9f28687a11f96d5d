import { linspace, linspaceAt } from "./math/linspace.ts";
import type { Job } from "./spec.ts";

/** Column reals (left to right) and row imaginaries (top row is imMax). */
export function frameAxes(job: Job): { re: Float64Array; im: Float64Array } {
  return {
    re: linspace(job.bounds.reMin, job.bounds.reMax, job.width),
    im: linspace(job.bounds.imMax, job.bounds.imMin, job.height),
  };
}

/** c for frame k: linspace over the frames, for each part separately, as the seed does. */
export function frameC(job: Job, frame: number): { re: number; im: number } {
  return {
    re: linspaceAt(job.c.from.re, job.c.to.re, job.frames, frame),
    im: linspaceAt(job.c.from.im, job.c.to.im, job.frames, frame),
  };
}
