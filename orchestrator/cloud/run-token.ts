import { runTag, RUN_TAG_PREFIX } from "../../stacks/tags.ts";
import { updateJournal } from "../state/journal.ts";
import { LinodeApiError, type LinodeClient, type LinodeToken } from "./linode-api.ts";

/**
 * The run's own Linode token, for the watchdog on the server: it must never
 * hold the user's. Only what deleting the server needs, expiring soon after
 * the deadline, labelled so `audit` can find it. Teardown revokes it.
 */
export const RUN_TOKEN_SCOPES = "linodes:read_write firewall:read_write";
/** What creating one needs of LINODE_TOKEN; without it the run has only the client-side guarantees. */
export const RUN_TOKEN_NEEDS = "account:read_write";
/** The watchdog retries a failed delete this long after the deadline; then the token is dead. */
export const RUN_TOKEN_GRACE_MS = 15 * 60_000;

/** Same spelling as the run's resources' tag, so one prefix finds all of a run. */
export const runTokenLabel = (runId: string) => runTag(runId);
export const isRunTokenLabel = (label: string) => label.startsWith(RUN_TAG_PREFIX);

export interface RunToken {
  id: number;
  label: string;
  /** ISO-8601 UTC. */
  expiry: string;
  /** The secret: kept in memory, sent on the watchdog's stdin, never logged or journaled. */
  secret: string;
}

export type RunTokenResult = { token: RunToken } | { token?: undefined; reason: string; missingScope: boolean };

export async function createRunToken(client: LinodeClient, runId: string, deadline: Date, signal?: AbortSignal): Promise<RunTokenResult> {
  const expiry = new Date(deadline.getTime() + RUN_TOKEN_GRACE_MS);
  try {
    const created = await client.createToken({ label: runTokenLabel(runId), scopes: RUN_TOKEN_SCOPES, expiry }, { signal });
    return { token: { id: created.id, label: created.label, expiry: expiry.toISOString(), secret: created.token } };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { reason: whyNoToken(error), missingScope: error instanceof LinodeApiError && error.status === 403 };
  }
}

/** The one line a run prints when it has no server-side deadline. */
export function noServerDeadlineLine(reason: string, missingScope = false): string {
  const fix = missingScope ? ` Give LINODE_TOKEN the ${RUN_TOKEN_NEEDS} scope to add it.` : "";
  return `No server-side deadline for this run (${reason}): only this laptop destroys the server, so keep it awake, or run \`render-remote audit\` later.${fix}`;
}

function whyNoToken(error: unknown): string {
  if (error instanceof LinodeApiError && error.status === 403)
    return `LINODE_TOKEN lacks ${RUN_TOKEN_NEEDS}, which creating the run's own token needs`;
  if (error instanceof LinodeApiError && error.status === 400)
    return `Linode refused a token with ${RUN_TOKEN_SCOPES}: ${error.reasons.join("; ") || "400"}`;
  return `creating the run's own token failed: ${(error as Error).message}`;
}

/** Revokes it; "already-gone" when it was (revoked by audit, or expired and removed). */
export function revokeRunToken(client: LinodeClient, id: number, signal?: AbortSignal) {
  return client.revokeToken(id, { signal });
}

/**
 * After teardown: revoke the token once nothing of the run is left. When the
 * destroy failed the server may still bill, and the watchdog's token is its
 * last way out: it is kept (audit lists it), and expires 15 minutes after the deadline.
 */
export async function settleRunToken(
  client: LinodeClient,
  context: { runId: string; token: Omit<RunToken, "secret">; destroyed: boolean; log: (line: string) => void; env?: NodeJS.ProcessEnv },
): Promise<void> {
  const { runId, token, log } = context;
  // the teardown's own error is the last word; the journal keeps the token, and `audit --destroy` revokes it
  if (!context.destroyed) return;
  try {
    await revokeRunToken(client, token.id);
    await updateJournal(runId, { runToken: { id: token.id, label: token.label, expiry: token.expiry, revoked: true } }, context.env).catch(
      () => undefined,
    );
  } catch (error) {
    log(
      `Warning: could not revoke run token ${token.id} (${(error as Error).message}); it expires at ${token.expiry}. Run: render-remote audit --destroy`,
    );
  }
}

/** The account's run tokens that still work: label render-remote-run:*, not expired at `now`. */
export function liveRunTokens(tokens: LinodeToken[], now: Date): LinodeToken[] {
  return tokens.filter((t) => isRunTokenLabel(t.label) && (t.expiry === null || linodeDate(t.expiry) > now));
}

const linodeDate = (value: string) => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
