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
import { compareKeptCost } from "../kept/kept-cost.ts";

export interface EstimateCommandOptions {
  /** One spec, or several (`--spec a.json b.json` or --spec repeated): then a kept server is priced against separate runs. */
  spec?: string | string[];
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
  const specs = options.spec === undefined ? [] : [options.spec].flat();
  if (specs.length === 0) throw new BadInputError("--spec is required, e.g. `npx render-remote estimate --spec specs/spiral.json`.");
  if (specs.length > 1) return estimateSeveral(specs, options);
  const deadlineSeconds = parseDeadline(options.deadline);
  const job = await loadJob(specs[0], {});
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
  process.stdout.write(`${KEPT_MENTION}\n`);
  return 0;
}

const KEPT_MENTION =
  "Several renders in a row? A kept server (render-remote up --plan P, then --on <run-id> for each) pays its setup and its started hour once; " +
  "give estimate every spec (--spec a.json b.json) to see the arithmetic.";

/** Several specs: each one's table, then one plan's cost as separate runs against one kept server. */
async function estimateSeveral(specs: string[], options: EstimateCommandOptions): Promise<number> {
  const deadlineSeconds = parseDeadline(options.deadline);
  const jobs = await Promise.all(specs.map((spec) => loadJob(spec, {}))); // every bad spec before any calibration
  const reporter = createReporter(options.json ? "json" : "auto");
  const prices = await loadPlans({ region: options.region });
  const estimates = [];
  for (const job of jobs) {
    const { value: calibration } = await reporter.stage(`calibrate ${job.name}`, () =>
      calibrate(job, { preset: options.preset, bundle: locateRendererBundle(), onStep: (step) => reporter.info(`  ${step}…`) }),
    );
    const prediction = predict(calibration, job, prices.plans, await readHistory(calibration.kernelRate), {
      deadlineSeconds,
      maxCostUsd: options.maxCost,
    });
    estimates.push({ job: job.name, calibration, prediction });
  }
  // the plan the first spec would pick, else the first listed: the same server for every render
  const first = estimates[0].prediction;
  const plan = first.choice ?? first.plans[0];
  const comparison = compareKeptCost({
    plan: plan.alias,
    hourly: plan.hourly,
    setupSeconds: worstCaseOverheadSeconds(first.history.overheadSeconds),
    renders: estimates.map((e) => {
      const on = e.prediction.plans.find((p) => p.alias === plan.alias)!;
      return { name: e.job, renderSeconds: on.renderSeconds, billedHours: on.billedHours };
    }),
  });
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ specs: estimates, kept: comparison, prices: { source: prices.source, fallbackDate: prices.fallbackDate } }, null, 2)}\n`,
    );
    return 0;
  }
  if (prices.warning) process.stderr.write(`${prices.warning}\n`);
  for (const e of estimates) process.stdout.write(`${formatPrediction(e.job, e.prediction, e.calibration.kernelName, deadlineSeconds)}\n`);
  process.stdout.write(`${comparison.text}\n`);
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
