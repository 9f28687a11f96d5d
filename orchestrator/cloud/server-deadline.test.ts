import { describe, expect, it } from "vitest";
import { exitCodeFor } from "../errors.ts";
import { estimateWorstCase } from "./budget.ts";
import { DELETE_MARGIN_SECONDS, formatDeadline, formatDeadlineTime, serverDeadline } from "./server-deadline.ts";

const startedAt = new Date("2026-12-05T12:00:00Z");
const minus = (hours: number) => new Date(startedAt.getTime() + hours * 3600_000 - DELETE_MARGIN_SECONDS * 1000).toISOString();

describe("serverDeadline", () => {
  it("defaults to the end of the started hours the worst case pays for", () => {
    const estimate = estimateWorstCase({ hourly: 0.054, expectedSeconds: 3 * 3600 + 60, overheadSeconds: 900 }); // 4 started hours
    const deadline = serverDeadline({ startedAt, estimate });
    expect(estimate.billedHours).toBe(4);
    expect(deadline.at.toISOString()).toBe(minus(4));
    expect(deadline.at.toISOString()).toBe("2026-12-05T15:58:00.000Z");
    expect(deadline.reason).toBe("the 4 started hour(s) the worst case pays for");
  });

  it("with --max-cost, the last started hour that keeps the bill within it", () => {
    const estimate = estimateWorstCase({ hourly: 0.216, expectedSeconds: 600, overheadSeconds: 900 }); // 1 hour, $0.216
    expect(serverDeadline({ startedAt, estimate, maxCostUsd: 1 }).at.toISOString()).toBe(minus(4)); // 4 × 0.216 = 0.864 <= 1 < 1.08
    expect(serverDeadline({ startedAt, estimate, maxCostUsd: 0.864 }).hours).toBe(4); // exactly four hours' worth: floating noise must not lose one
    expect(serverDeadline({ startedAt, estimate, maxCostUsd: 0.3 }).hours).toBe(1);
  });

  it("--max-hours sets it directly, and is refused when its started hours cost more than --max-cost (exit 2)", () => {
    const estimate = estimateWorstCase({ hourly: 0.5, expectedSeconds: 600, overheadSeconds: 900 });
    expect(serverDeadline({ startedAt, estimate, maxHours: 1.5 }).at.toISOString()).toBe(minus(1.5));
    expect(serverDeadline({ startedAt, estimate, maxHours: 2, maxCostUsd: 1 }).hours).toBe(2);
    const over = (() => {
      try {
        return serverDeadline({ startedAt, estimate, maxHours: 2.5, maxCostUsd: 1 });
      } catch (error) {
        return error;
      }
    })();
    expect(exitCodeFor(over)).toBe(2);
    expect((over as Error).message).toMatch(
      /^--max-hours 2\.5 starts 3 hour\(s\) at \$0\.5\/h = \$1\.50, over --max-cost 1\. Nothing was created\./,
    );
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 0.01])
      expect(
        exitCodeFor(
          (() => {
            try {
              serverDeadline({ startedAt, estimate, maxHours: bad });
            } catch (error) {
              return error;
            }
          })(),
        ),
      ).toBe(2);
  });

  it("prints HH:MM UTC, with the date when it is another day", () => {
    expect(formatDeadlineTime(new Date("2026-12-05T14:05:59Z"), startedAt)).toBe("14:05 UTC");
    expect(formatDeadlineTime(new Date("2026-12-06T01:00:00Z"), startedAt)).toBe("2026-12-06 01:00 UTC");
    const estimate = estimateWorstCase({ hourly: 0.054, expectedSeconds: 60, overheadSeconds: 900 });
    expect(formatDeadline(serverDeadline({ startedAt, estimate }), startedAt)).toBe(
      "Server-side deadline: 12:58 UTC (the 1 started hour(s) the worst case pays for); at that moment the server deletes itself, even if this laptop is gone.",
    );
  });
});
