/**
 * For the trap tests: whether orbits started in trap boxes stay bounded, with the
 * kernels' own step. The traps are proved by their modules' bounds; this checks
 * the outcome independently, on the boxes' corners and 36 random points of each.
 */
export function orbitsStayInside(boxes: ArrayLike<number>, cRe: number, cIm: number, limit: number, steps: number): boolean {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let k = 0; k < boxes.length; k += 4) {
    for (let sample = 0; sample < 40; sample++) {
      let x = sample < 4 ? boxes[k + (sample & 1)] : boxes[k] + random() * (boxes[k + 1] - boxes[k]);
      let y = sample < 4 ? boxes[k + 2 + (sample >> 1)] : boxes[k + 2] + random() * (boxes[k + 3] - boxes[k + 2]);
      for (let n = 0; n < steps; n++) {
        const xx = x * x,
          yy = y * y;
        if (xx + yy > limit) return false;
        y = (x + x) * y + cIm;
        x = xx - yy + cRe;
      }
    }
  }
  return true;
}
