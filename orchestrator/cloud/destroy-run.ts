import { readJournal, updateJournal } from "../state/journal.ts";
import type { RunJournal } from "../state/journal.ts";
import { backoffMs } from "../backoff.ts";
import { ProvisionError } from "../errors.ts";
import { DESTROY_YES_COMMAND } from "../audit/audit-types.ts";
import { deleteRunKeys } from "./keys.ts";
import type { LinodeClient } from "./linode-api.ts";
import { CliDeadline } from "./pulumi-cli.ts";
import type { ProvisionEngine } from "./pulumi-engine.ts";
import { settleRunToken } from "./run-token.ts";
import { sweepRunResources, type SweepResult } from "./sweep-run.ts";

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export interface RetryOptions {
  attempts: number;
  /** How long one destroy may take before it is cancelled (then killed) and counted as failed. */
  attemptTimeoutMs?: number;
  /** Delay after the first failure; each later one triples (10 s, 30 s, 90 s by default). */
  delayMs: number;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
  onOutput?: (text: string) => void;
}

export interface TeardownContext {
  engine: ProvisionEngine;
  /** Lists and deletes what is tagged with the run, whatever Pulumi says. */
  client: LinodeClient;
  runId: string;
  hourly: number;
  env?: NodeJS.ProcessEnv;
  /** Whether `up` was called: if not, nothing can exist in the cloud. */
  upStarted: boolean;
  journalWritten: boolean;
  /** The error the run itself failed with, if any, for the final message. */
  runError?: { error: unknown };
  /** Wall seconds per stage so far; teardown adds its own. */
  stageSeconds: Record<string, number>;
  retry: RetryOptions;
}

/**
 * The end of every provisioned run, in the reverse order of creation: destroy
 * the stack (retried, each attempt with a deadline), then delete whatever
 * still carries the run's tag in the account and confirm it is gone, remove
 * the stack, delete the keys, mark the journal. When something may still be
 * billing, the journal says destroy-failed and a ProvisionError names the
 * command that finishes the job, whether the run itself succeeded or not.
 */
export async function tearDownRun(context: TeardownContext): Promise<void> {
  const { engine, runId, env, retry } = context;
  const { log } = retry;
  const start = Date.now();
  const note = async (changes: Partial<RunJournal>) => {
    // journal trouble must never stop the teardown itself
    if (context.journalWritten)
      await updateJournal(runId, changes, env).catch((error: unknown) =>
        log(`Warning: could not update the journal for run ${runId} (${errorMessage(error)}).`),
      );
  };

  await note({ status: "destroying", stage: "teardown" });
  const failure = context.upStarted ? await destroyWithRetries(engine, runId, retry) : undefined;
  const sweep: SweepResult = context.upStarted
    ? await sweepRunResources(context.client, runId, { sleep: retry.sleep })
    : { deleted: [], left: [] };
  if (sweep.deleted.length > 0) log(`Deleted through the Linode API what Pulumi left of run ${runId}: ${sweep.deleted.join(", ")}.`);
  if (context.upStarted && !failure) {
    await engine
      .removeStack(runId)
      .catch((error: unknown) =>
        log(`Warning: the server is gone, but stack ${runId} could not be removed (${errorMessage(error)}). Run: render-remote audit`),
      );
  }
  await deleteRunKeys(runId, env).catch((error: unknown) =>
    log(`Warning: could not delete run ${runId}'s keys (${errorMessage(error)}); delete them by hand.`),
  );

  if (sweep.left.length > 0) {
    const message = stillBillingMessage(runId, context.hourly, sweep, failure, context.runError?.error);
    await note({ status: "destroy-failed", error: message });
    log(message);
    throw new ProvisionError(message, { cause: failure?.error });
  }
  if (failure) {
    log(
      `Pulumi could not destroy stack ${runId} (${errorMessage(failure.error)}), but nothing tagged with the run is left in the account. ${DESTROY_YES_COMMAND} removes the stale stack.`,
    );
  }
  const previous = context.journalWritten ? (await readJournal(runId, env).catch(() => undefined))?.stageSeconds : undefined;
  const stageSeconds = { ...previous, ...context.stageSeconds, teardown: Math.round((Date.now() - start) / 1000) };
  await note({ status: "destroyed", stage: "teardown", stageSeconds });
  if (context.upStarted) log(`Destroyed run ${runId}: the account lists nothing tagged with it; nothing left billing.`);
}

/**
 * Destroys stack `runId`, retrying with backoff: Linode's API rate-limits and
 * has bad minutes. Resolves to undefined once destroyed, or to the last error
 * when every attempt failed. Never cancelled by Ctrl-C: the signal is not passed.
 */
export async function destroyWithRetries(
  engine: ProvisionEngine,
  runId: string,
  options: RetryOptions,
): Promise<{ error: unknown } | undefined> {
  options.log(`Destroying run ${runId}…`);
  for (let attempt = 1; ; attempt += 1) {
    try {
      await destroyWithDeadline(engine, runId, options);
      return undefined;
    } catch (error) {
      if (attempt >= options.attempts) return { error };
      const delayMs = backoffMs(attempt, { firstMs: options.delayMs, factor: 3 });
      options.log(
        `Destroy attempt ${attempt} of ${options.attempts} failed (${errorMessage(error)}); retrying in ${Math.round(delayMs / 1000)} s.`,
      );
      await options.sleep(delayMs);
    }
  }
}

/** A destroy that hangs must not hang the run: cancel it at the deadline (the CLI is killed if it ignores that) and count it as failed. */
async function destroyWithDeadline(engine: ProvisionEngine, runId: string, options: RetryOptions): Promise<void> {
  const timeoutMs = options.attemptTimeoutMs ?? 15 * 60_000;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new CliDeadline(60_000));
      reject(new Error(`pulumi destroy did not finish within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
  });
  try {
    await Promise.race([engine.destroy(runId, { onOutput: options.onOutput, signal: controller.signal }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The message for a teardown that failed for good: what is still billing, and the command that finishes the job. */
export function stillBillingMessage(
  runId: string,
  hourly: number,
  sweep: SweepResult,
  failure?: { error: unknown },
  runError?: unknown,
): string {
  const why = [failure ? `pulumi destroy failed (${errorMessage(failure.error)})` : "", sweep.error ?? ""]
    .filter(Boolean)
    .join("; ")
    .replace(/\.+$/, "");
  const before = runError === undefined ? "" : ` (The run had already failed: ${errorMessage(runError)})`;
  const what = sweep.unchecked ? `It may still be billing at $${hourly}/h` : `Still billing at $${hourly}/h`;
  return `Could not destroy run ${runId}${why ? `: ${why}` : ""}. ${what}: ${sweep.left.join(", ")}.${before} To finish the teardown, run: ${DESTROY_YES_COMMAND}`;
}

/**
 * Tears down a run whose own process is gone and whose server was left up (`down`, `attach`): the same
 * teardown as a run's, then its watchdog's token is revoked once nothing of the run is left.
 */
export async function tearDownLeftRun(
  journal: Pick<RunJournal, "runId" | "hourly" | "runToken">,
  context: { engine: ProvisionEngine; client: LinodeClient; env?: NodeJS.ProcessEnv; retry: RetryOptions },
): Promise<void> {
  await tearDownRun({
    ...context,
    runId: journal.runId,
    hourly: journal.hourly,
    upStarted: true,
    journalWritten: true,
    stageSeconds: {},
  });
  // the server is gone, so its watchdog's token has nothing left to guard (tearDownRun throws while it still bills)
  if (journal.runToken && !journal.runToken.revoked) {
    await settleRunToken(context.client, {
      runId: journal.runId,
      token: journal.runToken,
      destroyed: true,
      log: context.retry.log,
      env: context.env,
    });
  }
}
