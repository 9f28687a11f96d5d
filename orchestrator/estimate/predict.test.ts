import { describe, expect, it } from "vitest";
import { PLANS, type Plan } from "../cloud/plans.ts";
import type { RunJournal } from "../state/journal.ts";
import type { Calibration } from "./calibrate.ts";
import { historyFrom } from "./history.ts";
import {
  DEFAULT_OVERHEAD_SECONDS as BUDGET_DEFAULT_OVERHEAD_SECONDS,
  checkBudget,
  estimateWorstCase,
  worstCaseOverheadSeconds,
} from "../cloud/budget.ts";
import { DEFAULT_OVERHEAD_SECONDS, DEFAULT_SPEED_FACTOR, PARALLEL_EFFICIENCY, formatDuration, parseDuration, predict } from "./predict.ts";

const plans: Plan[] = PLANS.map((plan) => ({ ...plan, priceSource: "fallback" }));
const defaults = { speedFactor: DEFAULT_SPEED_FACTOR, overheadSeconds: DEFAULT_OVERHEAD_SECONDS, runs: 0 };

// 1e9 iterations/s on one core, 2 cores, no encoding cost, 1 s start-up: easy arithmetic
function calibration(totalIterations: number): Calibration {
  return {
    samples: [],
    sampleWidth: 64,
    totalIterations,
    kernelRate: 1e9,
    computedShare: 1,
    encodeSecondsPerFrame: 0,
    startupSeconds: 1,
    colorSecondsPerFrame: 0,
    searchSecondsPerFrame: 0,
    cores: 2,
    kernelName: "test",
    seconds: 0,
  };
}

describe("predict", () => {
  it("models local and remote time, and bills started hours", () => {
    const prediction = predict(calibration(1.9e12), { frames: 100 }, plans, defaults);
    // 1900 CPU seconds / (2 cores x efficiency) + 1 s start-up
    expect(PARALLEL_EFFICIENCY).toBe(0.85);
    expect(prediction.localSeconds).toBeCloseTo(1 + 1900 / 1.7, 6);
    const p48 = prediction.plans.find((p) => p.alias === "48core")!;
    expect(p48.renderSeconds).toBeCloseTo(1 + 1900 / (48 * 0.6 * 0.85), 6);
    expect(p48.totalSeconds).toBeCloseTo(p48.renderSeconds + 300, 6);
    expect(p48.billedHours).toBe(1);
    expect(p48.costUsd).toBe(1.296);
    // a 2-core server needs 1900 / (2 x 0.6 x 0.85) s = 31 min + 5 min setup: still one started hour
    expect(prediction.plans.find((p) => p.alias === "2core")!.billedHours).toBe(1);
  });

  it("adds colouring per frame to the CPU time, and the shortcut search per frame to the wall time", () => {
    // 100 frames: 0.017 CPU-s of colour each (1.7 s over 2 cores), 1 ms of search each (0.1 s whatever the cores)
    const prediction = predict(
      { ...calibration(0), colorSecondsPerFrame: 0.017, searchSecondsPerFrame: 0.001 },
      { frames: 100 },
      plans,
      defaults,
    );
    expect(prediction.cpuSeconds).toBeCloseTo(1.7, 9);
    expect(prediction.localSeconds).toBeCloseTo(1 + 0.1 + 1.7 / 1.7, 9);
    expect(prediction.plans.find((p) => p.alias === "48core")!.renderSeconds).toBeCloseTo(1 + 0.1 + 1.7 / (48 * 0.6 * 0.85), 9);
  });

  it("picks the cheapest plan that meets the deadline, and says when this machine is the better deal", () => {
    const small = predict(calibration(2e9), { frames: 10 }, plans, defaults);
    expect(small.choice?.alias).toBe("2core"); // all cost one hour; the cheapest wins
    expect(small.advice).toMatch(/^Render it here: about 2\.2 s on this machine/);

    const big = calibration(2e13); // ~3.3 h here
    const withDeadline = predict(big, { frames: 10 }, plans, defaults, { deadlineSeconds: 40 * 60 });
    const chosen = withDeadline.choice!;
    expect(chosen.totalSeconds).toBeLessThanOrEqual(40 * 60);
    for (const plan of withDeadline.plans.filter((p) => p.meetsDeadline)) expect(plan.costUsd).toBeGreaterThanOrEqual(chosen.costUsd);
    expect(withDeadline.plans.filter((p) => !p.meetsDeadline).map((p) => p.alias)).toContain("8core");
    expect(withDeadline.advice).toMatch(/A server is worth it/);

    const tooTight = predict(big, { frames: 10 }, plans, defaults, { deadlineSeconds: 40 * 60, maxCostUsd: 0.5 });
    expect(tooTight.choice).toBeUndefined();
  });

  it("learns the speed factor and the overhead from the journal", () => {
    const journal = (runId: string, iterations: number, renderSeconds: number, vcpus: number, overheadSeconds: number) =>
      ({ runId, measured: { iterations, renderSeconds, vcpus, overheadSeconds } }) as unknown as RunJournal;
    // 48 vCPUs did 2.4e11 iterations in 10 s: 5e8 per vCPU-second, half of this machine's 1e9
    const history = historyFrom([journal("a", 2.4e11, 10, 48, 200), journal("b", 2.4e11, 10, 48, 240), journal("c", 1, 0, 0, 0)], 1e9);
    expect(history).toEqual({ speedFactor: 0.5, overheadSeconds: 220, runs: 2 });
    expect(historyFrom([], 1e9)).toEqual(defaults);
  });
});

describe("parseDuration", () => {
  it.each([
    ["10m", 600],
    ["90s", 90],
    ["1h30m", 5400],
    ["2h", 7200],
    ["45", 45],
    ["1.5m", 90],
  ])("%s", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
  it.each(["", "soon", "10 minutes", "-5m"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("one cost model", () => {
  // 2core renders this job in 50 min: one started hour with the typical 5 min setup, two with the worst case's 15 min
  const fiftyMinutesOn2core = calibration((3000 - 1) * 2 * DEFAULT_SPEED_FACTOR * PARALLEL_EFFICIENCY * 1e9);

  it("prices every plan exactly as the budget guard and the dry run do", () => {
    const prediction = predict(fiftyMinutesOn2core, { frames: 1 }, plans, defaults);
    const twoCore = prediction.plans.find((p) => p.alias === "2core")!;
    expect(twoCore.renderSeconds).toBeCloseTo(3000, 6);
    for (const plan of prediction.plans) {
      const guard = estimateWorstCase({
        hourly: plan.hourly,
        expectedSeconds: plan.renderSeconds,
        overheadSeconds: worstCaseOverheadSeconds(defaults.overheadSeconds),
      });
      expect([plan.alias, plan.billedHours, plan.costUsd]).toEqual([plan.alias, guard.billedHours, guard.worstCaseUsd]);
    }
    expect(twoCore.billedHours).toBe(2);
    // the guard's own default is the same model
    expect(estimateWorstCase({ hourly: twoCore.hourly, expectedSeconds: twoCore.renderSeconds }).worstCaseUsd).toBe(twoCore.costUsd);
  });

  it("--plan auto never picks a plan the budget guard would then refuse", () => {
    const oneHourOf2core = plans.find((p) => p.alias === "2core")!.hourly;
    const prediction = predict(fiftyMinutesOn2core, { frames: 1 }, plans, defaults, { maxCostUsd: oneHourOf2core });
    for (const plan of prediction.plans.filter((p) => p.withinBudget)) {
      expect(() =>
        checkBudget(estimateWorstCase({ hourly: plan.hourly, expectedSeconds: plan.renderSeconds }), oneHourOf2core, plan.type),
      ).not.toThrow();
    }
    expect(prediction.choice?.alias).not.toBe("2core");
  });

  it("has one overhead default", () => {
    expect(DEFAULT_OVERHEAD_SECONDS).toBe(BUDGET_DEFAULT_OVERHEAD_SECONDS);
    expect(DEFAULT_OVERHEAD_SECONDS).toBe(300);
  });
});

describe("formatDuration", () => {
  it("rounds before splitting into units: never '4 min 60 s'", () => {
    expect(formatDuration(299.6)).toBe("5 min 00 s");
    expect(formatDuration(59.6)).toBe("1 min 00 s");
    expect(formatDuration(9.96)).toBe("10 s");
    expect(formatDuration(9.94)).toBe("9.9 s");
    expect(formatDuration(3599.7)).toBe("1 h 00 min");
    expect(formatDuration(7170)).toBe("2 h 00 min");
    expect(formatDuration(125)).toBe("2 min 05 s");
    expect(formatDuration(3725)).toBe("1 h 02 min");
  });
});
