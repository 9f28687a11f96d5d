import { viewAt } from "../../renderer/camera-path.ts";
import { frameC } from "../../renderer/frame-geometry.ts";
import type { Job, Keyframe } from "../../renderer/spec.ts";
import { BadInputError } from "../errors.ts";

/**
 * `refine` on a camera path: frames [from, to] of the old path become a path of
 * their own, keyframed at the segment's ends (and at any old keyframe inside it)
 * with the old path's views and c there. Kept at one new frame per old frame, the
 * new path shows the same views as the old one at every frame of the segment (up
 * to the rounding of re-evaluating the zoom from other ends: a few units in the
 * last place). Every new keyframe gives c, so c stays what it was.
 */
export function refinePath(
  job: Job & { keyframes: Keyframe[] },
  from: number,
  to: number,
  timing: { frames: number; fps: number } | undefined,
): Pick<Job, "keyframes" | "frames" | "fps" | "c"> {
  const inside = job.keyframes.filter((k) => k.frame > from && k.frame < to);
  const frames = timing?.frames ?? to - from + 1;
  if (timing && frames !== to - from + 1 && inside.length > 0) {
    throw new BadInputError(
      `Frames ${from}-${to} span the path's keyframe${inside.length > 1 ? "s" : ""} at frame ${inside.map((k) => k.frame).join(", ")}, and a new frame count would move ${inside.length > 1 ? "them" : "it"} off whole frames. ` +
        `Keep the frame count (drop --frames, --duration and --fps), or cut at the keyframes, e.g. --from ${from} --to ${inside[0].frame}.`,
    );
  }
  const at = (old: number, frame: number): Keyframe => {
    const view = viewAt(job.keyframes, old);
    return { frame, center: view.center, width: view.width, c: frameC(job, old) };
  };
  const keyframes = [at(from, 0), ...inside.map((k) => at(k.frame, k.frame - from)), at(to, frames - 1)];
  return { keyframes, frames, fps: timing?.fps ?? job.fps, c: { from: frameC(job, from), to: frameC(job, to) } };
}

/** A point of the segment as a whole frame: a camera path is cut at frames. */
export function wholeFrame(job: Job, seconds: number, text: string, flag: string): number {
  const frame = Math.round(seconds * job.fps);
  if (Math.abs(seconds * job.fps - frame) > 1e-9) {
    throw new BadInputError(
      `${flag} ${text} falls between frames (${job.fps} fps): a camera path is cut at whole frames. Give a frame number, e.g. ${flag} ${Math.floor(seconds * job.fps)}.`,
    );
  }
  return frame;
}
