import { armedDeadline, type RunJournal } from "../state/journal.ts";
import { formatTimeLeft } from "../cloud/server-deadline.ts";
import { formatUtc } from "./lost-advice.ts";

/** One line of `render-remote runs`, computed from a journal entry alone (no network). */
export interface RunRow {
  id: string;
  mode: "cloud" | "target";
  /** Cloud: "48core (g6-dedicated-48)"; target: the ssh:// URL. */
  plan: string;
  /** Cloud: the region; target: the ssh:// URL. */
  where: string;
  state: string;
  startedAt: string;
  outDir: string | null;
  /** Cloud: what the run has cost so far, in started hours (Linode bills each started hour). */
  costSoFarUsd: number | null;
  /** Cloud runs with a server-side deadline: when the server deletes itself. */
  deadline: string | null;
  /** A server `render-remote up` keeps: time left before its deadline (or past it: a leftover), and the command that removes it. */
  kept?: { timeLeft: string; expired: boolean; down: string };
}

const CLOUD_STATES: Record<string, string> = {
  provisioning: "provisioning",
  destroying: "destroying",
  destroyed: "torn down",
  "destroy-failed": "destroy failed",
};

export function runRow(journal: RunJournal, now = new Date()): RunRow {
  const mode = journal.mode ?? "cloud";
  const renderState = journal.renderState === "torn-down" ? "torn down" : journal.renderState;
  const state =
    mode === "cloud"
      ? (CLOUD_STATES[journal.status] ?? renderState ?? journal.status)
      : (renderState ?? (journal.status === "destroyed" ? "torn down" : "connecting"));
  const keptRow = journal.kept && journal.status === "live" ? keptState(journal, now) : undefined;
  const plan = mode === "cloud" ? `${journal.plan} (${journal.type})` : "--target";
  const where = mode === "cloud" ? journal.region : (journal.target ?? "?");
  return {
    id: journal.runId,
    mode,
    plan,
    where,
    state: keptRow ? (keptRow.expired ? "kept, past its deadline: a leftover" : "kept") : state,
    startedAt: journal.startedAt,
    outDir: journal.outDir ?? null,
    costSoFarUsd: mode === "cloud" ? costSoFar(journal, now) : null,
    deadline: armedDeadline(journal) ?? null,
    ...(keptRow ? { kept: keptRow } : {}),
  };
}

function keptState(journal: RunJournal, now: Date): NonNullable<RunRow["kept"]> {
  const deadline = journal.deadline === undefined ? now : new Date(journal.deadline);
  return { timeLeft: formatTimeLeft(deadline, now), expired: deadline <= now, down: `render-remote down ${journal.runId}` };
}

/** Started hours × the hourly price, until now or until the run was torn down. */
export function costSoFar(journal: Pick<RunJournal, "startedAt" | "updatedAt" | "status" | "hourly" | "kept">, now = new Date()): number {
  // a kept server bills from its creation
  const start = Date.parse(journal.kept?.createdAt ?? journal.startedAt);
  const end = journal.status === "destroyed" ? Date.parse(journal.updatedAt) : now.getTime();
  if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(journal.hourly)) return 0;
  const hours = Math.max(1, Math.ceil((end - start) / 3_600_000));
  return Math.round(hours * journal.hourly * 100) / 100;
}

/** The table `runs` prints, newest first. */
export function formatRuns(rows: RunRow[]): string {
  if (rows.length === 0) return "No runs yet. A --target or --plan run shows up here once it starts.";
  const lines = rows.map((row) => {
    const cost = row.costSoFarUsd === null ? "" : `  $${row.costSoFarUsd.toFixed(2)} so far`;
    const deadline = row.deadline
      ? `  deletes itself at ${formatUtc(row.deadline)}${row.kept ? ` (${row.kept.timeLeft}); remove it now: ${row.kept.down}` : ""}`
      : "";
    return `${row.id}  ${row.mode.padEnd(6)}  ${row.plan}  ${row.where}  ${row.state}  started ${row.startedAt.slice(0, 16).replace("T", " ")} UTC${row.kept ? "" : `  → ${row.outDir ?? "?"}`}${cost}${deadline}`;
  });
  const attachable = rows.filter((row) => ["rendering", "rendered", "unreachable"].includes(row.state));
  if (attachable.length > 0) lines.push("", `Pick up a run whose client is gone with: render-remote attach ${attachable[0].id}`);
  return lines.join("\n");
}
