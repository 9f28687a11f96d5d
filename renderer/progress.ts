import { wroteLines } from "./output/wrote-lines.ts";

/**
 * Render progress: one JSON object per line on stdout (`--progress json`, the
 * protocol the orchestrator streams over SSH), or a human display on stderr
 * that redraws in a terminal and prints plain lines elsewhere.
 */
export type ProgressEvent =
  | { event: "start"; name: string; frames: number; width: number; height: number; workers: number; kernel: string }
  | { event: "frame"; done: number; total: number; fps: number; etaSeconds: number }
  | { event: "done"; outputs: string[]; seconds: RunSeconds; iterations: number; split: TimeSplit }
  | { event: "error"; message: string };

export interface RunSeconds {
  images: number;
  animation: number;
  total: number;
}

/** Where the time went, in seconds; kernel and colour are summed over workers. */
export interface TimeSplit {
  kernel: number;
  color: number;
  encode: number;
  io: number;
}

export type ProgressMode = "human" | "json" | "quiet";

export interface ProgressReporter {
  emit(event: ProgressEvent): void;
}

export function createProgress(mode: ProgressMode, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr): ProgressReporter {
  if (mode === "json") return { emit: (event) => void stdout.write(`${JSON.stringify(event)}\n`) };
  if (mode === "quiet") return { emit: () => undefined };
  const isTty = "isTTY" in stderr && stderr.isTTY === true;
  let lastDecile = -1;
  return {
    emit(event) {
      switch (event.event) {
        case "start":
          stderr.write(`Rendering ${event.name}: ${event.frames} frame${event.frames === 1 ? "" : "s"} of ${event.width}x${event.height} on ${event.workers} worker${event.workers === 1 ? "" : "s"} (${event.kernel} kernel)\n`);
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
