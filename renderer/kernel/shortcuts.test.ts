import { describe, expect, it } from "vitest";
import { linspace } from "../math/linspace.ts";
import { chooseShortcut } from "./shortcuts.ts";
import type { Tile } from "./types.ts";
import { createWasmKernel } from "./wasm-kernel.ts";

const frame = (cIm: number, maxIterations: number, size = 120, half = 1.8): Tile => ({
  re: linspace(-half, half, size),
  im: linspace(half, -half, size),
  rowStart: 0,
  rowEnd: size,
  cRe: -0.62772,
  cIm,
  maxIterations,
  escapeRadius: 2,
});

describe("chooseShortcut", () => {
  it("uses the trap where c has a strongly attracting cycle", () => {
    expect(chooseShortcut(frame(-0.42, 500)).kind).toBe("trap");
  });
  it("uses nothing for short runs, for c outside the Mandelbrot set, or when orbits close in too slowly", () => {
    expect(chooseShortcut(frame(-0.42, 20)).kind).toBe("none");
    expect(chooseShortcut(frame(-0.395, 500)).kind).toBe("none");
    // a period-7 cycle with |λ| = 0.963: its proven disks are ~0.0015 wide
    expect(chooseShortcut(frame(-0.40595, 500)).kind).toBe("none");
  });
  it("takes the tile's planned shortcut when it has one, unless the policy overrides it", () => {
    const planned = { ...frame(-0.42, 500), shortcut: { kind: "brent" } as const };
    expect(chooseShortcut(planned).kind).toBe("brent");
    expect(chooseShortcut(planned, "off").kind).toBe("none");
    expect(chooseShortcut({ ...frame(-0.378, 500), shortcut: { kind: "none" } }).kind).toBe("none");
  });
  it("decides per maxIterations, not only per c: the slow p7 trap pays at 2000 iterations, not at 500", () => {
    expect(chooseShortcut(frame(-0.40595, 2000)).kind).toBe("trap");
    expect(chooseShortcut(frame(-0.40595, 500)).kind).toBe("none");
  });
  it("uses a Koenigs trap where the fixed point attracts slowly (koenigs-trap.ts)", () => {
    const shortcut = chooseShortcut(frame(-0.378, 500));
    expect(shortcut.kind).toBe("trap");
    expect(shortcut.kind === "trap" && shortcut.trap.period).toBe(1);
    expect(shortcut.kind === "trap" && shortcut.trap.radius).toBeGreaterThan(0.1);
  });
});

describe("shortcuts skip work without changing it", () => {
  const stepsWith = (policy: "auto" | "off" | "brent", tile: Tile) => {
    const kernel = createWasmKernel({ shortcuts: policy });
    const counts = new Uint32Array(tile.re.length * (tile.rowEnd - tile.rowStart));
    const work = kernel(tile, counts);
    return { work, steps: kernel.stats.steps };
  };

  it("the trap computes under a quarter of the steps on the perf-notes frame", () => {
    const plain = stepsWith("off", frame(-0.42, 500));
    const trapped = stepsWith("auto", frame(-0.42, 500));
    expect(trapped.work).toBe(plain.work);
    expect(trapped.steps).toBeLessThan(plain.steps / 4);
  });

  it("Brent's check catches exact cycles in a long run", () => {
    const tile = frame(-0.42, 5000, 40, 0.1); // inside the filled Julia set: nothing escapes
    const plain = stepsWith("off", tile);
    const brent = stepsWith("brent", tile);
    expect(brent.work).toBe(plain.work);
    expect(brent.steps).toBeLessThan(plain.steps / 2);
  });
});
