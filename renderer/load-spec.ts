import { readFile } from "node:fs/promises";
import path from "node:path";
import { BadInputError } from "./errors.ts";
import { parseSpec, SEED_C_IMAG_INCREMENT, SEED_C_IMAG_INITIAL, SEED_C_REAL, type Job } from "./spec.ts";
import { plainReason } from "./fs-reason.ts";

/** The seed program's own flags (julia_set_plot.py), applied on top of a spec. */
export interface SeedFlags {
  numSteps?: number;
  maxIterations?: number;
  numFrames?: number;
  framerate?: number;
  duration?: number;
  cImagInitial?: number;
  cImagIncrement?: number;
  /** Not the seed's: --supersample N (spec field "supersample"). */
  supersample?: number;
}

/** Reads and parses a spec file; a missing or malformed file is bad input (exit 2). */
export async function readSpecFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new BadInputError(`Cannot read spec file ${file} (${plainReason(error)}). Check the path; example specs are in specs/.`, {
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`Spec file ${file} is not valid JSON: ${(error as Error).message}. Fix it and run again.`, { cause: error });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new BadInputError(`Spec file ${file} must hold a JSON object, like specs/seed-default.json.`);
  }
  return raw as Record<string, unknown>;
}

/**
 * Builds the job from an optional spec file plus the seed's flags, the way the
 * seed reads them: --num-steps sets both sides, --duration overrides the frame
 * count (frames = duration x fps), and the c-imag pair sets c.im from
 * `initial` to `initial + increment` with c.re = -0.62772.
 */
export async function loadJob(specFile: string | undefined, flags: SeedFlags): Promise<Job> {
  const raw: Record<string, unknown> = specFile ? await readSpecFile(specFile) : {};
  const set: string[] = [];
  if (flags.numSteps !== undefined) {
    raw.width = flags.numSteps;
    raw.height = flags.numSteps;
    set.push("width, height <- --num-steps");
  }
  if (flags.maxIterations !== undefined) {
    raw.maxIterations = flags.maxIterations;
    set.push("maxIterations <- --max-iterations");
  }
  if (flags.framerate !== undefined) {
    raw.fps = flags.framerate;
    set.push("fps <- --framerate");
  }
  if (flags.numFrames !== undefined) {
    raw.frames = flags.numFrames;
    delete raw.duration;
    set.push("frames <- --num-frames");
  }
  if (flags.duration !== undefined) {
    raw.duration = flags.duration;
    delete raw.frames;
    set.push("duration <- --duration");
  }
  if (flags.supersample !== undefined) {
    raw.supersample = flags.supersample;
    set.push("supersample <- --supersample");
  }
  if (flags.cImagInitial !== undefined || flags.cImagIncrement !== undefined) {
    const from = (raw.c as { from?: number[]; to?: number[] } | undefined)?.from;
    const to = (raw.c as { from?: number[]; to?: number[] } | undefined)?.to;
    const initial = flags.cImagInitial ?? from?.[1] ?? SEED_C_IMAG_INITIAL;
    const increment = flags.cImagIncrement ?? (from && to ? to[1] - from[1] : SEED_C_IMAG_INCREMENT);
    raw.c = { from: [SEED_C_REAL, initial], to: [SEED_C_REAL, initial + increment] };
    set.push("c <- --c-imag-initial/--c-imag-increment");
  }
  const fallbackName = specFile ? path.basename(specFile).replace(/\.json$/i, "") : "julia";
  try {
    return parseSpec(raw, fallbackName);
  } catch (error) {
    if (error instanceof BadInputError && set.length > 0) {
      throw new BadInputError(`${error.message}\n(Fields set from flags: ${set.join("; ")}.)`, { cause: error });
    }
    throw error;
  }
}
