import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphFor } from "./font.ts";

/** An RGB image in memory: rows of `width` pixels, 3 bytes each. */
export interface Canvas {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export function createCanvas(width: number, height: number, background: Rgb): Canvas {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i += 3) rgb.set(background, i);
  return { width, height, rgb };
}

/** Width in pixels of `text` drawn at `scale` (no trailing gap). */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * GLYPH_ADVANCE - (GLYPH_ADVANCE - GLYPH_WIDTH)) * scale;
}

export function textHeight(scale: number): number {
  return GLYPH_HEIGHT * scale;
}

/** Draws `text` with its top-left corner at (x, y); pixels off the canvas are clipped. */
export function drawText(canvas: Canvas, x: number, y: number, text: string, scale: number, color: Rgb): void {
  [...text].forEach((char, index) => {
    const glyph = glyphFor(char);
    const left = x + index * GLYPH_ADVANCE * scale;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let column = 0; column < GLYPH_WIDTH; column++) {
        if ((glyph[row] >> (GLYPH_WIDTH - 1 - column)) & 1) fillRect(canvas, left + column * scale, y + row * scale, scale, scale, color);
      }
    }
  });
}

export function fillRect(canvas: Canvas, x: number, y: number, width: number, height: number, color: Rgb): void {
  const x0 = Math.max(0, x);
  const x1 = Math.min(canvas.width, x + width);
  for (let row = Math.max(0, y); row < Math.min(canvas.height, y + height); row++) {
    for (let column = x0; column < x1; column++) canvas.rgb.set(color, (row * canvas.width + column) * 3);
  }
}

/** Copies an RGB image (rows `stride` pixels wide) onto the canvas at (x, y). */
export function blit(canvas: Canvas, x: number, y: number, rgb: Uint8Array, width: number, height: number, stride = width): void {
  for (let row = 0; row < height; row++) {
    canvas.rgb.set(rgb.subarray(row * stride * 3, (row * stride + width) * 3), ((y + row) * canvas.width + x) * 3);
  }
}
