import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../spec.ts";
import { PLAN_MARGIN, renderFrames } from "./pool.ts";
import { frameBytes, frameSlots } from "./schedule.ts";
import type { WorkerScript } from "./worker-script.ts";

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

// Plans (each frame's shortcut) go to every worker; sent all at once they
// would pile up in memory in proportion to the frame count.
describe("per-frame plans sent ahead to workers are bounded", () => {
  it("plans no further than the frames that can have a slot, yet plans every frame exactly once", async () => {
    const job = parseSpec({ name: "plans", width: 24, height: 8, maxIterations: 20, frames: 400 });
    const workers = 2;
    const slots = frameSlots(frameBytes("rgb24", job.width, job.height), workers, job.frames);
    const planned: number[] = [];
    const aheadAtEmit: number[] = [];
    let emitted = 0;
    await renderFrames({
      job,
      frames: Array.from({ length: job.frames }, (_, k) => k),
      workers,
      workerScript: script,
      stride: job.width,
      paddedHeight: job.height,
      shortcutOf: (frame) => (planned.push(frame), undefined),
      onFrame: async () => {
        aheadAtEmit.push(planned.length - emitted);
        emitted++;
        if (emitted % 50 === 1) await new Promise((resolve) => setImmediate(resolve)); // the planner gets turns while we wait
      },
    });
    expect(planned).toEqual(Array.from({ length: job.frames }, (_, k) => k));
    expect(Math.max(...aheadAtEmit)).toBeLessThanOrEqual(slots + PLAN_MARGIN);
  });
});
