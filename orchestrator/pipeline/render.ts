import type { ProgressEvent } from "../../renderer/progress.ts";
import { InterruptedError, RemoteError } from "../errors.ts";
import { followRender, type FollowResult, type FollowState } from "../detach/follow.ts";
import { runLink } from "../detach/host-link.ts";
import { launchDetached } from "../detach/launch.ts";
import type { Host } from "../hosts/host.ts";
import type { PipelineContext, Rendered, RunDirectory, Toolchain } from "./context.ts";

/** Told the connection that works after a reconnect: download and teardown use it. */
export type OnHost = (host: Host) => void;

/**
 * render: start the uploaded bundle on the host detached from the SSH session
 * (detach/launch.ts), with --progress json, on every core unless --processes
 * says otherwise, then follow its progress file into the local display
 * (detach/follow.ts). A dropped link is reconnected for --reconnect-for; the
 * render goes on meanwhile.
 */
export async function render(
  ctx: PipelineContext,
  host: Host,
  toolchain: Toolchain,
  runDir: RunDirectory,
  onHost?: OnHost,
): Promise<Rendered> {
  const processes = workerCount(ctx, toolchain);
  const argv = [
    toolchain.node,
    runDir.bundle,
    "--spec",
    runDir.spec,
    "--out",
    `${runDir.path}/out`,
    "--progress",
    "json",
    "--processes",
    String(processes),
    "--preset",
    ctx.preset,
    "--ffmpeg",
    toolchain.ffmpeg,
    ...(ctx.keepFrames ? ["--png-frames"] : []),
  ];
  ctx.reporter.info(
    `  rendering ${ctx.job.frames} frame${ctx.job.frames === 1 ? "" : "s"} of ${ctx.job.width}x${ctx.job.height} with ${processes} workers on ${host.description}`,
  );
  const pid = await launchDetached(host, runDir.path, argv, ctx.signal);
  if (ctx.signal.aborted) throw new InterruptedError("Interrupted during render.");
  await ctx.onLaunched?.(runDir.path);
  return follow(ctx, host, runDir.path, pid, onHost);
}

/** Follows a render already running (or finished) on `host`, reconnecting as needed. `attach` starts here. */
export async function follow(ctx: PipelineContext, host: Host, runDir: string, pid: number, onHost?: OnHost): Promise<Rendered> {
  const link = runLink(ctx, host);
  const state: FollowState = { offset: 0 };
  const show = (event: ProgressEvent) => {
    if (event.event !== "frame") return;
    const { done, total, fps, etaSeconds } = event;
    if ([fps, etaSeconds].every(Number.isFinite)) ctx.reporter.progress(done, total, fps, etaSeconds);
  };
  let result: FollowResult;
  try {
    result = await followRender(link, runDir, pid, state, ctx.signal, show);
  } finally {
    if (link.current !== host) onHost?.(link.current); // download and teardown use the connection that works
  }
  if (ctx.signal.aborted) throw new InterruptedError("Interrupted during render.");
  const where = link.current.description;
  const tail = result.stderrTail.trim().split("\n").slice(-12).join("\n");
  if (result.exitStatus === 0 && state.done) {
    // parseProgressLine checked the figures; download checks the outputs themselves
    return { outputs: state.done.outputs, seconds: state.done.seconds, iterations: state.done.iterations };
  }
  if (result.exitStatus === 0) {
    throw new RemoteError(
      `The renderer on ${where} exited without a valid "done" event, so its outputs are unknown; nothing was downloaded.${tail ? `\nRenderer stderr:\n${tail}` : ""}`,
      { stderr: result.stderrTail },
    );
  }
  const how =
    result.exitStatus === undefined
      ? "killed, with no exit status written"
      : result.exitStatus > 128
        ? `killed by signal ${result.exitStatus - 128}`
        : `exit ${result.exitStatus}`;
  throw new RemoteError(
    `The render failed on ${where} (${how}): ${state.reported ?? "no message"}${tail ? `\nRenderer stderr:\n${tail}` : ""}`,
    { stderr: result.stderrTail },
  );
}

/** --processes, else one worker per core of the host. */
export function workerCount(ctx: Pick<PipelineContext, "processes">, toolchain: Toolchain): number {
  return ctx.processes ?? toolchain.cores;
}
