/**
 * The seed's escape test, `abs(z) > R`, decided exactly and cheaply.
 *
 * CPython's abs() of a complex is the C library's hypot(x, y). The kernels
 * compare N = fl(fl(x²) + fl(y²)) with a limit instead, which agrees with the
 * seed everywhere except within a few units in the last place of |z| = R:
 * there, hypot's own rounding decides. (With R = 2 and z = 0.550489941522463
 * - 1.9227482477647966i, N = 4.000000000000001 > 4 while hypot gives exactly 2,
 * so the seed goes on iterating; at the grid point 0 with that c it counts 1
 * where N alone counts 0.)
 *
 * So N only settles the clear cases: N ≤ `limit` cannot be an escape and
 * N > `sure` must be one. Between them (a band ~64 ulps of R² wide, which an
 * orbit hits about once in 10^14 escapes) `seedHypot` decides, as the seed's
 * interpreter would. Proof of the two bounds, for 2^-400 ≤ R ≤ 2^400 (so
 * nothing near R² underflows or overflows): with u = 2^-53, N is within
 * 2.0001u·q of q = x² + y²; hypot is within one ulp of √q (glibc documents
 * < 0.8 ulp), so within 2^-52·√q. Then N ≤ R²(1 - 2^-48) gives
 * √q < R(1 - 2^-50) and hypot < R, and N > R²(1 + 2^-48) gives
 * √q > R(1 + 2^-50) and hypot > R. The rounding of R²(1 ∓ 2^-48) itself is
 * ~2^-53 relative, far inside those margins.
 * Outside that range of R, every N goes to `seedHypot` (limit -∞, sure +∞).
 * The trap proofs (trap.ts and the modules it calls) keep orbits 1e-9 of R²
 * inside the limit, far from this band: a trapped point never escapes by
 * either test.
 */
export interface EscapeTest {
  radius: number;
  /** N ≤ limit: not escaped. Kernels flag N > limit and resolve the band. */
  limit: number;
  /** N > sure: escaped. */
  sure: number;
}

const MARGIN = 2 ** -48;

export function escapeTest(radius: number): EscapeTest {
  if (!(radius >= 2 ** -400 && radius <= 2 ** 400)) return { radius, limit: -Infinity, sure: Infinity };
  const square = radius * radius;
  return { radius, limit: square * (1 - MARGIN), sure: square * (1 + MARGIN) };
}

/** Whether z = (x, y), whose N = fl(x² + y²) is `norm`, has escaped as the seed decides it. */
export function seedEscaped(x: number, y: number, norm: number, test: EscapeTest): boolean {
  return norm > test.limit && (norm > test.sure || seedHypot(x, y) > test.radius);
}

/**
 * hypot(x, y) as the seed's reference platform computes it: glibc ≥ 2.35 on
 * x86-64 (Debian 12 ships 2.36), which evaluates C. F. Borges' corrected
 * square root ("An Improved Algorithm for hypot(a, b)", 2019, arXiv:1904.09481,
 * the variant without fused multiply-add) and scales extreme inputs. Every
 * operation here is one IEEE double operation, as in C without FMA, so the
 * result is that library's to the bit. `hypot.test.ts` checks it against the
 * machine's libm through Python. Other C libraries (macOS, musl) round some of
 * these near-ties differently, so the seed itself gives different counts there.
 */
export function seedHypot(x: number, y: number): number {
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    return x === Infinity || x === -Infinity || y === Infinity || y === -Infinity ? Infinity : x + y;
  }
  const a = Math.max(Math.abs(x), Math.abs(y));
  const b = Math.min(Math.abs(x), Math.abs(y));
  // the operands far apart: b is below half an ulp of a
  const apart = (big: number, small: number) => small <= big * 2 ** -54;
  if (a > 2 ** 511) {
    if (apart(a, b)) return a + b;
    return corrected(a * 2 ** -600, b * 2 ** -600) / 2 ** -600;
  }
  if (b < 2 ** -459) {
    if (a >= b / 2 ** -54) return a + b;
    return corrected(a / 2 ** -600, b / 2 ** -600) * 2 ** -600;
  }
  if (apart(a, b)) return a + b;
  return corrected(a, b);
}

/** √(a² + b²) for a ≥ b ≥ 0 of moderate size, with Borges' one-step correction of the rounded square root. */
function corrected(a: number, b: number): number {
  const h = Math.sqrt(a * a + b * b);
  let first: number;
  let second: number;
  if (h <= 2 * b) {
    const d = h - b;
    first = a * (2 * d - a);
    second = (d - 2 * (a - b)) * d;
  } else {
    const d = h - a;
    first = 2 * d * (a - 2 * b);
    second = (4 * d - b) * b + d * d;
  }
  return h - (first + second) / (2 * h);
}
