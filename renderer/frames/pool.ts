import { MessageChannel, Worker } from "node:worker_threads";
import { InterruptedError, RenderError } from "../errors.ts";
import { createKernel, sharedKernelModule } from "../kernel/index.ts";
import type { Shortcut } from "../kernel/shortcuts.ts";
import type { Job } from "../spec.ts";
import { createBandRenderer, frameShortcut } from "./band.ts";
import { bandRows, frameBytes, frameSlots, type FrameFormat } from "./schedule.ts";
import type { WorkerScript } from "./worker-script.ts";
import { CONTROL_FIELDS, EMITTED, PLANNED, STOP, type WorkerInit, type WorkerReply } from "./worker.ts";

/** How long the main thread plans shortcuts at a time before it lets the event loop emit frames. */
const PLAN_SLICE_MS = 4;
/** Plans sent beyond the frames that have slots: workers never need more, and memory stays flat in the frame count. */
export const PLAN_MARGIN = 4;

export interface RenderFramesOptions {
  job: Job;
  /** The frames to render, handed to onFrame in this order. */
  frames: readonly number[];
  workers: number;
  /** What worker threads run (see worker-script.ts); without it, frames render in this thread. */
  workerScript?: WorkerScript;
  /** Frame buffer size: even-rounded for yuv420p, or the exact size. */
  stride: number;
  paddedHeight: number;
  /** What the frame buffers hold (default rgb24); yuv420p needs bands colouring and even sides. */
  format?: FrameFormat;
  signal?: AbortSignal;
  /** Each frame's exact shortcut (default: band.ts frameShortcut); with workers, the main thread plans them once. */
  shortcutOf?: (frame: number) => Shortcut | undefined;
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
  return options.workerScript && options.workers > 0 ? renderWithWorkers(options, options.workerScript) : renderInline(options);
}

async function renderInline(options: RenderFramesOptions): Promise<RenderStats> {
  const { job, stride, paddedHeight } = options;
  const format = options.format ?? "rgb24";
  const renderer = createBandRenderer(job, createKernel().run, bandRows(job.width, job.height, format, job.supersample), format);
  const rgb = new Uint8Array(frameBytes(format, stride, paddedHeight));
  const stats: RenderStats = { iterations: 0, kernelMs: 0, colorMs: 0, workers: 0 };
  for (const frame of options.frames) {
    if (options.signal?.aborted) throw new InterruptedError();
    const timing = renderer.renderFrame(frame, rgb, stride, options.shortcutOf?.(frame));
    stats.iterations += timing.iterations;
    stats.kernelMs += timing.kernelMs;
    stats.colorMs += timing.colorMs;
    if (format === "rgb24") padBottomRow(rgb, job.height, paddedHeight, stride);
    await options.onFrame(frame, rgb);
  }
  return stats;
}

/**
 * Workers claim bands themselves from a shared counter, in frame order, so no
 * worker ever waits on a message round trip between bands. A frame's buffer is
 * slot (frame index mod slots): a worker that claims a band of a frame whose
 * slot still holds an unwritten frame waits (Atomics.wait) until the main
 * thread has handed that frame to the encoder. The worker that finishes a
 * frame's last band tells the main thread, which emits frames in order.
 */
function renderWithWorkers(options: RenderFramesOptions, script: WorkerScript): Promise<RenderStats> {
  const { job, frames, stride, paddedHeight } = options;
  const format = options.format ?? "rgb24";
  const slotBytes = frameBytes(format, stride, paddedHeight);
  const slots = Array.from({ length: frameSlots(slotBytes, options.workers, frames.length) }, () => new SharedArrayBuffer(slotBytes));
  const views = slots.map((slot) => new Uint8Array(slot));
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_FIELDS * 4 + slots.length * 4));
  const stats: RenderStats = { iterations: 0, kernelMs: 0, colorMs: 0, workers: options.workers };
  const finished = new Array<boolean>(frames.length).fill(false);
  let nextEmit = 0;
  let emitting = false;
  let workersDone = 0;
  let settled = false;
  let schedulePlan = () => {};

  return new Promise<RenderStats>((resolve, reject) => {
    const channels = Array.from({ length: options.workers }, () => new MessageChannel());
    const kernelModule = sharedKernelModule();
    const workers = channels.map(({ port2 }) => {
      const init: WorkerInit = {
        role: "julia-render-worker",
        job,
        frames: [...frames],
        slots,
        control,
        stride,
        rowsPerBand: bandRows(job.width, job.height, format, job.supersample),
        format,
        plans: port2,
        kernelModule,
      };
      const settings = { workerData: init, transferList: [port2] };
      return script.kind === "source" ? new Worker(script.source, { eval: true, ...settings }) : new Worker(script.url, settings);
    });

    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      Atomics.store(control, STOP, 1);
      Atomics.notify(control, EMITTED);
      Atomics.notify(control, PLANNED);
      for (const { port1 } of channels) port1.close();
      options.signal?.removeEventListener("abort", onAbort);
      void Promise.all(workers.map((w) => w.terminate())).finally(() => (error ? reject(error) : resolve(stats)));
    };
    const onAbort = () => finish(new InterruptedError());
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const emitReady = async () => {
      if (emitting) return;
      emitting = true;
      try {
        while (!settled && nextEmit < frames.length && finished[nextEmit]) {
          const slot = nextEmit % slots.length;
          if (format === "rgb24") padBottomRow(views[slot], job.height, paddedHeight, stride);
          await options.onFrame(frames[nextEmit], views[slot]);
          // the slot is free: reset its band count before any worker may start the next frame in it
          Atomics.store(control, CONTROL_FIELDS + slot, 0);
          nextEmit++;
          Atomics.store(control, EMITTED, nextEmit);
          Atomics.notify(control, EMITTED);
          schedulePlan(); // a slot came free: the frame that may now use it needs its plan
        }
        if (nextEmit === frames.length && workersDone === workers.length) finish();
      } catch (error) {
        finish(error);
      } finally {
        emitting = false;
      }
    };

    // each frame's exact shortcut, proved once here while the workers start and then render; only as far
    // ahead as workers can go (a frame needs a free slot first), so queued plans do not grow with the frame count
    const shortcutOf = options.shortcutOf ?? ((frame: number) => frameShortcut(job, frame));
    let planned = 0;
    let planScheduled = false;
    const planLimit = () => Math.min(frames.length, nextEmit + slots.length + PLAN_MARGIN);
    const plan = () => {
      planScheduled = false;
      if (settled) return;
      try {
        const until = performance.now() + PLAN_SLICE_MS;
        while (planned < planLimit() && performance.now() < until) {
          const shortcut = shortcutOf(frames[planned]);
          for (const { port1 } of channels) port1.postMessage(shortcut);
          Atomics.store(control, PLANNED, ++planned);
          Atomics.notify(control, PLANNED);
        }
      } catch (error) {
        return finish(error);
      }
      if (planned < planLimit()) schedulePlan();
    };
    schedulePlan = () => {
      if (planScheduled || settled) return;
      planScheduled = true;
      setImmediate(plan);
    };
    plan();

    for (const worker of workers) {
      worker.on("message", (reply: WorkerReply) => {
        if (reply.kind === "error") return finish(new RenderError(`A render worker failed: ${reply.message}`));
        if (reply.kind === "frame") {
          finished[reply.index] = true;
          return void emitReady();
        }
        stats.iterations += reply.iterations;
        stats.kernelMs += reply.kernelMs;
        stats.colorMs += reply.colorMs;
        workersDone++;
        void emitReady();
      });
      worker.on("error", (error) => finish(new RenderError(`A render worker crashed: ${error.message}`, { cause: error })));
      worker.on("exit", (code) => {
        if (!settled && workersDone < workers.length) finish(new RenderError(`A render worker exited unexpectedly (code ${code}).`));
      });
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
