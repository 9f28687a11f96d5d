import { findTrap, type Trap } from "./trap.ts";
import type { Tile } from "./types.ts";

/**
 * Which exact shortcut a tile's kernel run uses. All three give identical
 * counts; they differ only in how much of the work they can skip.
 *  - "none": every pixel iterates until it escapes or reaches maxIterations.
 *  - "trap": a proven trap exists around c's attracting cycle (trap.ts); a
 *    pixel whose z lands in one of its boxes never escapes.
 *  - "brent": no trap could be proved but c may have bounded orbits; a pixel
 *    whose z comes back bit for bit to a saved value never escapes.
 */
export type Shortcut = { kind: "none" } | { kind: "trap"; trap: Trap } | { kind: "brent" };

/** Below this, the per-block test costs more than shortcuts can save (measured with bench/run.mjs). */
export const SHORTCUT_MIN_ITERATIONS = 64;

const BRENT_MIN_ITERATIONS = 1000;

const NONE: Shortcut = { kind: "none" };
const BRENT: Shortcut = { kind: "brent" };

// A Koenigs trap takes ~1-20 ms to prove; bands of the same frame ask again and again.
const cache = new Map<string, Shortcut>();
const CACHE_SIZE = 64;

/** "auto" picks per tile; "off" measures raw speed; "brent" forces the cycle check (tests). */
export type ShortcutPolicy = "auto" | "off" | "brent";

export function chooseShortcut(tile: Tile, policy: ShortcutPolicy = "auto"): Shortcut {
  if (policy !== "auto") return policy === "brent" ? BRENT : NONE;
  return tile.shortcut ?? shortcutFor(tile.cRe, tile.cIm, tile.escapeRadius * tile.escapeRadius, tile.maxIterations);
}

/** The shortcut for every tile of the frame with this c, escape limit (R²) and maxIterations. */
export function shortcutFor(cRe: number, cIm: number, limit: number, maxIterations: number): Shortcut {
  if (maxIterations < SHORTCUT_MIN_ITERATIONS) return NONE;
  const key = `${cRe}:${cIm}:${limit}:${maxIterations}`;
  let shortcut = cache.get(key);
  if (!shortcut) {
    const { trap, bounded } = findTrap(cRe, cIm, limit);
    shortcut = trap ? { kind: "trap", trap } : bounded ? BRENT : NONE;
    if (trap && !trapPaysOff(trap, maxIterations)) shortcut = NONE;
    // Brent only finds orbits that repeat to the last bit, which takes long; not worth it for short runs
    if (shortcut.kind === "brent" && maxIterations < BRENT_MIN_ITERATIONS) shortcut = NONE;
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, shortcut);
  }
  return shortcut;
}

/**
 * The box test costs ~20 % per step; it pays off when orbits reach the trap well
 * before maxIterations. Orbits close in on the cycle by the multiplier every
 * period steps, so from ~0.1 away they need period · ln(radius / 0.1) / ln(multiplier).
 */
function trapPaysOff(trap: Trap, maxIterations: number): boolean {
  if (trap.multiplier >= 1) return false;
  const steps = (trap.period * Math.log(trap.radius / 0.1)) / Math.log(trap.multiplier);
  return steps < maxIterations / 2;
}
