import { expect, it } from "vitest";
import { compareKeptCost } from "./kept-cost.ts";

it("three short renders: three started hours as separate runs, one on a kept server, with the arithmetic", () => {
  const renders = [
    { name: "a", renderSeconds: 120, billedHours: 1 },
    { name: "b", renderSeconds: 180, billedHours: 1 },
    { name: "c", renderSeconds: 60, billedHours: 1 },
  ];
  const comparison = compareKeptCost({ plan: "48core", hourly: 1.44, setupSeconds: 900, renders });
  expect(comparison.separate).toEqual({ hours: 3, usd: 4.32 });
  // 900 s setup + (120 + 180 + 60) s of renders + 3 × 60 s per render = 1440 s: one hour, deadline after 55m
  expect(comparison.kept).toEqual({ busySeconds: 1440, hours: 1, usd: 1.44, keep: "55m" });
  expect(comparison.text).toContain("separate runs: 1 + 1 + 1 = 3 started hours × $1.44 = $4.32");
  expect(comparison.text).toContain("within 1 started hour (deadline after 55m) × $1.44 = $1.44.");
  expect(comparison.text).toContain("npx render-remote up --plan 48core, then");
});

it("renders that do not fit in 55 minutes: the kept server takes the started hours they need, and says which --keep", () => {
  const renders = [
    { name: "a", renderSeconds: 1800, billedHours: 1 },
    { name: "b", renderSeconds: 1500, billedHours: 1 },
  ];
  // 900 + 1800 + 1500 + 120 = 4320 s, plus the 5-minute margin: two started hours
  const comparison = compareKeptCost({ plan: "2core", hourly: 0.108, setupSeconds: 900, renders });
  expect(comparison.kept).toMatchObject({ hours: 2, keep: "1h55m" });
  expect(comparison.separate.hours).toBe(2);
  expect(comparison.text).toContain("npx render-remote up --plan 2core --keep 1h55m");
  // exactly at the margin: 55 minutes of work is one hour, a second more is two
  const edge = (busy: number) =>
    compareKeptCost({ plan: "x", hourly: 1, setupSeconds: busy - 60, renders: [{ name: "a", renderSeconds: 0, billedHours: 1 }] }).kept
      .hours;
  expect(edge(55 * 60)).toBe(1);
  expect(edge(55 * 60 + 1)).toBe(2);
});
