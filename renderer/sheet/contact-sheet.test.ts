import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { juliaRender, runBundle, type BundleRun } from "../../test/run-bundle.ts";
import { escapeCountsScalar } from "../kernel/scalar.ts";
import { createBandRenderer } from "../frames/band.ts";
import { jobToSpec, parseSpec } from "../spec.ts";
import { BACKGROUND, LABEL_COLOR, planContactSheet, thumbnailOrigin, type SheetLayout } from "./layout.ts";
import { tempDir } from "../../test/temp-dir.ts";

const spec = {
  name: "sheet-test",
  width: 480,
  height: 320,
  maxIterations: 60,
  frames: 30,
  fps: 10,
  c: { from: [-0.62772, -0.7], to: [-0.62772, 0] },
};
const job = parseSpec(spec);

function workspace(): { dir: string; spec: string; out: string } {
  const dir = tempDir("contact-sheet-");
  writeFileSync(path.join(dir, "sheet-test.json"), JSON.stringify(spec));
  return { dir, spec: path.join(dir, "sheet-test.json"), out: path.join(dir, "out") };
}

/** The pixels of a rectangle of a decoded PNG (RGBA) as packed RGB. */
function region(png: PNG, x: number, y: number, width: number, height: number): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const from = ((y + row) * png.width + x + column) * 4;
      rgb.set(png.data.subarray(from, from + 3), (row * width + column) * 3);
    }
  }
  return rgb;
}

function countColor(rgb: Buffer, color: readonly number[]): number {
  let count = 0;
  for (let i = 0; i < rgb.length; i += 3) if (rgb[i] === color[0] && rgb[i + 1] === color[1] && rgb[i + 2] === color[2]) count++;
  return count;
}

/** The label strip under thumbnail `index`: the cell's full width, the label's full height. */
function labelStrip(png: PNG, layout: SheetLayout, index: number): Buffer {
  const { x, y } = thumbnailOrigin(layout, index);
  return region(png, x, y + layout.thumbJob.height, layout.cellWidth, layout.labelHeight);
}

describe("julia-render --contact-sheet", () => {
  const w = workspace();
  const layout = planContactSheet(job, { count: 5 });
  let run: BundleRun;
  let png: PNG;
  beforeAll(async () => {
    run = await runBundle(juliaRender, [
      "--spec",
      w.spec,
      "--contact-sheet",
      "5",
      "--out",
      w.out,
      "--processes",
      "2",
      "--progress",
      "json",
    ]);
    png = PNG.sync.read(readFileSync(path.join(w.out, "sheet-test_sheet.png")));
  });

  it("writes OUT/<name>_sheet.png of the planned size, through staging, with progress events", () => {
    expect(run.exitCode, run.all).toBe(0);
    expect(readdirSync(w.out)).toEqual(["sheet-test_sheet.png"]);
    // 5 thumbnails of 240x160 in 3 columns and 2 rows; labels 40 px high; 8 px gutters
    expect([png.width, png.height]).toEqual([8 + 3 * (240 + 8), 8 + 2 * (160 + 40 + 8)]);
    const events = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ event: "start", name: "sheet-test", frames: 5, width: 240, height: 160, workers: 2 });
    expect(events.filter((e) => e.event === "frame").at(-1)).toMatchObject({ done: 5, total: 5 });
    expect(events.at(-1)).toMatchObject({ event: "done", outputs: [path.join(w.out, "sheet-test_sheet.png")] });
  });

  it("holds one thumbnail per frame asked for, and leaves the spare cell empty", () => {
    expect(layout.frames).toEqual([0, 7, 15, 22, 29]);
    for (let index = 0; index < 6; index++) {
      const { x, y } = thumbnailOrigin(layout, index);
      const cell = region(png, x, y, 240, 160);
      const empty = countColor(cell, BACKGROUND) === 240 * 160;
      expect(empty, `cell ${index}`).toBe(index === 5);
    }
  });

  it("each thumbnail is an exact render of its frame at thumbnail size, not a resize", async () => {
    const reference = createBandRenderer(layout.thumbJob, escapeCountsScalar);
    const rgb = new Uint8Array(240 * 160 * 3);
    layout.frames.forEach((frame, index) => {
      reference.renderFrame(frame, rgb, 240);
      const { x, y } = thumbnailOrigin(layout, index);
      expect(region(png, x, y, 240, 160).equals(rgb), `frame ${frame}`).toBe(true);
    });
    // and the same bytes as `julia-render --frame 15` on the reduced spec
    const reduced = path.join(w.dir, "reduced.json");
    writeFileSync(reduced, JSON.stringify(jobToSpec(layout.thumbJob)));
    const single = await runBundle(juliaRender, [
      "--spec",
      reduced,
      "--frame",
      "15",
      "--out",
      path.join(w.dir, "single"),
      "--progress",
      "quiet",
    ]);
    expect(single.exitCode, single.all).toBe(0);
    const frame15 = PNG.sync.read(readFileSync(path.join(w.dir, "single", "sheet-test_15.png")));
    const { x, y } = thumbnailOrigin(layout, 2);
    expect(region(png, x, y, 240, 160).equals(region(frame15, 0, 0, 240, 160))).toBe(true);
  });

  it("labels each thumbnail with its frame, time and c, in text-coloured pixels where the text goes", () => {
    expect(layout.labels[2]).toEqual(["#15  1.50s", "c=-0.62772-0.33793i"]);
    const strips = layout.frames.map((_, index) => labelStrip(png, layout, index));
    layout.labels.forEach((_lines, index) => {
      // an unlabelled strip is all background; a labelled one is that plus exactly its text
      expect(countColor(strips[index], BACKGROUND), `strip ${index}`).toBeLessThan(layout.cellWidth * layout.labelHeight);
      expect(countColor(strips[index], LABEL_COLOR), `strip ${index}`).toBeGreaterThan(100);
    });
    // Golden strips, checked by eye when made (renderer/sheet/fixtures/README.md): the text itself, pixel for pixel.
    for (const index of [2, 4]) {
      const golden = PNG.sync.read(readFileSync(path.join(import.meta.dirname, "fixtures", `label-${index}.png`)));
      expect([golden.width, golden.height]).toEqual([layout.cellWidth, layout.labelHeight]);
      expect(strips[index].equals(region(golden, 0, 0, golden.width, golden.height)), `strip ${index}`).toBe(true);
    }
    // different frames, different label pixels
    expect(new Set(strips.map((strip) => strip.toString("hex"))).size).toBe(5);
    // the gutters stay background
    expect(countColor(region(png, 0, 0, png.width, 8), BACKGROUND)).toBe(png.width * 8);
  });
});

describe("julia-render --contact-sheet: bad input exits 2 and writes nothing", () => {
  it.each([
    ["0", /--contact-sheet takes a number of thumbnails from 1 to 30 \(at most 400, and the spec has 30 frames\), got 0\./],
    ["31", /from 1 to 30 .* got 31\./],
    ["2.5", /got 2\.5\./],
    ["lots", /--contact-sheet takes a number, got "lots"/],
  ])("--contact-sheet %s", async (count, message) => {
    const w = workspace();
    const run = await runBundle(juliaRender, ["--spec", w.spec, "--contact-sheet", count, "--out", w.out]);
    expect(run.exitCode, run.all).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(existsSync(path.join(w.out, "sheet-test_sheet.png"))).toBe(false);
  });

  it("--thumb-width without --contact-sheet, or --contact-sheet with --frame", async () => {
    const w = workspace();
    const lone = await runBundle(juliaRender, ["--spec", w.spec, "--thumb-width", "100", "--out", w.out]);
    expect(lone.exitCode).toBe(2);
    expect(lone.stderr).toMatch(/--thumb-width sizes contact-sheet thumbnails; use it with --contact-sheet N/);
    const both = await runBundle(juliaRender, ["--spec", w.spec, "--contact-sheet", "4", "--frame", "3", "--out", w.out]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/drop --frame and --png-frames/);
  });
});
