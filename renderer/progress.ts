import * as z from "zod";
import { wroteLines } from "./output/wrote-lines.ts";

/**
 * Render progress: one JSON object per line on stdout (`--progress json`, the
 * protocol the orchestrator streams over SSH), or a human display on stderr
 * that redraws in a terminal and prints plain lines elsewhere.
 */

// The protocol, defined once: the renderer writes these events and parseProgressLine reads them.
// A remote host is untrusted, so every field is checked, and strings and lists are bounded.
const count = z.number().int().nonnegative();
const seconds = z.number().nonnegative();
// JSON.stringify writes Infinity (a rate over no time, an ETA at no speed) as null
const rate = z
  .number()
  .nonnegative()
  .or(z.null().transform(() => Infinity));
const text = z.string().max(4096);
const runSeconds = z.object({ images: seconds, animation: seconds, total: seconds });
const timeSplit = z.object({ kernel: seconds, color: seconds, encode: seconds, io: seconds });
const progressEvent = z.discriminatedUnion("event", [
  z.object({ event: z.literal("start"), name: text, frames: count, width: count, height: count, workers: count, kernel: text }),
  z.object({ event: z.literal("frame"), done: count, total: count, fps: rate, etaSeconds: rate }),
  z.object({
    event: z.literal("done"),
    outputs: z.array(text).max(100_000),
    seconds: runSeconds,
    iterations: z.number().nonnegative(),
    split: timeSplit,
  }),
  z.object({ event: z.literal("error"), message: text }),
]);

export type ProgressEvent = z.output<typeof progressEvent>;
export type RunSeconds = z.output<typeof runSeconds>;
/** Where the time went, in seconds; kernel and colour are summed over workers. */
export type TimeSplit = z.output<typeof timeSplit>;

/** A line of `--progress json` output: an event, or a line that is not one (a shell profile's chatter, a corrupt line). */
export type ProgressLine = { kind: "event"; event: ProgressEvent } | { kind: "other"; line: string };

export function parseProgressLine(line: string): ProgressLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: "other", line };
  }
  const parsed = progressEvent.safeParse(value);
  return parsed.success ? { kind: "event", event: parsed.data } : { kind: "other", line };
}

export type ProgressMode = "human" | "json" | "quiet";

export interface ProgressReporter {
  emit(event: ProgressEvent): void;
}

export function createProgress(
  mode: ProgressMode,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr,
): ProgressReporter {
  if (mode === "json") return { emit: (event) => void stdout.write(`${JSON.stringify(event)}\n`) };
  if (mode === "quiet") return { emit: () => undefined };
  const isTty = "isTTY" in stderr && stderr.isTTY === true;
  let lastDecile = -1;
  return {
    emit(event) {
      switch (event.event) {
        case "start":
          stderr.write(
            `Rendering ${event.name}: ${event.frames} frame${event.frames === 1 ? "" : "s"} of ${event.width}x${event.height} on ${event.workers} worker${event.workers === 1 ? "" : "s"} (${event.kernel} kernel)\n`,
          );
          break;
        case "frame": {
          const line = `  ${event.done}/${event.total} frames, ${event.fps.toFixed(1)} frames/s, ETA ${formatSeconds(event.etaSeconds)}`;
          if (isTty) stderr.write(`\r${line}\x1b[K${event.done === event.total ? "\n" : ""}`);
          else {
            const decile = Math.floor((event.done / event.total) * 10);
            if (decile !== lastDecile || event.done === event.total) stderr.write(`${line}\n`);
            lastDecile = decile;
          }
          break;
        }
        case "done":
          for (const line of wroteLines(event.outputs)) stdout.write(`${line}\n`);
          // the seed's own summary
          stdout.write(`\nSpent ${event.seconds.images.toFixed(1)} seconds generating images.\n`);
          stdout.write(`Spent ${event.seconds.animation.toFixed(1)} seconds generating animation.\n`);
          stdout.write(`Spent ${event.seconds.total.toFixed(1)} seconds in total.\n`);
          break;
        case "error":
          break;
      }
    },
  };
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
}
