import { describe, expect, it } from "vitest";
import { backoffMs } from "./backoff.ts";

describe("backoffMs", () => {
  it("doubles from the first wait up to the ceiling", () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(attempt, { firstMs: 250, maxMs: 4_000 }))).toEqual([
      250, 500, 1000, 2000, 4000, 4000,
    ]);
  });

  it("grows by another factor, without a ceiling when none is given", () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, { firstMs: 10_000, factor: 3 }))).toEqual([10_000, 30_000, 90_000, 270_000]);
  });
});
