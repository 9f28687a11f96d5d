import { parentPort, workerData } from "node:worker_threads";
import { createKernel } from "../kernel/index.ts";
import type { Job } from "../spec.ts";
import { createBandRenderer } from "./band.ts";

/** What the pool sends a worker once, at start. */
export interface WorkerInit {
  role: "julia-render-worker";
  job: Job;
  slots: SharedArrayBuffer[];
  stride: number;
}

export interface BandTask {
  frame: number;
  rowStart: number;
  rowEnd: number;
  slot: number;
}

export type WorkerReply =
  | { kind: "done"; iterations: number; kernelMs: number; colorMs: number }
  | { kind: "error"; message: string };

export function isRenderWorker(): boolean {
  return (workerData as Partial<WorkerInit> | undefined)?.role === "julia-render-worker";
}

/** Worker thread body: render each band straight into the shared frame buffer (no copies). */
export function runRenderWorker(): void {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  const renderer = createBandRenderer(init.job, createKernel().run);
  const slots = init.slots.map((buffer) => new Uint8Array(buffer));
  port.on("message", (task: BandTask) => {
    try {
      const timing = renderer.render(task.frame, task.rowStart, task.rowEnd, slots[task.slot], init.stride);
      port.postMessage({ kind: "done", ...timing } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({ kind: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerReply);
    }
  });
}
