import type { Shortcut } from "./shortcuts.ts";

/**
 * One rectangular piece of one frame: every column of rows [rowStart, rowEnd).
 * `re` holds the real part of each column and `im` the imaginary part of each
 * row (see math/linspace.ts); the frame's c is (cRe, cIm).
 */
export interface Tile {
  re: Float64Array;
  im: Float64Array;
  rowStart: number;
  rowEnd: number;
  cRe: number;
  cIm: number;
  maxIterations: number;
  escapeRadius: number;
  /**
   * The frame's exact shortcut, when the caller already chose it with
   * shortcutFor (the worker pool plans each frame once, in the main thread);
   * otherwise the kernel chooses it.
   */
  shortcut?: Shortcut;
}

/**
 * Writes the escape count of every pixel of the tile into `counts`
 * (row-major, (rowEnd - rowStart) * re.length entries) and returns the work
 * done, counted as the seed's program would do it: the sum of (count + 1).
 */
export type EscapeKernel = (tile: Tile, counts: Uint32Array) => number;
