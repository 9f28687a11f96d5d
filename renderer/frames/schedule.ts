/**
 * How a job is cut into work: bands of rows, handed out one at a time to
 * whichever worker is free, because cost varies hugely between frames and rows.
 * A band is a run of rows from the top half and their mirror rows from the
 * bottom half, so that band.ts can reuse counts where the grid is symmetric
 * (mirror.ts).
 */

/** What a frame buffer holds: RGB, 3 bytes a pixel; or yuv420p planes, 1.5 bytes a pixel (even sides only). */
export type FrameFormat = "rgb24" | "yuv420p";

/**
 * The format an MP4's frames travel in: yuv420p, x264's own, when nothing else needs
 * RGB (bands colouring, no PNG frames) and the height is even (band edges then fall
 * between row pairs; an odd height's padding row is added to RGB frames).
 */
export function encoderFormat(job: { coloring: string; height: number; supersample?: number }, pngFrames: boolean): FrameFormat {
  // supersampled pixels are means of colours, not palette entries: they travel as RGB
  return job.coloring === "bands" && !pngFrames && job.height % 2 === 0 && (job.supersample ?? 1) === 1 ? "yuv420p" : "rgb24";
}

export function frameBytes(format: FrameFormat, stride: number, height: number): number {
  return format === "yuv420p" ? (stride * height * 3) / 2 : stride * height * 3;
}

/**
 * Top-half rows per band: about 16K samples, ~32K with the mirror rows, so a band costs ~milliseconds and every core stays busy
 * (and its count buffers stay small: with supersampling N a pixel row has N² × width samples).
 * yuv420p colours rows in pairs, so its bands start on even rows.
 */
export function bandRows(width: number, height: number, format: FrameFormat = "rgb24", supersample = 1): number {
  const rows = Math.max(1, Math.min(Math.ceil(height / 2), Math.floor(16_384 / (width * supersample * supersample))));
  return format === "yuv420p" && rows < Math.ceil(height / 2) ? Math.max(2, rows & ~1) : rows;
}

export function bandsPerFrame(height: number, rowsPerBand: number): number {
  return Math.ceil(Math.ceil(height / 2) / rowsPerBand);
}

/**
 * Band k's rows: top [a, b) and bottom [c, d), where row r of the bottom
 * mirrors row height-1-r of the top. Every row of the frame is in exactly one band.
 */
export function bandRowRanges(band: number, height: number, rowsPerBand: number): { top: [number, number]; bottom: [number, number] } {
  const topRows = Math.ceil(height / 2);
  const a = band * rowsPerBand;
  const b = Math.min(topRows, a + rowsPerBand);
  return { top: [a, b], bottom: [Math.max(topRows, height - b), height - a] };
}

/**
 * Frame buffers in flight (the reorder window): enough for every worker to
 * stay ahead of the encoder, bounded by about 1 GB of memory.
 */
export function frameSlots(frameBytes: number, workers: number, frames: number): number {
  const wanted = Math.min(frames, 2 * workers + 2);
  const affordable = Math.max(1, Math.floor(1_000_000_000 / frameBytes));
  return Math.max(1, Math.min(wanted, affordable));
}

/** yuv420p needs even sides: the encoded frame is rounded up, repeating the last column and row. */
export function evenSize(width: number, height: number): { width: number; height: number } {
  return { width: width + (width % 2), height: height + (height % 2) };
}
