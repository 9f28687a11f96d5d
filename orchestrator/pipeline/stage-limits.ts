import { RemoteError } from "../errors.ts";
import type { Host } from "../hosts/host.ts";
import type { PipelineContext, StageName } from "./context.ts";

/**
 * How long a stage may take before the run gives up on the host (and tears
 * down), and how long one command may stay silent. A server that hangs (a
 * `cloud-init status --wait` that never returns) cannot hold a run for ever.
 * The render has no stage limit (its length is the user's choice, and it
 * reports each frame); download is bounded by its sizes and SFTP's idle limit.
 */
export const STAGE_LIMIT_SECONDS: Partial<Record<StageName, number>> = {
  connect: 15 * 60,
  prepare: 45 * 60,
  upload: 30 * 60,
};
export const IDLE_LIMIT_SECONDS = 10 * 60;

export interface Limits {
  stageSeconds?: Partial<Record<StageName, number>>;
  idleSeconds?: number;
}

/** Milliseconds a command on the host may stay silent. */
export function idleTimeoutMs(ctx: Pick<PipelineContext, "limits">): number {
  return (ctx.limits?.idleSeconds ?? IDLE_LIMIT_SECONDS) * 1000;
}

/**
 * Runs a stage with ctx.signal also aborting at the stage's limit; a stage
 * stopped that way fails with a RemoteError naming the limit (and the host, once connected), not as a Ctrl-C.
 */
export async function withStageLimit<T>(
  ctx: Pick<PipelineContext, "limits" | "signal">,
  name: StageName,
  run: () => Promise<T>,
  host?: Pick<Host, "description">,
): Promise<T> {
  const seconds = ctx.limits?.stageSeconds?.[name] ?? STAGE_LIMIT_SECONDS[name];
  if (seconds === undefined) return run();
  const outer = ctx.signal;
  const timeout = AbortSignal.timeout(seconds * 1000);
  ctx.signal = AbortSignal.any([outer, timeout]);
  const overran = () => timeout.aborted && !outer.aborted;
  // a call that ignores the signal (an SFTP request a stalled server never answers) must not hold the stage:
  // the limit rejects by itself, and teardown's closing of the connection ends the call
  let onTimeout = () => {};
  const limit = new Promise<never>((_resolve, reject) => {
    onTimeout = () => !outer.aborted && reject(overrun(name, seconds, host));
    timeout.addEventListener("abort", onTimeout, { once: true });
  });
  const work = run();
  work.catch(() => undefined); // if the limit won, the stage's own late failure is no news
  try {
    const value = await Promise.race([work, limit]);
    if (overran()) throw overrun(name, seconds, host);
    return value;
  } catch (error) {
    throw overran() && !(error instanceof RemoteError && error.message.startsWith(`${name} did not finish`))
      ? overrun(name, seconds, host, error)
      : error;
  } finally {
    timeout.removeEventListener("abort", onTimeout);
    ctx.signal = outer;
  }
}

function overrun(name: StageName, seconds: number, host: Pick<Host, "description"> | undefined, cause?: unknown): RemoteError {
  const where = host?.description ?? "the host";
  return new RemoteError(
    `${name} did not finish within ${seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`} on ${where}; gave up on it. Check the host (is it stuck setting itself up?), then run again.`,
    { cause },
  );
}
