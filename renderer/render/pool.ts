import { Worker } from "node:worker_threads";
import { InterruptedError, RenderError } from "../errors.ts";
import { createKernel } from "../kernel/index.ts";
import type { Job } from "../spec.ts";
import { createBandRenderer } from "./band.ts";
import { bandRows, frameSlots } from "./schedule.ts";
import type { BandTask, WorkerInit, WorkerReply } from "./worker.ts";

export interface RenderFramesOptions {
  job: Job;
  /** The frames to render, handed to onFrame in this order. */
  frames: readonly number[];
  workers: number;
  /** The script whose worker thread calls runRenderWorker(); without it, frames render in this thread. */
  workerUrl?: URL;
  /** Frame buffer size: even-rounded for yuv420p, or the exact size. */
  stride: number;
  paddedHeight: number;
  signal?: AbortSignal;
  /** Receives each finished frame in order; the buffer is reused once the returned promise settles. */
  onFrame: (frame: number, rgb: Uint8Array) => Promise<void> | void;
}

export interface RenderStats {
  iterations: number;
  /** Summed over workers: time in the kernel and in colouring. */
  kernelMs: number;
  colorMs: number;
  workers: number;
}

export function renderFrames(options: RenderFramesOptions): Promise<RenderStats> {
  return options.workerUrl && options.workers > 0 ? renderWithWorkers(options, options.workerUrl) : renderInline(options);
}

async function renderInline(options: RenderFramesOptions): Promise<RenderStats> {
  const { job, stride, paddedHeight } = options;
  const renderer = createBandRenderer(job, createKernel().run);
  const rgb = new Uint8Array(stride * paddedHeight * 3);
  const stats: RenderStats = { iterations: 0, kernelMs: 0, colorMs: 0, workers: 0 };
  for (const frame of options.frames) {
    if (options.signal?.aborted) throw new InterruptedError();
    const timing = renderer.render(frame, 0, job.height, rgb, stride);
    stats.iterations += timing.iterations;
    stats.kernelMs += timing.kernelMs;
    stats.colorMs += timing.colorMs;
    padBottomRow(rgb, job.height, paddedHeight, stride);
    await options.onFrame(frame, rgb);
  }
  return stats;
}

interface ActiveFrame {
  frame: number;
  slot: number;
  nextRow: number;
  pending: number;
}

function renderWithWorkers(options: RenderFramesOptions, workerUrl: URL): Promise<RenderStats> {
  const { job, frames, stride, paddedHeight } = options;
  const slotBytes = stride * paddedHeight * 3;
  const slots = Array.from({ length: frameSlots(slotBytes, options.workers, frames.length) }, () => new SharedArrayBuffer(slotBytes));
  const views = slots.map((slot) => new Uint8Array(slot));
  const freeSlots = slots.map((_, i) => i);
  const rowsPerBand = bandRows(job.width, job.height);
  const stats: RenderStats = { iterations: 0, kernelMs: 0, colorMs: 0, workers: options.workers };

  const active: ActiveFrame[] = []; // started frames, in order
  let nextStart = 0;
  let nextEmit = 0;
  let emitting = false;
  let settled = false;
  const idle: Worker[] = [];
  const assigned = new Map<Worker, ActiveFrame>();

  return new Promise<RenderStats>((resolve, reject) => {
    const init: WorkerInit = { role: "julia-render-worker", job, slots, stride };
    const workers = Array.from({ length: options.workers }, () => new Worker(workerUrl, { workerData: init }));

    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      void Promise.all(workers.map((w) => w.terminate())).finally(() => (error ? reject(error) : resolve(stats)));
    };
    const onAbort = () => finish(new InterruptedError());
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const dispatch = (worker: Worker) => {
      if (settled) return;
      let target = active.find((frame) => frame.nextRow < job.height);
      if (!target && freeSlots.length > 0 && nextStart < frames.length) {
        target = { frame: frames[nextStart++], slot: freeSlots.shift()!, nextRow: 0, pending: 0 };
        active.push(target);
      }
      if (!target) return void idle.push(worker);
      const rowStart = target.nextRow;
      const rowEnd = Math.min(job.height, rowStart + rowsPerBand);
      target.nextRow = rowEnd;
      target.pending++;
      assigned.set(worker, target);
      worker.postMessage({ frame: target.frame, rowStart, rowEnd, slot: target.slot } satisfies BandTask);
    };

    const emitReady = async () => {
      if (emitting) return;
      emitting = true;
      try {
        while (!settled && active.length > 0 && active[0].nextRow >= job.height && active[0].pending === 0) {
          const done = active.shift()!;
          padBottomRow(views[done.slot], job.height, paddedHeight, stride);
          await options.onFrame(done.frame, views[done.slot]);
          freeSlots.push(done.slot);
          nextEmit++;
          for (const worker of idle.splice(0)) dispatch(worker);
        }
        if (nextEmit === frames.length) finish();
      } catch (error) {
        finish(error);
      } finally {
        emitting = false;
      }
      // a frame may have completed while the last one was being written
      if (!settled && active.length > 0 && active[0].pending === 0 && active[0].nextRow >= job.height) void emitReady();
    };

    for (const worker of workers) {
      worker.on("message", (reply: WorkerReply) => {
        if (reply.kind === "error") return finish(new RenderError(`A render worker failed: ${reply.message}`));
        stats.iterations += reply.iterations;
        stats.kernelMs += reply.kernelMs;
        stats.colorMs += reply.colorMs;
        assigned.get(worker)!.pending--;
        assigned.delete(worker);
        dispatch(worker);
        void emitReady();
      });
      worker.on("error", (error) => finish(new RenderError(`A render worker crashed: ${error.message}`, { cause: error })));
      worker.on("exit", (code) => {
        if (!settled) finish(new RenderError(`A render worker exited unexpectedly (code ${code}).`));
      });
      dispatch(worker);
    }
    if (frames.length === 0) finish();
  });
}

/** yuv420p padding: the extra bottom row repeats the last real row. */
function padBottomRow(rgb: Uint8Array, height: number, paddedHeight: number, stride: number): void {
  if (paddedHeight === height) return;
  const rowBytes = stride * 3;
  rgb.copyWithin(height * rowBytes, (height - 1) * rowBytes, height * rowBytes);
}
