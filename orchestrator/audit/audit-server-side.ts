import { LinodeApiError, type LinodeClient } from "../cloud/linode-api.ts";
import { liveRunTokens, revokeRunToken, runTokenLabel } from "../cloud/run-token.ts";
import { formatDeadlineTime, formatTimeLeft } from "../cloud/server-deadline.ts";
import { RUN_TAG_PREFIX } from "../../stacks/tags.ts";
import type { RunJournal } from "../state/journal.ts";
import { DESTROY_COMMAND, type AuditInstance, type DestroyStep } from "./audit-types.ts";

/**
 * What the server-side deadline adds to the audit (issue 15): runs rendering
 * on with their client gone, servers still up past their deadline (the
 * watchdog failed), and run tokens that still work.
 */
export interface ServerSideReport {
  /** Live server, client process gone, deadline ahead: attach to it. */
  detached: { runId: string; instanceId: number; stage: string; deadline: string }[];
  /** The deadline has passed and the server is still there: the watchdog failed. */
  pastDeadline: { runId: string; instanceId: number; deadline: string }[];
  /** Tokens labelled render-remote-run:* that have not expired (a revoked one is no longer listed). */
  runTokens: { id: number; label: string; expiry: string | null; runId: string }[];
  /** Servers `render-remote up` keeps (listed here, not as detached or past deadline); `expired`: still there after the deadline, a leftover. */
  kept?: { runId: string; instanceId: number; deadline: string; costSoFar?: number; expired: boolean }[];
}

export async function inspectServerSide(
  client: LinodeClient,
  context: {
    journals: RunJournal[];
    instances: AuditInstance[];
    now: Date;
    runId?: string;
    warnings: string[];
    clientAlive?: (pid: number) => boolean;
  },
): Promise<ServerSideReport | undefined> {
  const { now } = context;
  const alive = context.clientAlive ?? isProcessAlive;
  const report: ServerSideReport = { detached: [], pastDeadline: [], runTokens: [] };
  for (const instance of context.instances) {
    const journal = context.journals.find((j) => j.runId === instance.runId && j.deadline);
    if (!journal?.deadline) continue;
    const entry = { runId: journal.runId, instanceId: instance.id, deadline: journal.deadline };
    if (journal.kept) {
      const expired = Date.parse(journal.deadline) <= now.getTime();
      report.kept = [...(report.kept ?? []), { ...entry, costSoFar: instance.costSoFar, expired }];
    } else if (Date.parse(journal.deadline) <= now.getTime()) report.pastDeadline.push(entry);
    else if (journal.clientPid === undefined || !alive(journal.clientPid)) report.detached.push({ ...entry, stage: journal.stage });
  }
  try {
    const tokens = liveRunTokens(await client.listTokens(), now).filter(
      (t) => context.runId === undefined || t.label === runTokenLabel(context.runId),
    );
    report.runTokens = tokens.map((t) => ({ id: t.id, label: t.label, expiry: t.expiry, runId: t.label.slice(RUN_TAG_PREFIX.length) }));
  } catch (error) {
    if (error instanceof LinodeApiError && error.kind === "no-token") throw error;
    context.warnings.push(`Run tokens not checked: ${(error as Error).message.split(". ")[0]}.`);
  }
  return report.detached.length + report.pastDeadline.length + report.runTokens.length + (report.kept?.length ?? 0) > 0
    ? report
    : undefined;
}

/** `audit --destroy`: revoke every run token listed (a 404 is one already gone). */
export async function revokeListedTokens(client: LinodeClient, report: ServerSideReport | undefined): Promise<DestroyStep[]> {
  const steps: DestroyStep[] = [];
  for (const token of report?.runTokens ?? []) {
    const target = `run token ${token.id} (${token.label})`;
    try {
      steps.push({ target, outcome: await revokeRunToken(client, token.id) });
    } catch (error) {
      steps.push({ target, outcome: "failed", detail: (error as Error).message });
    }
  }
  return steps;
}

export function formatServerSide(report: ServerSideReport | undefined, now: Date): string[] {
  if (!report) return [];
  const lines: string[] = [];
  for (const run of report.detached) {
    const doing = run.stage === "render" ? "is rendering" : `is in its ${run.stage} stage`;
    lines.push(
      "",
      `Run ${run.runId} ${doing} with its client gone; attach with \`render-remote attach ${run.runId}\`; it deletes itself at ${formatDeadlineTime(new Date(run.deadline), now)}.`,
    );
  }
  for (const run of report.pastDeadline) {
    lines.push(
      "",
      `Server ${run.instanceId} of run ${run.runId} is still there after its deadline, ${formatDeadlineTime(new Date(run.deadline), now)}: its watchdog failed. Delete it: ${DESTROY_COMMAND}`,
    );
  }
  for (const server of report.kept ?? []) {
    const at = new Date(server.deadline);
    const cost = server.costSoFar === undefined ? "" : `; $${server.costSoFar.toFixed(2)} so far`;
    lines.push(
      "",
      server.expired
        ? `Leftover: kept server ${server.runId} (instance ${server.instanceId}) is still there after its deadline, ${formatDeadlineTime(at, now)} (${formatTimeLeft(at, now)}): its watchdog failed${cost}. Delete it: render-remote down ${server.runId}`
        : `Kept server ${server.runId} (instance ${server.instanceId}): deletes itself at ${formatDeadlineTime(at, now)} (${formatTimeLeft(at, now)})${cost}. Remove it now: render-remote down ${server.runId}`,
    );
  }
  if (report.runTokens.length > 0) {
    lines.push("", `Run tokens still valid (each can delete Linodes and firewalls until it expires); ${DESTROY_COMMAND} revokes them:`);
    for (const token of report.runTokens)
      lines.push(`  ${token.id}  ${token.label}  expires ${token.expiry === null ? "never" : `${token.expiry.replace(/Z?$/, "")} UTC`}`);
  }
  return lines;
}

/** A pid that answers signal 0 (EPERM: alive, someone else's). Pids are reused, so "alive" can be wrong; "gone" cannot. */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
