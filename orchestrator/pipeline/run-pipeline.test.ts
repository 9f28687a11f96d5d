import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { probeVideo } from "../../test/run-bundle.ts";
import { runOnHost, type RunOptions } from "../run/run-on-host.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../hosts/testing/sshd.ts";
import type { StageReporter } from "./reporter.ts";
import { tempDir } from "../../test/temp-dir.ts";

const tiny = { name: "tiny", width: 64, height: 48, maxIterations: 40, frames: 6, fps: 6 };

function recordingReporter(): StageReporter & { stages: string[]; frames: number[] } {
  const stages: string[] = [];
  const frames: number[] = [];
  return {
    stages,
    frames,
    async stage(name, run) {
      stages.push(name);
      const started = performance.now();
      return { value: await run(), seconds: (performance.now() - started) / 1000 };
    },
    progress: (done) => void frames.push(done),
    info: () => undefined,
    warn: () => undefined,
  };
}

function setup(spec: Record<string, unknown> = tiny) {
  const dir = tempDir("pipeline-");
  writeFileSync(path.join(dir, "spec.json"), JSON.stringify(spec));
  return { dir, spec: path.join(dir, "spec.json"), out: path.join(dir, "out") };
}

function options(overrides: Partial<RunOptions> & Pick<RunOptions, "spec" | "out">): RunOptions {
  return {
    dryRun: false,
    acceptNewHostKey: false,
    keepFrames: false,
    preset: "veryfast",
    reporter: recordingReporter(),
    signal: new AbortController().signal,
    connectTimeoutSeconds: 20,
    ...overrides,
  };
}

describe("--dry-run: the pipeline with this machine as the host", () => {
  it("runs every stage, brings the MP4 home, and leaves no run directory", async () => {
    const w = setup();
    const tmp = tempDir("dry-home-");
    const previousTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp; // LocalHost makes its run directory under the temp dir
    try {
      const reporter = recordingReporter();
      const result = await runOnHost(options({ spec: w.spec, out: w.out, dryRun: true, keepFrames: true, reporter }));
      expect(reporter.stages).toEqual(["connect", "prepare", "upload", "render", "download", "teardown"]);
      expect(reporter.frames.at(-1)).toBe(6);
      expect(result.outputs.map((f) => path.relative(w.out, f)).sort()).toEqual([
        "frames/tiny_00000.png",
        "frames/tiny_00001.png",
        "frames/tiny_00002.png",
        "frames/tiny_00003.png",
        "frames/tiny_00004.png",
        "frames/tiny_00005.png",
        "tiny.mp4",
      ]);
      expect(await probeVideo(path.join(w.out, "tiny.mp4"))).toMatchObject({ codec: "h264", width: 64, height: 48, frames: 6 });
      expect(readdirSync(tmp).filter((name) => name.startsWith(".render-remote-run."))).toEqual([]);
      expect(result.leftovers).toEqual([]);
      expect(result.overheadSeconds).toBeGreaterThanOrEqual(0);
    } finally {
      if (previousTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmp;
    }
  });

  it("refuses a bad spec before any stage runs", async () => {
    const w = setup({ ...tiny, width: -1 });
    const reporter = recordingReporter();
    await expect(runOnHost(options({ spec: w.spec, out: w.out, dryRun: true, reporter }))).rejects.toMatchObject({ kind: "bad-input" });
    expect(reporter.stages).toEqual([]);
  });
});

describeWithSshd("--target: the pipeline over real OpenSSH on 127.0.0.1", () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startTestSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  const target = () => `ssh://${sshd.user}@127.0.0.1:${sshd.port}`;
  let before: string[] = [];
  const runDirs = () => readdirSync(sshd.homeDir).filter((name) => name.startsWith(".render-remote-run."));
  beforeEach(() => {
    before = runDirs();
  });

  it("renders on the server, verifies and downloads the MP4, and leaves nothing behind", async () => {
    const w = setup();
    const reporter = recordingReporter();
    const result = await runOnHost(
      options({ spec: w.spec, out: w.out, target: target(), identity: sshd.identityFile, knownHosts: sshd.knownHostsFile, reporter }),
    );
    expect(reporter.stages).toEqual(["connect", "prepare", "upload", "render", "download", "teardown"]);
    expect(result.outputs).toEqual([path.join(w.out, "tiny.mp4")]);
    expect(await probeVideo(result.outputs[0])).toMatchObject({ codec: "h264", pixFmt: "yuv420p", width: 64, height: 48, frames: 6 });
    expect(runDirs().filter((name) => !before.includes(name))).toEqual([]);
    expect(sshd.userProcesses().filter((p) => /julia-render|ffmpeg/.test(p.command))).toEqual([]);
    expect(result.leftovers).toEqual([]);
  });

  it("stops on abort mid-render: no remote process, no remote directory, no local file", async () => {
    const w = setup({ name: "slow", width: 400, maxIterations: 4000, frames: 400, fps: 30 });
    const controller = new AbortController();
    const reporter = recordingReporter();
    const progress = reporter.progress;
    reporter.progress = (done, ...rest) => {
      progress(done, ...rest);
      controller.abort(); // the first frame event: the render is running remotely
    };
    await expect(
      runOnHost(
        options({
          spec: w.spec,
          out: w.out,
          target: target(),
          identity: sshd.identityFile,
          knownHosts: sshd.knownHostsFile,
          reporter,
          signal: controller.signal,
        }),
      ),
    ).rejects.toMatchObject({ kind: "interrupted" });
    expect(reporter.stages.at(-1)).toBe("teardown");
    expect(runDirs().filter((name) => !before.includes(name))).toEqual([]);
    expect(sshd.userProcesses().filter((p) => /julia-render|ffmpeg/.test(p.command))).toEqual([]);
    expect(readdirSync(w.dir)).toEqual(["spec.json"]);
  });

  it("refuses an unknown host key and says how to proceed", async () => {
    const w = setup();
    const emptyKnownHosts = path.join(w.dir, "known_hosts");
    writeFileSync(emptyKnownHosts, "");
    const reporter = recordingReporter();
    const failure = runOnHost(
      options({ spec: w.spec, out: w.out, target: target(), identity: sshd.identityFile, knownHosts: emptyKnownHosts, reporter }),
    );
    await expect(failure).rejects.toThrow(/--accept-new-host-key/);
    expect(reporter.stages).toEqual(["connect", "teardown"]);
  });
});
