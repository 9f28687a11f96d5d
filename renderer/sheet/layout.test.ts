import { describe, expect, it } from "vitest";
import { BadInputError } from "../errors.ts";
import { frameC } from "../frame-geometry.ts";
import { parseSpec } from "../spec.ts";
import { formatC, frameLabel, planContactSheet, sheetFrames, thumbnailJob, thumbnailOrigin } from "./layout.ts";

// the seed's "first half" animation: 10 s at 30 fps, c.im from -0.7 to 0
const firstHalf = parseSpec({
  name: "first-half",
  width: 500,
  maxIterations: 500,
  frames: 300,
  fps: 30,
  c: { from: [-0.62772, -0.7], to: [-0.62772, 0] },
});

describe("sheetFrames", () => {
  it("spreads thumbnails evenly, first and last frame included", () => {
    expect(sheetFrames(300, 12)).toEqual([0, 27, 54, 82, 109, 136, 163, 190, 217, 245, 272, 299]);
    expect(sheetFrames(30, 5)).toEqual([0, 7, 15, 22, 29]);
    expect(sheetFrames(300, 1)).toEqual([0]);
    expect(sheetFrames(7, 7)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("never repeats a frame while there are at least as many frames as thumbnails", () => {
    for (let frames = 1; frames <= 60; frames++) {
      for (let count = 1; count <= frames; count++) expect(new Set(sheetFrames(frames, count)).size).toBe(count);
    }
  });
});

describe("labels", () => {
  it("give the frame, its time (frame / fps) and c to 5 decimals", () => {
    expect(frameLabel(firstHalf, 120)).toEqual(["#120  4.00s", `c=${formatC(frameC(firstHalf, 120))}`]);
    expect(frameLabel(firstHalf, 0)).toEqual(["#0  0.00s", "c=-0.62772-0.70000i"]);
    expect(frameLabel(firstHalf, 299)).toEqual(["#299  9.97s", "c=-0.62772+0.00000i"]);
    expect(formatC({ re: 0.25, im: 0.123456 })).toBe("0.25000+0.12346i");
  });

  it("on a camera path also give the view's centre (digits to a hundredth of the width) and width", () => {
    const zoom = parseSpec({
      width: 200,
      frames: 11,
      fps: 10,
      keyframes: [
        { frame: 0, center: [0, 0], width: 3.6, c: [-0.62772, -0.42] },
        { frame: 10, center: [-0.4619648066023434, -0.21830320460653785], width: 3.6e-6, c: [-0.62772, -0.42] },
      ],
    });
    expect(frameLabel(zoom, 0)).toEqual(["#0  0.00s", "c=-0.62772-0.42000i", "at 0.00000+0.00000i w=3.60"]);
    expect(frameLabel(zoom, 10)).toEqual(["#10  1.00s", "c=-0.62772-0.42000i", "at -0.46196481-0.21830320i w=3.60e-6"]);
    expect(frameLabel(zoom, 5)[2]).toMatch(/^at -0\.46\d+-0\.21\d+i w=3\.60e-3$/);
    // plain specs keep their two lines
    expect(frameLabel(firstHalf, 5)).toHaveLength(2);
  });
});

describe("planContactSheet", () => {
  it("sizes the sheet from N, the columns, the thumbnail size and the label height", () => {
    const layout = planContactSheet(firstHalf, { count: 12 });
    expect(layout.thumbJob).toMatchObject({ width: 240, height: 240, bounds: firstHalf.bounds, c: firstHalf.c, frames: 300 });
    expect([layout.columns, layout.rows, layout.cellWidth, layout.labelScale]).toEqual([4, 3, 240, 2]);
    // padding 4 + two lines of 7 px × 2 + a 4 px gap + padding 4
    expect(layout.labelHeight).toBe(40);
    // gutter 8 + 4 × (240 + 8), and gutter 8 + 3 × (240 + 40 + 8)
    expect([layout.width, layout.height]).toEqual([1000, 872]);
    expect(layout.frames).toHaveLength(12);
    expect(thumbnailOrigin(layout, 0)).toEqual({ x: 8, y: 8 });
    expect(thumbnailOrigin(layout, 5)).toEqual({ x: 8 + 248, y: 8 + 288 });
  });

  it("keeps the aspect ratio and never enlarges by default", () => {
    const wide = parseSpec({ width: 300, height: 100, frames: 10 });
    expect(thumbnailJob(wide, 240)).toMatchObject({ width: 240, height: 80 });
    expect(planContactSheet(wide, { count: 4 }).thumbJob).toMatchObject({ width: 240, height: 80 });
    expect(planContactSheet(parseSpec({ width: 64, frames: 10 }), { count: 4 }).thumbJob).toMatchObject({ width: 64, height: 64 });
    expect(planContactSheet(wide, { count: 4, thumbWidth: 120 }).thumbJob).toMatchObject({ width: 120, height: 40 });
  });

  it("shrinks the text to fit narrow thumbnails, and widens the cell rather than clip it", () => {
    const layout = planContactSheet(parseSpec({ width: 64, frames: 10, c: { from: [-0.62772, -0.7], to: [-0.62772, 0] } }), { count: 4 });
    expect(layout.labelScale).toBe(1);
    // "c=-0.62772-0.70000i": 19 glyphs of 5 px with 1 px between
    expect(layout.cellWidth).toBe(19 * 6 - 1);
    expect(layout.labelHeight).toBe(4 + 7 + 4 + 7 + 4);
  });

  it("rejects a bad N or thumbnail width, naming the flag, the value and the range", () => {
    const bad = (count: number, thumbWidth?: number) => () => planContactSheet(firstHalf, { count, thumbWidth });
    expect(bad(0)).toThrow(BadInputError);
    expect(bad(0)).toThrow("--contact-sheet takes a number of thumbnails from 1 to 300 (at most 400, and the spec has 300 frames), got 0.");
    expect(bad(2.5)).toThrow(/got 2.5/);
    expect(bad(301)).toThrow(/from 1 to 300/);
    expect(() => planContactSheet(parseSpec({ frames: 1000 }), { count: 401 })).toThrow(/from 1 to 400/);
    expect(bad(4, 8)).toThrow("--thumb-width takes a width in pixels from 16 to 2048, got 8.");
    expect(bad(300, 2048)).toThrow(/would be 37016x35640 pixels; choose fewer thumbnails \(--contact-sheet\) or a smaller --thumb-width/);
    expect(() => planContactSheet(firstHalf, { count: 0 }, { count: "--frames", thumbWidth: "--thumb-width" })).toThrow(/^--frames takes/);
  });
});
