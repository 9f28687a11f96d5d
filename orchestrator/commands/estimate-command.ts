import { loadJob } from "../../renderer/load-spec.ts";
import { BadInputError } from "../errors.ts";
import { locateRendererBundle } from "../bundle-path.ts";
import { worstCaseOverheadSeconds } from "../cloud/budget.ts";
import { loadPlans } from "../cloud/prices.ts";
import { calibrate } from "../estimate/calibrate.ts";
import { readHistory } from "../estimate/history.ts";
import { formatDuration, predict, type Prediction } from "../estimate/predict.ts";
import { parseDeadline } from "./deadline.ts";
import { createReporter } from "../pipeline/reporter.ts";

export interface EstimateCommandOptions {
  spec?: string;
  deadline?: string;
  maxCost?: number;
  region?: string;
  preset?: string;
  json?: boolean;
}

/**
 * `render-remote estimate --spec FILE`: calibrate on this machine, then
 * predict the iterations, the local time, and for each plan the render time,
 * the overhead and the cost in started hours, marking the cheapest plan that
 * meets --deadline. Says so plainly when rendering here is the better deal.
 */
export async function estimateCommand(options: EstimateCommandOptions): Promise<number> {
  if (!options.spec) throw new BadInputError("--spec is required, e.g. `npx render-remote estimate --spec specs/spiral.json`.");
  const deadlineSeconds = parseDeadline(options.deadline);
  const job = await loadJob(options.spec, {});
  // progress on stderr (stdout carries the table or the JSON): calibrating takes seconds, more on big specs
  const reporter = createReporter(options.json ? "json" : "auto");
  const pricesLoading = loadPlans({ region: options.region });
  pricesLoading.catch(() => undefined); // awaited below; no unhandled rejection while calibrating
  const { value: calibration } = await reporter.stage("calibrate", () =>
    calibrate(job, { preset: options.preset, bundle: locateRendererBundle(), onStep: (step) => reporter.info(`  ${step}…`) }),
  );
  const prices = await pricesLoading;
  const prediction = predict(calibration, job, prices.plans, await readHistory(calibration.kernelRate), {
    deadlineSeconds,
    maxCostUsd: options.maxCost,
  });
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ job: job.name, calibration, prediction, prices: { source: prices.source, fallbackDate: prices.fallbackDate } }, null, 2)}\n`,
    );
    return 0;
  }
  if (prices.warning) process.stderr.write(`${prices.warning}\n`);
  process.stdout.write(formatPrediction(job.name, prediction, calibration.kernelName, deadlineSeconds));
  return 0;
}

export function formatPrediction(name: string, prediction: Prediction, kernel: string, deadlineSeconds?: number): string {
  const rows = [["", "plan", "vCPUs", "render", "+ setup", "total", "hours", "cost"]];
  for (const plan of prediction.plans) {
    const mark = prediction.choice?.alias === plan.alias ? "→" : plan.meetsDeadline && plan.withinBudget ? " " : "✗";
    rows.push([
      mark,
      plan.alias,
      String(plan.vcpus),
      formatDuration(plan.renderSeconds),
      formatDuration(plan.totalSeconds - plan.renderSeconds),
      formatDuration(plan.totalSeconds),
      String(plan.billedHours),
      `$${plan.costUsd.toFixed(2)}`,
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const table = rows.map((row) => row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ")).join("\n");
  const history =
    prediction.history.runs > 0
      ? `speed factor ${prediction.history.speedFactor.toFixed(2)} and setup ${formatDuration(prediction.history.overheadSeconds)} measured on ${prediction.history.runs} past run(s)`
      : `default speed factor ${prediction.history.speedFactor} per vCPU and ${formatDuration(prediction.history.overheadSeconds)} setup (no past runs yet)`;
  return [
    `${name}: ${(prediction.totalIterations / 1e9).toFixed(2)} G iterations; about ${formatDuration(prediction.localSeconds)} on this machine (${kernel} kernel).`,
    "",
    table,
    "",
    prediction.choice
      ? `→ ${prediction.choice.alias} is the cheapest plan that ${deadlineSeconds !== undefined ? `meets the ${formatDuration(deadlineSeconds)} deadline` : "runs it"}: npx render-remote --plan ${prediction.choice.alias} --spec …`
      : `✗ no plan meets the limits.`,
    prediction.advice,
    `(${history}; Linode bills every started hour. Hours and cost are the worst case --max-cost checks: ` +
      `render + ${formatDuration(worstCaseOverheadSeconds(prediction.history.overheadSeconds))} of setup.)`,
    "",
  ].join("\n");
}
