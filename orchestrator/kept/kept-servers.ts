import { BadInputError } from "../errors.ts";
import { listJournals, readJournal, type RunJournal } from "../state/journal.ts";
import { runsDir } from "../state/paths.ts";

/**
 * Which journal entries are kept servers (`render-remote up`), and the checks `down` makes before it
 * touches anything. Pure but for reading the journal.
 */

/** A kept server still to be torn down: live, or a destroy that did not finish. */
export const isKept = (journal: RunJournal): boolean => journal.kept !== undefined && journal.status !== "destroyed";

/** Past its deadline (the watchdog should have deleted it): what still exists is a leftover. */
export function isExpired(journal: Pick<RunJournal, "deadline">, now: Date): boolean {
  return journal.deadline !== undefined && Date.parse(journal.deadline) <= now.getTime();
}

/** Every kept server in the journal, oldest first. */
export async function listKeptServers(env?: NodeJS.ProcessEnv): Promise<RunJournal[]> {
  return (await listJournals(env)).filter(isKept);
}

/** The entry `down <run-id>` may destroy; bad input (exit 2, nothing touched) otherwise. */
export async function keptServerToDestroy(runId: string, env?: NodeJS.ProcessEnv): Promise<RunJournal> {
  let journal: RunJournal | undefined;
  try {
    journal = await readJournal(runId, env);
  } catch (error) {
    if (/is not a run id/.test((error as Error).message))
      throw new BadInputError(`"${runId}" is not a run id (they look like rr-20261205-k3x9q2). \`render-remote runs\` lists yours.`);
    throw error;
  }
  if (!journal)
    throw new BadInputError(
      `No run ${runId} in ${runsDir(env)}. Nothing was touched. \`render-remote runs\` lists your runs and kept servers.`,
    );
  if (!journal.kept) {
    const instead =
      journal.mode === "target"
        ? "It rendered on your own server, which render-remote never destroys."
        : `Its own teardown removes its server; if it was left up, \`render-remote attach ${runId}\` finishes it, or \`render-remote audit --destroy\` removes what it left.`;
    throw new BadInputError(`Run ${runId} is not a kept server (\`render-remote up\` makes those). Nothing was touched. ${instead}`);
  }
  if (journal.status === "destroyed")
    throw new BadInputError(
      `Kept server ${runId} was already destroyed (${journal.updatedAt}). Nothing was touched. \`render-remote audit\` checks that nothing is left.`,
    );
  return journal;
}
