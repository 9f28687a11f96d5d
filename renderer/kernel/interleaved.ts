import { escapeTest, seedHypot } from "./seed-escape.ts";
import { chooseShortcut, type ShortcutPolicy } from "./shortcuts.ts";
import type { EscapeKernel, Tile } from "./types.ts";

/**
 * The fallback for runtimes without WebAssembly SIMD: plain JS, four pixels
 * in flight. One pixel's steps form a chain where each waits for the last;
 * four independent chains in one loop keep the FPU busy. When a pixel is done
 * its lane takes the next pixel (lane refill), so no lane idles on a slow one.
 *
 * Arithmetic is the scalar kernel's, operation for operation (JS never fuses
 * a multiply-add), and so is the escape test (seed-escape.ts). With a proven
 * trap (trap.ts) every lane is compared with one trap box every 4 steps; the
 * box rotates by 5 while an orbit's phase moves by 4, so each box meets each
 * phase within `period` checks. (Brent's cycle check is WASM-only: the
 * fallback runs plain when no trap is proved.)
 */
export function createInterleavedKernel(options: { shortcuts?: ShortcutPolicy } = {}): EscapeKernel {
  const policy = options.shortcuts ?? "auto";
  return function escapeCountsInterleaved(tile: Tile, counts: Uint32Array): number {
    const shortcut = chooseShortcut(tile, policy);
    return run(tile, counts, shortcut.kind === "trap" ? shortcut.trap.boxes : undefined);
  };
}

const NO_BOXES: Float64Array = new Float64Array(0);

/**
 * Pixel i's z0 = p*p + c, as the scalar kernel computes it, into z. (A plain
 * function, not a closure: captured variables would live in a context object
 * and slow down every use in the hot loop.)
 */
function start(tile: Tile, i: number, z: Float64Array): void {
  const width = tile.re.length;
  const row = Math.floor(i / width);
  const px = tile.re[i - row * width],
    py = tile.im[tile.rowStart + row];
  z[0] = px * px - py * py + tile.cRe;
  z[1] = (px + px) * py + tile.cIm;
}

function run(tile: Tile, counts: Uint32Array, boxes: Float64Array = NO_BOXES): number {
  const { re, rowStart, cRe, cIm } = tile;
  const max = tile.maxIterations;
  // seedEscaped's test, inlined on locals: calling it (object loads each step) cost 15-18 % here
  const { limit, sure, radius } = escapeTest(tile.escapeRadius);
  const width = re.length;
  const total = width * (tile.rowEnd - rowStart);
  const boxCount = boxes.length / 4;
  const boxStep = boxCount > 0 ? 5 % boxCount : 0;
  const z = new Float64Array(2);
  let work = 0;
  let next = 0;
  let active = 0;
  let box = 0;
  let round = 0;

  // lane state: z, checks passed, pixel index (-1: parked)
  let x0 = 0,
    y0 = 0,
    n0 = 0,
    p0 = -1;
  let x1 = 0,
    y1 = 0,
    n1 = 0,
    p1 = -1;
  let x2 = 0,
    y2 = 0,
    n2 = 0,
    p2 = -1;
  let x3 = 0,
    y3 = 0,
    n3 = 0,
    p3 = -1;
  if (next < total) {
    p0 = next++;
    start(tile, p0, z);
    x0 = z[0];
    y0 = z[1];
    active++;
  }
  if (next < total) {
    p1 = next++;
    start(tile, p1, z);
    x1 = z[0];
    y1 = z[1];
    active++;
  }
  if (next < total) {
    p2 = next++;
    start(tile, p2, z);
    x2 = z[0];
    y2 = z[1];
    active++;
  }
  if (next < total) {
    p3 = next++;
    start(tile, p3, z);
    x3 = z[0];
    y3 = z[1];
    active++;
  }

  while (active > 0) {
    // One step per lane. A lane is done when it has passed max checks or escaped (abs(z) > R)
    // (in that order, as the scalar loop tests them); its count is written and it refills.
    if (p0 >= 0) {
      const a = x0 * x0,
        b = y0 * y0;
      if (n0 === max || (a + b > limit && (a + b > sure || seedHypot(x0, y0) > radius))) {
        counts[p0] = n0;
        work += n0 + 1;
        n0 = 0;
        if (next < total) {
          p0 = next++;
          start(tile, p0, z);
          x0 = z[0];
          y0 = z[1];
        } else {
          p0 = -1;
          active--;
        }
      } else {
        y0 = (x0 + x0) * y0 + cIm;
        x0 = a - b + cRe;
        n0++;
      }
    }
    if (p1 >= 0) {
      const a = x1 * x1,
        b = y1 * y1;
      if (n1 === max || (a + b > limit && (a + b > sure || seedHypot(x1, y1) > radius))) {
        counts[p1] = n1;
        work += n1 + 1;
        n1 = 0;
        if (next < total) {
          p1 = next++;
          start(tile, p1, z);
          x1 = z[0];
          y1 = z[1];
        } else {
          p1 = -1;
          active--;
        }
      } else {
        y1 = (x1 + x1) * y1 + cIm;
        x1 = a - b + cRe;
        n1++;
      }
    }
    if (p2 >= 0) {
      const a = x2 * x2,
        b = y2 * y2;
      if (n2 === max || (a + b > limit && (a + b > sure || seedHypot(x2, y2) > radius))) {
        counts[p2] = n2;
        work += n2 + 1;
        n2 = 0;
        if (next < total) {
          p2 = next++;
          start(tile, p2, z);
          x2 = z[0];
          y2 = z[1];
        } else {
          p2 = -1;
          active--;
        }
      } else {
        y2 = (x2 + x2) * y2 + cIm;
        x2 = a - b + cRe;
        n2++;
      }
    }
    if (p3 >= 0) {
      const a = x3 * x3,
        b = y3 * y3;
      if (n3 === max || (a + b > limit && (a + b > sure || seedHypot(x3, y3) > radius))) {
        counts[p3] = n3;
        work += n3 + 1;
        n3 = 0;
        if (next < total) {
          p3 = next++;
          start(tile, p3, z);
          x3 = z[0];
          y3 = z[1];
        } else {
          p3 = -1;
          active--;
        }
      } else {
        y3 = (x3 + x3) * y3 + cIm;
        x3 = a - b + cRe;
        n3++;
      }
    }

    // Trap: a z inside the box never escapes, so the count is max (its unchecked z is in the trap too).
    if (boxCount > 0 && (++round & 3) === 0) {
      const xLow = boxes[box],
        xHigh = boxes[box + 1],
        yLow = boxes[box + 2],
        yHigh = boxes[box + 3];
      box = (box + 4 * boxStep) % boxes.length;
      if (p0 >= 0 && x0 >= xLow && x0 <= xHigh && y0 >= yLow && y0 <= yHigh) {
        counts[p0] = max;
        work += max + 1;
        n0 = 0;
        if (next < total) {
          p0 = next++;
          start(tile, p0, z);
          x0 = z[0];
          y0 = z[1];
        } else {
          p0 = -1;
          active--;
        }
      }
      if (p1 >= 0 && x1 >= xLow && x1 <= xHigh && y1 >= yLow && y1 <= yHigh) {
        counts[p1] = max;
        work += max + 1;
        n1 = 0;
        if (next < total) {
          p1 = next++;
          start(tile, p1, z);
          x1 = z[0];
          y1 = z[1];
        } else {
          p1 = -1;
          active--;
        }
      }
      if (p2 >= 0 && x2 >= xLow && x2 <= xHigh && y2 >= yLow && y2 <= yHigh) {
        counts[p2] = max;
        work += max + 1;
        n2 = 0;
        if (next < total) {
          p2 = next++;
          start(tile, p2, z);
          x2 = z[0];
          y2 = z[1];
        } else {
          p2 = -1;
          active--;
        }
      }
      if (p3 >= 0 && x3 >= xLow && x3 <= xHigh && y3 >= yLow && y3 <= yHigh) {
        counts[p3] = max;
        work += max + 1;
        n3 = 0;
        if (next < total) {
          p3 = next++;
          start(tile, p3, z);
          x3 = z[0];
          y3 = z[1];
        } else {
          p3 = -1;
          active--;
        }
      }
    }
  }
  return work;
}
