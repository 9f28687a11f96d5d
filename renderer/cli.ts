import os from "node:os";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { BadInputError, InterruptedError, exitCodeFor } from "./errors.ts";
import { createKernel } from "./kernel/index.ts";
import { loadJob, type SeedFlags } from "./load-spec.ts";
import packageJson from "../package.json" with { type: "json" };
import { X264_PRESETS } from "./output/ffmpeg.ts";
import { prepareOutDir } from "./output/out-dir.ts";
import { plainMessage } from "./fs-reason.ts";
import { createProgress, type ProgressMode } from "./progress.ts";
import { renderJob } from "./render-job.ts";
import { isRenderWorker, runRenderWorker } from "./frames/worker.ts";
import { renderWorkerScript } from "./frames/worker-script.ts";
import { renderContactSheet } from "./sheet/contact-sheet.ts";

const number = (flag: string) => (value: string) => {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed)) throw new InvalidArgumentError(`${flag} takes a number, got "${value}".`);
  return parsed;
};

function buildProgram(): Command {
  return new Command("julia-render")
    .description(
      "Render a Julia-set animation (MP4) or image (PNG) from a spec file, exactly as the seed's julia_set_plot.py would, on every core.",
    )
    .version(packageJson.version, "--version", "print the version")
    .option("--spec <file>", "spec file (JSON); see specs/")
    .option("--out <dir>", "output directory", "renders")
    .option("--processes <n>", "worker threads (default: every core)", number("--processes"))
    .addOption(new Option("--num-processes <n>", "the seed's name for --processes").argParser(number("--num-processes")).hideHelp())
    .option("--png-frames", "also write every frame as OUT/frames/<name>_00000.png")
    .option("--frame <k>", "render only frame K (0-based) to OUT/<name>_K.png", number("--frame"))
    .option("--contact-sheet <n>", "render N labelled thumbnails across the animation to OUT/<name>_sheet.png", number("--contact-sheet"))
    .option(
      "--thumb-width <w>",
      "with --contact-sheet: thumbnail width in pixels (default 240, or the spec's width if smaller)",
      number("--thumb-width"),
    )
    .addOption(new Option("--progress <mode>", "progress display").choices(["human", "json", "quiet"]).default("human"))
    .option(
      "--ffmpeg <path>",
      "the ffmpeg binary to use (default: JULIA_RENDER_FFMPEG, else the static build from node_modules, else ffmpeg on PATH)",
    )
    .addOption(new Option("--preset <name>", "x264 preset (speed vs. file size)").choices([...X264_PRESETS]).default("veryfast"))
    .option(
      "--supersample <n>",
      'anti-aliasing: each pixel is the linear-light mean of N×N subsamples, 1-8 (spec field "supersample"; default 1, the seed\'s one sample)',
      number("--supersample"),
    )
    .option("--num-steps <n>", "seed flag: pixels per side (sets width and height)", number("--num-steps"))
    .option("--max-iterations <n>", "seed flag: iterations per pixel", number("--max-iterations"))
    .option("--num-frames <n>", "seed flag: frames in the animation", number("--num-frames"))
    .option("--framerate <fps>", "seed flag: frames per second", number("--framerate"))
    .option("--duration <s>", "seed flag: seconds of animation (overrides --num-frames)", number("--duration"))
    .option("--c-imag-initial <im>", "seed flag: first imaginary part of c", number("--c-imag-initial"))
    .option("--c-imag-increment <d>", "seed flag: how far c's imaginary part moves", number("--c-imag-increment"))
    .addHelpText(
      "after",
      `
Examples:
  julia-render --spec specs/seed-default.json --out renders
  julia-render --spec specs/spiral.json --frame 120 --out renders      one frame as PNG
  julia-render --spec specs/spiral.json --contact-sheet 12              12 labelled thumbnails, one PNG
  julia-render --max-iterations 500 --framerate 30 --duration 10 --num-steps 500 \\
               --c-imag-initial -0.42 --c-imag-increment 0.042      the seed's flags
  julia-render --spec specs/seed-b.json --progress json                 machine-readable progress
  julia-render --spec specs/spiral.json --frame 120 --supersample 3     one anti-aliased frame (9 samples a pixel)`,
    )
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
}

interface CliOptions extends SeedFlags {
  spec?: string;
  out: string;
  processes?: number;
  numProcesses?: number;
  pngFrames?: boolean;
  frame?: number;
  contactSheet?: number;
  thumbWidth?: number;
  progress: ProgressMode;
  preset: string;
  ffmpeg?: string;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  let mode: ProgressMode = "human";
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  let cleanup = async (): Promise<void> => undefined;
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    program.parse(argv);
    const options = program.opts<CliOptions>();
    mode = options.progress;
    const workers = options.processes ?? options.numProcesses ?? os.availableParallelism();
    if (!Number.isInteger(workers) || workers < 1 || workers > 1024) {
      throw new BadInputError(`--processes must be an integer from 1 to 1024, got ${workers}.`);
    }
    const job = await loadJob(options.spec, options);
    if (options.frame !== undefined && (!Number.isInteger(options.frame) || options.frame < 0 || options.frame >= job.frames)) {
      throw new BadInputError(
        `--frame must be an integer from 0 to ${job.frames - 1} (the spec has ${job.frames} frames), got ${options.frame}.`,
      );
    }
    // before the render: a bad --out would otherwise be found only when the finished outputs are moved into place
    const outDir = await prepareOutDir(options.out);
    cleanup = outDir.removeIfUnused;
    const common = {
      outDir: options.out,
      workers,
      workerScript: renderWorkerScript(new URL(import.meta.url)),
      progress: createProgress(mode),
      kernelName: createKernel().name,
      signal: controller.signal,
    };
    if (options.contactSheet !== undefined) {
      if (options.frame !== undefined || options.pngFrames)
        throw new BadInputError("--contact-sheet makes one PNG of thumbnails; drop --frame and --png-frames, or run them separately.");
      await renderContactSheet(job, { ...common, count: options.contactSheet, thumbWidth: options.thumbWidth });
    } else {
      if (options.thumbWidth !== undefined)
        throw new BadInputError("--thumb-width sizes contact-sheet thumbnails; use it with --contact-sheet N.");
      await renderJob(job, {
        ...common,
        pngFrames: options.pngFrames === true,
        frame: options.frame,
        preset: options.preset,
        ffmpeg: options.ffmpeg,
      });
    }
    process.exitCode = 0;
  } catch (error) {
    await cleanup(); // nothing written: no new empty output directory left behind
    process.exitCode = report(error, mode);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function report(error: unknown, mode: ProgressMode): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
    process.stderr.write("Run `julia-render --help` for the options.\n");
    return 2;
  }
  const message =
    error instanceof InterruptedError
      ? "Interrupted; no output was written."
      : plainMessage(error instanceof Error ? error.message : String(error));
  if (mode === "json") process.stdout.write(`${JSON.stringify({ event: "error", message })}\n`);
  process.stderr.write(`julia-render: ${message}\n`);
  return exitCodeFor(error);
}

// Where the worker's own bundle is not embedded (see worker-script.ts), worker threads run this file.
if (isRenderWorker()) runRenderWorker();
else void main(process.argv);
