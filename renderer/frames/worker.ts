import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { createKernel } from "../kernel/index.ts";
import type { Shortcut } from "../kernel/shortcuts.ts";
import type { Job } from "../spec.ts";
import { createBandRenderer } from "./band.ts";
import { bandsPerFrame, type FrameFormat } from "./schedule.ts";

/** What the pool gives every worker once, at start (see pool.ts for the protocol). */
export interface WorkerInit {
  role: "julia-render-worker";
  job: Job;
  /** The frames to render, in emit order; frame index i renders into slot i mod slots. */
  frames: number[];
  slots: SharedArrayBuffer[];
  /** [NEXT_BAND, EMITTED, STOP, PLANNED, then one finished-band count per slot]. */
  control: Int32Array;
  stride: number;
  rowsPerBand: number;
  format: FrameFormat;
  /**
   * The frames' exact shortcuts, one message per frame in `frames` order, which
   * the main thread plans once (band.ts: frameShortcut) instead of every worker
   * proving the same traps, and compiling the code that proves them.
   */
  plans: MessagePort;
  /** The main thread's compiled WASM kernel, whose code (and tier-up) every worker shares. */
  kernelModule?: object;
}

/** Shared counters: the next band to claim, frames emitted, a stop flag, frames whose shortcut was posted. */
export const NEXT_BAND = 0;
export const EMITTED = 1;
export const STOP = 2;
export const PLANNED = 3;
export const CONTROL_FIELDS = 4;

export type WorkerReply =
  | { kind: "frame"; index: number }
  | { kind: "finished"; iterations: number; kernelMs: number; colorMs: number }
  | { kind: "error"; message: string };

export function isRenderWorker(): boolean {
  return (workerData as Partial<WorkerInit> | undefined)?.role === "julia-render-worker";
}

/**
 * Worker thread body: claim bands in order until none is left, rendering each
 * straight into its frame's shared buffer (no copies, no messages per band).
 */
export function runRenderWorker(): void {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  // stay alive until the pool terminates this thread, so that no exit can overtake the last message
  setInterval(() => {}, 2 ** 30);
  try {
    const totals = renderBands(init, (index) => port.postMessage({ kind: "frame", index } satisfies WorkerReply));
    if (totals) port.postMessage({ kind: "finished", ...totals } satisfies WorkerReply);
  } catch (error) {
    port.postMessage({
      kind: "error",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies WorkerReply);
  }
}

/** The work loop; returns null when the pool asked it to stop. */
function renderBands(init: WorkerInit, frameDone: (index: number) => void) {
  const { job, frames, control, stride, rowsPerBand } = init;
  const renderer = createBandRenderer(job, createKernel({ module: init.kernelModule }).run, rowsPerBand, init.format);
  const views = init.slots.map((buffer) => new Uint8Array(buffer));
  const bands = bandsPerFrame(job.height, rowsPerBand);
  const totalBands = frames.length * bands;
  const totals = { iterations: 0, kernelMs: 0, colorMs: 0 };
  // plans by frame index; a worker asks for them in increasing order, so older ones are dropped
  const plans = new Map<number, Shortcut | undefined>();
  let received = 0;
  let oldest = 0;
  // the main thread posts plans ahead of the bands claimed; wait (rarely) until frame `index`'s has come
  const planOf = (index: number): { shortcut: Shortcut | undefined } | null => {
    while (received <= index) {
      const message = receiveMessageOnPort(init.plans);
      if (message) {
        plans.set(received++, message.message as Shortcut | undefined);
        continue;
      }
      if (Atomics.load(control, STOP)) return null;
      Atomics.wait(control, PLANNED, received, 100);
    }
    while (oldest < index) plans.delete(oldest++);
    return { shortcut: plans.get(index) };
  };
  for (;;) {
    const band = Atomics.add(control, NEXT_BAND, 1);
    if (band >= totalBands) return totals;
    const index = Math.floor(band / bands);
    const slot = index % views.length;
    // the slot is free once the frame that last used it has been emitted
    for (let emitted = Atomics.load(control, EMITTED); emitted <= index - views.length; emitted = Atomics.load(control, EMITTED)) {
      if (Atomics.load(control, STOP)) return null;
      Atomics.wait(control, EMITTED, emitted, 100);
    }
    const plan = planOf(index);
    if (!plan || Atomics.load(control, STOP)) return null;
    const timing = renderer.render(frames[index], band - index * bands, views[slot], stride, plan.shortcut);
    totals.iterations += timing.iterations;
    totals.kernelMs += timing.kernelMs;
    totals.colorMs += timing.colorMs;
    if (Atomics.add(control, CONTROL_FIELDS + slot, 1) + 1 === bands) frameDone(index);
  }
}
