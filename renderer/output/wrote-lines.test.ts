import path from "node:path";
import { describe, expect, it } from "vitest";
import { showUnder, wroteLines } from "./wrote-lines.ts";

describe("Wrote lines", () => {
  it("lists the video, and the frames as one line however many", () => {
    const frames = Array.from({ length: 300 }, (_, k) => `renders/frames/spiral_${String(k).padStart(5, "0")}.png`);
    expect(wroteLines(["renders/spiral.mp4", ...frames])).toEqual([
      "Wrote renders/spiral.mp4",
      "Wrote 300 frames: renders/frames/spiral_00000.png … spiral_00299.png",
    ]);
    expect(wroteLines(["renders/spiral_600.png"])).toEqual(["Wrote renders/spiral_600.png"]);
  });

  it("shows paths under --out as the user gave it, relative or absolute, never ../../tmp", () => {
    expect(showUnder("renders")(path.resolve("renders/x.mp4"))).toBe("renders/x.mp4");
    expect(showUnder("/tmp/out")("/tmp/out/frames/x_00000.png")).toBe("/tmp/out/frames/x_00000.png");
    expect(showUnder("./out/")(path.resolve("out/x.mp4"))).toBe("out/x.mp4");
    expect(showUnder("renders")("/elsewhere/x.mp4")).toBe("/elsewhere/x.mp4");
  });
});
