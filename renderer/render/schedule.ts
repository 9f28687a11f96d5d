/**
 * How a job is cut into work: bands of rows, handed out one at a time to
 * whichever worker is free, because cost varies hugely between frames and rows.
 */

/** Rows per band: about 32K pixels, so a band costs ~milliseconds and every core stays busy. */
export function bandRows(width: number, height: number): number {
  return Math.max(1, Math.min(height, Math.floor(32_768 / width)));
}

export function bandsPerFrame(width: number, height: number): number {
  return Math.ceil(height / bandRows(width, height));
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
