import { InterruptedError, RenderError, RenderRemoteError } from "./errors.ts";
import { encodePng } from "./output/png.ts";
import { Mp4Encoder, findFfmpeg } from "./output/ffmpeg.ts";
import { checkMp4FrameSize } from "./output/h264-limits.ts";
import { OutputStaging } from "./output/staging.ts";
import type { ProgressReporter, RunSeconds, TimeSplit } from "./progress.ts";
import type { WorkerScript } from "./frames/worker-script.ts";
import { renderFrames } from "./frames/pool.ts";
import { encoderFormat, evenSize } from "./frames/schedule.ts";
import type { Job } from "./spec.ts";

export interface RenderOptions {
  outDir: string;
  workers: number;
  /** What render worker threads run; without it frames render in this thread. */
  workerScript?: WorkerScript;
  /** Also keep every frame as OUT/frames/<name>_00000.png. */
  pngFrames: boolean;
  /** Render only this frame, to OUT/<name>_K.png. */
  frame?: number;
  /** x264 preset for the MP4. */
  preset: string;
  /** The ffmpeg binary; found on PATH (or in node_modules) when not given. */
  ffmpeg?: string;
  progress: ProgressReporter;
  kernelName: string;
  signal?: AbortSignal;
}

export interface RenderResult {
  outputs: string[];
  seconds: RunSeconds;
  iterations: number;
  split: TimeSplit;
}

/**
 * Renders a job to its outputs:
 *  - frames > 1: OUT/<name>.mp4 (H.264, yuv420p), plus PNG frames when asked;
 *  - frames = 1: OUT/<name>.png;  --frame K: OUT/<name>_K.png.
 * Frames stream into ffmpeg in order as raw RGB. Nothing lands under a final
 * name unless the whole run succeeds.
 */
export async function renderJob(job: Job, options: RenderOptions): Promise<RenderResult> {
  const started = performance.now();
  const single = options.frame !== undefined || job.frames === 1;
  const frames = options.frame !== undefined ? [options.frame] : Array.from({ length: job.frames }, (_, k) => k);
  if (!single) checkMp4FrameSize(job); // before any frame is computed
  const size = single ? { width: job.width, height: job.height } : evenSize(job.width, job.height);
  // straight to x264's own format when nothing needs RGB: ffmpeg then converts nothing and the pipe carries half
  const format = single ? "rgb24" : encoderFormat(job, options.pngFrames);
  const staging = await OutputStaging.create(options.outDir, job.name);
  let encoder: Mp4Encoder | undefined;
  let pngMs = 0;
  try {
    if (!single) {
      encoder = new Mp4Encoder({
        ffmpeg: options.ffmpeg ?? findFfmpeg(),
        width: size.width,
        height: size.height,
        fps: job.fps,
        preset: options.preset,
        outFile: staging.stage(`${job.name}.mp4`),
        inputFormat: format,
      });
    }
    options.progress.emit({
      event: "start",
      name: job.name,
      frames: frames.length,
      width: job.width,
      height: job.height,
      workers: options.workers,
      kernel: options.kernelName,
    });

    let done = 0;
    let lastReport = 0;
    const stats = await renderFrames({
      job,
      frames,
      workers: options.workers,
      workerScript: options.workerScript,
      stride: size.width,
      paddedHeight: size.height,
      format,
      signal: options.signal,
      onFrame: async (frame, rgb) => {
        if (single || options.pngFrames) {
          const t0 = performance.now();
          const png = encodePng(rgb, job.width, job.height, size.width);
          const file = single
            ? options.frame !== undefined
              ? `${job.name}_${frame}.png`
              : `${job.name}.png`
            : `frames/${job.name}_${String(frame).padStart(5, "0")}.png`;
          await staging.write(file, png);
          pngMs += performance.now() - t0;
        }
        if (encoder) await encoder.write(rgb);
        done++;
        const now = performance.now();
        if (done === frames.length || now - lastReport > 100) {
          lastReport = now;
          const elapsed = (now - started) / 1000;
          const fps = done / elapsed;
          options.progress.emit({ event: "frame", done, total: frames.length, fps, etaSeconds: (frames.length - done) / fps });
        }
      },
    });
    const imagesDone = performance.now();
    if (options.signal?.aborted) throw new InterruptedError();
    await encoder?.finish();
    if (!single) await staging.removeStaleFrames(job.name);
    const outputs = await staging.commit();
    const finished = performance.now();

    const seconds = {
      images: (imagesDone - started) / 1000,
      animation: (finished - imagesDone) / 1000,
      total: (finished - started) / 1000,
    };
    const split = { kernel: stats.kernelMs / 1000, color: stats.colorMs / 1000, encode: (encoder?.encodeMs ?? 0) / 1000, io: pngMs / 1000 };
    const result = { outputs, seconds, iterations: stats.iterations, split };
    options.progress.emit({ event: "done", ...result });
    return result;
  } catch (error) {
    await encoder?.kill();
    await staging.discard();
    if (options.signal?.aborted && !(error instanceof InterruptedError)) throw new InterruptedError(undefined, { cause: error });
    if (error instanceof RenderRemoteError) throw error; // already typed: keep its kind and message
    throw new RenderError(`Rendering ${job.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
