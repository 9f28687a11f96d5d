import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { InterruptedError, RenderError } from "../errors.ts";
import { parseSpec } from "../spec.ts";
import type { Shortcut } from "../kernel/shortcuts.ts";
import { renderFrames } from "./pool.ts";
import type { FrameFormat } from "./schedule.ts";
import type { WorkerScript } from "./worker-script.ts";

// The worker program as the build embeds it (scripts/build.mjs), built from the sources under test.
let script: WorkerScript;
beforeAll(async () => {
  const result = await build({
    entryPoints: ["renderer/frames/worker-entry.ts"],
    bundle: true,
    write: false,
    platform: "node",
    format: "cjs",
    logLevel: "warning",
  });
  script = { kind: "source", source: result.outputFiles[0].text };
});

// 13 rows of 48 pixels: bands of 13 rows (bandRows caps at the height), so 1 band per frame;
// 700 pixels wide gives 46-row bands, several per frame.
const small = parseSpec({
  name: "pool",
  width: 48,
  height: 13,
  maxIterations: 60,
  frames: 23,
  c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] },
});
const banded = parseSpec({
  name: "pool",
  width: 700,
  height: 101,
  maxIterations: 80,
  frames: 9,
  c: { from: [-0.7, -0.3], to: [-0.6, -0.45] },
});

async function collect(
  job: typeof small,
  workers: number,
  options: {
    script?: WorkerScript;
    slowEvery?: number;
    frames?: number[];
    shortcutOf?: (frame: number) => Shortcut | undefined;
    format?: FrameFormat;
  } = {},
) {
  const out = new Map<number, Buffer>();
  const order: number[] = [];
  const frames = options.frames ?? Array.from({ length: job.frames }, (_, k) => k);
  const stats = await renderFrames({
    job,
    frames,
    workers,
    workerScript: options.script,
    stride: job.width + (options.format === "yuv420p" ? job.width % 2 : 0),
    paddedHeight: job.height,
    shortcutOf: options.shortcutOf,
    format: options.format,
    onFrame: async (frame, rgb) => {
      order.push(frame);
      out.set(frame, Buffer.from(rgb)); // the buffer is reused after this returns
      // a slow encoder: workers run out of free frame slots and must wait
      if (options.slowEvery && frame % options.slowEvery === 0) await new Promise((resolve) => setTimeout(resolve, 15));
    },
  });
  return { out, order, stats };
}

describe("renderFrames with worker threads", () => {
  it.each([1, 2, 3, 5])(
    "hands out frames in order, byte-identical to rendering in this thread (%i workers, slow consumer)",
    async (workers) => {
      for (const job of [small, banded]) {
        const inline = await collect(job, 0);
        const pooled = await collect(job, workers, { script, slowEvery: 4 });
        expect(pooled.order).toEqual(inline.order);
        for (const [frame, rgb] of inline.out) expect(pooled.out.get(frame)!.equals(rgb), `frame ${frame}`).toBe(true);
        expect(pooled.stats.iterations).toBe(inline.stats.iterations);
        expect(pooled.stats.iterations).toBeGreaterThan(job.width * job.height * job.frames);
      }
    },
  );

  it("renders yuv420p planes in the workers, byte-identical to this thread's, in bands of whole row pairs", async () => {
    // 701 wide: bands of 23 rows would split row pairs, so yuv420p bands are 22 rows; rows 50 and 51 are the two halves' middle pair
    const job = parseSpec({
      name: "pool",
      width: 701,
      height: 102,
      maxIterations: 80,
      frames: 6,
      c: { from: [-0.7, -0.3], to: [-0.6, -0.45] },
    });
    const inline = await collect(job, 0, { format: "yuv420p" });
    const pooled = await collect(job, 2, { script, slowEvery: 3, format: "yuv420p" });
    for (const [frame, planes] of inline.out) {
      expect(planes.length).toBe((702 * 102 * 3) / 2);
      expect(pooled.out.get(frame)!.equals(planes), `frame ${frame}`).toBe(true);
    }
    expect(pooled.stats.iterations).toBe(inline.stats.iterations);
  });

  it("workers render with the shortcuts the main thread planned, not their own", async () => {
    // a false "trap" holding the whole plane: every pixel that survives its first block would get maxIterations.
    // Only a worker that takes the plan can show it; the exact shortcut of every frame is different.
    const everything: Shortcut = {
      kind: "trap",
      trap: { period: 1, radius: 10, multiplier: 0.5, boxes: Float64Array.from([-10, 10, -10, 10]) },
    };
    const job = parseSpec({
      name: "plan",
      width: 700,
      height: 101,
      maxIterations: 300,
      frames: 4,
      c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] },
    });
    const planned = await collect(job, 2, { script, shortcutOf: () => everything });
    const inlinePlanned = await collect(job, 0, { shortcutOf: () => everything });
    const exact = await collect(job, 0);
    for (const [frame, rgb] of exact.out) {
      expect(planned.out.get(frame)!.equals(inlinePlanned.out.get(frame)!), `frame ${frame}`).toBe(true);
      expect(planned.out.get(frame)!.equals(rgb), `frame ${frame}`).toBe(false);
    }
  });

  it("renders a chosen subset of frames, in the order given, with more workers than bands", async () => {
    const inline = await collect(small, 0, { frames: [5, 2, 17] });
    const pooled = await collect(small, 6, { script, frames: [5, 2, 17] });
    expect(pooled.order).toEqual([5, 2, 17]);
    for (const [frame, rgb] of inline.out) expect(pooled.out.get(frame)!.equals(rgb)).toBe(true);
  });

  it("rejects with the consumer's error and stops the workers", async () => {
    const failing = renderFrames({
      job: banded,
      frames: [0, 1, 2, 3, 4, 5, 6, 7, 8],
      workers: 2,
      workerScript: script,
      stride: banded.width,
      paddedHeight: banded.height,
      onFrame: (frame) => {
        if (frame === 3) throw new Error("encoder gone");
      },
    });
    await expect(failing).rejects.toThrow("encoder gone");
  });

  it("turns a worker that cannot run into a RenderError", async () => {
    const broken: WorkerScript = { kind: "source", source: "throw new Error('no kernel here')" };
    await expect(collect(small, 2, { script: broken })).rejects.toThrow(RenderError);
  });

  it("rejects with InterruptedError when aborted, even while workers wait for a slot", async () => {
    const controller = new AbortController();
    const run = renderFrames({
      job: banded,
      frames: Array.from({ length: 9 }, (_, k) => k),
      workers: 3,
      workerScript: script,
      stride: banded.width,
      paddedHeight: banded.height,
      signal: controller.signal,
      // never lets the first frame go: every worker ends up waiting for a free slot
      onFrame: () => new Promise<void>((resolve) => setTimeout(resolve, 60_000)),
    });
    setTimeout(() => controller.abort(), 300);
    // no timing asserted: without the abort the run would wait on onFrame past the test's timeout
    await expect(run).rejects.toThrow(InterruptedError);
  });
});
