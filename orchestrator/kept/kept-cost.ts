import { formatUsd } from "../cloud/budget.ts";
import { formatDuration as keepDuration, KEPT_MARGIN_SECONDS } from "../cloud/server-deadline.ts";
import { formatDuration } from "../estimate/predict.ts";

/**
 * Several renders on one plan: separate runs (each pays its own started hours, setup included) against one
 * kept server (`up`: setup once, then each render's upload and download), whose deadline stops 5 minutes
 * before its last started hour. Pure: the estimate's numbers in, the arithmetic out.
 */

/** Connect, upload and download of one `--on` render on a prepared server: an allowance, until measured. */
export const KEPT_PER_RENDER_SECONDS = 60;

export interface RenderOnPlan {
  name: string;
  renderSeconds: number;
  /** Started hours the separate run pays (estimate's worst case). */
  billedHours: number;
}

export interface KeptComparison {
  plan: string;
  hourly: number;
  separate: { hours: number; usd: number };
  kept: { busySeconds: number; hours: number; usd: number; keep: string };
  /** One paragraph with the arithmetic. */
  text: string;
}

export function compareKeptCost(input: { plan: string; hourly: number; setupSeconds: number; renders: RenderOnPlan[] }): KeptComparison {
  const { plan, hourly, renders } = input;
  const usd = (hours: number) => Math.round(hours * hourly * 10_000) / 10_000;
  const separateHours = renders.reduce((sum, r) => sum + r.billedHours, 0);
  const busySeconds = input.setupSeconds + renders.reduce((sum, r) => sum + r.renderSeconds + KEPT_PER_RENDER_SECONDS, 0);
  // the kept deadline is the last started hour minus 5 minutes: the work must fit before it
  const keptHours = Math.max(1, Math.ceil((busySeconds + KEPT_MARGIN_SECONDS) / 3600));
  const keep = keepDuration(keptHours * 3600 - KEPT_MARGIN_SECONDS);
  const hoursWord = (n: number) => `${n} started hour${n === 1 ? "" : "s"}`;
  const text = [
    `${renders.length} renders on ${plan} ($${hourly}/h):`,
    `  separate runs: ${renders.map((r) => r.billedHours).join(" + ")} = ${hoursWord(separateHours)} × $${hourly} = ${formatUsd(usd(separateHours))} (each run pays its own setup and its own started hour).`,
    `  one kept server: setup ~${formatDuration(input.setupSeconds)} once + ${renders.map((r) => `~${formatDuration(r.renderSeconds + KEPT_PER_RENDER_SECONDS)}`).join(" + ")} = ~${formatDuration(busySeconds)}, ` +
      `within ${hoursWord(keptHours)} (deadline after ${keep}) × $${hourly} = ${formatUsd(usd(keptHours))}.`,
    `  npx render-remote up --plan ${plan}${keep === "55m" ? "" : ` --keep ${keep}`}, then npx render-remote --on <run-id> --spec FILE for each, then npx render-remote down <run-id>.`,
  ].join("\n");
  return {
    plan,
    hourly,
    separate: { hours: separateHours, usd: usd(separateHours) },
    kept: { busySeconds, hours: keptHours, usd: usd(keptHours), keep },
    text,
  };
}
