import { formatUsd } from "../cloud/budget.ts";
import { formatDeadlineTime, formatTimeLeft, startedHours } from "../cloud/server-deadline.ts";
import type { KeptServerReport } from "./up.ts";

/** The commands that use and remove a kept server, as `up` prints them. */
export function keptCommands(runId: string): { render: string; down: string } {
  return { render: `npx render-remote --on ${runId} --spec specs/spiral.json`, down: `npx render-remote down ${runId}` };
}

/** What `up` prints on stdout once the server is kept: where it is, until when, what it costs, and what to run next. */
export function formatKeptServer(server: KeptServerReport, now: Date = new Date()): string {
  const deadline = new Date(server.deadline);
  const hoursSoFar = startedHours(new Date(server.createdAt), now);
  const hours = (n: number) => `${n} started hour${n === 1 ? "" : "s"}`;
  const commands = keptCommands(server.runId);
  return [
    `Kept server: run ${server.runId}, ${server.plan} (${server.type}, ${server.toolchain.cores} cores) in ${server.region}, prepared (node, ffmpeg).`,
    `  address:  ${server.user}@${server.ip} port ${server.port}`,
    `  deadline: ${formatDeadlineTime(deadline, now)} (${formatTimeLeft(deadline, now)}): the server deletes itself then, even if this laptop is gone.`,
    `  cost:     ${formatUsd(hoursSoFar * server.hourly)} so far (${hours(hoursSoFar)} × $${server.hourly}/h); ${formatUsd(server.costAtDeadlineUsd)} if kept until the deadline (${hours(server.paidHours)}).`,
    `Render on it (as often as fits before the deadline):  ${commands.render}`,
    `Remove it now (stops the bill at the started hours):   ${commands.down}`,
  ].join("\n");
}
