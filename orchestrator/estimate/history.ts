import { listJournals, type RunJournal } from "../state/journal.ts";
import { DEFAULT_OVERHEAD_SECONDS, DEFAULT_SPEED_FACTOR, type History } from "./predict.ts";

/**
 * What past cloud runs measured, from the journal: each finished run records
 * its render rate per vCPU and its overhead. The speed factor is that rate
 * against this machine's core (today's calibration); medians resist outliers.
 */
export async function readHistory(localKernelRate: number, env?: NodeJS.ProcessEnv): Promise<History> {
  return historyFrom(await listJournals(env), localKernelRate);
}

/** An --on render on a kept server shorter than this is mostly start-up (node, workers, ffmpeg): its rate says little about the cores. */
export const MIN_TELLING_RENDER_SECONDS = 10;

export function historyFrom(journals: readonly RunJournal[], localKernelRate: number): History {
  const measured = journals.filter(
    (j) =>
      j.measured &&
      j.measured.renderSeconds > 0 &&
      j.measured.vcpus > 0 &&
      (!j.kept || j.measured.renderSeconds >= MIN_TELLING_RENDER_SECONDS),
  );
  if (measured.length === 0) return { speedFactor: DEFAULT_SPEED_FACTOR, overheadSeconds: DEFAULT_OVERHEAD_SECONDS, runs: 0 };
  const factors = measured.map((j) => j.measured!.iterations / j.measured!.renderSeconds / j.measured!.vcpus / localKernelRate);
  // an --on render on a kept server has no provisioning in its overhead: it would make a one-shot run's look short
  const overheads = measured.filter((j) => !j.kept).map((j) => j.measured!.overheadSeconds);
  const overheadSeconds = overheads.length > 0 ? median(overheads) : DEFAULT_OVERHEAD_SECONDS;
  return { speedFactor: median(factors), overheadSeconds, runs: measured.length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
