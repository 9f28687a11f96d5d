/**
 * When to retry an HTTP call and how long to wait first. Only idempotent
 * calls go through this: the Linode API has no idempotency key, so a retried
 * create would rent a second server.
 */
import { setTimeout as delay } from "node:timers/promises";
import { backoffMs } from "../backoff.ts";

/** How retry loops wait; tests pass one that returns at once. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Rate limits and server errors pass; anything else will fail the same way again. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

const BASE_DELAY_MS = 500;
const MAX_BACKOFF_MS = 8_000;
/** A Retry-After longer than this is treated as this: an audit in cron must finish. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Milliseconds to wait before attempt `attempt + 1`. Retry-After (seconds or
 * an HTTP date) wins over our own exponential backoff when the server sent it.
 */
export function retryDelayMs(attempt: number, retryAfter: string | null, nowMs: number = Date.now()): number {
  const fromHeader = parseRetryAfter(retryAfter, nowMs);
  if (fromHeader !== undefined) return Math.min(fromHeader, MAX_RETRY_AFTER_MS);
  return backoffMs(attempt, { firstMs: BASE_DELAY_MS, maxMs: MAX_BACKOFF_MS });
}

export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** node:timers/promises' setTimeout, but an abort rejects with its own reason (a deadline, a Ctrl-C), not a generic AbortError. */
export const abortableSleep: Sleep = (ms, signal) =>
  delay(ms, undefined, { signal }).catch((error: unknown) => {
    throw signal?.aborted ? signal.reason : error;
  });
