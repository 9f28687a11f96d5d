import { BadInputError } from "../errors.ts";

/**
 * The budget guard. Linode bills every started hour (a 10-minute render
 * costs one full hour), so the worst case is the hourly price times the
 * hours the server will have been started in, render plus overhead.
 */

/**
 * The one cost model: the estimate's table, --plan auto, this guard and the
 * dry run all price a plan with estimateWorstCase, and all take the overhead
 * from here. Typical overhead: creating the server (~3 min), cloud-init's apt
 * installs, upload, download and destroy, until the journal measures it.
 */
export const DEFAULT_OVERHEAD_SECONDS = 5 * 60;

/** What the worst case allows for setup: three times the typical (apt mirrors and boots vary). */
export function worstCaseOverheadSeconds(typicalSeconds: number = DEFAULT_OVERHEAD_SECONDS): number {
  return typicalSeconds * 3;
}

export interface CostEstimate {
  /** US$ per hour for the plan in its region. */
  hourly: number;
  expectedSeconds: number;
  overheadSeconds: number;
  /** Started hours Linode will bill: at least 1. */
  billedHours: number;
  /** billedHours × hourly, in US$. */
  worstCaseUsd: number;
}

/** `overheadSeconds` is the setup time to bill for, worst case (default worstCaseOverheadSeconds()). */
export function estimateWorstCase(input: { hourly: number; expectedSeconds: number; overheadSeconds?: number }): CostEstimate {
  const overheadSeconds = input.overheadSeconds ?? worstCaseOverheadSeconds();
  if (!(input.hourly >= 0) || !(input.expectedSeconds >= 0) || !(overheadSeconds >= 0)) {
    throw new BadInputError(
      `Cannot estimate a cost from hourly=${input.hourly}, expectedSeconds=${input.expectedSeconds}, overheadSeconds=${overheadSeconds}: each must be a number >= 0.`,
    );
  }
  const billedHours = Math.max(1, Math.ceil((input.expectedSeconds + overheadSeconds) / 3600));
  // round to 1/10000 of a dollar to drop floating-point noise (3 × 0.054 = 0.16200000000000003)
  const worstCaseUsd = Math.round(billedHours * input.hourly * 10_000) / 10_000;
  return { hourly: input.hourly, expectedSeconds: input.expectedSeconds, overheadSeconds, billedHours, worstCaseUsd };
}

export const formatUsd = (usd: number) => `$${(Math.ceil(usd * 100) / 100).toFixed(2)}`;

const minutes = (seconds: number) => `${Math.max(1, Math.round(seconds / 60))} min`;

/** One line for stderr, printed before anything is created. */
export function formatEstimate(estimate: CostEstimate, type: string): string {
  const hours = `${estimate.billedHours} started hour${estimate.billedHours === 1 ? "" : "s"}`;
  return (
    `Worst-case cost: ${formatUsd(estimate.worstCaseUsd)} = ${hours} × $${estimate.hourly}/h for ${type} ` +
    `(render ~${minutes(estimate.expectedSeconds)} + ~${minutes(estimate.overheadSeconds)} setup and teardown; Linode bills every started hour).`
  );
}

/** Refuses, before anything is created, when the worst case is over --max-cost. */
export function checkBudget(estimate: CostEstimate, maxCostUsd: number | undefined, type: string): void {
  if (maxCostUsd === undefined || estimate.worstCaseUsd <= maxCostUsd) return;
  throw new BadInputError(
    `The worst case, ${formatUsd(estimate.worstCaseUsd)} (${estimate.billedHours} started hour(s) of ${type} at $${estimate.hourly}/h), ` +
      `is over --max-cost ${maxCostUsd}. Nothing was created. Raise --max-cost, shorten the render, or pick a smaller plan (see: render-remote plans).`,
  );
}
