/**
 * Supersampling: a pixel at grid point (x_j, y_i) is the mean of N × N
 * subsamples at x_j + ((k + 0.5)/N - 0.5)·dx and y_i + ((l + 0.5)/N - 0.5)·dy,
 * each counted exactly by the kernel and coloured by the colormap as a pixel
 * would be. The mean is taken in linear light (sRGB decoded, averaged, encoded,
 * rounded to nearest): averaging the sRGB bytes themselves would darken every
 * edge between a bright and a dark band.
 */

/**
 * The sub-grid of one axis: N values per grid value, v + ((k + 0.5)/N - 0.5)·step,
 * in the axis's own direction (an axis that falls, like the rows' imaginary parts,
 * gets each pixel's subsamples falling too), so that the sub-grid of a symmetric
 * grid can be symmetric as well (mirror.ts checks it value by value).
 */
export function subsampleAxis(axis: Float64Array, step: number, n: number): Float64Array {
  if (n === 1) return axis;
  const falling = axis.length > 1 && axis[axis.length - 1] < axis[0];
  const values = new Float64Array(axis.length * n);
  for (let i = 0; i < axis.length; i++) {
    for (let m = 0; m < n; m++) {
      const k = falling ? n - 1 - m : m;
      values[i * n + m] = axis[i] + ((k + 0.5) / n - 0.5) * step;
    }
  }
  return values;
}

/** sRGB → linear light, for a value in [0, 1] (IEC 61966-2-1). */
export function srgbToLinear(value: number): number {
  return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
}

/** Linear light → sRGB, in [0, 1]. */
export function linearToSrgb(value: number): number {
  return value <= 0.0031308 ? value * 12.92 : 1.055 * value ** (1 / 2.4) - 0.055;
}

/** Each byte's linear value. */
export const LINEAR_OF_BYTE = Float64Array.from({ length: 256 }, (_, byte) => srgbToLinear(byte / 255));

/**
 * Where each encoded byte starts: byte v is the rounded 255 · linearToSrgb(mean)
 * exactly when mean ≥ START[v] and mean < START[v + 1], with START[v] the linear
 * value of (v - 0.5)/255. A binary search over them replaces a pow() per channel.
 */
const BYTE_START = Float64Array.from({ length: 256 }, (_, byte) => (byte === 0 ? -Infinity : srgbToLinear((byte - 0.5) / 255)));

/** The sRGB byte of a linear value: round(255 · linearToSrgb(mean)). */
export function encodeLinear(mean: number): number {
  let lo = 0,
    hi = 255;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (mean >= BYTE_START[mid]) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Pixel rows from their coloured subsamples: `samples` holds n sample rows of
 * `width × n` RGB samples (row-major); one row of `width` pixels goes to `rgb`
 * at `offset`, each the linear-light mean of its n × n samples.
 */
export function averagePixelRow(samples: Uint8Array, width: number, n: number, rgb: Uint8Array, offset: number): void {
  const sampleRow = width * n * 3;
  const count = n * n;
  for (let j = 0; j < width; j++) {
    let r = 0,
      g = 0,
      b = 0;
    for (let l = 0; l < n; l++) {
      for (let k = 0, at = l * sampleRow + j * n * 3; k < n; k++, at += 3) {
        r += LINEAR_OF_BYTE[samples[at]];
        g += LINEAR_OF_BYTE[samples[at + 1]];
        b += LINEAR_OF_BYTE[samples[at + 2]];
      }
    }
    const o = offset + j * 3;
    rgb[o] = encodeLinear(r / count);
    rgb[o + 1] = encodeLinear(g / count);
    rgb[o + 2] = encodeLinear(b / count);
  }
}
