/**
 * Plan aliases and the Linode dedicated-CPU types behind them. Prices are read
 * at run time from GET /v4/linode/types (see prices.ts); this table is the
 * dated fallback for when that fails.
 */
export interface Plan {
  alias: string;
  type: string;
  vcpus: number;
  memoryGb: number;
  /** US$ per hour from the fallback table, or from the API when it answered. */
  hourly: number;
  /** Where `hourly` came from. */
  priceSource: "api" | "fallback";
}

/** Date the fallback prices were last checked against Linode's pricing. */
export const FALLBACK_PRICES_DATE = "2026-11-01";

/**
 * The 2-8 core prices are confirmed; the larger ones are not: they follow Linode's list prices at the same per-GB rate as the small plans.
 * Always prefer the live price (prices.ts); this table is only for offline use.
 */
export const PLANS: readonly Omit<Plan, "priceSource">[] = [
  { alias: "2core", type: "g6-dedicated-2", vcpus: 2, memoryGb: 4, hourly: 0.054 },
  { alias: "4core", type: "g6-dedicated-4", vcpus: 4, memoryGb: 8, hourly: 0.108 },
  { alias: "8core", type: "g6-dedicated-8", vcpus: 8, memoryGb: 16, hourly: 0.216 },
  { alias: "16core", type: "g6-dedicated-16", vcpus: 16, memoryGb: 32, hourly: 0.432 },
  { alias: "32core", type: "g6-dedicated-32", vcpus: 32, memoryGb: 64, hourly: 0.864 },
  { alias: "48core", type: "g6-dedicated-48", vcpus: 48, memoryGb: 96, hourly: 1.296 },
  { alias: "50core", type: "g6-dedicated-50", vcpus: 50, memoryGb: 128, hourly: 1.728 },
  { alias: "56core", type: "g6-dedicated-56", vcpus: 56, memoryGb: 256, hourly: 3.456 },
  { alias: "64core", type: "g6-dedicated-64", vcpus: 64, memoryGb: 512, hourly: 6.912 },
];

/** Finds a plan by alias ("48core") or raw Linode type id ("g6-dedicated-48"). */
export function findPlan(aliasOrType: string): (typeof PLANS)[number] | undefined {
  return PLANS.find((plan) => plan.alias === aliasOrType || plan.type === aliasOrType);
}
