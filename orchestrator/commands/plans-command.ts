import { loadPlans, priceSourceLabel } from "../cloud/prices.ts";

export interface PlansCommandOptions {
  region?: string;
  json?: boolean;
}

/** `render-remote plans`: aliases, Linode types, vCPUs, RAM, $/hour; live prices or the dated table. */
export async function plansCommand(options: PlansCommandOptions): Promise<number> {
  const result = await loadPlans({ region: options.region });
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ source: result.source, fallbackDate: result.fallbackDate, warning: result.warning, plans: result.plans }, null, 2)}\n`,
    );
    return 0;
  }
  if (result.warning) process.stderr.write(`${result.warning}\n`);
  const rows = [
    ["plan", "Linode type", "vCPUs", "RAM", "$/hour", "$/day"],
    ...result.plans.map((plan) => [
      plan.alias,
      plan.type,
      String(plan.vcpus),
      `${plan.memoryGb} GB`,
      `$${plan.hourly.toFixed(3)}`,
      `$${(plan.hourly * 24).toFixed(2)}`,
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const text = rows
    .map((row) => row.map((cell, column) => (column >= 2 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join("  "))
    .join("\n");
  const source = priceSourceLabel(result, options.region);
  process.stdout.write(
    `${text}\n\n${source}. Linode bills every started hour: a 10-minute render costs one full hour.\n--plan also takes any Linode type id, e.g. --plan g6-dedicated-48.\n`,
  );
  return 0;
}
