import type { Job } from "../../renderer/spec.ts";
import { BadInputError } from "../errors.ts";
import { locateRendererBundle } from "../bundle-path.ts";
import { PLANS, type Plan } from "../cloud/plans.ts";
import type { PlansResult } from "../cloud/prices.ts";
import { calibrate } from "./calibrate.ts";
import { readHistory } from "./history.ts";
import { formatDuration, predict, type Prediction } from "./predict.ts";

export interface PlanChoice {
  plan: Plan;
  prediction: Prediction;
  /** Why this plan, for --plan auto. */
  reason?: string;
}

/**
 * --plan: an alias (48core), a Linode type id (g6-dedicated-48), or `auto`,
 * which picks the cheapest plan that meets --deadline within --max-cost.
 * Either way the job is calibrated here first, so the cost printed before
 * anything is created comes from a measurement.
 */
export async function choosePlan(
  job: Job,
  requested: string,
  prices: PlansResult,
  limits: { deadlineSeconds?: number; maxCostUsd?: number },
  env?: NodeJS.ProcessEnv,
): Promise<PlanChoice> {
  const explicit = requested === "auto" ? undefined : resolvePlan(requested, prices);
  const calibration = await calibrate(job, { bundle: locateRendererBundle() });
  const prediction = predict(
    calibration,
    job,
    explicit ? [explicit] : prices.plans,
    await readHistory(calibration.kernelRate, env),
    limits,
  );
  if (explicit) return { plan: explicit, prediction };
  const choice = prediction.choice;
  if (!choice) {
    const fastest = [...prediction.plans].sort((a, b) => a.totalSeconds - b.totalSeconds)[0];
    throw new BadInputError(
      `No plan meets ${limits.deadlineSeconds !== undefined ? `--deadline ${formatDuration(limits.deadlineSeconds)}` : "the limits"}${limits.maxCostUsd !== undefined ? ` within --max-cost ${limits.maxCostUsd}` : ""}: ` +
        `the fastest, ${fastest.alias}, needs ~${formatDuration(fastest.totalSeconds)} and costs $${fastest.costUsd.toFixed(2)}. ` +
        `Relax a limit, or see the table: render-remote estimate --spec FILE.`,
    );
  }
  const plan = prices.plans.find((p) => p.alias === choice.alias)!;
  const reason =
    `--plan auto chose ${choice.alias} (${choice.type}): the cheapest that ${limits.deadlineSeconds !== undefined ? `finishes within ${formatDuration(limits.deadlineSeconds)}` : "runs the job"}` +
    `${limits.maxCostUsd !== undefined ? ` under $${limits.maxCostUsd}` : ""}: ~${formatDuration(choice.renderSeconds)} render + ~${formatDuration(choice.totalSeconds - choice.renderSeconds)} setup, ` +
    `at worst ${choice.billedHours} started hour${choice.billedHours === 1 ? "" : "s"} at $${choice.hourly}/h = $${choice.costUsd.toFixed(2)}. ${prediction.advice}`;
  return { plan, prediction, reason };
}

/** A dedicated Linode type id, e.g. g6-dedicated-48 or the newer g7-dedicated-*: the suffix is its vCPU count. */
const DEDICATED_TYPE = /^g\d+-dedicated-(\d+)$/;

/**
 * What can be told of a --plan value without prices or a token: an alias,
 * `auto`, or something shaped like a dedicated type id. Run first, so that a
 * typo is reported before the user is sent off to create a token.
 */
export function checkPlanName(requested: string): void {
  if (requested === "auto" || PLANS.some((p) => p.alias === requested || p.type === requested) || DEDICATED_TYPE.test(requested)) return;
  throw unknownPlan(requested);
}

/** An alias or a Linode type id; unknown ones are bad input that lists the valid ones. */
export function resolvePlan(requested: string, prices: PlansResult): Plan {
  const known = prices.plans.find((plan) => plan.alias === requested || plan.type === requested);
  if (known) return known;
  const dedicated = DEDICATED_TYPE.exec(requested);
  const price = prices.prices[requested];
  if (dedicated && price) {
    return { alias: requested, type: requested, vcpus: Number(dedicated[1]), memoryGb: 0, hourly: price.hourly, priceSource: "api" };
  }
  throw unknownPlan(requested);
}

function unknownPlan(requested: string): BadInputError {
  return new BadInputError(
    `Unknown plan "${requested}". Use one of ${PLANS.map((p) => p.alias).join(", ")}, auto, or a Linode dedicated type id such as g6-dedicated-48 (see: render-remote plans).`,
  );
}
