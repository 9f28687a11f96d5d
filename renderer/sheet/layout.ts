import { BadInputError } from "../errors.ts";
import { frameView, type View } from "../camera-path.ts";
import { frameC } from "../frame-geometry.ts";
import type { Job } from "../spec.ts";
import { textHeight, textWidth, type Rgb } from "./text.ts";

/**
 * Where everything goes on a contact sheet: which frames, how big the
 * thumbnails are, the grid, and each label's text. Pure, so the sheet's size
 * can be known (and tested) without rendering anything.
 */
export const MAX_THUMBNAILS = 400;
export const DEFAULT_THUMB_WIDTH = 240;
export const MIN_THUMB_WIDTH = 16;
export const MAX_THUMB_WIDTH = 2048;
/** Keeps the sheet's buffer (3 bytes a pixel) well under a gigabyte. */
export const MAX_SHEET_PIXELS = 100_000_000;
export const GUTTER = 8;
export const LABEL_PADDING = 4;
export const LABEL_LINE_GAP = 4;
export const LABEL_SCALE = 2;
export const BACKGROUND: Rgb = [24, 24, 24];
export const LABEL_COLOR: Rgb = [240, 240, 240];

export interface SheetLayout {
  /** The job at thumbnail size: same bounds, c path and frame count, so the same pictures, smaller. */
  thumbJob: Job;
  /** The frame shown in each thumbnail, in reading order. */
  frames: number[];
  /** Each thumbnail's label, one string per line. */
  labels: string[][];
  columns: number;
  rows: number;
  /** A cell is at least as wide as its thumbnail, wider if the label needs it. */
  cellWidth: number;
  labelScale: number;
  labelHeight: number;
  width: number;
  height: number;
}

export interface SheetRequest {
  count: number;
  thumbWidth?: number;
}

/** The flags to name in messages: julia-render's by default, `render-remote preview` passes its own. */
export interface SheetFlagNames {
  count: string;
  thumbWidth: string;
}

export function planContactSheet(
  job: Job,
  request: SheetRequest,
  flags: SheetFlagNames = { count: "--contact-sheet", thumbWidth: "--thumb-width" },
): SheetLayout {
  const most = Math.min(MAX_THUMBNAILS, job.frames);
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > most) {
    throw new BadInputError(
      `${flags.count} takes a number of thumbnails from 1 to ${most} (at most ${MAX_THUMBNAILS}, and the spec has ${job.frames} frame${job.frames === 1 ? "" : "s"}), got ${request.count}.`,
    );
  }
  const thumbWidth = request.thumbWidth ?? Math.min(DEFAULT_THUMB_WIDTH, job.width);
  if (!Number.isInteger(thumbWidth) || thumbWidth < MIN_THUMB_WIDTH || thumbWidth > MAX_THUMB_WIDTH) {
    throw new BadInputError(
      `${flags.thumbWidth} takes a width in pixels from ${MIN_THUMB_WIDTH} to ${MAX_THUMB_WIDTH}, got ${thumbWidth}.`,
    );
  }
  const thumbJob = thumbnailJob(job, thumbWidth);
  const frames = sheetFrames(job.frames, request.count);
  const labels = frames.map((frame) => frameLabel(job, frame));
  const widest = Math.max(...labels.flat().map((line) => textWidth(line, 1)));
  // halve the text rather than let it overflow narrow thumbnails
  const labelScale = widest * LABEL_SCALE <= thumbWidth ? LABEL_SCALE : 1;
  const cellWidth = Math.max(thumbWidth, widest * labelScale);
  const lines = labels[0].length;
  const labelHeight = 2 * LABEL_PADDING + lines * textHeight(labelScale) + (lines - 1) * LABEL_LINE_GAP;
  const columns = Math.ceil(Math.sqrt(request.count));
  const rows = Math.ceil(request.count / columns);
  const width = GUTTER + columns * (cellWidth + GUTTER);
  const height = GUTTER + rows * (thumbJob.height + labelHeight + GUTTER);
  if (width * height > MAX_SHEET_PIXELS) {
    throw new BadInputError(
      `A contact sheet of ${request.count} thumbnails ${thumbWidth} px wide would be ${width}x${height} pixels; choose fewer thumbnails (${flags.count}) or a smaller ${flags.thumbWidth}.`,
    );
  }
  return { thumbJob, frames, labels, columns, rows, cellWidth, labelScale, labelHeight, width, height };
}

/** `count` frames evenly across `frames`, the first and the last included (distinct while count <= frames). */
export function sheetFrames(frames: number, count: number): number[] {
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, i) => Math.round((i * (frames - 1)) / (count - 1)));
}

/** The same picture at `thumbWidth` pixels wide, the aspect ratio kept. */
export function thumbnailJob(job: Job, thumbWidth: number): Job {
  return { ...job, width: thumbWidth, height: Math.max(1, Math.round((thumbWidth * job.height) / job.width)) };
}

/**
 * `#120  4.00s` over `c=-0.62772-0.42000i`: the frame, its time (frame / fps) and its c;
 * on a camera path (keyframes) a third line, the view: `at -0.61234+0.40123i w=1.2e-3`.
 */
export function frameLabel(job: Job, frame: number): string[] {
  const lines = [`#${frame}  ${(frame / job.fps).toFixed(2)}s`, `c=${formatC(frameC(job, frame))}`];
  if (job.keyframes) lines.push(formatView(frameView(job, frame)));
  return lines;
}

/** The centre with enough digits to place it within a hundredth of the width, and the width. */
export function formatView(view: View): string {
  const digits = Math.min(17, Math.max(5, Math.ceil(-Math.log10(view.width)) + 2));
  const { re, im } = view.center;
  const width = view.width >= 0.01 ? view.width.toPrecision(3) : view.width.toExponential(2);
  return `at ${re.toFixed(digits)}${im < 0 ? "-" : "+"}${Math.abs(im).toFixed(digits)}i w=${width}`;
}

export function formatC(c: { re: number; im: number }): string {
  return `${c.re.toFixed(5)}${c.im < 0 ? "-" : "+"}${Math.abs(c.im).toFixed(5)}i`;
}

/** The top-left corner of thumbnail `index`; its label starts LABEL_PADDING below the thumbnail. */
export function thumbnailOrigin(layout: SheetLayout, index: number): { x: number; y: number } {
  const column = index % layout.columns;
  const row = Math.floor(index / layout.columns);
  return { x: GUTTER + column * (layout.cellWidth + GUTTER), y: GUTTER + row * (layout.thumbJob.height + layout.labelHeight + GUTTER) };
}
