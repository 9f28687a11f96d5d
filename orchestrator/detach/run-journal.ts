import { jobToSpec, type Job } from "../../renderer/spec.ts";
import { updateJournal, writeJournal, type RenderState, type RunAccess, type RunJournal } from "../state/journal.ts";

/**
 * The journal of a run that touches a host, as the pipeline's hooks fill it:
 * the run directory once it exists, "rendering" once the renderer runs
 * detached, and how far the run got. Journal trouble never stops a run: a
 * failed write costs only the chance to attach.
 */
export async function startTargetJournal(
  entry: { runId: string; target: string; access: RunAccess; outDir: string; job: Job; keepFrames: boolean },
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  const now = new Date().toISOString();
  const journal: RunJournal = {
    runId: entry.runId,
    mode: "target",
    target: entry.target,
    access: entry.access,
    outDir: entry.outDir,
    spec: jobToSpec(entry.job) as unknown as Record<string, unknown>,
    keepFrames: entry.keepFrames,
    // the cloud fields have no meaning here; listJournals (audit, estimates) leaves target runs out
    plan: "target",
    type: "",
    region: "",
    hourly: 0,
    stack: { name: "", backendUrl: "" },
    startedAt: now,
    updatedAt: now,
    status: "live",
    stage: "connect",
  };
  await writeJournal(journal, env);
}

/** The pipeline hooks that record a run's progress in its journal. */
export function journalHooks(runId: string, warn: (line: string) => void, env?: NodeJS.ProcessEnv) {
  const note = (changes: Partial<RunJournal>) =>
    updateJournal(runId, changes, env).then(
      () => undefined,
      (error: Error) => warn(`could not update the journal of run ${runId} (${error.message}); \`render-remote attach\` may not find it`),
    );
  return {
    onRunDir: (runDir: string) => void note({ remoteRunDir: runDir }),
    onLaunched: (runDir: string) => note({ remoteRunDir: runDir, renderState: "rendering", stage: "render" }),
    state: (renderState: RenderState, more: Partial<RunJournal> = {}) => note({ renderState, ...more }),
  };
}
