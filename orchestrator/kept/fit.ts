import { BadInputError } from "../errors.ts";
import { worstCaseOverheadSeconds } from "../cloud/budget.ts";
import { formatDuration } from "../estimate/predict.ts";

/**
 * Does an --on render fit before the kept server's deadline? Pure arithmetic:
 * the predicted render on this server, plus the worst case of the rest
 * (connect, upload, download, removing the run directory), plus a margin,
 * against the time left until the server deletes itself.
 */

/** Typical connect + upload + download + teardown of an --on render (no provisioning, no prepare), until one is measured. */
export const DEFAULT_ON_OVERHEAD_SECONDS = 60;

/** Kept back from the deadline: the watchdog's clock and ours differ, and a render cut off by the deletion is lost. */
export const SAFETY_MARGIN_SECONDS = 120;

export interface FitInput {
  /** Predicted wall seconds of the render on this server (estimate/predict.ts). */
  renderSeconds: number;
  /** The part of renderSeconds that does not grow with the frames (start-up). */
  fixedSeconds: number;
  frames: number;
  fps: number;
  /** Typical non-render seconds (measured on this server, else DEFAULT_ON_OVERHEAD_SECONDS); the worst case is taken from it. */
  typicalOverheadSeconds: number;
  /** Seconds from now to the armed deadline. */
  leftSeconds: number;
  marginSeconds?: number;
}

export interface Fit {
  fits: boolean;
  /** Render + worst-case overhead + margin. */
  needSeconds: number;
  leftSeconds: number;
  overheadSeconds: number;
  marginSeconds: number;
  /** The most frames of this spec (same size and detail) that fit; 0 when not even one does. */
  maxFrames: number;
  /** maxFrames as seconds of animation at the spec's fps. */
  maxDurationSeconds: number;
}

export function checkFit(input: FitInput): Fit {
  const marginSeconds = input.marginSeconds ?? SAFETY_MARGIN_SECONDS;
  const overheadSeconds = worstCaseOverheadSeconds(input.typicalOverheadSeconds);
  const needSeconds = input.renderSeconds + overheadSeconds + marginSeconds;
  // the render grows with the frames beyond its fixed start-up: frames × seconds per frame
  const perFrame = Math.max(input.renderSeconds - input.fixedSeconds, 0) / Math.max(input.frames, 1);
  const room = input.leftSeconds - overheadSeconds - marginSeconds - input.fixedSeconds;
  const maxFrames = room <= 0 ? 0 : perFrame === 0 ? input.frames : Math.min(input.frames, Math.floor(room / perFrame));
  return {
    fits: needSeconds <= input.leftSeconds,
    needSeconds,
    leftSeconds: input.leftSeconds,
    overheadSeconds,
    marginSeconds,
    maxFrames,
    maxDurationSeconds: maxFrames / input.fps,
  };
}

/** The render does not fit before the server deletes itself. Exit 2, nothing uploaded. */
export class DoesNotFitError extends BadInputError {}

/** The refusal: how long is left, what this spec needs, and what would fit. */
export function doesNotFit(fit: Fit, context: { runId: string; deadline: string; plan: string; frames: number }): DoesNotFitError {
  const lines = [
    `This render does not fit on ${context.runId} before its deadline: ${formatDuration(Math.max(0, fit.leftSeconds))} left until the server deletes itself at ${context.deadline}, ` +
      `and this spec needs ~${formatDuration(fit.needSeconds)} (render ~${formatDuration(fit.needSeconds - fit.overheadSeconds - fit.marginSeconds)} on ${context.plan}, ` +
      `up to ${formatDuration(fit.overheadSeconds)} for upload, download and cleanup, ${formatDuration(fit.marginSeconds)} margin). Nothing was uploaded.`,
  ];
  if (fit.maxFrames > 0)
    lines.push(
      `What fits: at most ${fit.maxFrames} of its ${context.frames} frames at this size (${formatDuration(fit.maxDurationSeconds)} of animation): shorten "frames" or "duration" in the spec.`,
    );
  else lines.push("Not even a short render fits in the time left.");
  lines.push(
    `Or start a server with more time or cores: render-remote down ${context.runId}, then render-remote up --plan <bigger plan> (or a longer --keep).`,
  );
  return new DoesNotFitError(lines.join("\n"));
}
