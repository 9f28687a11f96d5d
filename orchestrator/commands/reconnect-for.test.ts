import { expect, it } from "vitest";
import { BadInputError, exitCodeFor } from "../errors.ts";
import { parseReconnectFor } from "./reconnect-for.ts";

it("--reconnect-for reads durations, defaults to 10 min, and refuses a bare number or nonsense with exit 2", () => {
  expect(parseReconnectFor(undefined)).toBe(600);
  expect(parseReconnectFor("90s")).toBe(90);
  expect(parseReconnectFor("1h30m")).toBe(5400);
  for (const bad of ["10", "soon", "", "0s", "-5m", "200h"]) {
    let caught: unknown;
    try {
      parseReconnectFor(bad);
    } catch (error) {
      caught = error;
    }
    expect(caught, bad).toBeInstanceOf(BadInputError);
    expect(exitCodeFor(caught)).toBe(2);
    expect((caught as Error).message).toMatch(/--reconnect-for/);
  }
});
