import { afterEach, describe, expect, it } from "vitest";
import { LinodeClient } from "./linode-api.ts";
import { FALLBACK_PRICES_DATE, findPlan } from "./plans.ts";
import { hourlyFor, loadPlans, plansFromTypes, priceSourceLabel } from "./prices.ts";
import { fakeTypes, startFakeLinodeApi, type FakeLinodeApi } from "./testing/fake-linode-api.ts";

let fake: FakeLinodeApi;
afterEach(async () => {
  // What the client asked and what the fake answered conform to Linode's OpenAPI description.
  const violations = [...(fake?.violations ?? [])];
  await fake?.close();
  expect(violations).toEqual([]);
});

/** No token: GET /linode/types is public. Backoff is recorded, not waited. */
const clientFor = (api: FakeLinodeApi) => new LinodeClient({ baseUrl: api.url, sleep: async () => {} });

describe("loadPlans", () => {
  it("prices every alias from GET /linode/types", async () => {
    fake = await startFakeLinodeApi(); // the fake's prices are 1.5× the fallback table
    const result = await loadPlans({ client: clientFor(fake) });
    expect(result.source).toBe("api");
    expect(result.warning).toBeUndefined();
    const plan48 = result.plans.find((p) => p.alias === "48core")!;
    expect(plan48).toMatchObject({ type: "g6-dedicated-48", vcpus: 48, memoryGb: 96, priceSource: "api" });
    expect(plan48.hourly).toBeCloseTo(findPlan("48core")!.hourly * 1.5, 3);
    expect(result.plans).toHaveLength(9);
  });

  it("uses the region's price when Linode lists one", async () => {
    fake = await startFakeLinodeApi();
    const base = await loadPlans({ client: clientFor(fake) });
    const brazil = await loadPlans({ client: clientFor(fake), region: "br-gru" });
    const at = (r: typeof base) => r.plans.find((p) => p.alias === "2core")!.hourly;
    expect(at(brazil)).toBeCloseTo(at(base) * 1.4, 3);
    expect(hourlyFor(brazil.prices, "g6-dedicated-2", "us-east")).toBe(at(base));
  });

  it("falls back to the dated table when the API keeps failing", async () => {
    fake = await startFakeLinodeApi();
    fake.fail({ path: "/linode/types", status: 500, times: 10 });
    const result = await loadPlans({ client: clientFor(fake) });
    expect(result.source).toBe("fallback");
    expect(result.fallbackDate).toBe(FALLBACK_PRICES_DATE);
    expect(result.warning).toContain(`using the table checked on ${FALLBACK_PRICES_DATE}`);
    expect(result.plans.find((p) => p.alias === "48core")).toMatchObject({ hourly: findPlan("48core")!.hourly, priceSource: "fallback" });
  });

  it("falls back when the API does not answer in time", async () => {
    fake = await startFakeLinodeApi();
    fake.fail({ path: "/linode/types", status: 200, delayMs: 2_000 });
    // no timing asserted (a busy machine must not fail it): without the timeout the answer would come, "live"
    const result = await loadPlans({ client: clientFor(fake), timeoutMs: 200 });
    expect(result.source).toBe("fallback");
    expect(result.warning).toContain("no answer within 0.2 s");
  });

  it("keeps the table price for a plan Linode no longer lists, and says so", () => {
    const types = fakeTypes().filter((t) => t.id !== "g6-dedicated-64");
    const result = plansFromTypes(types as never);
    expect(result.plans.find((p) => p.alias === "64core")).toMatchObject({ priceSource: "fallback", hourly: findPlan("64core")!.hourly });
    expect(result.warning).toContain("g6-dedicated-64");
    expect(result.source).toBe("mixed");
    expect(priceSourceLabel(result)).toBe(
      `live prices from the Linode API, except 64core (from the table checked on ${FALLBACK_PRICES_DATE})`,
    );
  });

  it("does not call prices live when the API answered but priced none of the plans", () => {
    const result = plansFromTypes(fakeTypes().map((t) => ({ ...t, id: `g7-${t.id}` })) as never);
    expect(result.plans.every((p) => p.priceSource === "fallback")).toBe(true);
    expect(result.source).toBe("fallback");
    expect(priceSourceLabel(result, "us-east")).toBe(`prices from the table checked on ${FALLBACK_PRICES_DATE}`);
    expect(priceSourceLabel(plansFromTypes(fakeTypes() as never), "us-east")).toBe("live prices from the Linode API for us-east");
  });

  it("stops, rather than falling back, when the caller aborts", async () => {
    fake = await startFakeLinodeApi();
    fake.fail({ path: "/linode/types", status: 200, delayMs: 2_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("interrupted")), 50);
    await expect(loadPlans({ client: clientFor(fake), signal: controller.signal })).rejects.toThrow("interrupted");
  });
});
