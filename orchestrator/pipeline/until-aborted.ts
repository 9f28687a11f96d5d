import { InterruptedError } from "../errors.ts";

/** How long a stage may take to wind down after Ctrl-C before the pipeline moves on to teardown. */
export const ABORT_GRACE_MS = 2_000;

/**
 * `work`, but interruptible whatever it does: once `signal` aborts, it gets `graceMs` to finish,
 * then the pipeline moves on without it, so a stage stuck in local file work or a silent link
 * cannot keep teardown (which destroys a rented server) from running. Work that ends after an
 * abort, well or badly, ends as "Interrupted during <stage>": the abort is the cause, not
 * whatever error the cut-off command produced (a killed `sha256sum` is not a missing tool).
 */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal, stage: string, graceMs = ABORT_GRACE_MS): Promise<T> {
  const interrupted = (cause?: unknown) =>
    new InterruptedError(`Interrupted during ${stage}.`, cause === undefined ? undefined : { cause });
  let onAbort: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<never>((_, reject) => {
    onAbort = () => (timer = setTimeout(() => reject(interrupted()), graceMs));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  work.catch(() => undefined); // if we move on without it, its late failure is no one's to report
  try {
    const value = await Promise.race([work, giveUp]);
    if (signal.aborted) throw interrupted();
    return value;
  } catch (error) {
    // one wording for every stage, whatever the stage itself said
    if (signal.aborted && !(error instanceof InterruptedError && error.message === `Interrupted during ${stage}.`))
      throw interrupted(error);
    throw error;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
