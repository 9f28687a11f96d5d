import type { RunStatus } from "../state/journal.ts";

/**
 * The audit's report: what is in the account, what the journal and the
 * Pulumi stacks say, and where they disagree. It is printed as a table or,
 * with --json, as is.
 */
export { RENDER_REMOTE_TAG, RUN_TAG_PREFIX } from "../../stacks/tags.ts";
export const DESTROY_COMMAND = "render-remote audit --destroy";
/** What finishes any teardown this process could not: the one spelling, used by the teardown and the audit alike. */
export const DESTROY_YES_COMMAND = "render-remote audit --destroy --yes";

/** Where the audit learnt about a resource. */
export type Source = "account" | "journal" | "stack";

export type { LocalStack, LocalStacks } from "../cloud/local-stacks.ts";

export interface AuditInstance {
  id: number;
  label: string;
  type: string;
  region: string;
  status: string;
  tags: string[];
  /** From the render-remote-run:<id> tag, else from the journal that names this instance. */
  runId?: string;
  createdAt: string;
  ageHours: number;
  /** US$ per hour; undefined when neither Linode nor the journal priced this type. */
  hourly?: number;
  /** Linode bills every started hour, at least one. */
  startedHours: number;
  costSoFar?: number;
  knownBy: Source[];
  /** In the account, but no journal knows it: a crash or kill before the journal was written, or another machine. */
  orphan: boolean;
  /** False for an instance a journal names that has lost its render-remote tag: reported, never deleted. */
  tagged: boolean;
}

export interface AuditFirewall {
  id: number;
  label: string;
  status: string;
  tags: string[];
  runId?: string;
  /** Linode ids it is attached to; undefined when the API did not say (the v4 description documents no `entities`). */
  linodeIds?: number[];
  knownBy: Source[];
}

export interface AuditStack {
  name: string;
  resourceCount?: number;
  runId?: string;
}

/** A journal that says a server is (or may be) up, while the account has none. */
export interface AuditGhost {
  runId: string;
  status: RunStatus;
  instanceId?: number;
  startedAt: string;
  /** What the audit does about it: mark the journal destroyed, or only report it. */
  action: "mark-destroyed" | "marked-destroyed" | "report";
  note: string;
}

export interface DestroyStep {
  target: string;
  outcome: "deleted" | "already-gone" | "skipped" | "failed";
  detail?: string;
}

export interface AuditReport {
  checkedAt: string;
  /** Set by auditRun: the report covers this run only. */
  runId?: string;
  /** True when an instance is up: instances are what Linode bills for. */
  billing: boolean;
  /** 0 nothing billing, 1 something billing (2, audit failed, is a thrown AuditError). */
  exitCode: 0 | 1;
  instances: AuditInstance[];
  firewalls: AuditFirewall[];
  stacks: AuditStack[];
  ghosts: AuditGhost[];
  totals: { instances: number; hourly: number; costSoFar: number; unpriced: number };
  /** From GET /v4/account when the token may read it. */
  balanceUninvoiced?: number;
  prices: { source: "api" | "mixed" | "fallback"; fallbackDate?: string };
  warnings: string[];
  /** Present after --destroy: what was attempted, and whether the user agreed. */
  destroy?: { confirmed: boolean; steps: DestroyStep[] };
  /** The command that removes what is left, when something is. */
  next?: string;
}
