import os from "node:os";
import { describe, expect, it } from "vitest";
import { findFfmpeg } from "../../renderer/output/ffmpeg.ts";
import { LocalHost } from "../hosts/local-host.ts";
import type { ExecResult, Host } from "../hosts/host.ts";
import type { PipelineContext } from "./context.ts";
import { prepare } from "./prepare.ts";
import type { StageReporter } from "./reporter.ts";

// A fresh cloud server's boot cannot happen here, so this scripted host plays
// one: each command line maps to its answer, and every call is recorded.
function scriptedHost(answers: Record<string, Partial<ExecResult> | (() => Partial<ExecResult>)>): Host & { calls: string[] } {
  const calls: string[] = [];
  return {
    description: "ssh://render@203.0.113.5:22",
    calls,
    async exec(argv) {
      const line = argv.join(" ");
      calls.push(line);
      const answer = answers[line];
      const result = typeof answer === "function" ? answer() : answer;
      return { exitCode: 127, stdout: "", stderr: `${argv[0]}: not found`, ...result };
    },
    upload: async () => undefined,
    download: async () => undefined,
    homeDir: async () => "/home/render",
    close: async () => undefined,
  };
}

const quiet: StageReporter = {
  stage: async (_n, run) => ({ value: await run(), seconds: 0 }),
  progress: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
const ready = {
  "node --version": { exitCode: 0, stdout: "v18.19.1\n" },
  "ffmpeg -version": { exitCode: 0, stdout: "ffmpeg version 6.1" },
  nproc: { exitCode: 0, stdout: "48\n" },
};

function context(waitForCloudInit: boolean): PipelineContext {
  return { waitForCloudInit, reporter: quiet, signal: new AbortController().signal } as unknown as PipelineContext;
}

describe("prepare", () => {
  it("on this machine (--dry-run) asks no cloud-init, runs no ffmpeg, and finds node, the renderer's ffmpeg and the cores", async () => {
    const calls: string[] = [];
    const host = new (class extends LocalHost {
      override exec(argv: readonly string[], options?: Parameters<LocalHost["exec"]>[1]) {
        calls.push(argv.join(" "));
        return super.exec(argv, options);
      }
    })();
    const toolchain = await prepare(context(false), host);
    expect(calls.some((call) => call.startsWith("cloud-init") || call.startsWith("ffmpeg"))).toBe(false);
    expect(toolchain).toMatchObject({ cores: os.availableParallelism(), ffmpeg: findFfmpeg() });
  });

  it("waits for cloud-init while it is still setting the server up, then finds node, ffmpeg and the cores", async () => {
    const host = scriptedHost({
      ...ready,
      "cloud-init status": { exitCode: 0, stdout: "status: running\n" },
      "cloud-init status --wait": { exitCode: 0, stdout: "....\nstatus: done\n" },
    });
    const toolchain = await prepare(context(true), host);
    expect(host.calls.slice(0, 2)).toEqual(["cloud-init status", "cloud-init status --wait"]);
    expect(toolchain).toMatchObject({ node: "node", ffmpeg: "ffmpeg", cores: 48 });
    expect(host.calls.some((c) => c.includes("apt-get"))).toBe(false); // nothing installed twice
  });

  it("never waits on a machine where cloud-init does not run (status --wait would hang there)", async () => {
    const host = scriptedHost({ ...ready, "cloud-init status": { exitCode: 0, stdout: "status: not run\n" } });
    await prepare(context(false), host);
    expect(host.calls).not.toContain("cloud-init status --wait");
  });

  it("fails with the log's location when cloud-init failed on a fresh server", async () => {
    const host = scriptedHost({
      ...ready,
      "cloud-init status": { exitCode: 0, stdout: "status: running\n" },
      "cloud-init status --wait": { exitCode: 1, stdout: "status: error\n" },
    });
    await expect(prepare(context(true), host)).rejects.toThrow(/cloud-init failed .*\n.*\/var\/log\/cloud-init-output\.log/);
  });

  it("installs node and ffmpeg with sudo -n apt-get only when they are missing, updating the package lists if needed", async () => {
    let installed = false;
    let installs = 0;
    const host = scriptedHost({
      "node --version": () => (installed ? { exitCode: 0, stdout: "v18.19.1\n" } : { exitCode: 127 }),
      "ffmpeg -version": () => (installed ? { exitCode: 0 } : { exitCode: 127 }),
      nproc: { exitCode: 0, stdout: "2\n" },
      "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs ffmpeg": () =>
        ++installs === 1 ? { exitCode: 100, stderr: "E: Unable to locate package ffmpeg" } : ((installed = true), { exitCode: 0 }),
      "sudo -n apt-get update -q": { exitCode: 0 },
    });
    const toolchain = await prepare(context(false), host);
    expect(installs).toBe(2);
    expect(host.calls).toContain("sudo -n apt-get update -q");
    expect(toolchain).toMatchObject({ node: "node", ffmpeg: "ffmpeg", cores: 2 });
  });

  it("says what to install when Node is too old and cannot be upgraded", async () => {
    const host = scriptedHost({
      "node --version": { exitCode: 0, stdout: "v12.22.9\n" },
      "ffmpeg -version": { exitCode: 0 },
      "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs ffmpeg": { exitCode: 0 },
    });
    await expect(prepare(context(false), host)).rejects.toThrow(
      /has no Node >= 18 \(found v12\).*Install Node >= 18 and ffmpeg there, then run again/,
    );
  });
});
