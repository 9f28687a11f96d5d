import { InterruptedError } from "../errors.ts";
import { LinkLostError } from "../detach/host-link.ts";
import { connect } from "./connect.ts";
import type { Made, PipelineContext, Rendered, StageName, StageSeconds } from "./context.ts";
import { downloadOverLink } from "../detach/download-link.ts";
import { prepare } from "./prepare.ts";
import { render, workerCount } from "./render.ts";
import { withStageLimit } from "./stage-limits.ts";
import { teardown } from "./teardown.ts";
import { untilAborted } from "./until-aborted.ts";
import { upload } from "./upload.ts";

export interface PipelineResult {
  outputs: string[];
  stageSeconds: StageSeconds;
  renderSeconds: number;
  /** Everything but the render itself: connect, prepare, upload, download, teardown. */
  overheadSeconds: number;
  /** What the render measured, for the journal and later estimates. */
  iterations: number;
  workers: number;
  /** What teardown could not clean, with the commands that do. Empty when all is clean. */
  leftovers: string[];
}

/**
 * The whole run once a host exists: connect, prepare, upload, render,
 * download, each taking what the one before made, and teardown in finally,
 * on whatever was made, whatever happened before it.
 */
export async function runPipeline(ctx: PipelineContext): Promise<PipelineResult> {
  const made: Made = {};
  const stageSeconds: StageSeconds = {};
  const stage = async <T>(name: StageName, run: () => Promise<T>): Promise<T> => {
    if (ctx.signal.aborted) throw new InterruptedError(`Interrupted before ${name}.`);
    // the stage's limit narrows ctx.signal while it runs; a stage that ignores the abort is cut off after a grace
    const { value, seconds } = await ctx.reporter.stage(name, () =>
      withStageLimit(ctx, name, () => untilAborted(run(), ctx.signal, name), made.host),
    );
    stageSeconds[name] = seconds;
    return value;
  };
  let done: { outputs: string[]; rendered: Rendered; workers: number };
  let leftovers: string[] = [];
  let linkLost = false;
  try {
    let host = await stage("connect", () => connect(ctx));
    made.host = host;
    // a kept server (--on) was prepared at `up`: no prepare stage
    const toolchain = ctx.toolchain ?? (await stage("prepare", () => prepare(ctx, host)));
    const runDir = await stage("upload", () =>
      upload(ctx, host, (dir) => {
        made.runDir = dir;
        ctx.onRunDir?.(dir.path);
      }),
    );
    // a reconnect mid-render replaces the connection: what follows (and teardown) uses the new one
    const rendered = await stage("render", () =>
      render(ctx, host, toolchain, runDir, (fresh) => {
        host = fresh;
        made.host = fresh;
      }),
    );
    // the render is over and its files wait on the host: a dropped link is reconnected here too
    const outputs = await stage("download", () =>
      downloadOverLink(ctx, host, runDir, rendered, (fresh) => {
        host = fresh;
        made.host = fresh;
      }),
    );
    done = { outputs, rendered, workers: workerCount(ctx, toolchain) };
  } catch (error) {
    linkLost = error instanceof LinkLostError;
    throw error;
  } finally {
    // the link is gone and the render goes on over there: nothing to stop or remove from here; `attach` finishes the run
    if (linkLost) await made.host?.close().catch(() => undefined);
    else {
      const { value, seconds } = await ctx.reporter.stage("teardown", () => teardown(ctx, made));
      stageSeconds.teardown = seconds;
      leftovers = value;
      for (const leftover of leftovers) ctx.reporter.warn(`left over: ${leftover}`);
    }
  }
  const renderSeconds = done.rendered.seconds.total;
  const totalSeconds = Object.values(stageSeconds).reduce((sum, s) => sum + (s ?? 0), 0);
  return {
    outputs: done.outputs,
    stageSeconds,
    renderSeconds,
    overheadSeconds: Math.max(0, totalSeconds - renderSeconds),
    iterations: done.rendered.iterations,
    workers: done.workers,
    leftovers,
  };
}
