import { PNG } from "pngjs";

/**
 * Encodes an RGB frame buffer (rows `stride` pixels wide) as a PNG of exactly
 * width x height. Deterministic: the same pixels give the same bytes.
 */
export function encodePng(rgb: Uint8Array, width: number, height: number, stride = width): Buffer {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const data = Buffer.alloc(width * height * 3);
  if (stride === width) {
    data.set(rgb.subarray(0, width * height * 3));
  } else {
    for (let row = 0; row < height; row++) data.set(rgb.subarray(row * stride * 3, (row * stride + width) * 3), row * width * 3);
  }
  png.data = data;
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}
