import { BadInputError } from "../errors.ts";
import { evenSize } from "../frames/schedule.ts";
import type { Job } from "../spec.ts";

/**
 * The largest frame an MP4 can be made of here, measured with ffmpeg 5.1
 * (Debian) and the bundled static build: x264 takes sides up to 16384, but
 * ffmpeg's image check (libavutil av_image_check_size) wants
 * 8·(width+128)·(height+128) below 2^31−1 for the raw frames we pipe in.
 * 16384x16128 encodes; 16384x16130 fails ("Picture size … is invalid"), and a
 * 16384² render would fail only after its first frame was computed.
 */
export const FFMPEG_PICTURE_LIMIT = 2 ** 31 - 1;

export function mp4FrameFits(width: number, height: number): boolean {
  return 8 * (width + 128) * (height + 128) < FFMPEG_PICTURE_LIMIT;
}

/** Refuses (exit 2) before any work a job whose MP4 ffmpeg could not encode. */
export function checkMp4FrameSize(job: Pick<Job, "width" | "height" | "frames">): void {
  if (job.frames <= 1) return; // one frame is a PNG: no encoder involved
  const { width, height } = evenSize(job.width, job.height);
  if (mp4FrameFits(width, height)) return;
  const maxHeight = Math.floor((FFMPEG_PICTURE_LIMIT - 1) / 8 / (width + 128)) - 128;
  throw new BadInputError(
    `A ${job.width}x${job.height} animation is too large for ffmpeg's H.264 encoder: (width+128)x(height+128) must stay under 268435456 (at width ${width}, height up to ${maxHeight - (maxHeight % 2)}). ` +
      "Lower width or height, or render single frames as PNG (frames: 1, or julia-render --frame K).",
  );
}
