import { createInterface } from "node:readline/promises";
import { BadInputError } from "../errors.ts";
import { linodeClientFromEnv, type LinodeClient } from "../cloud/linode-api.ts";
import { abortableSleep, type Sleep } from "../cloud/retry.ts";
import { updateJournal } from "../state/journal.ts";
import { collectSources, toAuditError } from "./audit-collect.ts";
import { destroyListed } from "./audit-destroy.ts";
import { formatAuditReport, formatRunVerdict } from "./audit-format.ts";
import { reconcile } from "./audit-reconcile.ts";
import { inspectServerSide, revokeListedTokens } from "./audit-server-side.ts";
import { DESTROY_COMMAND, DESTROY_YES_COMMAND, type AuditReport, type LocalStacks } from "./audit-types.ts";

export type { AuditReport, LocalStacks } from "./audit-types.ts";

/** What the audit reads and how it waits; tests pass their own. */
export interface AuditDeps {
  /** Default: LINODE_TOKEN and LINODE_URL from `env`. */
  client?: LinodeClient;
  /** Locates the journal (RENDER_REMOTE_HOME) and the token. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The local Pulumi stacks; without it the audit reads the account and the journal only. */
  stacks?: LocalStacks;
  now?: () => Date;
  sleep?: Sleep;
  /** Whether a run's client process is still there (default: signal 0 to its pid). */
  clientAlive?: (pid: number) => boolean;
}

export interface AuditOptions extends AuditDeps {
  destroy?: boolean;
  yes?: boolean;
  json?: boolean;
  /** Asks before --destroy deletes anything. Default: a y/N prompt on stderr. */
  confirm?: (question: string) => Promise<boolean>;
  /** Whether there is a person to ask. Default: stdin and stderr are terminals. */
  interactive?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** How often, and how long apart, to look again for instances just deleted (Linode removes them within seconds). */
const SETTLE_ATTEMPTS = 4;
const SETTLE_DELAY_MS = 3_000;

/**
 * `render-remote audit [--destroy] [--yes] [--json]`: is anything of ours
 * still billing? Reads the account, the journal and the Pulumi stacks,
 * reports, and with --destroy deletes what it listed and audits again.
 * Returns the report (exitCode 0 nothing billing, 1 something billing);
 * throws AuditError (exit 2) when the audit itself could not be done.
 */
export async function audit(options: AuditOptions = {}): Promise<AuditReport> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const deps = resolveDeps(options);
  try {
    let report = await inspect(deps, { reconcileJournals: true });
    if (options.destroy) report = await destroyAndRecheck(report, deps, options, stderr);
    stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatAuditReport(report));
    return report;
  } catch (error) {
    const failure = error instanceof BadInputError ? error : toAuditError(error);
    // Machines reading --json get an answer on stdout too; people get the message from index.ts.
    if (options.json) stdout.write(`${JSON.stringify({ error: failure.message, exitCode: 2 }, null, 2)}\n`);
    throw failure;
  }
}

export interface RunAuditResult {
  /** Nothing of this run is left at all. */
  clean: boolean;
  billing: boolean;
  /** "nothing left billing", or what is left and `render-remote audit --destroy --yes`. */
  message: string;
  report: AuditReport;
}

/** After every real run: what of this run is left. Read-only; the run marks its own journal. */
export async function auditRun(runId: string, deps: AuditDeps = {}): Promise<RunAuditResult> {
  try {
    const report = await inspect(resolveDeps(deps), { reconcileJournals: false, runId });
    const clean = report.instances.length + report.firewalls.length + report.stacks.length === 0;
    return { clean, billing: report.billing, message: formatRunVerdict(report), report };
  } catch (error) {
    throw toAuditError(error);
  }
}

type ResolvedDeps = Required<Pick<AuditDeps, "client" | "env" | "now" | "sleep">> & Pick<AuditDeps, "stacks" | "clientAlive">;

function resolveDeps(deps: AuditDeps): ResolvedDeps {
  const env = deps.env ?? process.env;
  return {
    client: deps.client ?? linodeClientFromEnv(env),
    env,
    stacks: deps.stacks,
    now: deps.now ?? (() => new Date()),
    sleep: deps.sleep ?? abortableSleep,
    clientAlive: deps.clientAlive,
  };
}

async function inspect(
  deps: ResolvedDeps,
  options: { reconcileJournals: boolean; runId?: string; justDestroyed?: ReadonlySet<string> },
): Promise<AuditReport> {
  const sources = await collectSources(deps);
  const report = reconcile(sources, { now: deps.now(), runId: options.runId, justDestroyed: options.justDestroyed });
  const serverSide = await inspectServerSide(deps.client, {
    journals: sources.journals,
    instances: report.instances,
    now: deps.now(),
    runId: options.runId,
    warnings: report.warnings,
    clientAlive: deps.clientAlive,
  });
  if (serverSide) report.serverSide = serverSide;
  if (serverSide?.runTokens.length) report.next ??= DESTROY_COMMAND;
  for (const ghost of report.ghosts) {
    if (ghost.action !== "mark-destroyed") continue;
    if (!options.reconcileJournals) {
      ghost.action = "report";
      continue;
    }
    await updateJournal(
      ghost.runId,
      { status: "destroyed", error: `render-remote audit found no instance at ${report.checkedAt}` },
      deps.env,
    );
    ghost.action = "marked-destroyed";
  }
  return report;
}

async function destroyAndRecheck(
  report: AuditReport,
  deps: ResolvedDeps,
  options: AuditOptions,
  stderr: NodeJS.WritableStream,
): Promise<AuditReport> {
  const tokens = report.serverSide?.runTokens.length ?? 0;
  const listed = report.instances.length + report.firewalls.length + report.stacks.length + tokens;
  if (listed === 0) return { ...report, destroy: { confirmed: true, steps: [] } };
  if (!options.yes) {
    const interactive = options.interactive ?? Boolean(process.stdin.isTTY && (stderr as { isTTY?: boolean }).isTTY);
    if (!interactive) {
      throw new BadInputError(
        `\`audit --destroy\` asks before deleting, and there is no terminal to ask on. Run \`${DESTROY_YES_COMMAND}\` to delete without asking.`,
      );
    }
    if (!options.json) stderr.write(formatAuditReport(report));
    const confirm = options.confirm ?? ((question: string) => askOnTerminal(question, stderr));
    const what = `${report.instances.length} instance(s), ${report.firewalls.length} firewall(s), ${report.stacks.length} stack(s)`;
    const revoke = tokens > 0 ? ` and revoke ${tokens} run token(s)` : "";
    if (!(await confirm(`Delete ${what} tagged render-remote${revoke}?`))) return { ...report, destroy: { confirmed: false, steps: [] } };
  }

  const outcome = await destroyListed(report, deps);
  outcome.steps.push(...(await revokeListedTokens(deps.client, report.serverSide)));
  let after = await inspect(deps, { reconcileJournals: true, justDestroyed: outcome.runIds });
  // A deleted instance can linger in the listing for a few seconds; look again before reporting it as left.
  for (let attempt = 1; attempt < SETTLE_ATTEMPTS && after.instances.some((i) => outcome.deletedInstanceIds.includes(i.id)); attempt++) {
    await deps.sleep(SETTLE_DELAY_MS);
    after = await inspect(deps, { reconcileJournals: true, justDestroyed: outcome.runIds });
  }
  return { ...after, destroy: { confirmed: true, steps: outcome.steps } };
}

async function askOnTerminal(question: string, output: NodeJS.WritableStream): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output });
  try {
    return /^y(es)?$/i.test((await terminal.question(`${question} [y/N] `)).trim());
  } finally {
    terminal.close();
  }
}
