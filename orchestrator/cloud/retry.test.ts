import { describe, expect, it } from "vitest";
import { MAX_RETRY_AFTER_MS, abortableSleep, isRetryableStatus, parseRetryAfter, retryDelayMs } from "./retry.ts";

describe("retry policy", () => {
  it("retries rate limits and server errors only", () => {
    expect([429, 500, 502, 503].map(isRetryableStatus)).toEqual([true, true, true, true]);
    expect([400, 401, 403, 404].map(isRetryableStatus)).toEqual([false, false, false, false]);
  });

  it("backs off exponentially up to a ceiling", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => retryDelayMs(attempt, null))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it("prefers Retry-After, in seconds or as a date, and caps it", () => {
    const now = Date.parse("2026-11-24T00:00:00Z");
    expect(retryDelayMs(1, "3", now)).toBe(3000);
    expect(retryDelayMs(1, "Tue, 24 Nov 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(retryDelayMs(1, "3600", now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });

  it("stops sleeping when aborted", async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
  });
});
