import { existsSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSpec } from "../../renderer/spec.ts";
import { tempDir } from "../../test/temp-dir.ts";
import { locateRendererBundle } from "../bundle-path.ts";
import { InterruptedError } from "../errors.ts";
import type { ExecOptions, Host } from "../hosts/host.ts";
import { LocalHost } from "../hosts/local-host.ts";
import type { PipelineContext } from "./context.ts";
import { createReporter } from "./reporter.ts";
import { runPipeline } from "./run-pipeline.ts";

const tiny = parseSpec({ name: "tiny", width: 64, height: 48, maxIterations: 40, frames: 6, fps: 6 });

/** A real LocalHost with one hook, to press Ctrl-C at an exact point of a stage. */
function hostWith(overrides: Partial<Host>): Host {
  const local = new LocalHost();
  return {
    description: local.description,
    exec: (argv, options) => local.exec(argv, options),
    upload: (from, to, mode) => local.upload(from, to, mode),
    download: (from, to, onProgress) => local.download(from, to, onProgress),
    homeDir: () => local.homeDir(),
    close: () => local.close(),
    ...overrides,
  };
}

/** Runs the pipeline with the given host, a JSON reporter into a string and a human one into another. */
async function run(makeHost: (controller: AbortController) => Host) {
  const out = path.join(tempDir("interrupt-"), "out");
  const controller = new AbortController();
  let json = "";
  const stream = { write: (text: string) => ((json += text), true), isTTY: false } as unknown as NodeJS.WriteStream;
  const ctx: PipelineContext = {
    job: tiny,
    bundlePath: locateRendererBundle(),
    outDir: out,
    keepFrames: false,
    preset: "veryfast",
    waitForCloudInit: false,
    openHost: async () => makeHost(controller),
    hostHint: [],
    signal: controller.signal,
    reporter: createReporter("json", stream),
  };
  const runDirsBefore = readdirSync(os.tmpdir()).filter((name) => name.startsWith(".render-remote-run."));
  const error = await runPipeline(ctx).catch((caught: unknown) => caught);
  const events = json
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { event: string; stage?: string; status?: string });
  const runDirsLeft = readdirSync(os.tmpdir()).filter((name) => name.startsWith(".render-remote-run.") && !runDirsBefore.includes(name));
  return { error, events, out, runDirsLeft };
}

describe("Ctrl-C anywhere in the pipeline ends as 'Interrupted during <stage>', exit 130", () => {
  it("during download's checksum: not taken for a missing sha256sum", async () => {
    const { error, events, out, runDirsLeft } = await run((controller) => {
      const local = new LocalHost();
      return hostWith({
        exec: (argv: readonly string[], options?: ExecOptions) => {
          if (argv[0] !== "sha256sum" || !argv.some((arg) => arg.endsWith(".mp4"))) return local.exec(argv, options);
          // a checksum slow enough to be cut off by Ctrl-C: it ends killed, with no output
          setTimeout(() => controller.abort(new Error("Ctrl-C")), 200);
          return local.exec(["sh", "-c", 'sleep 10; exec sha256sum "$@"', "sha256sum", ...argv.slice(1)], options);
        },
      });
    });
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toBe("Interrupted during download.");
    expect(events.filter((e) => e.event === "stage" && e.stage === "download").map((e) => e.status)).toEqual(["start", "interrupted"]);
    expect(events.at(-1)).toMatchObject({ stage: "teardown", status: "done" });
    expect(existsSync(out)).toBe(false); // the checksums come before anything local is made
    expect(runDirsLeft).toEqual([]);
  });

  it("during a download that ignores the abort: the pipeline moves on to teardown, no '✔ download', no partial file", async () => {
    let stuck = false;
    const { error, events, out, runDirsLeft } = await run((controller) =>
      hostWith({
        download: () => {
          stuck = true;
          controller.abort(new Error("Ctrl-C"));
          return new Promise<void>(() => undefined); // an SFTP transfer that never ends
        },
      }),
    );
    expect(stuck).toBe(true);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toBe("Interrupted during download.");
    expect(events.filter((e) => e.stage === "download").map((e) => e.status)).toEqual(["start", "interrupted"]);
    expect(events.at(-1)).toMatchObject({ stage: "teardown", status: "done" });
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]); // the staging directory was discarded
    expect(runDirsLeft).toEqual([]);
  });

  it("during a stage that finishes anyway: still interrupted, not '✔'", async () => {
    const { error, events } = await run((controller) => {
      const local = new LocalHost();
      return hostWith({
        homeDir: async () => {
          controller.abort(new Error("Ctrl-C")); // upload asks for the home first; the stage carries on regardless
          return local.homeDir();
        },
      });
    });
    expect((error as Error).message).toBe("Interrupted during upload.");
    expect(events.filter((e) => e.stage === "upload").map((e) => e.status)).toEqual(["start", "interrupted"]);
  });

  it("a stage that ignores the abort altogether gets a grace of seconds, then teardown runs anyway", async () => {
    const controller = new AbortController();
    let json = "";
    const stream = { write: (text: string) => ((json += text), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const ctx: PipelineContext = {
      job: tiny,
      bundlePath: locateRendererBundle(),
      outDir: path.join(tempDir("interrupt-"), "out"),
      keepFrames: false,
      preset: "veryfast",
      waitForCloudInit: false,
      // a connect that never returns and never looks at its signal
      openHost: () => (controller.abort(new Error("Ctrl-C")), new Promise<Host>(() => undefined)),
      hostHint: [],
      signal: controller.signal,
      reporter: createReporter("json", stream),
    };
    await expect(runPipeline(ctx)).rejects.toThrow(new InterruptedError("Interrupted during connect."));
    expect(json).toContain('"stage":"teardown","status":"done"');
  });

  it("tells the run directory's exact name as soon as it exists, for the forced-quit advice", async () => {
    const controller = new AbortController();
    const told: { runDir: string; existed: boolean }[] = [];
    const ctx: PipelineContext = {
      job: tiny,
      bundlePath: locateRendererBundle(),
      outDir: path.join(tempDir("interrupt-"), "out"),
      keepFrames: false,
      preset: "veryfast",
      waitForCloudInit: false,
      openHost: async () => new LocalHost(),
      hostHint: [],
      signal: controller.signal,
      reporter: createReporter("json", { write: () => true } as unknown as NodeJS.WriteStream),
      onRunDir: (runDir) => {
        told.push({ runDir, existed: existsSync(runDir) });
        controller.abort(new Error("Ctrl-C"));
      },
    };
    await expect(runPipeline(ctx)).rejects.toThrow("Interrupted during upload.");
    expect(told).toHaveLength(1);
    expect(told[0].existed).toBe(true);
    expect(path.dirname(told[0].runDir)).toBe(os.tmpdir());
    expect(path.basename(told[0].runDir)).toMatch(/^\.render-remote-run\.[A-Za-z0-9]{8}$/);
    expect(existsSync(told[0].runDir)).toBe(false); // and teardown removed it
  });

  it("the human reporter says 'interrupted', not '✔' or 'failed'", async () => {
    let text = "";
    const stream = { write: (chunk: string) => ((text += chunk), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const reporter = createReporter("auto", stream);
    await reporter
      .stage("download", async () => {
        throw new InterruptedError("Interrupted during download.");
      })
      .catch(() => undefined);
    expect(text).toMatch(/download interrupted after \d+\.\d s/);
    expect(text).not.toMatch(/✔|failed/);
  });
});
