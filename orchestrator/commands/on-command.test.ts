import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { probeVideo, renderRemote, runBundle } from "../../test/run-bundle.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../hosts/testing/sshd.ts";
import { keptEntry, keptWorkspace } from "../kept/testing/kept-fixture.ts";
import { lockName } from "../kept/server-lock.ts";

const tiny = { name: "tiny", width: 64, height: 48, maxIterations: 40, frames: 6, fps: 6 };

describeWithSshd("render-remote --on through the CLI", () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startTestSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  const logins = () =>
    sshd
      .log()
      .split("\n")
      .filter((line) => line.includes("Accepted publickey")).length;

  it("renders on the kept server and says the outputs, the time left and how to remove it", async () => {
    const entry = keptEntry(sshd);
    const w = await keptWorkspace([entry], { tiny });
    const run = await runBundle(renderRemote, ["--on", entry.runId, "--spec", w.specs.tiny, "--out", w.out], { env: w.env });
    expect(run.exitCode, run.all).toBe(0);
    const stages = run.stderr.split("\n").filter((line) => /^. \w+ \(\d+\.\d s\)$/.test(line));
    expect(stages.map((line) => line.split(" ")[1])).toEqual(["connect", "upload", "render", "download", "teardown"]);
    expect(run.stdout).toMatch(/Wrote .*tiny\.mp4/);
    expect(run.stdout).toMatch(/\(no provisioning, no prepare\)/);
    expect(run.stdout).toMatch(new RegExp(`Server ${entry.runId}: 5\\d min \\d\\d s left before it deletes itself at \\d\\d:\\d\\d UTC`));
    expect(run.stdout).toMatch(new RegExp(`Remove it now: render-remote down ${entry.runId}`));
    expect(await probeVideo(path.join(w.out, "tiny.mp4"))).toMatchObject({ codec: "h264", frames: tiny.frames });
    expect(existsSync(path.join(sshd.homeDir, lockName(entry.runId)))).toBe(false);

    // again, with --json: one result object on stdout, the stages as JSON lines on stderr
    const json = await runBundle(renderRemote, ["--on", entry.runId, "--spec", w.specs.tiny, "--out", w.out, "--json"], { env: w.env });
    expect(json.exitCode, json.all).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result).toMatchObject({ runId: entry.runId, outputs: [path.join(w.out, "tiny.mp4")], leftovers: [], deadline: entry.deadline });
    expect(result.leftSeconds).toBeGreaterThan(50 * 60);
    const events = json.stderr
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(events.filter((e) => e.event === "stage" && e.status === "done").map((e) => e.stage)).toEqual([
      "connect",
      "upload",
      "render",
      "download",
      "teardown",
    ]);
  });

  it("bad input is exit 2 with what to do, and touches nothing: no login, no output directory, the journal as it was", async () => {
    const live = keptEntry(sshd);
    const oneShot = keptEntry(sshd, { kept: undefined, stage: "render" });
    const past = keptEntry(sshd, { deadline: new Date(Date.now() - 60_000).toISOString() });
    const destroyed = keptEntry(sshd, { status: "destroyed" });
    const failed = keptEntry(sshd, { status: "destroy-failed", error: "the API said no" });
    const short = keptEntry(sshd, { deadline: new Date(Date.now() + 3 * 60_000).toISOString() });
    const w = await keptWorkspace([live, oneShot, past, destroyed, failed, short], { tiny });
    const journals = () =>
      [live, oneShot, past, destroyed, failed, short].map((e) =>
        readFileSync(path.join(w.dir, "state", "runs", `${e.runId}.json`), "utf8"),
      );
    const before = { logins: logins(), journals: journals() };
    const on = (id: string, ...more: string[]) =>
      runBundle(renderRemote, ["--on", id, "--spec", w.specs.tiny, "--out", w.out, ...more], { env: w.env });
    // one after another: each makes and removes the same --out
    const cases: [() => ReturnType<typeof on>, RegExp][] = [
      [() => on("rr-20261205-zzzzzz"), /There is no run rr-20261205-zzzzzz in .*`render-remote runs` lists/],
      [() => on("../../etc/passwd"), /is not a run id/],
      [
        () => on(oneShot.runId),
        new RegExp(`Run ${oneShot.runId} is a one-shot run .*render-remote attach ${oneShot.runId}.*render-remote up --plan`),
      ],
      [
        () => on(past.runId),
        new RegExp(`Server ${past.runId} was due to delete itself at \\d\\d:\\d\\d UTC .*render-remote up --plan 2core`),
      ],
      [
        () => on(destroyed.runId),
        new RegExp(`Server ${destroyed.runId} is already destroyed; nothing was touched\\. Start another with: render-remote up`),
      ],
      [
        () => on(failed.runId),
        new RegExp(`Destroying server ${failed.runId} failed earlier \\(the API said no\\).*render-remote down ${failed.runId}`),
      ],
      [() => on(short.runId), new RegExp(`does not fit on ${short.runId} before its deadline: .* left .*Nothing was uploaded`)],
      [() => on(live.runId, "--plan", "2core"), /--on renders on a server `render-remote up` keeps.*drop --plan\./],
      [() => on(live.runId, "--target", "ssh://me@127.0.0.1", "--dry-run"), /drop --target, --dry-run\./],
    ];
    for (const [pending, message] of cases) {
      const run = await pending();
      expect(run.exitCode, run.all).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    expect(logins()).toBe(before.logins);
    expect(journals()).toEqual(before.journals);
    expect(existsSync(w.out)).toBe(false);
    for (const { runId } of [live, oneShot, past, destroyed, failed, short])
      expect(existsSync(path.join(sshd.homeDir, lockName(runId)))).toBe(false);
  });
});
