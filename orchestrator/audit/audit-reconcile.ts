import { parseLinodeTime, type LinodeInstance } from "../cloud/linode-schemas.ts";
import { hourlyFor, monthlyCapFor } from "../cloud/prices.ts";
import type { RunJournal } from "../state/journal.ts";
import { ACTIVE_STATUSES, type AuditSources } from "./audit-collect.ts";
import {
  DESTROY_COMMAND,
  RENDER_REMOTE_TAG,
  RUN_TAG_PREFIX,
  type AuditFirewall,
  type AuditGhost,
  type AuditInstance,
  type AuditReport,
  type AuditStack,
  type LocalStack,
  type Source,
} from "./audit-types.ts";

/**
 * Pure: turns what the three sources said into the report. No I/O, so every
 * disagreement (orphan, ghost, stack without server) is testable as data.
 */
export interface ReconcileOptions {
  now: Date;
  /** Only this run (auditRun). */
  runId?: string;
  /** Runs this audit just destroyed: their journals are marked even while "provisioning". */
  justDestroyed?: ReadonlySet<string>;
}

/** A "provisioning" journal younger than this may be a run starting right now, elsewhere in this account. */
export const PROVISIONING_GRACE_MS = 2 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export function reconcile(sources: AuditSources, options: ReconcileOptions): AuditReport {
  const { now } = options;
  const journals = sources.journals;
  const holding = (sources.stacks ?? []).filter((stack) => stack.resourceCount === undefined || stack.resourceCount > 0);
  const journalFor = (runId: string | undefined, instanceId?: number) =>
    journals.find((j) => (runId !== undefined && j.runId === runId) || (instanceId !== undefined && j.instanceId === instanceId));
  const stackFor = (runId: string | undefined) =>
    runId === undefined
      ? undefined
      : holding.find((s) => s.name === runId || journals.some((j) => j.runId === runId && j.stack.name === s.name));

  const instances = [...sources.instances, ...sources.untaggedKnown].map((raw): AuditInstance => {
    const journal = journalFor(runIdFromTags(raw.tags), raw.id);
    const runId = runIdFromTags(raw.tags) ?? journal?.runId;
    const knownBy: Source[] = ["account"];
    if (journal) knownBy.push("journal");
    if (stackFor(runId)) knownBy.push("stack");
    return { ...costOf(raw, journal, sources, now), runId, knownBy, orphan: !journal, tagged: raw.tags.includes(RENDER_REMOTE_TAG) };
  });

  const firewalls = sources.firewalls.map((raw): AuditFirewall => {
    const runId = runIdFromTags(raw.tags);
    const knownBy: Source[] = ["account"];
    if (journalFor(runId)) knownBy.push("journal");
    if (stackFor(runId)) knownBy.push("stack");
    const linodeIds = raw.entities?.filter((e) => e.type === "linode").map((e) => e.id);
    return { id: raw.id, label: raw.label, status: raw.status, tags: raw.tags, runId, linodeIds, knownBy };
  });

  const stacks = holding.map(
    (stack): AuditStack => ({ ...stack, runId: journals.find((j) => j.stack.name === stack.name)?.runId ?? stack.name }),
  );
  const ghosts = journals
    .filter((j) => ACTIVE_STATUSES.has(j.status) && !instances.some((i) => i.runId === j.runId || i.id === j.instanceId))
    .map((j) => ghostOf(j, stackFor(j.runId), firewalls, options));

  const inScope = <T extends { runId?: string }>(items: T[]) =>
    options.runId === undefined ? items : items.filter((i) => i.runId === options.runId);
  return summarise(
    { instances: inScope(instances), firewalls: inScope(firewalls), stacks: inScope(stacks), ghosts: inScope(ghosts) },
    sources,
    options,
  );
}

export function runIdFromTags(tags: readonly string[]): string | undefined {
  return tags.find((tag) => tag.startsWith(RUN_TAG_PREFIX))?.slice(RUN_TAG_PREFIX.length) || undefined;
}

function costOf(raw: LinodeInstance, journal: RunJournal | undefined, sources: AuditSources, now: Date) {
  const created = parseLinodeTime(raw.created);
  const ageMs = Math.max(0, now.getTime() - created.getTime());
  const type = raw.type ?? journal?.type ?? "unknown";
  // Linode's price for the type wins; the journal's estimate is for types Linode no longer lists.
  const hourly = hourlyFor(sources.prices.prices, type, raw.region) ?? journal?.hourly;
  const startedHours = Math.max(1, Math.ceil(ageMs / HOUR_MS));
  const cap = monthlyCapFor(sources.prices.prices, type, raw.region);
  const costSoFar = hourly === undefined ? undefined : roundCents(Math.min(startedHours * hourly, cap ?? Infinity));
  return {
    id: raw.id,
    label: raw.label,
    type,
    region: raw.region,
    status: raw.status,
    tags: raw.tags,
    createdAt: created.toISOString(),
    ageHours: Math.round((ageMs / HOUR_MS) * 100) / 100,
    hourly,
    startedHours,
    costSoFar,
  };
}

function ghostOf(journal: RunJournal, stack: LocalStack | undefined, firewalls: AuditFirewall[], options: ReconcileOptions): AuditGhost {
  const base = { runId: journal.runId, status: journal.status, instanceId: journal.instanceId, startedAt: journal.startedAt };
  if (stack || firewalls.some((f) => f.runId === journal.runId)) {
    return {
      ...base,
      action: "report",
      note: `The instance is gone, but the run still has resources (stack or firewall). Run \`${DESTROY_COMMAND}\`.`,
    };
  }
  const age = options.now.getTime() - Date.parse(journal.updatedAt);
  if (journal.status === "provisioning" && age < PROVISIONING_GRACE_MS && !options.justDestroyed?.has(journal.runId)) {
    return { ...base, action: "report", note: "Still provisioning, or stopped before the server was created; left as is." };
  }
  return { ...base, action: "mark-destroyed", note: `The journal says ${journal.status}, but the instance is gone from the account.` };
}

function summarise(
  parts: Pick<AuditReport, "instances" | "firewalls" | "stacks" | "ghosts">,
  sources: AuditSources,
  options: ReconcileOptions,
): AuditReport {
  const priced = parts.instances.filter((i) => i.hourly !== undefined);
  const billing = parts.instances.length > 0;
  const leftovers = billing || parts.firewalls.length > 0 || parts.stacks.length > 0;
  return {
    checkedAt: options.now.toISOString(),
    // Stryker disable next-line ConditionalExpression: "runId: undefined" and no runId read and print alike (JSON drops undefined)
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
    billing,
    exitCode: billing ? 1 : 0,
    ...parts,
    totals: {
      instances: parts.instances.length,
      hourly: roundCents(
        priced.reduce((sum, i) => sum + i.hourly!, 0),
        1000,
      ),
      costSoFar: roundCents(priced.reduce((sum, i) => sum + i.costSoFar!, 0)),
      unpriced: parts.instances.length - priced.length,
    },
    ...(sources.account ? { balanceUninvoiced: sources.account.balance_uninvoiced } : {}),
    prices: { source: sources.prices.source, ...(sources.prices.fallbackDate ? { fallbackDate: sources.prices.fallbackDate } : {}) },
    warnings: [...sources.warnings],
    ...(leftovers ? { next: DESTROY_COMMAND } : {}),
  };
}

function roundCents(value: number, scale = 100): number {
  return Math.round(value * scale) / scale;
}
