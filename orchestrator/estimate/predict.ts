import { DEFAULT_OVERHEAD_SECONDS, estimateWorstCase, worstCaseOverheadSeconds } from "../cloud/budget.ts";
import type { Plan } from "../cloud/plans.ts";
import type { Calibration } from "./calibrate.ts";

/**
 * The time and cost model, pure: calibration + plans + history → predictions.
 *
 *   CPU seconds   = iterations × computedShare / kernelRate + frames × (encode + colour per frame)
 *   fixed seconds = startup + frames × shortcut search (the main thread plans each frame once, in turn)
 *   local wall    = fixed + CPU seconds / (cores × PARALLEL_EFFICIENCY)
 *   remote render = fixed + CPU seconds / (vCPUs × speedFactor × PARALLEL_EFFICIENCY)
 *   cloud total   = remote render + overhead (provision, boot, cloud-init, upload, download, destroy)
 *   cost          = started hours of (remote render + worst-case overhead) × $/h, by budget.ts's
 *                   estimateWorstCase: the same number the budget guard and the dry run print
 */
/**
 * Share of the cores' speed the render gets, end to end. The kernel alone scales at 93–99 % (bench),
 * but x264 shares the cores with the workers and slows them down: on the 2-core development machine
 * jobs of 1–45 s (tests, seed specs, specs/spiral.json) came out at 0.80–0.90.
 */
export const PARALLEL_EFFICIENCY = 0.85;

/**
 * One Linode dedicated vCPU against one core of the machine that calibrated.
 * The seed's own numbers give 0.77 of a 2020 laptop core per vCPU (its 10-s
 * animation: 608 s on 2 laptop cores, 33.1 s on 48 vCPUs, 18.4x for 24x the
 * cores); a vCPU is one hyperthread of an EPYC core, and a current desktop
 * core is faster than that laptop's, so 0.6 is the default until past runs in
 * the journal measure it (history.ts).
 */
export const DEFAULT_SPEED_FACTOR = 0.6;

/** Typical provision + boot + cloud-init apt + upload + download + destroy (budget.ts owns it), until the journal knows better. */
export { DEFAULT_OVERHEAD_SECONDS };

export interface History {
  speedFactor: number;
  overheadSeconds: number;
  /** Past runs these came from; 0 means the documented defaults. */
  runs: number;
}

export interface PlanPrediction {
  alias: string;
  type: string;
  vcpus: number;
  hourly: number;
  renderSeconds: number;
  totalSeconds: number;
  billedHours: number;
  costUsd: number;
  meetsDeadline: boolean;
  withinBudget: boolean;
}

export interface Prediction {
  totalIterations: number;
  cpuSeconds: number;
  localSeconds: number;
  plans: PlanPrediction[];
  /** The cheapest plan that meets the deadline and the budget (fastest on a tie). */
  choice?: PlanPrediction;
  /** A plain sentence when rendering here is faster or cheaper enough. */
  advice: string;
  history: History;
}

export interface Limits {
  deadlineSeconds?: number;
  maxCostUsd?: number;
}

export function predict(
  calibration: Calibration,
  job: { frames: number },
  plans: readonly Plan[],
  history: History,
  limits: Limits = {},
): Prediction {
  const cpuSeconds =
    (calibration.totalIterations * calibration.computedShare) / calibration.kernelRate +
    job.frames * (calibration.encodeSecondsPerFrame + calibration.colorSecondsPerFrame);
  const fixedSeconds = calibration.startupSeconds + job.frames * calibration.searchSecondsPerFrame;
  const localSeconds = fixedSeconds + cpuSeconds / (calibration.cores * PARALLEL_EFFICIENCY);
  const predictions = plans.map((plan): PlanPrediction => {
    const renderSeconds = fixedSeconds + cpuSeconds / (plan.vcpus * history.speedFactor * PARALLEL_EFFICIENCY);
    const totalSeconds = renderSeconds + history.overheadSeconds;
    const cost = estimateWorstCase({
      hourly: plan.hourly,
      expectedSeconds: renderSeconds,
      overheadSeconds: worstCaseOverheadSeconds(history.overheadSeconds),
    });
    const { billedHours, worstCaseUsd: costUsd } = cost;
    return {
      alias: plan.alias,
      type: plan.type,
      vcpus: plan.vcpus,
      hourly: plan.hourly,
      renderSeconds,
      totalSeconds,
      billedHours,
      costUsd,
      meetsDeadline: limits.deadlineSeconds === undefined || totalSeconds <= limits.deadlineSeconds,
      withinBudget: limits.maxCostUsd === undefined || costUsd <= limits.maxCostUsd,
    };
  });
  const eligible = predictions.filter((p) => p.meetsDeadline && p.withinBudget);
  const choice = eligible.sort((a, b) => a.costUsd - b.costUsd || a.totalSeconds - b.totalSeconds)[0];
  return {
    totalIterations: calibration.totalIterations,
    cpuSeconds,
    localSeconds,
    plans: predictions,
    choice,
    advice: advise(localSeconds, predictions, limits),
    history,
  };
}

function advise(localSeconds: number, plans: readonly PlanPrediction[], limits: Limits): string {
  const fastest = [...plans].sort((a, b) => a.totalSeconds - b.totalSeconds)[0];
  const local = formatDuration(localSeconds);
  if (!fastest || localSeconds <= fastest.totalSeconds) {
    return `Render it here: about ${local} on this machine, faster than any server once setup is counted (the fastest, ${fastest?.alias ?? "none"}, needs ~${formatDuration(fastest?.totalSeconds ?? 0)} including ~${formatDuration(fastest ? fastest.totalSeconds - fastest.renderSeconds : 0)} of setup) and free.`;
  }
  if (limits.deadlineSeconds !== undefined && localSeconds <= limits.deadlineSeconds) {
    return `This machine meets the deadline too (about ${local}), for free; a server is only faster.`;
  }
  return `A server is worth it: about ${local} here, ~${formatDuration(fastest.totalSeconds)} on ${fastest.alias} including setup.`;
}

export function formatDuration(seconds: number): string {
  // Round once, to the unit shown, before splitting: 299.6 s is "5 min 00 s", not "4 min 60 s".
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const wholeSeconds = Math.round(seconds);
  if (wholeSeconds < 60) return `${wholeSeconds} s`;
  if (wholeSeconds < 3600) return `${Math.floor(wholeSeconds / 60)} min ${String(wholeSeconds % 60).padStart(2, "0")} s`;
  const wholeMinutes = Math.round(seconds / 60);
  return `${Math.floor(wholeMinutes / 60)} h ${String(wholeMinutes % 60).padStart(2, "0")} min`;
}

/** "10m", "90s", "1h30m", "2h", or plain seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*$/.exec(text);
  if (!match || text.trim() === "" || (!match[1] && !match[2] && !match[3])) return undefined;
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}
