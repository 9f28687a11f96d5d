/**
 * The WASM kernel's contract with its host code (../wasm-kernel.ts), defined once for both:
 * the WAT generators in this folder build the module from it, and the host passes and sizes
 * its arguments by it.
 */

/** run()'s `mode` argument is an index into this list: which lane-refill loop runs the survivors. */
export const KERNEL_MODES = ["none", "trap", "brent"] as const;
export type KernelMode = (typeof KERNEL_MODES)[number];

/** A first-pass survivor's record: x f64, y f64, pixel i32, blocks done i32. */
export const SURVIVOR_SIZE = 24;

/** A trap box: xLow, xHigh, yLow, yHigh, each splatted into an f64x2. */
export const BOX_SIZE = 64;

// Memory (bytes): per-lane bookkeeping, per-vector records, trap boxes, then the caller's data.
export const LANE_BASE = 0;
export const LANE_SIZE = 16;
export const VECTOR_BASE = 1024;
export const VECTOR_SIZE = 128;
export const BOX_BASE = 8192;
export const MAX_BOXES = 512;
export const DATA_BASE = BOX_BASE + MAX_BOXES * BOX_SIZE;

export const I32_MAX = 0x7fffffff;

/**
 * Set in a count whose escape fell in the band where only the seed's hypot can
 * decide (../seed-escape.ts); run() then also sets the `unsure` global, and the
 * host recounts those pixels exactly. Counts stay below 2^31.
 */
export const UNSURE_FLAG = 0x80000000;
