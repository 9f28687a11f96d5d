import { describe, expect, it } from "vitest";
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphFor, hasGlyph } from "./font.ts";
import { createCanvas, drawText, textWidth } from "./text.ts";

const INK = [255, 255, 255] as const;
const PAPER = [0, 0, 0] as const;

function inkAt(canvas: ReturnType<typeof createCanvas>, x: number, y: number): boolean {
  return canvas.rgb[(y * canvas.width + x) * 3] === 255;
}

describe("the label font", () => {
  it("draws every character a label uses as itself, each one different", () => {
    const chars = "0123456789abcdefghijklmnopqrstuvwxyz .,:-+=#/()_";
    for (const char of chars) expect(hasGlyph(char), char).toBe(true);
    const shapes = [...chars].map((char) => glyphFor(char).join(","));
    expect(new Set(shapes).size).toBe(chars.length);
    expect(glyphFor("C")).toEqual(glyphFor("c"));
    expect(glyphFor("\u00e9")).toEqual(glyphFor("?"));
  });
});

describe("drawText", () => {
  it("scales each font pixel to a scale × scale block", () => {
    const canvas = createCanvas(40, 20, PAPER);
    drawText(canvas, 2, 3, "1", 2, INK);
    // "1", top row "..#..": the ink is column 2, so x = 2 + 2*2 .. +1 at y = 3..4
    expect([inkAt(canvas, 6, 3), inkAt(canvas, 7, 3), inkAt(canvas, 6, 4), inkAt(canvas, 7, 4)]).toEqual([true, true, true, true]);
    expect(inkAt(canvas, 5, 3)).toBe(false);
    expect(inkAt(canvas, 8, 3)).toBe(false);
    // nothing outside the glyph's box
    for (let y = 0; y < canvas.height; y++) {
      for (let x = 0; x < canvas.width; x++) {
        const inside = x >= 2 && x < 2 + GLYPH_WIDTH * 2 && y >= 3 && y < 3 + GLYPH_HEIGHT * 2;
        if (!inside) expect(inkAt(canvas, x, y), `${x},${y}`).toBe(false);
      }
    }
  });

  it("measures text without the trailing gap, and clips at the edges", () => {
    expect(textWidth("#120", 1)).toBe(4 * 6 - 1);
    expect(textWidth("#120", 2)).toBe((4 * 6 - 1) * 2);
    expect(textWidth("", 2)).toBe(0);
    const canvas = createCanvas(10, 5, PAPER);
    expect(() => drawText(canvas, -3, -3, "888", 2, INK)).not.toThrow();
    expect(canvas.rgb.some((value) => value === 255)).toBe(true);
  });

  it("draws different strings differently", () => {
    const draw = (text: string) => {
      const canvas = createCanvas(80, 10, PAPER);
      drawText(canvas, 0, 0, text, 1, INK);
      return Buffer.from(canvas.rgb);
    };
    expect(draw("#120  4.00s").equals(draw("#150  5.00s"))).toBe(false);
    expect(draw("#120  4.00s").equals(draw("#120  4.00s"))).toBe(true);
  });
});
