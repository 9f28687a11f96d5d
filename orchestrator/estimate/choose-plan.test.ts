import { describe, expect, it } from "vitest";
import { BadInputError } from "../errors.ts";
import { checkPlanName } from "./choose-plan.ts";

describe("checkPlanName: what can be told of --plan without prices or a token", () => {
  it.each(["2core", "48core", "64core", "auto", "g6-dedicated-48", "g7-dedicated-128"])("accepts %s", (plan) => {
    expect(() => checkPlanName(plan)).not.toThrow();
  });

  it.each(["7core", "48-core", "48", "", "g6-standard-2", "g6-dedicated-", "AUTO"])(
    "refuses %j as bad input that lists the plans",
    (plan) => {
      expect(() => checkPlanName(plan)).toThrow(BadInputError);
      expect(() => checkPlanName(plan)).toThrow(
        `Unknown plan "${plan}". Use one of 2core, 4core, 8core, 16core, 32core, 48core, 50core, 56core, 64core, auto, or a Linode dedicated type id such as g6-dedicated-48 (see: render-remote plans).`,
      );
    },
  );
});
