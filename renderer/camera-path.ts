import type { Job, Keyframe } from "./spec.ts";

/**
 * Camera paths: a spec's keyframes give the view (centre and width along re)
 * and optionally c at some frames; between two keyframes the view zooms
 * steadily (log-linear width, the zoom's fixed point held still) and c moves
 * linearly. A view becomes plain bounds (viewBounds), so a keyframed frame
 * renders exactly as a spec with those bounds would.
 */
export interface View {
  center: { re: number; im: number };
  width: number;
}

export interface Bounds {
  reMin: number;
  reMax: number;
  imMin: number;
  imMax: number;
}

/**
 * The zoom floor: a view's pixel step must be at least this many units in the
 * last place of its coordinates (2^-52 for |z| < 2). Measured with
 * scripts/zoom-floor.py (README: "The zoom floor"): against a long-double
 * reference, 0.12 % of the pixels' counts differ at 2^12 ulps a step (spiral c),
 * as at wide views within noise; each halving below adds more, 6.6 % at 1 ulp.
 */
export const MIN_STEP_ULPS = 4096;
const ULP_OF_ONE = 2 ** -52;

/** re = [cx - w/2, cx + w/2], im = [cy - h/2, cy + h/2] with h = w (H - 1)/(W - 1): square pixels. */
export function viewBounds(view: View, width: number, height: number): Bounds {
  const h = (view.width * (height - 1)) / (width - 1);
  return {
    reMin: view.center.re - view.width / 2,
    reMax: view.center.re + view.width / 2,
    imMin: view.center.im - h / 2,
    imMax: view.center.im + h / 2,
  };
}

/** The smallest view width doubles render faithfully at this output width, around this centre. */
export function minViewWidth(center: { re: number; im: number }, width: number): number {
  // coordinates near |z| = m are rounded to ulp(m); the orbit's values are ~1 or more
  const magnitude = Math.max(1, Math.abs(center.re), Math.abs(center.im));
  const ulp = ULP_OF_ONE * 2 ** Math.floor(Math.log2(magnitude));
  return MIN_STEP_ULPS * ulp * (width - 1);
}

/** The keyframes around `frame`: a ≤ frame ≤ b, and t in [0, 1] between them. */
function segmentOf<K extends { frame: number }>(keys: readonly K[], frame: number): { a: K; b: K; t: number } {
  let i = 0;
  while (i < keys.length - 2 && keys[i + 1].frame <= frame) i++;
  const a = keys[i],
    b = keys[i + 1];
  return { a, b, t: (frame - a.frame) / (b.frame - a.frame) };
}

/**
 * The view at `frame`. At a keyframe, its own view exactly. Between keyframes a
 * and b: w(t) = w_a (w_b/w_a)^t, and the centre keeps the zoom's fixed point
 * p = (c_b w_a - c_a w_b)/(w_a - w_b) still: center(t) = p + (c_a - p) w(t)/w_a,
 * computed as c_a + (c_b - c_a)(1 - w(t)/w_a)/(1 - w_b/w_a), the same value
 * without p's cancellation when w_a and w_b are close. Equal widths: linear.
 */
export function viewAt(keyframes: readonly Keyframe[], frame: number): View {
  const exact = keyframes.find((k) => k.frame === frame);
  if (exact) return { center: { ...exact.center }, width: exact.width };
  const { a, b, t } = segmentOf(keyframes, frame);
  if (a.width === b.width) {
    return {
      center: { re: a.center.re + (b.center.re - a.center.re) * t, im: a.center.im + (b.center.im - a.center.im) * t },
      width: a.width,
    };
  }
  const width = a.width * (b.width / a.width) ** t;
  const along = (1 - width / a.width) / (1 - b.width / a.width);
  return {
    center: { re: a.center.re + (b.center.re - a.center.re) * along, im: a.center.im + (b.center.im - a.center.im) * along },
    width,
  };
}

/** c at `frame` from the keyframes that give it (linear between them), or undefined when none does. */
export function keyframeC(keyframes: readonly Keyframe[], frame: number): { re: number; im: number } | undefined {
  const withC = keyframes.filter((k): k is Keyframe & { c: { re: number; im: number } } => k.c !== undefined);
  if (withC.length === 0) return undefined;
  const exact = withC.find((k) => k.frame === frame);
  if (exact) return { ...exact.c };
  const { a, b, t } = segmentOf(withC, frame);
  return { re: a.c.re + (b.c.re - a.c.re) * t, im: a.c.im + (b.c.im - a.c.im) * t };
}

/** The frame's bounds: the keyframed view's, or the job's own. */
export function frameBounds(job: Pick<Job, "bounds" | "keyframes" | "width" | "height">, frame: number): Bounds {
  return job.keyframes ? viewBounds(viewAt(job.keyframes, frame), job.width, job.height) : job.bounds;
}

/** The view a frame shows (for labels): the keyframed one, or the job's bounds as centre and width. */
export function frameView(job: Pick<Job, "bounds" | "keyframes">, frame: number): View {
  if (job.keyframes) return viewAt(job.keyframes, frame);
  const b = job.bounds;
  return { center: { re: (b.reMin + b.reMax) / 2, im: (b.imMin + b.imMax) / 2 }, width: b.reMax - b.reMin };
}

interface RawKeyframed {
  keyframes?: { frame: number; center: [number, number]; width: number; c?: [number, number] }[];
  bounds?: unknown;
  c?: unknown;
  width: number;
  height?: number;
  frames?: number;
  duration?: number;
  fps: number;
}

/** The spec-level rules of a keyframed spec, as messages keyed by field (spec.ts reports them). */
export function checkKeyframes(
  spec: RawKeyframed,
  ctx: { addIssue(issue: { code: "custom"; path: (string | number)[]; message: string }): void },
): void {
  const keys = spec.keyframes ?? [];
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
  if (spec.bounds !== undefined)
    issue(
      ["bounds"],
      `cannot be given with "keyframes": the keyframes set the view at every frame. Remove "bounds", or remove "keyframes" for a fixed view`,
    );
  const width = spec.width,
    height = spec.height ?? spec.width;
  if (width < 2 || height < 2)
    issue(["keyframes"], `need width and height of at least 2 (a view's height is width × (H - 1)/(W - 1)), got ${width}×${height}`);
  const frames = spec.duration !== undefined ? spec.duration * spec.fps : (spec.frames ?? 20);
  if (keys[0].frame !== 0) issue(["keyframes", 0, "frame"], `must be 0: the first keyframe is the first frame, got ${keys[0].frame}`);
  if (keys[keys.length - 1].frame !== frames - 1) {
    issue(
      ["keyframes", keys.length - 1, "frame"],
      `must be ${frames - 1}: the last keyframe is the last frame (frames - 1), got ${keys[keys.length - 1].frame}`,
    );
  }
  for (let i = 1; i < keys.length; i++) {
    if (keys[i].frame <= keys[i - 1].frame)
      issue(
        ["keyframes", i, "frame"],
        `must be greater than the keyframe before it (frame ${keys[i - 1].frame}): keyframes go in strictly increasing frame order, got ${keys[i].frame}`,
      );
  }
  const givesC = keys.map((k) => k.c !== undefined);
  if (givesC.some(Boolean)) {
    if (!givesC[0] || !givesC[keys.length - 1])
      issue(
        ["keyframes"],
        `when some keyframes give "c", the first and the last must give it too (c moves linearly between the keyframes that give it)`,
      );
    if (spec.c !== undefined) issue(["c"], `cannot be given when keyframes give "c": remove one of them`);
  }
  if (width < 2) return;
  keys.forEach((k, i) => {
    const floor = minViewWidth({ re: k.center[0], im: k.center[1] }, width);
    if (k.width < floor) {
      issue(
        ["keyframes", i, "width"],
        `${k.width} is below the zoom floor: the smallest width double precision renders faithfully at ${width} pixels across is ${floor.toPrecision(3)} around this centre. Deeper zooms need perturbation techniques, which julia-render does not support`,
      );
    }
  });
}
