import * as z from "zod"; // a namespace import: esbuild then drops the zod parts (and locales) we do not use
import { BadInputError } from "./errors.ts";
import { COLORMAP_NAMES } from "./colormaps/index.ts";
import { checkKeyframes, viewBounds } from "./camera-path.ts";

/**
 * The spec file is the only input a render has. It is validated here, once,
 * into a Job; code past this point trusts its types.
 */
export const MAX_SIDE = 16384;
export const MAX_ITERATIONS = 1_000_000;
export const MAX_FRAMES = 1_000_000;

export interface Job {
  name: string;
  width: number;
  height: number;
  bounds: { reMin: number; reMax: number; imMin: number; imMax: number };
  c: { from: { re: number; im: number }; to: { re: number; im: number } };
  maxIterations: number;
  escapeRadius: number;
  frames: number;
  fps: number;
  colormap: ColormapName;
  coloring: "bands" | "smooth";
  /** N: each pixel is the linear-light mean of N × N subsamples (frames/supersample.ts); 1 is the seed's one sample. */
  supersample: number;
  /** A camera path (camera-path.ts): the view and optionally c at some frames; when given, `bounds` is frame 0's view. */
  keyframes?: Keyframe[];
}

export interface Keyframe {
  frame: number;
  center: { re: number; im: number };
  width: number;
  c?: { re: number; im: number };
}

export const MAX_SUPERSAMPLE = 8;

export type ColormapName = (typeof COLORMAP_NAMES)[number];

/** The seed's defaults (julia_set_plot.py). */
export const SEED_C_REAL = -0.62772;
export const SEED_C_IMAG_INITIAL = -0.42193;
export const SEED_C_IMAG_INCREMENT = 1.5;

const finite = (what: string) => z.number({ error: (issue) => `must be a finite number (${what}), got ${describe(issue.input)}` });

const side = z
  .number({ error: (issue) => `must be an integer from 1 to ${MAX_SIDE}, got ${describe(issue.input)}` })
  .int({ error: (issue) => `must be an integer from 1 to ${MAX_SIDE}, got ${describe(issue.input)}` })
  .min(1, { error: (issue) => `must be an integer from 1 to ${MAX_SIDE}, got ${describe(issue.input)}` })
  .max(MAX_SIDE, { error: (issue) => `must be an integer from 1 to ${MAX_SIDE}, got ${describe(issue.input)}` });

const intInRange = (min: number, max: number) => {
  const message = (issue: { input?: unknown }) =>
    `must be an integer from ${min} to ${max.toLocaleString("en-US")}, got ${describe(issue.input)}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
};

const positive = (what: string) =>
  z
    .number({ error: (issue) => `must be a positive number (${what}), got ${describe(issue.input)}` })
    .positive({ error: (issue) => `must be a positive number (${what}), got ${describe(issue.input)}` });

const interval = z
  .tuple([finite("lower end"), finite("upper end")], {
    error: (issue) => `must be [min, max] with min < max, got ${describe(issue.input)}`,
  })
  .refine(([lo, hi]) => lo < hi, {
    error: (issue) => `must be [min, max] with min < max (not empty, not inverted), got ${describe(issue.input)}`,
  });

const point = z.tuple([finite("real part"), finite("imaginary part")], {
  error: (issue) => `must be [re, im], got ${describe(issue.input)}`,
});

const keyframeSchema = z.strictObject(
  {
    frame: intInRange(0, MAX_FRAMES - 1),
    center: point,
    width: positive("the view's width along re").refine(Number.isFinite, { error: "must be finite" }),
    c: point.optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? undefined
        : `must be {"frame": k, "center": [re, im], "width": w} with an optional "c": [re, im], got ${describe(issue.input)}`,
  },
);

const specSchema = z
  .strictObject(
    {
      name: z
        .string({ error: (issue) => `must be a string, got ${describe(issue.input)}` })
        .regex(/^[A-Za-z0-9._-]{1,100}$/, {
          error: (issue) => `may use only letters, digits, '.', '_' and '-' (1-100 of them), got ${describe(issue.input)}`,
        })
        .refine((name) => !name.includes("..") && name !== ".", { error: (issue) => `must not contain '..', got ${describe(issue.input)}` })
        .optional(),
      width: side.default(200),
      height: side.optional(),
      bounds: z
        .strictObject(
          { re: interval, im: interval },
          { error: (issue) => `must be {"re": [min, max], "im": [min, max]}, got ${describe(issue.input)}` },
        )
        .optional(),
      c: z
        .strictObject(
          { from: point, to: point },
          { error: (issue) => `must be {"from": [re, im], "to": [re, im]}, got ${describe(issue.input)}` },
        )
        .optional(),
      maxIterations: intInRange(1, MAX_ITERATIONS).default(20),
      escapeRadius: positive("the escape radius").refine(Number.isFinite, { error: "must be finite" }).default(2),
      frames: intInRange(1, MAX_FRAMES).optional(),
      duration: positive("seconds").optional(),
      fps: positive("frames per second")
        .max(1000, { error: (issue) => `must be at most 1000, got ${describe(issue.input)}` })
        .default(5),
      colormap: z
        .enum(COLORMAP_NAMES, { error: (issue) => `must be one of ${COLORMAP_NAMES.join(", ")}, got ${describe(issue.input)}` })
        .default("viridis"),
      coloring: z
        .enum(["bands", "smooth"], { error: (issue) => `must be "bands" or "smooth", got ${describe(issue.input)}` })
        .default("bands"),
      supersample: intInRange(1, MAX_SUPERSAMPLE).default(1),
      keyframes: z
        .array(keyframeSchema, { error: (issue) => `must be a list of {"frame", "center", "width"} objects, got ${describe(issue.input)}` })
        .min(2, {
          error: (issue) => `must list at least 2 keyframes (the first at frame 0, the last at frames - 1), got ${describe(issue.input)}`,
        })
        .optional(),
    },
    { error: (issue) => (issue.code === "unrecognized_keys" ? undefined : `the spec must be a JSON object, got ${describe(issue.input)}`) },
  )
  .superRefine((spec, ctx) => {
    if (spec.keyframes) checkKeyframes(spec, ctx);
    if (spec.supersample > 1 && (spec.width < 2 || (spec.height ?? spec.width) < 2)) {
      ctx.addIssue({
        code: "custom",
        path: ["supersample"],
        message: `needs width and height of at least 2 (subsamples are spaced by the grid step), got ${spec.width}×${spec.height ?? spec.width}`,
      });
    }
    if (spec.frames !== undefined && spec.duration !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["duration"],
        message: `give either "frames" or "duration", not both (frames = duration × fps)`,
      });
    }
    if (spec.duration !== undefined) {
      const frames = spec.duration * spec.fps;
      if (!Number.isInteger(frames) || frames < 1 || frames > MAX_FRAMES) {
        ctx.addIssue({
          code: "custom",
          path: ["duration"],
          message: `duration × fps must be a whole number of frames from 1 to ${MAX_FRAMES.toLocaleString("en-US")}, got ${spec.duration} × ${spec.fps} = ${frames}`,
        });
      }
    }
  });

const DEFAULT_BOUNDS = { re: [-1.8, 1.8], im: [-1.8, 1.8] };
const DEFAULT_C = { from: [SEED_C_REAL, SEED_C_IMAG_INITIAL], to: [SEED_C_REAL, SEED_C_IMAG_INITIAL + SEED_C_IMAG_INCREMENT] };

export type RawSpec = z.input<typeof specSchema>;

/** Validates a parsed spec object. `fallbackName` is the spec file's base name. */
export function parseSpec(raw: unknown, fallbackName = "julia"): Job {
  const result = specSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      if (issue.code === "unrecognized_keys") {
        const where = issue.path.length ? ` in "${issue.path.join(".")}"` : "";
        return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}${where}; allowed: ${allowedKeys(issue.path)}`;
      }
      const field = issue.path.length ? issue.path.join(".") : "(spec)";
      return `"${field}" ${issue.message}`;
    });
    throw new BadInputError(
      `Invalid spec:\n  - ${lines.join("\n  - ")}\nFix the spec and run again; see specs/seed-default.json for a valid example.`,
    );
  }
  const spec = result.data;
  const name = spec.name ?? sanitizeName(fallbackName);
  const width = spec.width;
  const height = spec.height ?? spec.width;
  const keyframes = spec.keyframes?.map(
    (k): Keyframe => ({
      frame: k.frame,
      center: { re: k.center[0], im: k.center[1] },
      width: k.width,
      ...(k.c ? { c: { re: k.c[0], im: k.c[1] } } : {}),
    }),
  );
  const bounds = spec.bounds ?? DEFAULT_BOUNDS;
  const c = spec.c ?? DEFAULT_C;
  return {
    name,
    width,
    height,
    // a keyframed job's bounds are frame 0's view, for whatever reads one window (the kernel's per-frame view is camera-path.ts's)
    bounds: keyframes
      ? viewBounds(keyframes[0], width, height)
      : { reMin: bounds.re[0], reMax: bounds.re[1], imMin: bounds.im[0], imMax: bounds.im[1] },
    c: { from: { re: c.from[0], im: c.from[1] }, to: { re: c.to[0], im: c.to[1] } },
    maxIterations: spec.maxIterations,
    escapeRadius: spec.escapeRadius,
    frames: spec.duration !== undefined ? spec.duration * spec.fps : (spec.frames ?? 20),
    fps: spec.fps,
    colormap: spec.colormap,
    coloring: spec.coloring,
    supersample: spec.supersample,
    ...(keyframes ? { keyframes } : {}),
  };
}

/** The inverse of parseSpec: a spec object that validates back to the same Job. */
export function jobToSpec(job: Job): RawSpec {
  return {
    name: job.name,
    width: job.width,
    height: job.height,
    bounds: { re: [job.bounds.reMin, job.bounds.reMax], im: [job.bounds.imMin, job.bounds.imMax] },
    c: { from: [job.c.from.re, job.c.from.im], to: [job.c.to.re, job.c.to.im] },
    maxIterations: job.maxIterations,
    escapeRadius: job.escapeRadius,
    frames: job.frames,
    fps: job.fps,
    colormap: job.colormap,
    coloring: job.coloring,
    ...(job.supersample !== 1 ? { supersample: job.supersample } : {}),
    ...(job.keyframes
      ? {
          bounds: undefined,
          // c from the keyframes when they give it (a "c" beside them is refused)
          ...(job.keyframes.some((k) => k.c) ? { c: undefined } : {}),
          keyframes: job.keyframes.map((k) => ({
            frame: k.frame,
            center: [k.center.re, k.center.im] as [number, number],
            width: k.width,
            ...(k.c ? { c: [k.c.re, k.c.im] as [number, number] } : {}),
          })),
        }
      : {}),
  };
}

function allowedKeys(path: PropertyKey[]): string {
  const top = [
    "name",
    "width",
    "height",
    "bounds",
    "c",
    "maxIterations",
    "escapeRadius",
    "frames",
    "duration",
    "fps",
    "colormap",
    "coloring",
    "supersample",
    "keyframes",
  ];
  if (path.length === 0) return top.join(", ");
  if (path[0] === "bounds") return "re, im";
  if (path[0] === "keyframes") return "frame, center, width, c";
  if (path[0] === "c") return "from, to";
  return "none";
}

function sanitizeName(base: string): string {
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/\.{2,}/g, "_")
    .slice(0, 100);
  return cleaned === "" || cleaned === "." ? "julia" : cleaned;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}
