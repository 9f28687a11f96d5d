import { describe, expect, it } from "vitest";
import { BadInputError } from "./errors.ts";
import { jobToSpec, parseSpec } from "./spec.ts";

function rejection(raw: unknown): string {
  try {
    parseSpec(raw, "test");
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return (error as Error).message;
  }
  throw new Error("the spec was accepted");
}

describe("spec defaults", () => {
  it("are the seed's", () => {
    const job = parseSpec({}, "my-spec");
    expect(job).toEqual({
      name: "my-spec",
      width: 200,
      height: 200,
      bounds: { reMin: -1.8, reMax: 1.8, imMin: -1.8, imMax: 1.8 },
      c: { from: { re: -0.62772, im: -0.42193 }, to: { re: -0.62772, im: -0.42193 + 1.5 } },
      maxIterations: 20,
      escapeRadius: 2,
      frames: 20,
      fps: 5,
      colormap: "viridis",
      coloring: "bands",
      supersample: 1,
    });
  });

  it("duration sets frames = duration x fps", () => {
    expect(parseSpec({ duration: 10, fps: 30 }).frames).toBe(300);
  });

  it("round-trips through jobToSpec", () => {
    const job = parseSpec({ width: 31, height: 17, maxIterations: 77, frames: 3, colormap: "magma", coloring: "smooth" }, "x");
    expect(parseSpec(jobToSpec(job))).toEqual(job);
  });
});

describe("spec rejections name the field, the value and what is allowed", () => {
  it.each([
    [{ widht: 100 }, /unknown key "widht".*allowed: name, width/],
    [{ bounds: { re: [-1, 1], im: [-1, 1], zoom: 2 } }, /unknown key "zoom" in "bounds"/],
    [{ width: Number.NaN }, /"width" must be an integer from 1 to 16384, got NaN/],
    [{ escapeRadius: Number.POSITIVE_INFINITY }, /"escapeRadius"/],
    [{ c: { from: [Number.NaN, 0], to: [0, 0] } }, /"c\.from\.0" must be a finite number/],
    [{ width: 10.5 }, /"width" must be an integer from 1 to 16384, got 10.5/],
    [{ width: 0 }, /"width" must be an integer from 1 to 16384, got 0/],
    [{ height: -3 }, /"height" must be an integer from 1 to 16384, got -3/],
    [{ width: 16385 }, /"width" must be an integer from 1 to 16384, got 16385/],
    [{ maxIterations: 0 }, /"maxIterations" must be an integer from 1 to 1,000,000, got 0/],
    [{ maxIterations: 1_000_001 }, /"maxIterations" must be an integer from 1 to 1,000,000, got 1000001/],
    [{ frames: 0 }, /"frames" must be an integer from 1/],
    [{ bounds: { re: [1, 1], im: [-1, 1] } }, /"bounds\.re" must be \[min, max\] with min < max.*got \[1,1\]/],
    [{ bounds: { re: [-1, 1], im: [1, -1] } }, /"bounds\.im" must be \[min, max\] with min < max.*got \[1,-1\]/],
    [{ name: "../escape" }, /"name" may use only letters/],
    [{ name: "a/b" }, /"name" may use only letters/],
    [{ name: "a..b" }, /"name" must not contain '\.\.'/],
    [{ colormap: "rainbow" }, /"colormap" must be one of viridis, magma/],
    [{ coloring: "fancy" }, /"coloring" must be "bands" or "smooth"/],
    [{ frames: 10, duration: 2 }, /either "frames" or "duration"/],
    [{ duration: 0.1, fps: 7 }, /whole number of frames/],
    [{ width: "500" }, /"width" must be an integer from 1 to 16384, got "500"/],
    [[1, 2], /must be a JSON object/],
    [{ supersample: 0 }, /"supersample" must be an integer from 1 to 8, got 0/],
    [{ supersample: 9 }, /"supersample" must be an integer from 1 to 8, got 9/],
    [{ supersample: 2.5 }, /"supersample" must be an integer from 1 to 8, got 2.5/],
    [{ width: 1, height: 5, supersample: 2 }, /"supersample" needs width and height of at least 2/],
    [
      {
        keyframes: [
          { frame: 0, center: [0, 0], width: 1, zoom: 2 },
          { frame: 19, center: [0, 0], width: 1 },
        ],
      },
      /unknown key "zoom" in "keyframes\.0"; allowed: frame, center, width, c/,
    ],
    [
      {
        keyframes: [
          { frame: 0, center: [0, 0], width: -1 },
          { frame: 19, center: [0, 0], width: 1 },
        ],
      },
      /"keyframes\.0\.width" must be a positive number/,
    ],
    [
      {
        keyframes: [
          { frame: 0, center: [0], width: 1 },
          { frame: 19, center: [0, 0], width: 1 },
        ],
      },
      /"keyframes\.0\.center" must be \[re, im\]/,
    ],
    [
      {
        width: 1,
        keyframes: [
          { frame: 0, center: [0, 0], width: 1 },
          { frame: 19, center: [0, 0], width: 1 },
        ],
      },
      /"keyframes" need width and height of at least 2/,
    ],
    [{ keyframes: "zoom" }, /"keyframes" must be a list of/],
  ])("%j", (raw, message) => {
    expect(rejection(raw)).toMatch(message);
  });

  it("lists every problem at once and says what to do", () => {
    const message = rejection({ width: 0, maxIterations: -1 });
    expect(message).toMatch(/"width"/);
    expect(message).toMatch(/"maxIterations"/);
    expect(message).toMatch(/Fix the spec and run again/);
  });
});
