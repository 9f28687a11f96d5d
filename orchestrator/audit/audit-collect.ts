import { AuditError } from "../errors.ts";
import { LinodeApiError, type LinodeAccount, type LinodeClient, type LinodeFirewall, type LinodeInstance } from "../cloud/linode-api.ts";
import { loadPlans, type PlansResult } from "../cloud/prices.ts";
import { listJournals, type RunJournal } from "../state/journal.ts";
import { RENDER_REMOTE_TAG, type LocalStack, type LocalStacks } from "./audit-types.ts";

/**
 * Reads the three sources the audit reconciles: the Linode account (the
 * truth about billing: failing to read it fails the audit), the local
 * journal and the local Pulumi stacks (failing to read those is a warning:
 * the account still answers "is anything billing?").
 */
export interface AuditSources {
  instances: LinodeInstance[];
  /** Instances a live journal names that are in the account without our tag. */
  untaggedKnown: LinodeInstance[];
  firewalls: LinodeFirewall[];
  journals: RunJournal[];
  /** undefined when no stack store was given or it could not be read. */
  stacks: LocalStack[] | undefined;
  prices: PlansResult;
  account: LinodeAccount | undefined;
  warnings: string[];
}

export interface CollectDeps {
  client: LinodeClient;
  env?: NodeJS.ProcessEnv;
  stacks?: LocalStacks;
}

export const ACTIVE_STATUSES = new Set(["provisioning", "live", "destroying", "destroy-failed"]);

export async function collectSources(deps: CollectDeps): Promise<AuditSources> {
  const warnings: string[] = [];
  const [instances, firewalls, journals, stacks, prices, account] = await Promise.all([
    fromAccount(deps.client.listInstances({ tag: RENDER_REMOTE_TAG })),
    fromAccount(deps.client.listFirewalls({ tag: RENDER_REMOTE_TAG })),
    listJournals(deps.env).catch((error: Error) => {
      warnings.push(`Could not read the run journal (${error.message}); orphans cannot be told apart.`);
      return [] as RunJournal[];
    }),
    readStacks(deps.stacks, warnings),
    loadPlans({ client: deps.client }),
    deps.client.getAccount().catch((error: Error) => {
      // A token scoped to Linodes and Firewalls only may not read the account; the balance is a nicety.
      // Stryker disable next-line ConditionalExpression: equivalent, listInstances fails on the same missing token with the same message first
      if (error instanceof LinodeApiError && error.kind === "no-token") throw toAuditError(error);
      warnings.push(`Uninvoiced balance not shown: ${error.message.split(". ")[0]}.`);
      return undefined;
    }),
  ]);
  if (prices.warning) warnings.push(prices.warning);
  const untaggedKnown = await findUntaggedKnown(deps.client, journals, instances);
  return { instances, untaggedKnown, firewalls, journals, stacks, prices, account, warnings };
}

/**
 * A journal that says "live" while no tagged instance matches it: ask for its
 * instance by id, so an instance whose tag was removed is still reported
 * (never deleted), and "gone" is confirmed by a 404, not assumed.
 */
async function findUntaggedKnown(client: LinodeClient, journals: RunJournal[], instances: LinodeInstance[]): Promise<LinodeInstance[]> {
  const known = new Set(instances.map((instance) => instance.id));
  const lookups = journals.filter((j) => ACTIVE_STATUSES.has(j.status) && j.instanceId !== undefined && !known.has(j.instanceId));
  const found = await Promise.all(lookups.map((j) => fromAccount(client.getInstance(j.instanceId!))));
  return found.filter((instance): instance is LinodeInstance => instance !== undefined);
}

async function readStacks(stacks: LocalStacks | undefined, warnings: string[]): Promise<LocalStack[] | undefined> {
  if (!stacks) return undefined;
  try {
    return await stacks.listStacks();
  } catch (error) {
    warnings.push(`Could not list the local Pulumi stacks (${(error as Error).message}); only the account and the journal were checked.`);
    return undefined;
  }
}

/** The account is the source of truth: if it cannot be read, the audit has failed (exit 2). */
async function fromAccount<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw toAuditError(error);
  }
}

export function toAuditError(error: unknown): AuditError {
  if (error instanceof AuditError) return error;
  if (error instanceof LinodeApiError) {
    // Auth and no-token messages already say what to do; the others get the retry hint.
    const next = error.kind === "auth" || error.kind === "no-token" ? "" : " Then run `render-remote audit` again.";
    return new AuditError(`The audit could not read the Linode account: ${error.message}${next}`, { cause: error });
  }
  return new AuditError(`The audit failed: ${(error as Error).message}. Run \`render-remote audit\` again.`, { cause: error });
}
