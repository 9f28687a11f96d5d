import { BadInputError } from "../errors.ts";
import { formatUsd, type CostEstimate } from "./budget.ts";

/**
 * The server-side deadline of a cloud run: the moment the server deletes
 * itself, whatever happened to the laptop. Pure: the clock is an argument.
 */

/** Deleting takes a moment: fire this much before the paid hours end, so the delete lands inside them. */
export const DELETE_MARGIN_SECONDS = 2 * 60;

export interface ServerDeadline {
  /** When the watchdog deletes the server. */
  at: Date;
  /** Hours from the run's start (billing starts later, at `up`, so this errs towards paying less). */
  hours: number;
  /** One line: where it comes from. */
  reason: string;
}

export interface DeadlineInput {
  /** The run's start, before anything is created. */
  startedAt: Date;
  estimate: CostEstimate;
  maxCostUsd?: number;
  /** --max-hours: sets the deadline directly. */
  maxHours?: number;
}

export function serverDeadline(input: DeadlineInput): ServerDeadline {
  const { estimate, maxCostUsd, maxHours } = input;
  const at = (hours: number) => new Date(input.startedAt.getTime() + (hours * 3600 - DELETE_MARGIN_SECONDS) * 1000);
  if (maxHours !== undefined) {
    if (!(maxHours > 0) || !Number.isFinite(maxHours))
      throw new BadInputError(`--max-hours takes a number of hours above 0, e.g. 1.5; got ${maxHours}.`);
    const paid = Math.ceil(maxHours);
    if (maxCostUsd !== undefined && paid * estimate.hourly > maxCostUsd + 1e-9) {
      throw new BadInputError(
        `--max-hours ${maxHours} starts ${paid} hour(s) at $${estimate.hourly}/h = ${formatUsd(paid * estimate.hourly)}, over --max-cost ${maxCostUsd}. Nothing was created. Lower --max-hours or raise --max-cost.`,
      );
    }
    if (maxHours * 3600 <= DELETE_MARGIN_SECONDS)
      throw new BadInputError(`--max-hours ${maxHours} leaves no time to render: give at least 0.1 (6 minutes).`);
    return { at: at(maxHours), hours: maxHours, reason: `--max-hours ${maxHours}` };
  }
  if (maxCostUsd !== undefined && estimate.hourly > 0) {
    // the last started hour that keeps the bill within --max-cost; the budget guard has already refused below one hour
    const hours = Math.max(1, Math.floor(maxCostUsd / estimate.hourly + 1e-9));
    return { at: at(hours), hours, reason: `${hours} started hour(s) at $${estimate.hourly}/h stay within --max-cost ${maxCostUsd}` };
  }
  const hours = estimate.billedHours;
  return { at: at(hours), hours, reason: `the ${hours} started hour(s) the worst case pays for` };
}

/** "14:05 UTC" (with the date when it is not `now`'s UTC day). */
export function formatDeadlineTime(at: Date, now: Date = new Date()): string {
  const iso = at.toISOString();
  const time = `${iso.slice(11, 16)} UTC`;
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}

/** The line printed before anything is created. */
export function formatDeadline(deadline: ServerDeadline, now: Date = new Date()): string {
  return `Server-side deadline: ${formatDeadlineTime(deadline.at, now)} (${deadline.reason}); at that moment the server deletes itself, even if this laptop is gone.`;
}

/** A kept server (`up`) stops this long before its last paid hour ends, so the delete lands well inside it. */
export const KEPT_MARGIN_SECONDS = 5 * 60;

export interface KeptDeadline extends ServerDeadline {
  /** Started hours the server is billed for if it lives to its deadline. */
  paidHours: number;
  /** paidHours × hourly, in US$. */
  costUsd: number;
}

/**
 * The deadline of a server `render-remote up` keeps: `createdAt` plus --keep, or, without it, the end of the
 * last started hour the user agreed to (one, or as many as --max-cost buys) minus 5 minutes. Never into an
 * hour nobody agreed to: --keep beyond 55m pays more started hours, and is refused when --max-cost cannot.
 */
export function keptDeadline(input: { createdAt: Date; hourly: number; keepSeconds?: number; maxCostUsd?: number }): KeptDeadline {
  const { createdAt, hourly, keepSeconds, maxCostUsd } = input;
  const after = (seconds: number) => new Date(createdAt.getTime() + seconds * 1000);
  const cost = (hours: number) => Math.round(hours * hourly * 10_000) / 10_000;
  if (keepSeconds !== undefined) {
    if (!Number.isFinite(keepSeconds) || keepSeconds < KEPT_MARGIN_SECONDS)
      throw new BadInputError(`--keep takes a duration of at least 5m, like 55m or 1h55m; got ${keepSeconds} s.`);
    const paidHours = Math.ceil((keepSeconds + KEPT_MARGIN_SECONDS) / 3600);
    if (maxCostUsd !== undefined && cost(paidHours) > maxCostUsd + 1e-9) {
      throw new BadInputError(
        `--keep ${formatDuration(keepSeconds)} starts ${paidHours} hour(s) at $${hourly}/h = ${formatUsd(cost(paidHours))}, over --max-cost ${maxCostUsd}. Nothing was created. Shorten --keep (55m fits in one hour) or raise --max-cost.`,
      );
    }
    return {
      at: after(keepSeconds),
      hours: keepSeconds / 3600,
      paidHours,
      costUsd: cost(paidHours),
      reason: `--keep ${formatDuration(keepSeconds)}`,
    };
  }
  let paidHours = 1;
  let reason = "the end of the first started hour, minus 5 minutes";
  if (maxCostUsd !== undefined && hourly > 0) {
    paidHours = Math.floor(maxCostUsd / hourly + 1e-9);
    if (paidHours < 1)
      throw new BadInputError(
        `One started hour at $${hourly}/h is over --max-cost ${maxCostUsd}. Nothing was created. Raise --max-cost or pick a smaller plan (see: render-remote plans).`,
      );
    reason = `the last of the ${paidHours} started hour(s) at $${hourly}/h within --max-cost ${maxCostUsd}, minus 5 minutes`;
  }
  const seconds = paidHours * 3600 - KEPT_MARGIN_SECONDS;
  return { at: after(seconds), hours: seconds / 3600, paidHours, costUsd: cost(paidHours), reason };
}

/** Started hours a server created at `createdAt` has been billed for at `now` (at least one). */
export function startedHours(createdAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((now.getTime() - createdAt.getTime()) / 3600_000));
}

/** "1h55m", "55m", "30s": a duration as --keep takes it. */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s || whole === 0 ? `${s}s` : ""}`;
}

/** "54 min left" or "expired 3 min ago". */
export function formatTimeLeft(at: Date, now: Date): string {
  const minutes = Math.round((at.getTime() - now.getTime()) / 60_000);
  if (minutes < 0) return `expired ${formatDuration(-minutes * 60)} ago`;
  return `${formatDuration(minutes * 60)} left`;
}
