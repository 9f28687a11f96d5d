import { readJournal, updateJournal } from "../state/journal.ts";
import type { RunJournal } from "../state/journal.ts";
import { ProvisionError } from "../errors.ts";
import { deleteRunKeys } from "./keys.ts";
import type { ProvisionEngine } from "./pulumi-engine.ts";

/**
 * The end of every provisioned run, in the reverse order of creation: destroy
 * the stack (retried), remove it, delete the keys, mark the journal. A destroy
 * that fails for good marks the journal destroy-failed and throws a
 * ProvisionError naming the command that finishes the job.
 */

/** What finishes a teardown this process could not: audit destroys every stack and tagged server left. */
export const FINISH_TEARDOWN_COMMAND = "render-remote audit --destroy --yes";

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export interface RetryOptions {
  attempts: number;
  /** Delay after the first failure; each later one triples (10 s, 30 s, 90 s by default). */
  delayMs: number;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
  onOutput?: (text: string) => void;
}

export interface TeardownContext {
  engine: ProvisionEngine;
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

export async function tearDownRun(context: TeardownContext): Promise<void> {
  const { engine, runId, env, retry } = context;
  const { log } = retry;
  const start = Date.now();
  const note = async (changes: Partial<RunJournal>) => {
    // journal trouble must never stop the teardown itself
    if (context.journalWritten) await updateJournal(runId, changes, env).catch((error: unknown) => log(`Warning: could not update the journal for run ${runId} (${errorMessage(error)}).`));
  };

  await note({ status: "destroying", stage: "teardown" });
  const failure = context.upStarted ? await destroyWithRetries(engine, runId, retry) : undefined;
  if (context.upStarted && !failure) {
    await engine.removeStack(runId).catch((error: unknown) => log(`Warning: the server is gone, but stack ${runId} could not be removed (${errorMessage(error)}). Run: render-remote audit`));
  }
  await deleteRunKeys(runId, env).catch((error: unknown) => log(`Warning: could not delete run ${runId}'s keys (${errorMessage(error)}); delete them by hand.`));

  if (failure) {
    const message = finishTeardownMessage(runId, context.hourly, failure, context.runError?.error);
    await note({ status: "destroy-failed", error: message });
    log(message);
    throw new ProvisionError(message, { cause: failure.error });
  }
  const previous = context.journalWritten ? (await readJournal(runId, env).catch(() => undefined))?.stageSeconds : undefined;
  const stageSeconds = { ...previous, ...context.stageSeconds, teardown: Math.round((Date.now() - start) / 1000) };
  await note({ status: "destroyed", stage: "teardown", stageSeconds });
  if (context.upStarted) log(`Destroyed run ${runId}: nothing of it is billing any more.`);
}

/**
 * Destroys stack `runId`, retrying with backoff: Linode's API rate-limits and
 * has bad minutes. Resolves to undefined once destroyed, or to the last error
 * when every attempt failed. Never cancelled by Ctrl-C: the signal is not passed.
 */
export async function destroyWithRetries(engine: ProvisionEngine, runId: string, options: RetryOptions): Promise<{ error: unknown } | undefined> {
  options.log(`Destroying run ${runId}…`);
  for (let attempt = 1; ; attempt += 1) {
    try {
      await engine.destroy(runId, { onOutput: options.onOutput });
      return undefined;
    } catch (error) {
      if (attempt >= options.attempts) return { error };
      const delayMs = options.delayMs * 3 ** (attempt - 1);
      options.log(`Destroy attempt ${attempt} of ${options.attempts} failed (${errorMessage(error)}); retrying in ${Math.round(delayMs / 1000)} s.`);
      await options.sleep(delayMs);
    }
  }
}

/** The message for a teardown that failed for good: what may be billing, and the command that finishes the job. */
export function finishTeardownMessage(runId: string, hourly: number, failure: { error: unknown }, runError?: unknown): string {
  const before = runError === undefined ? "" : ` (The run had already failed: ${errorMessage(runError)})`;
  return (
    `Could not destroy run ${runId}: ${errorMessage(failure.error)}. Its server may still be billing at $${hourly}/h.${before} ` +
    `To finish the teardown, run: ${FINISH_TEARDOWN_COMMAND}`
  );
}
