// Prints the estimate-accuracy table; returns { worst } (the largest best-round error), or undefined when skipped.
import { estimateAccuracy } from "./estimate-accuracy.mjs";
import { percent, printTable } from "./table.mjs";

export async function reportEstimateAccuracy() {
  const { skipped, results } = await estimateAccuracy();
  if (skipped) {
    console.log(`\nEstimate accuracy skipped: ${skipped}`);
    return undefined;
  }
  const signed = (error) => `${error >= 0 ? "+" : ""}${(error * 100).toFixed(0)} %`;
  printTable(
    "Estimate accuracy: predicted local time (calibration + model) against a real render right after it, 3 rounds",
    ["job", "rounds: predicted / actual (error)", "best |error|"],
    results.map((r) => [
      r.name,
      r.rounds.map((run) => `${run.predicted.toFixed(2)}/${run.actual.toFixed(2)} s (${signed(run.error)})`).join("; "),
      percent(r.best),
    ]),
  );
  console.log(
    "The model is judged on each job's best round: the machine's speed drifts, and a round caught across a change is no verdict.",
  );
  return { worst: Math.max(...results.map((r) => r.best)) };
}
