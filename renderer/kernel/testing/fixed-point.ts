/** For the trap tests: fixed points and points of the main cardioid. */

/** The attracting fixed point of z² + c, a = (1 - √(1 - 4c)) / 2, polished by Newton. */
export function fixedPoint(cRe: number, cIm: number): [number, number] {
  let x = 0,
    y = 0;
  for (let i = 0; i < 200_000; i++) [x, y] = [x * x - y * y + cRe, 2 * x * y + cIm];
  for (let i = 0; i < 50; i++) {
    const gx = x * x - y * y + cRe - x,
      gy = 2 * x * y + cIm - y,
      hx = 2 * x - 1,
      hy = 2 * y;
    const d = hx * hx + hy * hy;
    [x, y] = [x - (gx * hx + gy * hy) / d, y - (gy * hx - gx * hy) / d];
  }
  return [x, y];
}

/** c on the main cardioid whose fixed point has multiplier λ = r·e^(2πiθ): c = λ/2 - λ²/4. */
export function cardioid(r: number, turns: number): [number, number] {
  const lr = r * Math.cos(2 * Math.PI * turns),
    li = r * Math.sin(2 * Math.PI * turns);
  return [lr / 2 - (lr * lr - li * li) / 4, li / 2 - (2 * lr * li) / 4];
}
