import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { execa } from "execa";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { probeVideo } from "../../test/run-bundle.ts";
import { exitCodeFor, InterruptedError } from "../errors.ts";
import { LinkLostError } from "../detach/host-link.ts";
import { until } from "../detach/testing/session-sshds.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../hosts/testing/sshd.ts";
import { readJournal, writeJournal } from "../state/journal.ts";
import { DoesNotFitError } from "./fit.ts";
import { renderOn, type RenderOnOptions } from "./render-on.ts";
import { lockName, ServerBusyError } from "./server-lock.ts";
import { keptEntry, keptWorkspace, recordingReporter } from "./testing/kept-fixture.ts";

const tiny = { name: "tiny", width: 64, height: 48, maxIterations: 40, frames: 6, fps: 6 };
const other = { name: "other", width: 80, height: 60, maxIterations: 60, frames: 8, fps: 8 };
// paused mid-render by the test while a second --on tries
const slow = { name: "slow", width: 192, height: 144, maxIterations: 1500, frames: 48, fps: 24 };

const ON_STAGES = ["connect", "upload", "render", "download", "teardown"];

describeWithSshd("render-remote --on: renders on a kept server (real OpenSSH on 127.0.0.1)", () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startTestSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  const lockPath = (runId: string) => path.join(sshd.homeDir, lockName(runId));
  const logins = () =>
    sshd
      .log()
      .split("\n")
      .filter((line) => line.includes("Accepted publickey")).length;
  const options = (w: Awaited<ReturnType<typeof keptWorkspace>>, runId: string, spec: string): Omit<RenderOnOptions, "reporter"> => ({
    runId,
    spec,
    out: w.out,
    keepFrames: false,
    preset: "veryfast",
    connectTimeoutSeconds: 30,
    signal: new AbortController().signal,
    env: w.env,
  });

  it("two renders in a row: no provisioning, no prepare, both MP4s verified, run dirs removed, the lock released, the server kept", async () => {
    const entry = keptEntry(sshd, { stageSeconds: { provision: 95, connect: 20, prepare: 30 } });
    const w = await keptWorkspace([entry], { tiny, other });
    const seen: { stage?: string; lockRunDir?: string }[] = [];
    for (const [name, spec] of [
      ["tiny", tiny],
      ["other", other],
    ] as const) {
      const look: { stage?: string; lockRunDir?: string } = {};
      const { reporter, stages } = recordingReporter(async (stage) => {
        if (stage === "render") look.stage = (await readJournal(entry.runId, w.env))?.stage;
        if (stage === "download") look.lockRunDir = readFileSync(path.join(lockPath(entry.runId), "rundir"), "utf8").trim();
      });
      let runDir = "";
      const result = await renderOn({ ...options(w, entry.runId, w.specs[name]), reporter, onRunDir: (dir) => (runDir = dir) });
      expect(stages).toEqual(ON_STAGES);
      expect(result.outputs).toEqual([path.join(w.out, `${name}.mp4`)]);
      expect(result.leftovers).toEqual([]);
      expect(await probeVideo(result.outputs[0])).toMatchObject({
        codec: "h264",
        width: spec.width,
        height: spec.height,
        frames: spec.frames,
      });
      expect(runDir).toMatch(/\/\.render-remote-run\.[A-Za-z0-9]{8}$/);
      expect(existsSync(runDir)).toBe(false);
      expect(look.lockRunDir).toBe(runDir); // the lock named the render while it ran
      expect(existsSync(lockPath(entry.runId))).toBe(false);
      expect(result.deadline).toBe(entry.deadline);
      expect(result.leftSeconds).toBeGreaterThan(50 * 60);
      seen.push(look);
    }
    expect(seen.map((look) => look.stage)).toEqual(["render", "render"]);
    const after = await readJournal(entry.runId, w.env);
    expect(after).toMatchObject({ status: "live", stage: "kept", kept: entry.kept, deadline: entry.deadline });
    expect(after?.measured).toMatchObject({ iterations: expect.any(Number), vcpus: 2 });
    // up's own stages stay beside the last render's
    expect(Object.keys(after?.stageSeconds ?? {}).sort()).toEqual([...ON_STAGES, "prepare", "provision"].sort());
    expect(after?.stageSeconds).toMatchObject({ provision: 95, prepare: 30 });
    await until(() => sshd.userProcesses().length === 0, "no process left on the host");
  });

  it("too little time before the deadline: exit 2, how long is left and what fits; no SSH connection, nothing uploaded", async () => {
    const entry = keptEntry(sshd, { deadline: new Date(Date.now() + 4 * 60_000).toISOString() });
    const w = await keptWorkspace([entry], { tiny });
    const before = logins();
    const { reporter, stages } = recordingReporter();
    const error = await renderOn({ ...options(w, entry.runId, w.specs.tiny), reporter }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DoesNotFitError);
    expect(exitCodeFor(error)).toBe(2);
    expect((error as Error).message).toMatch(
      /does not fit on rr-\d{8}-[a-z0-9]{6} before its deadline: \d+ min \d\d s left until the server deletes itself at \d\d:\d\d UTC .*and this spec needs ~5 min \d\d s .*Nothing was uploaded\.\nNot even a short render fits in the time left\.\nOr start a server with more time or cores: render-remote down rr-/,
    );
    expect(stages).toEqual([]);
    expect(logins()).toBe(before);
    expect(existsSync(lockPath(entry.runId))).toBe(false);
    expect(existsSync(w.out)).toBe(false);
  });

  it("a second --on while one renders is refused (exit 2, nothing uploaded); the first finishes unaffected", async () => {
    const entry = keptEntry(sshd);
    const w = await keptWorkspace([entry], { slow, tiny });
    const first = recordingReporter();
    const running = renderOn({ ...options(w, entry.runId, w.specs.slow), processes: 1, reporter: first.reporter });
    // the renderer runs once the lock names its run directory
    await until(() => existsSync(path.join(lockPath(entry.runId), "rundir")), "the first render to be launched", 60_000);
    // paused while the second tries (a fast machine could otherwise finish it first); it resumes unaffected
    const paused = sshd.userProcesses().filter((info) => info.command.includes("julia-render"));
    expect(paused.length).toBeGreaterThan(0);
    for (const info of paused) process.kill(info.pid, "SIGSTOP");
    const homeBefore = readdirSync(sshd.homeDir).filter((name) => name.startsWith(".render-remote-run.")).length;
    const second = recordingReporter();
    const refused = await renderOn({ ...options(w, entry.runId, w.specs.tiny), reporter: second.reporter }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ServerBusyError);
    expect(exitCodeFor(refused)).toBe(2);
    expect((refused as Error).message).toMatch(
      new RegExp(
        `Another --on render of slow started .* from .* \\(pid ${process.pid}\\) is using server ${entry.runId}; two at once are refused \\(no queueing\\)\\. .*Nothing was uploaded\\.\\n.*render-remote down ${entry.runId}`,
      ),
    );
    expect(second.stages).toEqual(["connect", "teardown"]);
    expect(readdirSync(sshd.homeDir).filter((name) => name.startsWith(".render-remote-run.")).length).toBe(homeBefore);
    for (const info of paused) process.kill(info.pid, "SIGCONT");
    const result = await running;
    expect(first.stages).toEqual(ON_STAGES);
    expect(await probeVideo(result.outputs[0])).toMatchObject({ codec: "h264", width: 192, height: 144, frames: slow.frames });
    expect(existsSync(lockPath(entry.runId))).toBe(false);
    // and once it is done, the server takes the next one
    const next = recordingReporter();
    const again = await renderOn({ ...options(w, entry.runId, w.specs.tiny), reporter: next.reporter });
    expect(await probeVideo(again.outputs[0])).toMatchObject({ frames: tiny.frames });
  });

  it("the link drops for good mid-render: the render goes on holding the lock; the advice's scp and rm bring the MP4 home and clean up; the next --on takes the stale lock", async () => {
    const entry = keptEntry(sshd);
    const w = await keptWorkspace([entry], { slow, tiny });
    let runDir = "";
    const first = recordingReporter();
    const running = renderOn({
      ...options(w, entry.runId, w.specs.slow),
      processes: 1,
      connectTimeoutSeconds: 2,
      reconnectForSeconds: 2,
      reporter: first.reporter,
      onRunDir: (dir) => (runDir = dir),
    }).catch((e: unknown) => e);
    await until(() => existsSync(path.join(lockPath(entry.runId), "rundir")), "the render to be launched", 60_000);
    // held mid-render (a fast machine could finish first), then the server's sshd dies and stays down past --reconnect-for
    const paused = sshd.userProcesses().filter((info) => info.command.includes("julia-render"));
    for (const info of paused) process.kill(info.pid, "SIGSTOP");
    await sshd.kill();
    const error = (await running) as Error;
    await sshd.restart();
    try {
      expect(error).toBeInstanceOf(LinkLostError);
      expect(exitCodeFor(error)).toBe(1);
      expect(error.message).toMatch(
        new RegExp(
          `The render goes on on server ${entry.runId} in ${runDir}; the server's --on lock stays with it until it has ended and its directory is removed \\(or 15 min without a sign of life have passed\\)\\.\nIts results wait there until the server deletes itself at .*fetch them with:\n  scp -i `,
        ),
      );
      expect((await readJournal(entry.runId, w.env))?.stage).toBe("kept");
      const busy = await renderOn({ ...options(w, entry.runId, w.specs.tiny), reporter: recordingReporter().reporter }).catch(
        (e: unknown) => e,
      );
      expect(busy).toBeInstanceOf(ServerBusyError);
      expect((busy as Error).message).toMatch(/It is rendering now\./);

      for (const info of paused) process.kill(info.pid, "SIGCONT");
      await until(() => existsSync(path.join(runDir, "render.exit")), "the render to end", 120_000);
      const fetch = error.message.split("\n").find((line) => line.startsWith("  scp "))!;
      const remove = /then remove the directory: (.*)$/m.exec(error.message)![1];
      mkdirSync(w.out, { recursive: true });
      await execa("sh", ["-c", fetch.trim()]);
      expect(await probeVideo(path.join(w.out, "slow.mp4"))).toMatchObject({ codec: "h264", frames: slow.frames });
      await execa("sh", ["-c", remove]);
      expect(existsSync(runDir)).toBe(false);

      const next = recordingReporter();
      const again = await renderOn({ ...options(w, entry.runId, w.specs.tiny), reporter: next.reporter });
      expect(next.lines).toContain("  replaced a stale --on lock (its render had ended and its client had gone quiet)");
      expect(await probeVideo(again.outputs[0])).toMatchObject({ frames: tiny.frames });
      expect(existsSync(lockPath(entry.runId))).toBe(false);
    } finally {
      for (const info of sshd.userProcesses()) process.kill(info.pid, "SIGKILL");
      if (runDir) rmSync(runDir, { recursive: true, force: true });
      rmSync(lockPath(entry.runId), { recursive: true, force: true });
    }
  });

  it("Ctrl-C mid-render: interrupted, the render stopped, its run directory removed, the lock released, the server kept", async () => {
    const entry = keptEntry(sshd);
    const w = await keptWorkspace([entry], { slow });
    const controller = new AbortController();
    let runDir = "";
    const { reporter, stages } = recordingReporter();
    const running = renderOn({
      ...options(w, entry.runId, w.specs.slow),
      processes: 1,
      signal: controller.signal,
      reporter,
      onRunDir: (dir) => (runDir = dir),
    }).catch((e: unknown) => e);
    await until(() => existsSync(path.join(lockPath(entry.runId), "rundir")), "the render to be launched", 60_000);
    controller.abort();
    const error = await running;
    expect(error).toBeInstanceOf(InterruptedError);
    expect(exitCodeFor(error)).toBe(130);
    expect(stages).toEqual(["connect", "upload", "render", "teardown"]);
    expect(existsSync(runDir)).toBe(false);
    expect(existsSync(lockPath(entry.runId))).toBe(false);
    expect(await readJournal(entry.runId, w.env)).toMatchObject({ status: "live", stage: "kept" });
    await until(() => sshd.userProcesses().length === 0, "no process left on the host");
  });

  it("the server taken down (render-remote down) mid-render: the lost link says the render went with it, not how to fetch it", async () => {
    const entry = keptEntry(sshd);
    const w = await keptWorkspace([entry], { slow });
    let runDir = "";
    const running = renderOn({
      ...options(w, entry.runId, w.specs.slow),
      processes: 1,
      connectTimeoutSeconds: 2,
      reconnectForSeconds: 2,
      reporter: recordingReporter().reporter,
      onRunDir: (dir) => (runDir = dir),
    }).catch((e: unknown) => e);
    await until(() => existsSync(path.join(lockPath(entry.runId), "rundir")), "the render to be launched", 60_000);
    for (const info of sshd.userProcesses().filter((each) => each.command.includes("julia-render"))) process.kill(info.pid, "SIGSTOP");
    // `down` as h16a's does it: the journal first, then the server goes
    await writeJournal({ ...entry, status: "destroyed", stage: "teardown" }, w.env);
    await sshd.kill();
    const error = (await running) as Error;
    await sshd.restart();
    try {
      expect(error).toBeInstanceOf(LinkLostError);
      expect(error.message).toMatch(
        new RegExp(`Server ${entry.runId} is destroyed \\(render-remote down ran meanwhile\\): the render went with it\\.$`),
      );
      expect(error.message).not.toMatch(/scp/);
      expect((await readJournal(entry.runId, w.env))?.stage).toBe("teardown"); // a destroyed entry is not set back to kept
    } finally {
      for (const info of sshd.userProcesses()) process.kill(info.pid, "SIGKILL");
      if (runDir) rmSync(runDir, { recursive: true, force: true });
      rmSync(lockPath(entry.runId), { recursive: true, force: true });
    }
  });

  it("a kept server that does not answer: exit 1, its firewall and audit named, the journal back to kept", async () => {
    const entry = keptEntry(sshd);
    const unreachable = { ...entry, access: { ...entry.access!, port: 9 } };
    const w = await keptWorkspace([unreachable], { tiny });
    const error = await renderOn({
      ...options(w, entry.runId, w.specs.tiny),
      connectTimeoutSeconds: 1,
      reporter: recordingReporter().reporter,
    }).catch((e: unknown) => e);
    expect(exitCodeFor(error)).toBe(1);
    expect((error as Error).message).toMatch(
      new RegExp(
        `did not answer within 1 s[\\s\\S]*Server ${entry.runId}'s firewall admits SSH only from the address \`up\` allowed \\(--ssh-from\\).*render-remote down ${entry.runId} removes it\\.$`,
      ),
    );
    expect(await readJournal(entry.runId, w.env)).toMatchObject({ status: "live", stage: "kept" });
  });

  it("a few-second render measured earlier on this server does not make the next estimate absurd (it is mostly start-up)", async () => {
    // 10 iterations in 1 s on 2 workers (a render that was all start-up): taken at its word, a core millions of times too slow
    const entry = keptEntry(sshd, { measured: { iterations: 10, renderSeconds: 1, vcpus: 2, overheadSeconds: 2 } });
    const w = await keptWorkspace([entry], { tiny });
    const { reporter, lines } = recordingReporter();
    const result = await renderOn({ ...options(w, entry.runId, w.specs.tiny), reporter });
    expect(await probeVideo(result.outputs[0])).toMatchObject({ frames: tiny.frames });
    // the overhead it measured still counts: 3 × 2 s
    expect(lines.find((line) => line.startsWith("render ~"))).toMatch(/\+ up to 6\.0 s for the rest/);
  });
});
