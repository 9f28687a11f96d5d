import { createInterface } from "node:readline";
import { execa } from "execa";
import { loadJob } from "../../renderer/load-spec.ts";
import { parseProgressLine } from "../../renderer/progress.ts";
import { planContactSheet } from "../../renderer/sheet/layout.ts";
import { locateRendererBundle } from "../bundle-path.ts";
import { BadInputError, InterruptedError, RenderError } from "../errors.ts";
import { trapInterrupts } from "../interrupts.ts";
import { createReporter, type StageReporter } from "../pipeline/reporter.ts";

export interface PreviewCommandOptions {
  spec?: string;
  /** Thumbnails on the sheet. */
  frames?: number;
  out: string;
  thumbWidth?: number;
  processes?: number;
  json?: boolean;
}

export interface PreviewResult {
  sheet: string;
  thumbnails: number;
}

export const DEFAULT_THUMBNAILS = 12;

/** `render-remote preview`: a contact sheet of the animation, rendered here by the renderer bundle. */
export async function previewCommand(options: PreviewCommandOptions): Promise<number> {
  const result = await preview(options);
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(`Wrote ${result.sheet}\n`);
    process.stdout.write(
      `Next: pick a segment from the labels and run \`npx render-remote refine --spec ${options.spec} --from 4s --to 5s\` (times like 4.5s, or frame numbers like 120).\n`,
    );
  }
  return 0;
}

export async function preview(options: PreviewCommandOptions): Promise<PreviewResult> {
  if (!options.spec) throw new BadInputError("--spec is required, e.g. `render-remote preview --spec specs/explore-first-half-10s.json`.");
  const job = await loadJob(options.spec, {});
  const thumbnails = options.frames ?? Math.min(DEFAULT_THUMBNAILS, job.frames);
  // checked here too, so that the message names preview's own flags
  planContactSheet(job, { count: thumbnails, thumbWidth: options.thumbWidth }, { count: "--frames", thumbWidth: "--thumb-width" });
  const args = ["--spec", options.spec, "--contact-sheet", String(thumbnails), "--out", options.out, "--progress", "json"];
  if (options.thumbWidth !== undefined) args.push("--thumb-width", String(options.thumbWidth));
  if (options.processes !== undefined) args.push("--processes", String(options.processes));

  const reporter = createReporter(options.json ? "json" : "auto");
  const interrupts = trapInterrupts();
  try {
    const { value: sheet } = await reporter.stage(
      `Contact sheet of ${job.name}: ${thumbnails} thumbnail${thumbnails === 1 ? "" : "s"}`,
      () => runSheetBundle(args, reporter, interrupts.signal),
    );
    return { sheet, thumbnails };
  } finally {
    interrupts.dispose();
  }
}

/** Runs `julia-render ... --contact-sheet N --progress json`, relays its progress, returns the sheet's path. */
async function runSheetBundle(args: string[], reporter: StageReporter, signal: AbortSignal): Promise<string> {
  const child = execa(process.execPath, [locateRendererBundle(), ...args], {
    reject: false,
    stdin: "ignore",
    cancelSignal: signal,
    forceKillAfterDelay: 5000,
  });
  let outputs: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => {
    const parsed = parseProgressLine(line);
    if (parsed.kind === "other") return;
    if (parsed.event.event === "frame") reporter.progress(parsed.event.done, parsed.event.total, parsed.event.fps, parsed.event.etaSeconds);
    if (parsed.event.event === "done") outputs = parsed.event.outputs;
  });
  const result = await child;
  const message = String(result.stderr)
    .split("\n")
    .reverse()
    .find((line) => line.startsWith("julia-render: "))
    ?.slice("julia-render: ".length);
  if (result.exitCode === 2) throw new BadInputError(message ?? `The renderer rejected its input:\n${result.stderr}`);
  if (result.exitCode === 130 || result.isCanceled || signal.aborted)
    throw new InterruptedError("Interrupted; no contact sheet was written.");
  if (result.exitCode !== 0 || outputs.length === 0) {
    throw new RenderError(
      `The renderer failed (exit ${result.exitCode ?? result.signal}): ${message ?? (String(result.stderr).trim() || result.shortMessage)}`,
      { cause: result.cause },
    );
  }
  return outputs[0];
}
