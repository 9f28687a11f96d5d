import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { probeVideo, renderRemote, repoRoot, runBundle } from "../../test/run-bundle.ts";
import { tempDir } from "../../test/temp-dir.ts";
import { waitForOutput } from "../../test/wait-for-output.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../hosts/testing/sshd.ts";
import { until } from "./testing/session-sshds.ts";

const spec = { name: "mid", width: 192, height: 144, maxIterations: 1500, frames: 48, fps: 24 };

describeWithSshd("a client killed mid-render: runs, then attach", () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startTestSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  const runDirs = () => readdirSync(sshd.homeDir).filter((name) => name.startsWith(".render-remote-run."));
  const renderer = () => sshd.userProcesses().filter((info) => info.command.includes("julia-render.mjs"));

  it("SIGKILL the client: the render goes on, `runs --json` shows it, `attach` brings the MP4 home, cleans the host and exits 0", async () => {
    const dir = tempDir("attach-");
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify(spec));
    const env = { ...process.env, RENDER_REMOTE_HOME: path.join(dir, "state"), LINODE_URL: "http://127.0.0.1:9/v4", CI: "1" };
    const before = runDirs();
    const out = path.join(dir, "out");
    const client = execa(
      process.execPath,
      [
        renderRemote,
        "--target",
        `ssh://${sshd.user}@127.0.0.1:${sshd.port}`,
        "--identity",
        sshd.identityFile,
        "--known-hosts",
        sshd.knownHostsFile,
        "--spec",
        path.join(dir, "spec.json"),
        "--out",
        out,
        "--processes",
        "1",
        "--json",
      ],
      { reject: false, env, cwd: repoRoot },
    );
    await waitForOutput(client, "stderr", '"event":"frame"'); // the render runs over there
    client.kill("SIGKILL"); // no finally, no teardown: the laptop is gone
    const killed = await client;
    expect(killed.signal).toBe("SIGKILL");
    expect(renderer().length).toBeGreaterThan(0); // it goes on without its client

    const runs = await runBundle(renderRemote, ["runs", "--json"], { env });
    expect(runs.exitCode, runs.stderr).toBe(0);
    const listed = JSON.parse(runs.stdout) as { id: string; mode: string; state: string; where: string; outDir: string }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      mode: "target",
      state: "rendering",
      where: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`,
      outDir: out,
    });
    const runId = listed[0].id;

    const attach = await runBundle(renderRemote, ["attach", runId, "--json"], { env });
    expect(attach.exitCode, attach.all).toBe(0);
    expect(JSON.parse(attach.stdout)).toEqual({ runId, outputs: [path.join(out, "mid.mp4")], leftovers: [] });
    expect(await probeVideo(path.join(out, "mid.mp4"))).toMatchObject({ codec: "h264", width: 192, height: 144, frames: spec.frames });
    expect(runDirs().filter((name) => !before.includes(name))).toEqual([]);
    await until(() => sshd.userProcesses().length === 0, "no process left on the host");
    const after = JSON.parse((await runBundle(renderRemote, ["runs", "--json"], { env })).stdout);
    expect(after[0]).toMatchObject({ id: runId, state: "torn down" });

    // attach once more: already torn down, exit 2 and where the outputs are
    const again = await runBundle(renderRemote, ["attach", runId], { env });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`Run ${runId} is already torn down .*in ${out}`));

    // the host is gone (nothing listens on port 9): attach says what happened
    const journalFile = path.join(dir, "state", "runs", `${runId}.json`);
    const journal = JSON.parse(readFileSync(journalFile, "utf8"));
    writeFileSync(
      journalFile,
      JSON.stringify({ ...journal, status: "live", renderState: "rendering", access: { ...journal.access, port: 9 } }),
    );
    const gone = await runBundle(renderRemote, ["attach", runId, "--connect-timeout", "2"], { env });
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toMatch(
      new RegExp(
        `Could not reach run ${runId}'s host ssh://.*:9: [\\s\\S]*If the server is down, the render stopped with it; when it is back up, run \`render-remote attach ${runId}\` again`,
      ),
    );
    expect(JSON.parse((await runBundle(renderRemote, ["runs", "--json"], { env })).stdout)[0]).toMatchObject({ state: "unreachable" });
  });

  it("a bad or unknown run id is exit 2 with what to run instead", async () => {
    const dir = tempDir("attach-bad-");
    const env = { ...process.env, RENDER_REMOTE_HOME: path.join(dir, "state") };
    const bad = await runBundle(renderRemote, ["attach", "../../etc/passwd"], { env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(
      /"..\/..\/etc\/passwd" is not a run id \(they look like rr-20261205-k3x9q2\)\. `render-remote runs` lists yours/,
    );
    const unknown = await runBundle(renderRemote, ["attach", "rr-20261205-zzzzzz"], { env });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/There is no run rr-20261205-zzzzzz in .*state\/runs\. `render-remote runs` lists/);
    const flag = await runBundle(renderRemote, ["attach", "rr-20261205-zzzzzz", "--reconnect-for", "10"], { env });
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toMatch(/--reconnect-for 10 has no unit/);
    const none = await runBundle(renderRemote, ["runs"], { env });
    expect(none.stdout).toMatch(/No runs yet/);
    // a journal whose run directory is not one upload makes (teardown would rm -rf it): refused, nothing touched
    mkdirSync(path.join(dir, "state", "runs"), { recursive: true, mode: 0o700 });
    const now = new Date().toISOString();
    writeFileSync(
      path.join(dir, "state", "runs", "rr-20261205-aaaaaa.json"),
      JSON.stringify({
        runId: "rr-20261205-aaaaaa",
        mode: "target",
        target: "ssh://me@127.0.0.1:9",
        plan: "target",
        type: "",
        region: "",
        hourly: 0,
        stack: { name: "", backendUrl: "" },
        startedAt: now,
        updatedAt: now,
        status: "live",
        stage: "render",
        renderState: "rendering",
        outDir: path.join(dir, "out"),
        spec,
        access: { host: "127.0.0.1", port: 9, user: "me" },
        remoteRunDir: "/home/me",
      }),
    );
    const tampered = await runBundle(renderRemote, ["attach", "rr-20261205-aaaaaa"], { env });
    expect(tampered.exitCode).toBe(2);
    expect(tampered.stderr).toMatch(/names an unexpected run directory .* Nothing was touched/);
  });
});
