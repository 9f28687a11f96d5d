import type { ProgressEvent } from "../../renderer/progress.ts";
import { InterruptedError, RemoteError } from "../errors.ts";
import { followRender, type FollowResult, type FollowState } from "../detach/follow.ts";
import { DEFAULT_RECONNECT_SECONDS, HostLink } from "../detach/host-link.ts";
import { launchDetached } from "../detach/launch.ts";
import type { PipelineContext } from "./context.ts";

/**
 * render: start the uploaded bundle on the host detached from the SSH session
 * (detach/launch.ts), with --progress json, on every core unless --processes
 * says otherwise, then follow its progress file into the local display
 * (detach/follow.ts). A dropped link is reconnected for --reconnect-for; the
 * render goes on meanwhile.
 */
export async function render(ctx: PipelineContext): Promise<void> {
  const remote = ctx.remote!;
  const processes = ctx.processes ?? remote.cores;
  const argv = [
    remote.node, remote.bundle, "--spec", remote.spec, "--out", `${remote.runDir}/out`,
    "--progress", "json", "--processes", String(processes), "--preset", ctx.preset, "--ffmpeg", remote.ffmpeg,
    ...(ctx.keepFrames ? ["--png-frames"] : []),
  ];
  ctx.reporter.info(`  rendering ${ctx.job.frames} frame${ctx.job.frames === 1 ? "" : "s"} of ${ctx.job.width}x${ctx.job.height} with ${processes} workers on ${ctx.host!.description}`);
  const pid = await launchDetached(ctx.host!, remote.runDir, argv, ctx.signal);
  if (ctx.signal.aborted) throw new InterruptedError("Interrupted during render.");
  await ctx.onLaunched?.(remote.runDir);
  await follow(ctx, pid);
}

/** Follows a render already running (or finished) on ctx.host, reconnecting as needed; fills ctx.rendered. `attach` starts here. */
export async function follow(ctx: PipelineContext, pid: number): Promise<void> {
  const link = new HostLink(ctx.host!, {
    open: ctx.openHost,
    reconnectForMs: (ctx.reconnectForSeconds ?? DEFAULT_RECONNECT_SECONDS) * 1000,
    say: (line) => ctx.reporter.info(line),
  });
  const state: FollowState = { offset: 0 };
  const show = (event: ProgressEvent) => {
    if (event.event !== "frame") return;
    const { done, total, fps, etaSeconds } = event;
    if ([fps, etaSeconds].every(Number.isFinite)) ctx.reporter.progress(done, total, fps, etaSeconds);
  };
  let result: FollowResult;
  try {
    result = await followRender(link, ctx.remote!.runDir, pid, state, ctx.signal, show);
  } finally {
    ctx.host = link.current; // download and teardown use the connection that works
  }
  if (ctx.signal.aborted) throw new InterruptedError("Interrupted during render.");
  const where = ctx.host!.description;
  const tail = result.stderrTail.trim().split("\n").slice(-12).join("\n");
  if (result.exitStatus === 0 && state.done) {
    // parseProgressLine checked the figures; download checks the outputs themselves
    ctx.rendered = { outputs: state.done.outputs, seconds: state.done.seconds, iterations: state.done.iterations };
    return;
  }
  if (result.exitStatus === 0) {
    throw new RemoteError(`The renderer on ${where} exited without a valid "done" event, so its outputs are unknown; nothing was downloaded.${tail ? `\nRenderer stderr:\n${tail}` : ""}`, { stderr: result.stderrTail });
  }
  const how = result.exitStatus === undefined ? "killed, with no exit status written" : result.exitStatus > 128 ? `killed by signal ${result.exitStatus - 128}` : `exit ${result.exitStatus}`;
  throw new RemoteError(`The render failed on ${where} (${how}): ${state.reported ?? "no message"}${tail ? `\nRenderer stderr:\n${tail}` : ""}`, { stderr: result.stderrTail });
}
