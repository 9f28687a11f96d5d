import { describe, expect, it } from "vitest";
import { RemoteError } from "../errors.ts";
import type { PipelineContext } from "./context.ts";
import { withStageLimit } from "./stage-limits.ts";

const context = (limits: PipelineContext["limits"], signal = new AbortController().signal) => ({ limits, signal });
const host = { description: "ssh://render@203.0.113.5:22" };

describe("stage limits", () => {
  it("fails a stage that ignores the signal and never settles (a request a stalled server never answers)", async () => {
    const ctx = context({ stageSeconds: { upload: 0.2 } });
    const outer = ctx.signal;
    let seen: AbortSignal | undefined;
    const error = await withStageLimit(ctx, "upload", () => ((seen = ctx.signal), new Promise<never>(() => undefined)), host).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toBe(
      "upload did not finish within 0.2 s on ssh://render@203.0.113.5:22; gave up on it. Check the host (is it stuck setting itself up?), then run again.",
    );
    expect(seen?.aborted).toBe(true); // the stage's own calls were told too
    expect(ctx.signal).toBe(outer); // and the run's signal is back for the next stage
  });

  it("turns a stage that stopped on the limit's abort into the limit's error, not an interruption", async () => {
    const ctx = context({ stageSeconds: { prepare: 0.1 } });
    const stage = () => new Promise<never>((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("aborted"))));
    await expect(withStageLimit(ctx, "prepare", stage)).rejects.toThrow(/^prepare did not finish within 0\.1 s/);
  });

  it("leaves a Ctrl-C a Ctrl-C, and a stage's own result or error untouched", async () => {
    const controller = new AbortController();
    const ctx = context({ stageSeconds: { upload: 60 } }, controller.signal);
    const interrupted = withStageLimit(
      ctx,
      "upload",
      () => new Promise<never>((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("interrupted")))),
    );
    controller.abort();
    await expect(interrupted).rejects.toThrow(/^interrupted$/);
    expect(await withStageLimit(context({}), "prepare", async () => 42)).toBe(42);
    await expect(
      withStageLimit(context({}), "connect", async () => {
        throw new Error("own");
      }),
    ).rejects.toThrow(/^own$/);
    expect(await withStageLimit(context({}), "render", async () => "no limit")).toBe("no limit");
  });
});
