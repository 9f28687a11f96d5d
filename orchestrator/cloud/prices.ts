import { FALLBACK_PRICES_DATE, PLANS, type Plan } from "./plans.ts";
import { linodeClientFromEnv, type LinodeClient, type LinodeType } from "./linode-api.ts";

/**
 * Live plan prices from the public GET /v4/linode/types, mapped onto the plan
 * aliases; the dated table in plans.ts when Linode cannot be asked (offline,
 * slow, down). Prices vary by region, so a region picks its `region_prices`.
 */
export interface TypePrice {
  hourly: number;
  /** The monthly cap: hourly billing stops adding up past it. */
  monthly?: number;
  /** Region id → price, where Linode charges that region differently. */
  regions: Record<string, { hourly: number; monthly?: number }>;
}

export type PriceSource = "api" | "mixed" | "fallback";

export interface PlansResult {
  plans: Plan[];
  /** "api" only when Linode priced every plan; "mixed" when some fell back to the dated table. */
  source: PriceSource;
  fallbackDate?: string;
  warning?: string;
  /** Every type Linode priced (all classes, not only the aliases), for the audit's $/h column. */
  prices: Record<string, TypePrice>;
}

export interface LoadPlansOptions {
  client?: LinodeClient;
  signal?: AbortSignal;
  /** Price plans for this region when Linode lists a regional price. */
  region?: string;
  /** Give up on the API after this long and use the fallback (default 5 s). */
  timeoutMs?: number;
}

export const PRICES_TIMEOUT_MS = 5_000;

export async function loadPlans(options: LoadPlansOptions = {}): Promise<PlansResult> {
  // one retry at most: prices are a nicety, and the dated table is a fine answer when offline
  const client = options.client ?? linodeClientFromEnv(process.env, { maxAttempts: 2 });
  const timeout = AbortSignal.timeout(options.timeoutMs ?? PRICES_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let types: LinodeType[];
  try {
    types = await client.listTypes({ signal });
  } catch (error) {
    // Ctrl-C is not "offline": let the caller stop.
    if (options.signal?.aborted) throw options.signal.reason;
    const why = timeout.aborted ? `no answer within ${(options.timeoutMs ?? PRICES_TIMEOUT_MS) / 1000} s` : (error as Error).message;
    return fallbackPlans(`Could not read live prices from Linode (${why}); using the table checked on ${FALLBACK_PRICES_DATE}.`);
  }
  return plansFromTypes(types, options.region);
}

export function plansFromTypes(types: LinodeType[], region?: string): PlansResult {
  const prices = priceTable(types);
  const missing: string[] = [];
  const plans = PLANS.map((plan): Plan => {
    const live = types.find((type) => type.id === plan.type);
    const hourly = live ? hourlyFor(prices, plan.type, region) : undefined;
    if (!live || hourly === undefined) {
      missing.push(plan.type);
      return { ...plan, priceSource: "fallback" };
    }
    return { ...plan, vcpus: live.vcpus, memoryGb: live.memory / 1024, hourly, priceSource: "api" };
  });
  const warning =
    missing.length > 0 ? `Linode did not price ${missing.join(", ")}; those use the table checked on ${FALLBACK_PRICES_DATE}.` : undefined;
  const source: PriceSource = missing.length === 0 ? "api" : missing.length === plans.length ? "fallback" : "mixed";
  return { plans, source, prices, ...(warning ? { warning, fallbackDate: FALLBACK_PRICES_DATE } : {}) };
}

export function fallbackPlans(warning: string): PlansResult {
  const prices: Record<string, TypePrice> = {};
  for (const plan of PLANS) prices[plan.type] = { hourly: plan.hourly, regions: {} };
  const plans = PLANS.map((plan): Plan => ({ ...plan, priceSource: "fallback" }));
  return { plans, source: "fallback", fallbackDate: FALLBACK_PRICES_DATE, warning, prices };
}

/** Where the prices came from, said honestly: "live" only for prices Linode gave. */
export function priceSourceLabel(result: Pick<PlansResult, "plans" | "source" | "fallbackDate">, region?: string): string {
  const live = `live prices from the Linode API${region ? ` for ${region}` : ""}`;
  if (result.source === "api") return live;
  const table = `the table checked on ${result.fallbackDate ?? FALLBACK_PRICES_DATE}`;
  if (result.source === "fallback") return `prices from ${table}`;
  const dated = result.plans.filter((plan) => plan.priceSource === "fallback").map((plan) => plan.alias);
  return `${live}, except ${dated.join(", ")} (from ${table})`;
}

/** $/h for a type, in a region when given and priced there; undefined when unknown. */
export function hourlyFor(prices: Record<string, TypePrice>, type: string, region?: string): number | undefined {
  const entry = prices[type];
  if (!entry) return undefined;
  return (region ? entry.regions[region]?.hourly : undefined) ?? entry.hourly;
}

/** The monthly cap for a type in a region, when Linode gave one. */
export function monthlyCapFor(prices: Record<string, TypePrice>, type: string, region?: string): number | undefined {
  const entry = prices[type];
  if (!entry) return undefined;
  return (region ? entry.regions[region]?.monthly : undefined) ?? entry.monthly;
}

function priceTable(types: LinodeType[]): Record<string, TypePrice> {
  const table: Record<string, TypePrice> = {};
  for (const type of types) {
    if (type.price.hourly === null) continue;
    const regions: TypePrice["regions"] = {};
    for (const regional of type.region_prices) {
      if (regional.hourly !== null)
        regions[regional.id] = { hourly: regional.hourly, ...(regional.monthly !== null ? { monthly: regional.monthly } : {}) };
    }
    table[type.id] = { hourly: type.price.hourly, ...(type.price.monthly !== null ? { monthly: type.price.monthly } : {}), regions };
  }
  return table;
}
