import { InterruptedError } from "../errors.ts";
import { LinkLostError } from "../detach/host-link.ts";
import type { PipelineContext, StageName } from "./context.ts";
import { connect } from "./connect.ts";
import { download } from "./download.ts";
import { prepare } from "./prepare.ts";
import { render } from "./render.ts";
import { teardown } from "./teardown.ts";
import { withStageLimit } from "./stage-limits.ts";
import { untilAborted } from "./until-aborted.ts";
import { upload } from "./upload.ts";

const STAGES: [StageName, (ctx: PipelineContext) => Promise<void>][] = [
  ["connect", connect],
  ["prepare", prepare],
  ["upload", upload],
  ["render", render],
  ["download", download],
];

export interface PipelineResult {
  outputs: string[];
  stageSeconds: PipelineContext["stageSeconds"];
  renderSeconds: number;
  /** What teardown could not clean, with the commands that do. Empty when all is clean. */
  leftovers: string[];
}

/**
 * The whole run once a host exists: connect, prepare, upload, render,
 * download, and teardown in finally, whatever happened before it.
 */
export async function runPipeline(ctx: PipelineContext): Promise<PipelineResult> {
  let leftovers: string[] = [];
  let linkLost = false;
  try {
    for (const [name, stage] of STAGES) {
      if (ctx.signal.aborted) throw new InterruptedError(`Interrupted before ${name}.`);
      // the stage's limit narrows ctx.signal while it runs; a stage that ignores the abort is cut off after a grace
      const { seconds } = await ctx.reporter.stage(name, () => withStageLimit(ctx, name, () => untilAborted(stage(ctx), ctx.signal, name)));
      ctx.stageSeconds[name] = seconds;
    }
  } catch (error) {
    linkLost = error instanceof LinkLostError;
    throw error;
  } finally {
    // the link is gone and the render goes on over there: nothing to stop or remove from here; `attach` finishes the run
    if (linkLost) await ctx.host?.close().catch(() => undefined);
    else {
      const { value, seconds } = await ctx.reporter.stage("teardown", () => teardown(ctx));
      ctx.stageSeconds.teardown = seconds;
      leftovers = value;
      for (const leftover of leftovers) ctx.reporter.warn(`left over: ${leftover}`);
    }
  }
  return { outputs: ctx.downloaded ?? [], stageSeconds: ctx.stageSeconds, renderSeconds: ctx.rendered?.seconds.total ?? 0, leftovers };
}
