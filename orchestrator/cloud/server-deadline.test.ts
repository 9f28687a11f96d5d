import { describe, expect, it } from "vitest";
import { exitCodeFor } from "../errors.ts";
import { estimateWorstCase } from "./budget.ts";
import {
  DELETE_MARGIN_SECONDS,
  formatDeadline,
  formatDeadlineTime,
  formatTimeLeft,
  keptDeadline,
  serverDeadline,
  startedHours,
} from "./server-deadline.ts";

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

describe("keptDeadline (render-remote up)", () => {
  const createdAt = new Date("2026-12-05T12:00:00Z");
  const refused = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return { code: exitCodeFor(error), message: (error as Error).message };
    }
    throw new Error("not refused");
  };

  it("defaults to the end of the first started hour after creation, minus 5 minutes", () => {
    const deadline = keptDeadline({ createdAt, hourly: 1.44 });
    expect(deadline.at.toISOString()).toBe("2026-12-05T12:55:00.000Z");
    expect(deadline).toMatchObject({ paidHours: 1, costUsd: 1.44 });
    expect(startedHours(createdAt, deadline.at)).toBe(1); // still inside the hour it paid for
  });

  it("--keep sets it; beyond 55m it pays for more started hours, up to the hour boundary minus 5 minutes", () => {
    expect(keptDeadline({ createdAt, hourly: 1, keepSeconds: 55 * 60 })).toMatchObject({ paidHours: 1, costUsd: 1 });
    const longer = keptDeadline({ createdAt, hourly: 1, keepSeconds: 56 * 60 });
    expect(longer.at.toISOString()).toBe("2026-12-05T12:56:00.000Z");
    expect(longer.paidHours).toBe(2); // 56 min leaves less than the delete margin in the first hour
    const twoHours = keptDeadline({ createdAt, hourly: 1, keepSeconds: 3600 + 55 * 60 });
    expect(twoHours).toMatchObject({ paidHours: 2, costUsd: 2, reason: "--keep 1h55m" });
    expect(twoHours.at.toISOString()).toBe("2026-12-05T13:55:00.000Z");
    expect(keptDeadline({ createdAt, hourly: 1, keepSeconds: 3600 + 56 * 60 }).paidHours).toBe(3);
  });

  it("refuses --keep over --max-cost, and a --keep too short to use (exit 2)", () => {
    const over = refused(() => keptDeadline({ createdAt, hourly: 1.44, keepSeconds: 3600 + 55 * 60, maxCostUsd: 2 }));
    expect(over.code).toBe(2);
    expect(over.message).toBe(
      "--keep 1h55m starts 2 hour(s) at $1.44/h = $2.88, over --max-cost 2. Nothing was created. Shorten --keep (55m fits in one hour) or raise --max-cost.",
    );
    expect(keptDeadline({ createdAt, hourly: 1.44, keepSeconds: 55 * 60, maxCostUsd: 2 }).paidHours).toBe(1);
    expect(refused(() => keptDeadline({ createdAt, hourly: 1, keepSeconds: 60 })).code).toBe(2);
  });

  it("with --max-cost alone, the last started hour within budget minus 5 minutes; refused when not even one fits", () => {
    const three = keptDeadline({ createdAt, hourly: 0.216, maxCostUsd: 0.648 }); // exactly 3 × 0.216: floating noise must not lose one
    expect(three.paidHours).toBe(3);
    expect(three.at.toISOString()).toBe("2026-12-05T14:55:00.000Z");
    const none = refused(() => keptDeadline({ createdAt, hourly: 1.44, maxCostUsd: 1 }));
    expect(none.code).toBe(2);
    expect(none.message).toMatch(/^One started hour at \$1.44\/h is over --max-cost 1\. Nothing was created\./);
  });

  it("counts started hours and time left", () => {
    expect(startedHours(createdAt, createdAt)).toBe(1);
    expect(startedHours(createdAt, new Date("2026-12-05T12:59:59Z"))).toBe(1);
    expect(startedHours(createdAt, new Date("2026-12-05T13:00:01Z"))).toBe(2);
    expect(formatTimeLeft(new Date("2026-12-05T12:55:00Z"), new Date("2026-12-05T12:01:00Z"))).toBe("54m left");
    expect(formatTimeLeft(new Date("2026-12-05T12:55:00Z"), new Date("2026-12-05T12:58:00Z"))).toBe("expired 3m ago");
  });
});
