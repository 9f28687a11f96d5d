import type { Job } from "../../renderer/spec.ts";
import { evenSize } from "../../renderer/frames/schedule.ts";

/**
 * What a render of this job may produce, computed here from the job and never
 * taken from the server: the names, how many, and how big each can be. The
 * server's list of outputs is checked against this before anything is fetched.
 */
export interface ExpectedOutputs {
  /** Is this path (relative to the output directory) one the job can produce? */
  has(relative: string): boolean;
  /** How many files the job produces at most. */
  readonly maxCount: number;
  /** The most bytes this file can honestly have. */
  maxBytes(relative: string): number;
}

// Generous: a PNG of noise is a little larger than its raw pixels, and x264 at
// its worst stays well under twice the raw yuv420p frames it was given.
const PNG_FACTOR = 2;
const MP4_FACTOR = 2;
const SLACK_BYTES = 1 << 20;

export function expectedOutputs(job: Job, keepFrames: boolean): ExpectedOutputs {
  const single = job.frames === 1;
  const name = job.name;
  const frameName = new RegExp(`^frames/${escapeRegExp(name)}_(\\d{5,})\\.png$`);
  const stillName = new RegExp(`^${escapeRegExp(name)}_(\\d+)\\.png$`);
  const pngBytes = job.width * job.height * 3 * PNG_FACTOR + SLACK_BYTES;
  const even = evenSize(job.width, job.height);
  const mp4Bytes = even.width * even.height * 1.5 * job.frames * MP4_FACTOR + SLACK_BYTES;
  const isFrame = (relative: string) => {
    const match = frameName.exec(relative);
    // zero-padded to five digits, so one frame has exactly one name
    return match !== null && Number(match[1]) < job.frames && match[1] === String(Number(match[1])).padStart(5, "0");
  };
  const isStill = (relative: string) => {
    const match = stillName.exec(relative);
    return match !== null && match[1] === String(Number(match[1])) && Number(match[1]) < Math.max(job.frames, 1);
  };
  const has = (relative: string) =>
    single ? relative === `${name}.png` || isStill(relative) : relative === `${name}.mp4` || (keepFrames && isFrame(relative));
  return {
    has,
    maxCount: single ? 1 : 1 + (keepFrames ? job.frames : 0),
    maxBytes: (relative) => (!has(relative) ? 0 : relative.endsWith(".mp4") ? Math.ceil(mp4Bytes) : pngBytes),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}
