import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseSpec } from "../../renderer/spec.ts";
import { RemoteError } from "../errors.ts";
import { connectSsh } from "../hosts/ssh-host.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../hosts/testing/sshd.ts";
import type { PipelineContext } from "./context.ts";
import type { StageReporter } from "./reporter.ts";
import { runPipeline } from "./run-pipeline.ts";
import type { Limits } from "./stage-limits.ts";
import { tempDir } from "../../test/temp-dir.ts";

// A server whose `cloud-init status --wait` never returns: silent, or printing
// dots for ever. Real sshd, fake cloud-init first on its PATH.
const FAKE_CLOUD_INIT = `#!/bin/sh
[ "$2" = "--wait" ] || { echo "status: running"; exit 0; }
case $(cat "$BIN/mode") in
  silent) exec sleep 600;;
  dots) while :; do printf .; sleep 0.1; done;;
esac
`;

function recordingReporter(): StageReporter & { stages: string[] } {
  const stages: string[] = [];
  return {
    stages,
    stage: async (name, run) => (stages.push(name), { value: await run(), seconds: 0 }),
    progress: () => undefined,
    info: () => undefined,
    warn: () => undefined,
  };
}

describeWithSshd("prepare cannot be held for ever by a hanging cloud-init", () => {
  let sshd: TestSshd;
  const bin = tempDir("rr-hang-bin-");
  beforeAll(async () => {
    chmodSync(bin, 0o755);
    writeFileSync(path.join(bin, "cloud-init"), FAKE_CLOUD_INIT, { mode: 0o755 });
    sshd = await startTestSshd(undefined, { env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, BIN: bin } });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const run = (mode: string, limits: Limits) => {
    writeFileSync(path.join(bin, "mode"), mode, { mode: 0o644 });
    const reporter = recordingReporter();
    const ctx: PipelineContext = {
      job: parseSpec({ name: "tiny", width: 8, frames: 2 }),
      bundlePath: "/nonexistent",
      outDir: tempDir("rr-hang-out-"),
      keepFrames: false,
      preset: "veryfast",
      waitForCloudInit: true,
      hostHint: [],
      signal: new AbortController().signal,
      reporter,
      limits,
      openHost: () =>
        connectSsh(sshd, {
          identityFile: sshd.identityFile,
          hostKeys: { kind: "known_hosts", file: sshd.knownHostsFile, acceptNew: false },
          timeoutMs: 10_000,
        }),
    };
    return {
      reporter,
      result: runPipeline(ctx).then(
        () => undefined,
        (error: unknown) => error,
      ),
    };
  };

  it("gives up on a wait that sends nothing for the idle limit, and tears down", async () => {
    const { reporter, result } = run("silent", { idleSeconds: 1 });
    const error = await result;
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(/^cloud-init on ssh:\/\/.* sent nothing for 1 s; gave up on it/);
    expect(reporter.stages).toEqual(["connect", "prepare", "teardown"]);
  });

  it("gives up on a wait that keeps printing dots, at the stage limit, and tears down", async () => {
    const { reporter, result } = run("dots", { stageSeconds: { prepare: 2 } });
    const error = await result;
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(/^prepare did not finish within 2 s on ssh:\/\/.*; gave up on it/);
    expect(reporter.stages).toEqual(["connect", "prepare", "teardown"]);
  });
});
