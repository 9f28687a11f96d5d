import { describe, expect, it } from "vitest";
import { BadInputError, exitCodeFor } from "../errors.ts";
import { DEFAULT_OVERHEAD_SECONDS, checkBudget, estimateWorstCase, formatEstimate, formatUsd, worstCaseOverheadSeconds } from "./budget.ts";

/** Tests found by mutation testing (npm run test:mutation): the budget guard's arithmetic and words, hand-derived. */
describe("the budget guard", () => {
  it("allows three times five minutes of setup by default", () => {
    expect(DEFAULT_OVERHEAD_SECONDS).toBe(300);
    expect(worstCaseOverheadSeconds()).toBe(900);
    expect(worstCaseOverheadSeconds(100)).toBe(300);
    expect(estimateWorstCase({ hourly: 1, expectedSeconds: 0 }).overheadSeconds).toBe(900);
  });

  it("bills every started hour, at least one", () => {
    // 2700 s render + 900 s setup = exactly one hour; one more second starts a second hour.
    expect(estimateWorstCase({ hourly: 0.5, expectedSeconds: 2700 })).toEqual({
      hourly: 0.5,
      expectedSeconds: 2700,
      overheadSeconds: 900,
      billedHours: 1,
      worstCaseUsd: 0.5,
    });
    expect(estimateWorstCase({ hourly: 0.5, expectedSeconds: 2701 }).billedHours).toBe(2);
    expect(estimateWorstCase({ hourly: 0.5, expectedSeconds: 0, overheadSeconds: 0 }).billedHours).toBe(1);
    expect(estimateWorstCase({ hourly: 0.054, expectedSeconds: 7200, overheadSeconds: 1 }).worstCaseUsd).toBe(0.162);
    expect(estimateWorstCase({ hourly: 0.00004, expectedSeconds: 0, overheadSeconds: 0 }).worstCaseUsd).toBe(0);
  });

  it("refuses a negative or non-numeric input with exit 2, naming all three", () => {
    for (const input of [
      { hourly: -0.01, expectedSeconds: 1, overheadSeconds: 1 },
      { hourly: Number.NaN, expectedSeconds: 1, overheadSeconds: 1 },
      { hourly: 1, expectedSeconds: -1, overheadSeconds: 1 },
      { hourly: 1, expectedSeconds: Number.NaN, overheadSeconds: 1 },
      { hourly: 1, expectedSeconds: 1, overheadSeconds: -1 },
      { hourly: 1, expectedSeconds: 1, overheadSeconds: Number.NaN },
    ]) {
      const error = (() => {
        try {
          estimateWorstCase(input);
        } catch (e) {
          return e;
        }
      })();
      expect(error, JSON.stringify(input)).toBeInstanceOf(BadInputError);
      expect(exitCodeFor(error)).toBe(2);
      expect((error as Error).message).toBe(
        `Cannot estimate a cost from hourly=${input.hourly}, expectedSeconds=${input.expectedSeconds}, overheadSeconds=${input.overheadSeconds}: each must be a number >= 0.`,
      );
    }
    expect(estimateWorstCase({ hourly: 0, expectedSeconds: 0, overheadSeconds: 0 }).worstCaseUsd).toBe(0);
  });

  it("rounds dollars up to the cent", () => {
    expect(formatUsd(0.162)).toBe("$0.17");
    expect(formatUsd(0.16)).toBe("$0.16");
    expect(formatUsd(2)).toBe("$2.00");
  });

  it("prints hours, price, plan and minutes", () => {
    const one = estimateWorstCase({ hourly: 0.054, expectedSeconds: 600, overheadSeconds: 900 });
    expect(formatEstimate(one, "g6-dedicated-2")).toBe(
      "Worst-case cost: $0.06 = 1 started hour × $0.054/h for g6-dedicated-2 (render ~10 min + ~15 min setup and teardown; Linode bills every started hour).",
    );
    const two = estimateWorstCase({ hourly: 1.296, expectedSeconds: 10, overheadSeconds: 3600 });
    expect(formatEstimate(two, "g6-dedicated-48")).toBe(
      "Worst-case cost: $2.60 = 2 started hours × $1.296/h for g6-dedicated-48 (render ~1 min + ~60 min setup and teardown; Linode bills every started hour).",
    );
    expect(formatEstimate(estimateWorstCase({ hourly: 1, expectedSeconds: 89, overheadSeconds: 0 }), "t")).toContain(
      "render ~1 min + ~1 min setup",
    );
    expect(formatEstimate(estimateWorstCase({ hourly: 1, expectedSeconds: 90, overheadSeconds: 0 }), "t")).toContain("render ~2 min");
  });

  it("refuses only a worst case over --max-cost, before anything is created", () => {
    const estimate = estimateWorstCase({ hourly: 0.054, expectedSeconds: 7200, overheadSeconds: 1 }); // 3 h: $0.162
    expect(() => checkBudget(estimate, undefined, "g6-dedicated-2")).not.toThrow();
    expect(() => checkBudget(estimate, 0.162, "g6-dedicated-2")).not.toThrow();
    const error = (() => {
      try {
        checkBudget(estimate, 0.16, "g6-dedicated-2");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toBe(
      "The worst case, $0.17 (3 started hour(s) of g6-dedicated-2 at $0.054/h), is over --max-cost 0.16. Nothing was created. " +
        "Raise --max-cost, shorten the render, or pick a smaller plan (see: render-remote plans).",
    );
    expect(() => checkBudget(estimateWorstCase({ hourly: 1, expectedSeconds: 0, overheadSeconds: 0 }), 0, "t")).toThrow(BadInputError);
  });
});
