import { InterruptedError, RenderError, RenderRemoteError } from "../errors.ts";
import { encodePng } from "../output/png.ts";
import { OutputStaging } from "../output/staging.ts";
import type { ProgressReporter } from "../progress.ts";
import type { RenderResult } from "../render-job.ts";
import type { WorkerScript } from "../frames/worker-script.ts";
import { renderFrames } from "../frames/pool.ts";
import type { Job } from "../spec.ts";
import { createSheetCanvas, drawLabels, placeThumbnail } from "./compose.ts";
import { planContactSheet, type SheetRequest } from "./layout.ts";

export interface ContactSheetOptions extends SheetRequest {
  outDir: string;
  workers: number;
  /** What render worker threads run; without it frames render in this thread. */
  workerScript?: WorkerScript;
  progress: ProgressReporter;
  kernelName: string;
  signal?: AbortSignal;
}

/**
 * Renders OUT/<name>_sheet.png: `count` frames spread across the animation,
 * each an exact render at thumbnail size, labelled with frame, time and c.
 * Nothing lands under the final name unless the whole sheet was made.
 */
export async function renderContactSheet(job: Job, options: ContactSheetOptions): Promise<RenderResult> {
  const started = performance.now();
  const layout = planContactSheet(job, options);
  const { thumbJob } = layout;
  const slotOf = new Map(layout.frames.map((frame, index) => [frame, index]));
  const canvas = createSheetCanvas(layout);
  const staging = await OutputStaging.create(options.outDir, job.name);
  try {
    options.progress.emit({
      event: "start",
      name: job.name,
      frames: layout.frames.length,
      width: thumbJob.width,
      height: thumbJob.height,
      workers: options.workers,
      kernel: options.kernelName,
    });
    let done = 0;
    let lastReport = 0;
    const stats = await renderFrames({
      job: thumbJob,
      frames: layout.frames,
      workers: options.workers,
      workerScript: options.workerScript,
      stride: thumbJob.width,
      paddedHeight: thumbJob.height,
      signal: options.signal,
      onFrame: (frame, rgb) => {
        placeThumbnail(canvas, layout, slotOf.get(frame)!, rgb);
        done++;
        const now = performance.now();
        if (done === layout.frames.length || now - lastReport > 100) {
          lastReport = now;
          const fps = done / ((now - started) / 1000);
          options.progress.emit({
            event: "frame",
            done,
            total: layout.frames.length,
            fps,
            etaSeconds: (layout.frames.length - done) / fps,
          });
        }
      },
    });
    const imagesDone = performance.now();
    if (options.signal?.aborted) throw new InterruptedError();
    drawLabels(canvas, layout);
    await staging.write(`${job.name}_sheet.png`, encodePng(canvas.rgb, canvas.width, canvas.height));
    const outputs = await staging.commit();
    const finished = performance.now();

    const seconds = {
      images: (imagesDone - started) / 1000,
      animation: (finished - imagesDone) / 1000,
      total: (finished - started) / 1000,
    };
    const split = { kernel: stats.kernelMs / 1000, color: stats.colorMs / 1000, encode: 0, io: (finished - imagesDone) / 1000 };
    const result = { outputs, seconds, iterations: stats.iterations, split };
    options.progress.emit({ event: "done", ...result });
    return result;
  } catch (error) {
    await staging.discard();
    if (options.signal?.aborted && !(error instanceof InterruptedError)) throw new InterruptedError(undefined, { cause: error });
    if (error instanceof RenderRemoteError) throw error; // already typed: keep its kind and message
    throw new RenderError(`Making the contact sheet for ${job.name} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
