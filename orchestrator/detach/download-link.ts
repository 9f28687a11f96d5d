import type { Host } from "../hosts/host.ts";
import type { PipelineContext, Rendered, RunDirectory } from "../pipeline/context.ts";
import { download } from "../pipeline/download.ts";
import type { OnHost } from "../pipeline/render.ts";
import { runLink } from "./host-link.ts";

/** Drops survived in one download before it fails: a server that keeps cutting the link is not waited on for ever. */
const MAX_DROPS = 5;

/**
 * download, again over a fresh connection when the link drops mid-transfer
 * (for --reconnect-for, as during the render): the render is over and its
 * files wait on the host. A failed download discards what it staged, so each
 * try starts clean; past --reconnect-for, a LinkLostError leaves the run for
 * `attach`. Any other failure (a bad size, a damaged file) fails as before.
 */
export async function downloadOverLink(
  ctx: PipelineContext,
  host: Host,
  runDir: RunDirectory,
  rendered: Rendered,
  onHost?: OnHost,
): Promise<string[]> {
  const link = runLink(ctx, host);
  for (let drops = 0; ; drops++) {
    try {
      return await download(ctx, link.current, runDir, rendered);
    } catch (error) {
      const why = await linkDropped(link.current, ctx.signal);
      if (why === undefined || ctx.signal.aborted || drops === MAX_DROPS) throw error;
      await link.reconnect(why, ctx.signal, "the results wait there");
      onHost?.(link.current); // teardown uses the connection that works
    }
  }
}

/** Why the link is gone, or undefined when it works (the failure was something else). */
async function linkDropped(host: Host, signal: AbortSignal): Promise<string | undefined> {
  if (host.local) return undefined;
  if (host.lost !== undefined) return host.lost;
  // the socket's close may not have been seen yet: one command tells a dead link from a live one
  const probe = await host.exec(["true"], { signal }).then(
    (result) => (result.connectionLost ? "the connection dropped" : undefined),
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  return host.lost ?? probe;
}
