import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { probeVideo } from "../../test/run-bundle.ts";
import { tempDir } from "../../test/temp-dir.ts";
import { runOnHost } from "../run/run-on-host.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../hosts/testing/sshd.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import { sessionSshds, until } from "./testing/session-sshds.ts";

// long enough on a loaded 2-core machine for the link to be cut mid-render, short enough to finish
const spec = { name: "mid", width: 192, height: 144, maxIterations: 1500, frames: 48, fps: 24 };

describeWithSshd("a dropped link mid-render is not a failure", () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startTestSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  const runDirs = () => readdirSync(sshd.homeDir).filter((name) => name.startsWith(".render-remote-run."));
  /** `--target` on the test server, one worker, reconnecting for 2 min: the spec is dir/spec.json, the MP4 goes to dir/out. */
  const runOnTestServer = (dir: string, reporter: StageReporter) =>
    runOnHost({
      spec: path.join(dir, "spec.json"),
      out: path.join(dir, "out"),
      dryRun: false,
      target: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`,
      identity: sshd.identityFile,
      knownHosts: sshd.knownHostsFile,
      acceptNewHostKey: false,
      keepFrames: false,
      preset: "veryfast",
      processes: 1,
      reporter,
      signal: new AbortController().signal,
      connectTimeoutSeconds: 20,
      reconnectForSeconds: 120,
    });

  it("kills the sshd serving our session mid-render: the client reconnects, the render completes, the MP4 is verified, the host is clean", async () => {
    const dir = tempDir("dropped-link-");
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify(spec));
    const before = runDirs();
    const lines: string[] = [];
    const frames: number[] = [];
    let killed: number[] = [];
    const reporter: StageReporter = {
      async stage(_name, run) {
        return { value: await run(), seconds: 0 };
      },
      progress: (done) => {
        frames.push(done);
        if (killed.length === 0) {
          killed = sessionSshds(sshd); // our one connection's sshd; the listener stays up, so the client can come back
          for (const pid of killed) process.kill(pid, "SIGKILL");
        }
      },
      info: (line) => void lines.push(line),
      warn: (line) => void lines.push(`warning: ${line}`),
    };
    const result = await runOnTestServer(dir, reporter);
    expect(killed.length).toBeGreaterThan(0);
    expect(frames[0]).toBeLessThan(spec.frames); // the link was cut while frames were still to come
    expect(lines.join("\n")).toMatch(
      /the link to ssh:\/\/.* dropped .*; the render goes on there\. Reconnecting for up to 2 min \(--reconnect-for\)/,
    );
    expect(lines.join("\n")).toMatch(/reconnected to ssh:\/\/.* after \d+ s/);
    expect(frames.at(-1)).toBe(spec.frames); // progress picked up where it was, to the end
    expect(result.outputs).toEqual([path.join(dir, "out", "mid.mp4")]);
    expect(await probeVideo(result.outputs[0])).toMatchObject({ codec: "h264", width: 192, height: 144, frames: spec.frames });
    expect(result.leftovers).toEqual([]);
    expect(runDirs().filter((name) => !before.includes(name))).toEqual([]);
    // the killed session's own `tail -f` ends once the renderer it watched has ended
    await until(() => sshd.userProcesses().length === 0, "no process left on the host");
    expect(sshd.userProcesses()).toEqual([]);
  });

  it("kills the sshd serving our session as the download starts: the client reconnects, downloads and verifies the MP4, the host is clean", async () => {
    const dir = tempDir("dropped-download-");
    const small = { name: "late", width: 96, height: 72, maxIterations: 200, frames: 12, fps: 12 };
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify(small));
    const before = runDirs();
    const lines: string[] = [];
    let killed: number[] = [];
    const reporter: StageReporter = {
      async stage(name, run) {
        if (name === "download") {
          killed = sessionSshds(sshd); // the render is over; its files wait on the host
          for (const pid of killed) process.kill(pid, "SIGKILL");
          await until(() => killed.every((pid) => !isAlive(pid)), "the session's sshd to be gone");
        }
        return { value: await run(), seconds: 0 };
      },
      progress: () => undefined,
      info: (line) => void lines.push(line),
      warn: (line) => void lines.push(`warning: ${line}`),
    };
    const result = await runOnTestServer(dir, reporter);
    expect(killed.length).toBeGreaterThan(0);
    expect(lines.join("\n")).toMatch(/the link to ssh:\/\/.* dropped .*; the results wait there\. Reconnecting for up to 2 min/);
    expect(lines.join("\n")).toMatch(/reconnected to ssh:\/\/.* after \d+ s/);
    expect(result.outputs).toEqual([path.join(dir, "out", "late.mp4")]);
    expect(await probeVideo(result.outputs[0])).toMatchObject({ codec: "h264", width: 96, height: 72, frames: small.frames });
    expect(result.leftovers).toEqual([]);
    expect(runDirs().filter((name) => !before.includes(name))).toEqual([]);
    await until(() => sshd.userProcesses().length === 0, "no process left on the host");
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
