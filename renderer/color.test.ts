import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hasPythonOracle, pythonJson } from "../test/python-oracle.ts";
import { bandIndex, bandPalette } from "./color.ts";
import { COLORMAP_NAMES, colormapTable } from "./colormaps/index.ts";

describe("band colouring", () => {
  it("divides first, as the seed's n / max_iterations does", () => {
    expect(bandIndex(0, 20)).toBe(0);
    expect(bandIndex(20, 20)).toBe(255); // 1.0 * 256 is clamped to the last entry, as matplotlib does
    expect(bandIndex(2, 20)).toBe(25); // 0.1 * 256 = 25.6
    // 3 / 500 * 256 = 1.5360000000000003 but 3 * 256 / 500 = 1.536: both floor to 1; the order is kept anyway
    expect(bandIndex(3, 500)).toBe(1);
  });

  // The seed colours a count n as matplotlib does: plt.cm.viridis(n / max_iterations) * 255, as uint8.
  it.skipIf(!hasPythonOracle)("every count's colour is matplotlib's", () => {
    const limits = [20, 7, 300, 500, 3000];
    const seedColors = pythonJson<Record<string, number[]>>(
      "import json, sys, numpy; from matplotlib import pyplot as plt; " +
        "print(json.dumps({m: numpy.array(plt.cm.viridis([n / int(m) for n in range(int(m) + 1)]) * 255, dtype=numpy.uint8)[:, :3].flatten().tolist() for m in sys.argv[1:]}))",
      limits,
    );
    for (const maxIterations of limits) {
      expect([...bandPalette({ colormap: "viridis", maxIterations })], `max_iterations ${maxIterations}`).toEqual(
        seedColors[maxIterations],
      );
    }
  });

  it("viridis is the seed's table exactly (colormaps/fixtures/seed-viridis-u8.json)", () => {
    const seedTable = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, "colormaps/fixtures/seed-viridis-u8.json"), "utf8"),
    ) as number[][];
    expect(seedTable).toHaveLength(256);
    expect([...colormapTable("viridis")]).toEqual(seedTable.flat());
  });

  it("offers the colormaps the spec promises, each 256 RGB entries", () => {
    for (const name of ["viridis", "magma", "inferno", "plasma", "twilight", "gray"]) expect(COLORMAP_NAMES).toContain(name);
    for (const name of COLORMAP_NAMES) expect(colormapTable(name)).toHaveLength(768);
    expect([...colormapTable("gray").subarray(0, 3)]).toEqual([0, 0, 0]);
    expect([...colormapTable("gray").subarray(765)]).toEqual([255, 255, 255]);
  });

  it("the palette maps every count to its band's colour", () => {
    const palette = bandPalette({ colormap: "viridis", maxIterations: 20 });
    const table = colormapTable("viridis");
    expect([...palette.subarray(2 * 3, 2 * 3 + 3)]).toEqual([...table.subarray(25 * 3, 25 * 3 + 3)]);
    expect([...palette.subarray(20 * 3)]).toEqual([...table.subarray(255 * 3)]);
  });
});

describe("colorBandsWide", () => {
  it("writes exactly the bytes colorBands writes, at every length and alignment", async () => {
    const { colorBands, colorBandsWide, widePalette } = await import("./color.ts");
    const palette = bandPalette({ colormap: "magma", maxIterations: 300 });
    const wide = widePalette(palette);
    for (const length of [0, 1, 3, 4, 5, 7, 8, 13, 64, 1001]) {
      const counts = Uint32Array.from({ length }, (_, i) => (i * 7919) % 301);
      for (const offset of [0, 3, 4, 12, 15]) {
        const expected = new Uint8Array(offset + length * 3 + 8).fill(9);
        const actual = new Uint8Array(new SharedArrayBuffer(expected.length)).fill(9);
        colorBands(counts, palette, expected, offset);
        colorBandsWide(counts, palette, wide, actual, offset);
        expect(Buffer.from(actual).equals(Buffer.from(expected)), `length ${length}, offset ${offset}`).toBe(true);
      }
    }
  });
});

describe("yuv420p colouring", () => {
  it("converts the palette with BT.601 in limited range, as ffmpeg does", async () => {
    const { yuvPalette } = await import("./color.ts");
    // black, white, red, green, blue
    const { y, uv } = yuvPalette(new Uint8Array([0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255]));
    expect([...y]).toEqual([16, 235, 81, 145, 41]);
    const u = [...uv].map((v) => (v & 0xffff) / 4),
      v = [...uv].map((w) => (w >>> 16) / 4);
    // chroma in quarters: 128 + (-37.797 R - 74.203 G + 112 B) / 255 and 128 + (112 R - 93.786 G - 18.214 B) / 255
    expect(u).toEqual([128, 128, 90.25, 53.75, 240]); // 90.203, 53.797, 240
    expect(v).toEqual([128, 128, 240, 34.25, 109.75]); // 240, 34.214, 109.786
  });

  it("writes luma per pixel and each 2×2 block's rounded mean chroma, padding an odd width", async () => {
    const { colorYuvRowPair, yuvPalette } = await import("./color.ts");
    const table = yuvPalette(new Uint8Array([0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255])); // counts 0..3: black, white, red, blue
    // rows of 3 pixels (stride 4): [0 1 2] over [3 3 1]
    const counts = new Uint32Array([0, 1, 2, 3, 3, 1]);
    const stride = 4;
    const planes = new Uint8Array(stride * 2 + 2 * 2);
    colorYuvRowPair(counts, 0, 3, table, 3, planes, new Uint16Array(planes.buffer), 0, stride, 8, 10);
    expect([...planes.subarray(0, 8)]).toEqual([16, 235, 81, 81, 41, 41, 235, 235]);
    const chroma = (ids: number[], shift: number) => Math.round(ids.reduce((sum, id) => sum + ((table.uv[id] >>> shift) & 0xffff), 0) / 16);
    expect([...planes.subarray(8, 10)]).toEqual([chroma([0, 1, 3, 3], 0), chroma([2, 2, 1, 1], 0)]);
    expect([...planes.subarray(10, 12)]).toEqual([chroma([0, 1, 3, 3], 16), chroma([2, 2, 1, 1], 16)]);
  });
});
