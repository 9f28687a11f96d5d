import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadJob } from "../../renderer/load-spec.ts";
import { jobToSpec } from "../../renderer/spec.ts";
import { viewAt } from "../../renderer/camera-path.ts";
import { formatC, formatView } from "../../renderer/sheet/layout.ts";
import { BadInputError } from "../errors.ts";
import { parseSegmentPoint, refineJob } from "../explore/refine.ts";

export interface RefineCommandOptions {
  spec?: string;
  from?: string;
  to?: string;
  duration?: number;
  fps?: number;
  frames?: number;
  out?: string;
}

export interface RefineResult {
  file: string;
  summary: string;
}

/** `render-remote refine`: write a spec whose c path is one segment of the old one; print where and what next. */
export async function refineCommand(options: RefineCommandOptions): Promise<number> {
  const result = await refine(options);
  process.stdout.write(
    `${result.summary}\nNext: look at it with \`npx render-remote preview --spec ${result.file}\`, or render it with \`npx render-remote --dry-run --spec ${result.file}\`.\n`,
  );
  return 0;
}

export async function refine(options: RefineCommandOptions): Promise<RefineResult> {
  if (!options.spec)
    throw new BadInputError(
      "--spec is required: the animation to take a segment of, e.g. `render-remote refine --spec specs/explore-first-half-10s.json --from 4s --to 5s`.",
    );
  if (!options.from || !options.to)
    throw new BadInputError(`--from and --to are required: times like 4s or 4.5s, or frame numbers like 120, e.g. \`--from 4s --to 5s\`.`);
  const from = parseSegmentPoint("--from", options.from);
  const to = parseSegmentPoint("--to", options.to);
  const old = await loadJob(options.spec, {});
  const name = options.out ? specNameFor(options.out) : undefined;
  const { job, fromSeconds, toSeconds } = refineJob(old, {
    from,
    to,
    duration: options.duration,
    fps: options.fps,
    frames: options.frames,
    name,
  });
  const file = options.out ?? path.join(path.dirname(options.spec), `${job.name}.json`);
  if (path.resolve(file) === path.resolve(options.spec)) {
    throw new BadInputError(
      `--out ${file} is the input spec; refine never overwrites it. Pick another path, e.g. --out ${path.join(path.dirname(file), `${job.name}-refined.json`)}.`,
    );
  }
  await writeAtomically(file, `${JSON.stringify(jobToSpec(job), null, 2)}\n`);
  const seconds = (job.frames / job.fps).toFixed(2).replace(/\.?0+$/, "");
  const pathText = job.keyframes
    ? `, view from ${formatView(viewAt(job.keyframes, 0))} to ${formatView(viewAt(job.keyframes, job.frames - 1))}`
    : "";
  const summary =
    `Wrote ${file}: c from ${formatC(job.c.from)} to ${formatC(job.c.to)}${pathText} (${old.name} from ${trim(fromSeconds)}s to ${trim(toSeconds)}s), ` +
    `${job.frames} frames at ${job.fps} fps (${seconds} s).`;
  return { file, summary };
}

/** The spec's name follows --out's file name, made valid (letters, digits, '.', '_', '-'). */
function specNameFor(out: string): string {
  const base = path.basename(out).replace(/\.json$/i, "");
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/\.{2,}/g, "_")
    .slice(0, 100);
  return cleaned === "" || cleaned === "." ? "refined" : cleaned;
}

/** Written beside its final name, then renamed: never a half-written spec. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  try {
    await writeFile(partial, text);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}

function trim(seconds: number): string {
  return String(Number(seconds.toFixed(3)));
}
