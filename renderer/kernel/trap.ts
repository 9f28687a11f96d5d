import { BOX_SCALE, stepRounding, up } from "./ball.ts";
import { koenigsTrap } from "./koenigs-trap.ts";
import { returnTrap } from "./return-trap.ts";

/**
 * An exact shortcut for points that never escape: a verified trap.
 *
 * When c has an attracting cycle, every interior point converges to it. Around
 * the cycle we build disks D_0 .. D_{p-1} and prove, for the *floating-point*
 * map the kernels compute (x' = (x*x - y*y) + cRe, y' = (x+x)*y + cIm), that
 * step(D_k) ⊂ D_{k+1}, step(D_{p-1}) ⊂ D_0, and that no point of any disk has
 * a norm above the escape limit. An orbit that lands in one of the boxes
 * inscribed in these disks therefore stays in them forever and never escapes:
 * its count is exactly maxIterations. The kernels only compare z with the box
 * bounds (plain double comparisons), so the shortcut is exact by construction;
 * when the proof fails for every radius, there is no trap and nothing changes.
 *
 * The bound used for one step, for z in a disk of centre a and radius r:
 *   |step(z) - step(a)| ≤ r(2|a| + r) + rounding(z) + rounding(a),
 * where rounding(z) ≤ 2^-53 (5.0002|z|² + |cRe| + |cIm|) is the total error of
 * the five rounded operations (x+x is exact). We use 6·2^-53 and add 1e-300 for
 * underflow. Every bound is computed with positive terms only and inflated by
 * (1 + 1e-12), far more than the few roundings it contains.
 */

/** Box bounds, 4 per cycle point: xLow, xHigh, yLow, yHigh. Empty when there is no trap. */
export interface Trap {
  period: number;
  radius: number;
  /** |(f^p)'| on the cycle: how fast orbits close in, which decides whether the trap pays off. */
  multiplier: number;
  boxes: Float64Array;
}

const CRITICAL_ORBIT_STEPS = 4000;
const MAX_PERIOD = 512;
const MAX_CANDIDATES = 4;
const MIN_RADIUS = 1e-9; // keeps the box's own rounding (~1e-16) far inside the disk
const RADII = Math.floor(Math.log(MIN_RADIUS / 0.25) / Math.log(0.8)) + 1; // 0.25 · 0.8^k ≥ MIN_RADIUS

/** Disk traps smaller than this get a Koenigs trap tried as well (~0.3 ms). */
const KOENIGS_BELOW = 0.02;
/** A return trap this large (a box of half-side 0.14) is kept without trying a Koenigs trap. */
const RETURN_ENOUGH = 0.2;

/**
 * The trap for this c and escape limit (R*R), or null when none can be proved.
 * `bounded` says whether the critical orbit stayed bounded: if it did not, c has
 * no attracting cycle and no interior, so cycle checks would find nothing.
 */
export function findTrap(cRe: number, cIm: number, limit: number): { trap: Trap | null; bounded: boolean } {
  const start = settleCriticalOrbit(cRe, cIm);
  if (!start) return { trap: null, bounded: false };
  return { trap: trapAround(start, cRe, cIm, limit), bounded: true };
}

function trapAround(start: Point, cRe: number, cIm: number, limit: number): Trap | null {
  const periods = returnTimes(start, cRe, cIm);
  // orbits turn around a slowly attracting fixed point instead of coming back after one step: ask for it directly
  const fixed = periods[0] === 1 ? null : refineCyclePoint(start, 1, cRe, cIm);
  if (fixed && 2 * Math.hypot(fixed[0], fixed[1]) < 1) periods.unshift(1);
  let tried = 0;
  for (const period of periods) {
    if (++tried > MAX_CANDIDATES) break;
    const point = refineCyclePoint(start, period, cRe, cIm);
    if (!point) continue;
    const trap = period === 1 ? fixedPointTrap(point, cRe, cIm, limit) : largestTrap(point, period, cRe, cIm, limit);
    if (trap) return trap;
  }
  return null;
}

type Point = [number, number];

/**
 * Around a fixed point a, one step's disk (largestTrap) is tiny when |λ| = |2a| is
 * near 1. Then a disk that q steps bring back (return-trap.ts) is often far
 * larger, and failing that, a Koenigs trap (koenigs-trap.ts). The larger box wins.
 */
function fixedPointTrap(point: Point, cRe: number, cIm: number, limit: number): Trap | null {
  const disk = largestTrap(point, 1, cRe, cIm, limit);
  const diskHalf = disk ? BOX_SCALE * disk.radius : 0;
  const [ax, ay] = point;
  const multiplier = 2 * Math.hypot(ax, ay);
  let best = disk;
  let bestHalf = diskHalf;
  const offer = (half: number, radius: number, box: number[]) => {
    if (half > bestHalf) [best, bestHalf] = [{ period: 1, radius, multiplier, boxes: Float64Array.from(box) }, half];
  };
  const returning = returnTrap(ax, ay, cRe, cIm, limit, diskHalf);
  if (returning) offer(returning.half, returning.radius, returning.box);
  // the Koenigs proof (~0.3 ms) only where it may win: its boxes stay below ~0.12 where q steps resonate
  if (!(disk && disk.radius >= KOENIGS_BELOW) && !(returning && returning.radius >= RETURN_ENOUGH)) {
    const koenigs = koenigsTrap(ax, ay, cRe, cIm, limit);
    if (koenigs) offer(koenigs.half, koenigs.half / BOX_SCALE, koenigs.box);
  }
  return best;
}

function step([x, y]: Point, cRe: number, cIm: number): Point {
  return [x * x - y * y + cRe, (x + x) * y + cIm];
}

// A trap is looked for once per frame (by the pool's main thread); these two loops are most of that cost, so they use plain numbers.

/** Where the orbit of the critical point 0 has (nearly) settled, or null if it leaves. */
function settleCriticalOrbit(cRe: number, cIm: number): Point | null {
  let x = 0,
    y = 0;
  for (let i = 0; i < CRITICAL_ORBIT_STEPS; i++) {
    const xx = x * x,
      yy = y * y;
    y = (x + x) * y + cIm;
    x = xx - yy + cRe;
    if (!(x * x + y * y <= 16)) return null;
  }
  return [x, y];
}

/** Candidate periods: the times at which the settled orbit comes back close to where it was. */
function returnTimes([startX, startY]: Point, cRe: number, cIm: number): number[] {
  const times: number[] = [];
  let x = startX,
    y = startY;
  for (let period = 1; period <= MAX_PERIOD; period++) {
    const xx = x * x,
      yy = y * y;
    y = (x + x) * y + cIm;
    x = xx - yy + cRe;
    const dx = x - startX,
      dy = y - startY;
    if (dx * dx + dy * dy < 1e-6) times.push(period);
  }
  return times;
}

/** Newton on f^p(z) - z. Only a guess: largestTrap proves (or rejects) whatever comes out. Plain numbers, no tuples: it runs p steps 20 times a candidate. */
function refineCyclePoint(start: Point, period: number, cRe: number, cIm: number): Point | null {
  let [x, y] = start;
  for (let iteration = 0; iteration < 20; iteration++) {
    let zx = x,
      zy = y,
      dx = 1,
      dy = 0;
    for (let k = 0; k < period; k++) {
      const ndx = 2 * (zx * dx - zy * dy);
      dy = 2 * (zx * dy + zy * dx);
      dx = ndx;
      const nzx = zx * zx - zy * zy + cRe;
      zy = 2 * zx * zy + cIm;
      zx = nzx;
    }
    const gx = zx - x,
      gy = zy - y,
      hx = dx - 1,
      hy = dy;
    const denominator = hx * hx + hy * hy;
    if (!(denominator > 0)) return null;
    const sx = (gx * hx + gy * hy) / denominator,
      sy = (gy * hx - gx * hy) / denominator;
    x -= sx;
    y -= sy;
    if (!Number.isFinite(x + y)) return null;
    if (Math.hypot(sx, sy) < 1e-15) break;
  }
  return [x, y];
}

/**
 * The largest radius of the grid 0.25 · 0.8^k (k = 0 .. RADII - 1) that the proof
 * accepts. The bound only grows with the radius, so the search bisects: ~7
 * proofs instead of up to 87. Whatever radius comes out, its proof passed.
 */
function largestTrap(point: Point, period: number, cRe: number, cIm: number, limit: number): Trap | null {
  const radiusAt = (k: number) => 0.25 * 0.8 ** k;
  const trapAt = (k: number): Trap | null => {
    const radius = radiusAt(k);
    const disks = provenDisks(point, radius, period, cRe, cIm, limit);
    return disks && { period, radius, multiplier: multiplierOf(disks), boxes: inscribedBoxes(disks) };
  };
  let proven = trapAt(RADII - 1);
  if (!proven) return null;
  let failed = -1; // the grid index just above the largest proven radius lies in (failed, provenAt]
  let provenAt = RADII - 1;
  while (provenAt - failed > 1) {
    const mid = (failed + provenAt) >> 1;
    const trap = trapAt(mid);
    if (trap) [proven, provenAt] = [trap, mid];
    else failed = mid;
  }
  return proven;
}

/** Disk centres and radii [x, y, r] × p when the chain closes into D_0; null otherwise. */
function provenDisks(point: Point, radius: number, period: number, cRe: number, cIm: number, limit: number): number[][] | null {
  const cSize = Math.abs(cRe) + Math.abs(cIm);
  const rounding = (size: number) => stepRounding(size, cSize);
  const disks: number[][] = [];
  let centre = point;
  let r = radius;
  for (let k = 0; k < period; k++) {
    const centreSize = up(Math.hypot(centre[0], centre[1]));
    const reach = up(centreSize + r); // the largest |z| in the disk
    if (!(up(reach * reach) * (1 + 1e-9) <= limit)) return null; // a point of the disk could escape
    disks.push([centre[0], centre[1], r]);
    r = up(up(r * up(2 * centreSize + r)) + rounding(reach) + rounding(centreSize));
    centre = step(centre, cRe, cIm);
    if (!(r < 1)) return null;
  }
  const gap = up(Math.hypot(centre[0] - point[0], centre[1] - point[1]));
  return up(gap + r) <= radius ? disks : null;
}

function multiplierOf(disks: number[][]): number {
  return disks.reduce((product, [x, y]) => product * 2 * Math.hypot(x, y), 1);
}

function inscribedBoxes(disks: number[][]): Float64Array {
  const boxes = new Float64Array(disks.length * 4);
  disks.forEach(([x, y, r], k) => {
    // a box too small for its own rounding gets NaN bounds, which no z ever satisfies
    const half = r >= MIN_RADIUS ? BOX_SCALE * r : NaN;
    boxes.set([x - half, x + half, y - half, y + half], k * 4);
  });
  return boxes;
}
