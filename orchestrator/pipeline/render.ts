import { parseProgressLine, type ProgressEvent } from "../../renderer/progress.ts";
import { InterruptedError, RemoteError } from "../errors.ts";
import { BoundedTail } from "../hosts/line-splitter.ts";
import { printable } from "../hosts/remote-text.ts";
import type { Host } from "../hosts/host.ts";
import type { PipelineContext, Rendered, RunDirectory, Toolchain } from "./context.ts";

/**
 * render: run the uploaded bundle on the host with --progress json, on every
 * core unless --processes says otherwise, streaming its events into the local
 * display. The shell wrapper is a constant: it records the renderer's pid
 * (teardown uses it to stop a render that outlives us) and execs the argument
 * vector, every element of which is quoted by the host layer.
 */
const RECORD_PID_AND_EXEC = 'echo $$ > render.pid && exec "$@"';

export async function render(ctx: PipelineContext, host: Host, toolchain: Toolchain, runDir: RunDirectory): Promise<Rendered> {
  const processes = workerCount(ctx, toolchain);
  const argv = [
    "sh", "-c", RECORD_PID_AND_EXEC, "julia-render",
    toolchain.node, runDir.bundle, "--spec", runDir.spec, "--out", `${runDir.path}/out`,
    "--progress", "json", "--processes", String(processes), "--preset", ctx.preset, "--ffmpeg", toolchain.ffmpeg,
    ...(ctx.keepFrames ? ["--png-frames"] : []),
  ];
  ctx.reporter.info(`  rendering ${ctx.job.frames} frame${ctx.job.frames === 1 ? "" : "s"} of ${ctx.job.width}x${ctx.job.height} with ${processes} workers on ${host.description}`);

  let done: Extract<ProgressEvent, { event: "done" }> | undefined;
  let reported: string | undefined;
  const stderrTail = new BoundedTail(4000);
  const result = await host.exec(argv, {
    cwd: runDir.path,
    signal: ctx.signal,
    onStderr: (chunk) => stderrTail.append(chunk),
    onStdoutLine: (line) => {
      const parsed = parseProgressLine(line); // checked: the server's events are input like any other
      if (parsed.kind === "other") return; // not ours: a stray line from the host's shell profile
      const { event } = parsed;
      if (event.event === "frame") {
        const { done: frames, total, fps, etaSeconds } = event;
        if ([fps, etaSeconds].every(Number.isFinite)) ctx.reporter.progress(frames, total, fps, etaSeconds);
      } else if (event.event === "done") done = event;
      else if (event.event === "error") reported = printable(event.message).slice(0, 2000);
    },
  });

  if (ctx.signal.aborted) throw new InterruptedError("Interrupted during render.");
  if (result.exitCode === 0 && done) {
    // parseProgressLine checked the figures; download checks the outputs themselves
    return { outputs: done.outputs, seconds: done.seconds, iterations: done.iterations };
  }
  const stderrText = printable(stderrTail.toString());
  const tail = stderrText.trim().split("\n").slice(-12).join("\n");
  if (result.exitCode === 0) {
    throw new RemoteError(`The renderer on ${host.description} exited without a valid "done" event, so its outputs are unknown; nothing was downloaded.${tail ? `\nRenderer stderr:\n${tail}` : ""}`, { stderr: stderrText });
  }
  if (result.exitCode === null && result.connectionLost !== false) {
    throw new RemoteError(`The connection to ${host.description} dropped during the render.${tail ? `\nThe renderer's last words:\n${tail}` : ""}\nCheck the host is up, then run again.`, { stderr: stderrText });
  }
  const how = result.exitCode === null ? `killed by ${result.signal ?? "a signal"}` : `exit ${result.exitCode}`;
  throw new RemoteError(`The render failed on ${host.description} (${how}): ${reported ?? "no message"}${tail ? `\nRenderer stderr:\n${tail}` : ""}`, { stderr: stderrText });
}

/** --processes, else one worker per core of the host. */
export function workerCount(ctx: Pick<PipelineContext, "processes">, toolchain: Toolchain): number {
  return ctx.processes ?? toolchain.cores;
}
