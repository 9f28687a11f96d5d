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
