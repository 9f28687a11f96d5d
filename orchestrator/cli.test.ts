import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { until } from "./detach/testing/session-sshds.ts";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { probeVideo, renderRemote, runBundle } from "../test/run-bundle.ts";
import { waitForOutput } from "../test/wait-for-output.ts";
import { fakeInstance, startFakeLinodeApi, type FakeLinodeApi } from "./cloud/testing/fake-linode-api.ts";
import { describeWithSshd } from "./hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "./hosts/testing/sshd.ts";
import { tempDir } from "../test/temp-dir.ts";

const tiny = { name: "tiny", width: 64, height: 48, maxIterations: 40, frames: 6, fps: 6 };
const slow = { name: "slow", width: 400, maxIterations: 4000, frames: 400, fps: 30 };

function workspace(spec: Record<string, unknown> = tiny) {
  const dir = tempDir("render-remote-cli-");
  writeFileSync(path.join(dir, "spec.json"), JSON.stringify(spec));
  // no network in tests: prices come from the dated table at once (connection refused)
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RENDER_REMOTE_HOME: path.join(dir, "state"),
    LINODE_URL: "http://127.0.0.1:9/v4",
    CI: "1",
  };
  return { dir, spec: path.join(dir, "spec.json"), out: path.join(dir, "out"), env };
}

describe("render-remote: flags and exit codes", () => {
  it("--help shows real examples and the exit codes", async () => {
    const run = await runBundle(renderRemote, ["--help"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/render-remote --plan 48core --spec specs\/spiral\.json/);
    expect(run.stdout).toMatch(/Exit codes: 0 success, 1 .*, 2 bad input, 130 interrupted/);
  });

  it("a bad spec is exit 2 before any connection is made", async () => {
    const w = workspace({ ...tiny, maxIterations: 0 });
    // nothing listens on port 9: a connection attempt would fail differently and later
    const run = await runBundle(
      renderRemote,
      ["--target", "ssh://nobody@127.0.0.1:9", "--identity", w.spec, "--spec", w.spec, "--out", w.out],
      { env: w.env },
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/"maxIterations" must be an integer from 1 to 1,000,000, got 0/);
    expect(run.stderr).not.toMatch(/connect/);
  });

  it("says where to render when no mode is given, and refuses unknown flags and plans", async () => {
    const w = workspace();
    const none = await runBundle(renderRemote, ["--spec", w.spec], { env: w.env });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/--dry-run .*--target .*--plan/);
    const flag = await runBundle(renderRemote, ["--spec", w.spec, "--dry-run", "--colour", "red"], { env: w.env });
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--colour'/);
    const plan = await runBundle(renderRemote, ["--spec", w.spec, "--dry-run", "--plan", "47core"], { env: w.env });
    expect(plan.exitCode).toBe(2);
    expect(plan.stderr).toMatch(
      /Unknown plan "47core"\. Use one of 2core, 4core, 8core, 16core, 32core, 48core, 50core, 56core, 64core, auto/,
    );
    const target = await runBundle(renderRemote, ["--spec", w.spec, "--target", "http://example.com", "--identity", w.spec], {
      env: w.env,
    });
    expect(target.exitCode).toBe(2);
    expect(target.stderr).toMatch(/Expected ssh:\/\/user@host\[:port\]/);
  });

  it("--dry-run renders here through the pipeline; with --plan --json it prints the plan object", async () => {
    const w = workspace();
    const run = await runBundle(
      renderRemote,
      ["--dry-run", "--plan", "48core", "--spec", w.spec, "--out", w.out, "--json", "--ssh-from", "198.51.100.7"],
      { env: w.env },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(Object.keys(result)).toEqual(expect.arrayContaining(["plan", "resources", "estimate", "outputs", "run"]));
    expect(result.plan).toMatchObject({ alias: "48core", type: "g6-dedicated-48", vcpus: 48 });
    expect(result.resources.map((r: { type: string }) => r.type).sort()).toEqual([
      "linode:index/firewall:Firewall",
      "linode:index/instance:Instance",
    ]);
    const firewall = result.resources.find((r: { type: string }) => r.type === "linode:index/firewall:Firewall");
    expect(firewall.inputs.inbounds).toEqual([
      { action: "ACCEPT", ipv4s: ["198.51.100.7/32"], label: "ssh-from-caller", ports: "22", protocol: "TCP" },
    ]);
    const instance = result.resources.find((r: { type: string }) => r.type === "linode:index/instance:Instance");
    expect(instance.inputs.metadatas[0].userData).toMatch(/^#cloud-config\n/);
    expect(run.stdout).not.toMatch(/PRIVATE KEY/);
    expect(result.estimate).toMatchObject({ hourly: 1.296, billedHours: 1, worstCaseUsd: 1.296 });
    expect(result.run.outputs).toEqual([path.join(w.out, "tiny.mp4")]);
    expect(await probeVideo(path.join(w.out, "tiny.mp4"))).toMatchObject({ codec: "h264", frames: 6 });
  });

  it("--plan auto picks the cheapest plan that meets the deadline and says why", async () => {
    const w = workspace();
    const run = await runBundle(
      renderRemote,
      [
        "--dry-run",
        "--plan",
        "auto",
        "--deadline",
        "10m",
        "--max-cost",
        "3",
        "--spec",
        w.spec,
        "--out",
        w.out,
        "--ssh-from",
        "198.51.100.7",
      ],
      { env: w.env },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    // every plan finishes a tiny job within one started hour, so the cheapest one wins
    expect(run.stderr).toMatch(/--plan auto chose 2core \(g6-dedicated-2\): the cheapest that finishes within 10 min 00 s under \$3/);
    expect(run.stderr).toMatch(/Render it here/);
    // the server-side deadline a real run would arm: with --max-cost, the last started hour within it
    expect(run.stderr).toMatch(
      /Server-side deadline: a real run's server would delete itself \d+ h 58 min after the start \(\d+ started hour\(s\) at \$[\d.]+\/h stay within --max-cost 3\)/,
    );
    const hours = await runBundle(
      renderRemote,
      ["--dry-run", "--plan", "2core", "--max-hours", "2", "--spec", w.spec, "--out", w.out, "--ssh-from", "198.51.100.7"],
      { env: w.env },
    );
    expect(hours.stderr).toMatch(
      /Server-side deadline: a real run's server would delete itself 1 h 58 min after the start \(--max-hours 2\), if LINODE_TOKEN has account:read_write\./,
    );
    const impossible = await runBundle(
      renderRemote,
      ["--dry-run", "--plan", "auto", "--max-cost", "0.01", "--spec", w.spec, "--out", w.out],
      { env: w.env },
    );
    expect(impossible.exitCode).toBe(2);
    expect(impossible.stderr).toMatch(/No plan meets the limits within --max-cost 0\.01/);
  });

  it("checks --out before anything runs or is rented: exit 2 in plain words, in every mode", async () => {
    const w = workspace();
    writeFileSync(path.join(w.dir, "README.md"), "# notes\n");
    const modes = [
      ["--dry-run"],
      ["--dry-run", "--plan", "48core", "--ssh-from", "198.51.100.7"],
      ["--plan", "48core", "--ssh-from", "198.51.100.7"],
      ["--target", "ssh://nobody@127.0.0.1:9", "--identity", w.spec],
    ];
    for (const mode of modes) {
      const run = await runBundle(renderRemote, [...mode, "--spec", w.spec, "--out", "README.md"], {
        env: { ...w.env, LINODE_TOKEN: "not-used" },
        cwd: w.dir,
      });
      expect(run.exitCode, mode.join(" ")).toBe(2);
      expect(run.stderr).toContain("render-remote: `--out README.md` is a file, not a directory.");
      expect(run.stderr.trim().split("\n"), "no stage, estimate or connection came first").toHaveLength(1);
    }
    const under = await runBundle(renderRemote, ["--dry-run", "--spec", w.spec, "--out", "README.md/renders"], { env: w.env, cwd: w.dir });
    expect(under.exitCode).toBe(2);
    expect(under.stderr).toContain("which is a file, not a directory");
    const proc = await runBundle(renderRemote, ["--dry-run", "--spec", w.spec, "--out", "/proc/nope"], { env: w.env });
    expect(proc.exitCode).toBe(2);
    expect(proc.stderr).toMatch(/`--out \/proc\/nope` cannot be created: no such file or directory/);
    // nothing rented, journaled or rendered: no state directory, no output
    expect(readdirSync(w.dir).sort()).toEqual(["README.md", "spec.json"]);
  });

  it("--target where nothing listens: shows each attempt, its reason and the time left; 30 s by default; Ctrl-C ends it", async () => {
    const w = workspace();
    const key = path.join(w.dir, "id_ed25519");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    const closedPort = "9"; // discard: nothing listens on 127.0.0.1:9 here
    const args = [
      "--target",
      `ssh://nobody@127.0.0.1:${closedPort}`,
      "--identity",
      key,
      "--known-hosts",
      path.join(w.dir, "known_hosts"),
      "--spec",
      w.spec,
      "--out",
      w.out,
    ];
    const short = await runBundle(renderRemote, [...args, "--connect-timeout", "2"], { env: w.env });
    expect(short.exitCode).toBe(1);
    expect(short.stderr).toMatch(
      /waiting for sshd on ssh:\/\/nobody@127\.0\.0\.1:9: attempt 1 failed \(connection refused: nothing listens on that port\); trying again for [12] s more \(--connect-timeout 2\)/,
    );
    expect(short.stderr).toMatch(/attempt 2 failed/);
    expect(short.stderr).toMatch(/did not answer within 2 s \(\d+ attempts; last error: connect ECONNREFUSED/);
    // the default for --target is short, and Ctrl-C while waiting ends as an interrupt of connect
    const child = execa(process.execPath, [renderRemote, ...args], { reject: false, env: w.env });
    await waitForOutput(child, "stderr", "attempt 1 failed");
    child.kill("SIGINT");
    const interrupted = await child;
    expect(String(interrupted.stderr)).toMatch(/trying again for (29|30) s more \(--connect-timeout 30\)/);
    expect(interrupted.exitCode).toBe(130);
    expect(String(interrupted.stderr)).toMatch(/render-remote: Interrupted during connect\.$/);
    expect(existsSync(w.out)).toBe(false); // and the --out it made for the run is gone again
  });

  it("estimate shows its calibration steps on stderr while it works, the table on stdout", async () => {
    const w = workspace();
    const run = await runBundle(renderRemote, ["estimate", "--spec", w.spec, "--deadline", "10m"], { env: w.env });
    expect(run.exitCode, run.all).toBe(0);
    const steps = [
      "warming up the",
      "sampling 6 frames across the animation",
      "timing x264 (veryfast) on 64×48 frames",
      "timing colouring and the shortcut search",
      "timing the renderer's start",
    ];
    let at = -1;
    for (const step of steps) {
      const found = run.stderr.indexOf(step);
      expect(found, `"${step}" in order in:\n${run.stderr}`).toBeGreaterThan(at);
      at = found;
    }
    expect(run.stderr).toMatch(/✔ calibrate \(\d+\.\d s\)/);
    expect(run.stdout).toMatch(/^tiny: [\d.]+ G iterations; about .* on this machine/);
    expect(run.stdout).toMatch(/npx render-remote --plan 2core --spec …/);
    const json = await runBundle(renderRemote, ["estimate", "--spec", w.spec, "--json"], { env: w.env });
    expect(JSON.parse(json.stdout).job).toBe("tiny");
    expect(json.stderr).toMatch(/\{"event":"stage","stage":"calibrate","status":"done"/);
  });

  it("a missing spec or identity file is said in words, never ENOENT", async () => {
    const w = workspace();
    const spec = await runBundle(renderRemote, ["--dry-run", "--spec", "nope.json", "--out", w.out], { env: w.env, cwd: w.dir });
    expect(spec.exitCode).toBe(2);
    expect(spec.stderr).toContain("Cannot read spec file nope.json (no such file or directory)");
    const identity = await runBundle(
      renderRemote,
      ["--target", "ssh://me@127.0.0.1:9", "--identity", path.join(w.dir, "no-key"), "--spec", w.spec, "--out", w.out],
      { env: w.env },
    );
    expect(identity.exitCode).toBe(2);
    expect(identity.stderr).toContain(`Cannot read the identity file ${path.join(w.dir, "no-key")}: no such file or directory.`);
    expect(spec.all + identity.all).not.toMatch(/ENOENT/);
  });

  it("--version, help <command>, and the environment variables in --help", async () => {
    const version = await runBundle(renderRemote, ["--version"]);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toBe(JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "package.json"), "utf8")).version);
    const help = await runBundle(renderRemote, ["help", "estimate"]);
    expect(help.exitCode, help.all).toBe(0);
    expect(help.stdout).toMatch(/^Usage: render-remote estimate \[options\]/);
    expect(help.stdout).toContain("--deadline <duration>");
    const main = await runBundle(renderRemote, ["--help"]);
    expect(main.stdout).toMatch(/LINODE_URL +the Linode API's base URL/);
    expect(main.stdout).toMatch(/RENDER_REMOTE_HOME +where runs keep/);
    expect(main.stdout).toMatch(/help \[command\]/);
  });

  it("--deadline without a unit is refused, naming the units", async () => {
    const w = workspace();
    for (const args of [
      ["--dry-run", "--plan", "auto", "--spec", w.spec, "--out", w.out],
      ["estimate", "--spec", w.spec],
    ]) {
      const run = await runBundle(renderRemote, [...args, "--deadline", "10"], { env: w.env });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain("--deadline 10 has no unit: write 10s, 10m or 10h (for example --deadline 10m).");
    }
  });

  it("--keep-frames: one line for the frames; Wrote paths as --out was given", async () => {
    const w = workspace();
    const run = await runBundle(renderRemote, ["--dry-run", "--keep-frames", "--spec", w.spec, "--out", "out"], { env: w.env, cwd: w.dir });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout.split("\n").filter((line) => line.startsWith("Wrote"))).toEqual([
      "Wrote out/tiny.mp4",
      "Wrote 6 frames: out/frames/tiny_00000.png … tiny_00005.png",
    ]);
    expect(readdirSync(path.join(w.out, "frames"))).toHaveLength(6);
  });

  it("a forced quit (third Ctrl-C) names the run directory exactly, with a command that removes it", async () => {
    const w = workspace(slow);
    const child = execa(process.execPath, [renderRemote, "--dry-run", "--spec", w.spec, "--out", w.out, "--json"], {
      reject: false,
      env: w.env,
    });
    await waitForOutput(child, "stderr", '"event":"frame"');
    for (let press = 0; press < 3; press++) {
      child.kill("SIGINT");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const result = await child;
    const stderr = String(result.stderr);
    expect(result.exitCode).toBe(130);
    const runDir = /uploaded 2 files to (\S+) \(/.exec(stderr)?.[1];
    expect(runDir).toMatch(/\/\.render-remote-run\.[A-Za-z0-9]{8}$/);
    const advice = `the run directory ${runDir} on this machine and the render in it, if it still runs; remove them with: pkill -KILL -s "$(cat -- ${runDir}/render.session)"; rm -rf -- ${runDir}`;
    expect(stderr).toContain(`Still cleaning up. Quitting now may leave: ${advice}.`);
    // the third press lands only while teardown still runs (a dry run's is quick); when it does, it names the same
    if (stderr.includes("Quit during cleanup")) expect(stderr).toContain(`Quit during cleanup. Check for leftovers: ${advice}.`);
    expect(stderr).not.toContain("*");
    // the command works as printed (whatever the quit left)
    execFileSync("sh", ["-c", `${advice.slice(advice.indexOf("remove them with: ") + 18)} || true`]);
    expect(existsSync(runDir!)).toBe(false);
    // a renderer still finishing its frame on SIGTERM may write under the directory again: the test leaves nothing
    await until(() => !processesIn(runDir!), "the render's processes to end");
    rmSync(runDir!, { recursive: true, force: true });
  });

  it("a real run refuses to start over --max-cost, before anything is created", async () => {
    const w = workspace();
    const run = await runBundle(
      renderRemote,
      ["--plan", "48core", "--spec", w.spec, "--out", w.out, "--max-cost", "0.5", "--ssh-from", "198.51.100.7"],
      { env: { ...w.env, LINODE_TOKEN: "not-used" } },
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/Worst-case cost: \$1\.30/);
    expect(run.stderr).toMatch(/is over --max-cost 0\.5\. Nothing was created/);
    // no journal, no stack, no keys: the state directory was not even created
    expect(readdirSync(w.dir).sort()).toEqual(["spec.json"]);
  });

  /** `render-remote --plan PLAN` in a fresh workspace whose environment has no LINODE_TOKEN. */
  const runWithoutToken = async (plan: string) => {
    const w = workspace();
    const env: NodeJS.ProcessEnv = { ...w.env };
    delete env.LINODE_TOKEN;
    return { w, run: await runBundle(renderRemote, ["--plan", plan, "--spec", w.spec, "--ssh-from", "198.51.100.7"], { env }) };
  };

  it("a real run without LINODE_TOKEN is exit 2 and says how to get one", async () => {
    const { run } = await runWithoutToken("2core");
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/LINODE_TOKEN is not set\. Create a personal access token .* export LINODE_TOKEN=<token>/);
  });

  it("a mistyped --plan is named before the missing token, with the valid plans", async () => {
    const { w, run } = await runWithoutToken("7core");
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/Unknown plan "7core"\. Use one of 2core, 4core, .*48core.*, auto, or a Linode dedicated type id/);
    expect(run.stderr).not.toMatch(/LINODE_TOKEN/);
    expect(readdirSync(w.dir).sort()).toEqual(["spec.json"]);
  });
});

describe("render-remote audit and plans", () => {
  let fake: FakeLinodeApi;
  beforeAll(async () => {
    fake = await startFakeLinodeApi({ instances: [fakeInstance({ id: 7, label: "someone-else", tags: [] })] });
  });
  afterAll(async () => fake?.close());

  it("exit 0 when nothing is billing, 1 when something is, 2 when the token is rejected", async () => {
    const w = workspace();
    const env = { ...w.env, LINODE_URL: fake.url, LINODE_TOKEN: fake.token };
    const clean = await runBundle(renderRemote, ["audit"], { env });
    expect(clean.exitCode, clean.all).toBe(0);
    fake.instances.push(
      fakeInstance({
        id: 8,
        label: "rr-20261124-abcdef",
        type: "g6-dedicated-48",
        tags: ["render-remote", "render-remote-run:rr-20261124-abcdef"],
      }),
    );
    const billing = await runBundle(renderRemote, ["audit", "--json"], { env });
    expect(billing.exitCode).toBe(1);
    expect(JSON.parse(billing.stdout).instances.map((i: { id: number }) => i.id)).toEqual([8]);
    const rejected = await runBundle(renderRemote, ["audit"], { env: { ...env, LINODE_TOKEN: "wrong" } });
    expect(rejected.exitCode).toBe(2);
    expect(rejected.stderr).toMatch(/LINODE_TOKEN was rejected \(401/);
    expect(rejected.all).not.toMatch(/wrong/);
  });

  it("plans lists live prices from the API", async () => {
    const run = await runBundle(renderRemote, ["plans", "--json"], { env: { ...process.env, LINODE_URL: fake.url } });
    expect(run.exitCode, run.all).toBe(0);
    const plans = JSON.parse(run.stdout);
    expect(plans.source).toBe("api");
    expect(plans.plans.find((p: { alias: string }) => p.alias === "48core")).toMatchObject({ type: "g6-dedicated-48", vcpus: 48 });
  });
});

describeWithSshd("render-remote --target against real OpenSSH on 127.0.0.1", () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startTestSshd();
  });
  afterAll(async () => sshd?.stop());
  const target = () => `ssh://${sshd.user}@127.0.0.1:${sshd.port}`;
  // Run directories in the test user's home that this test added (a test whose link was cut leaves its own).
  let before: string[] = [];
  const runDirs = () => readdirSync(sshd.homeDir).filter((name) => name.startsWith(".render-remote-run."));
  const leftovers = () => runDirs().filter((name) => !before.includes(name));
  beforeEach(() => {
    before = runDirs();
  });
  const renderers = () => sshd.userProcesses().filter((p) => /julia-render|ffmpeg/.test(p.command));

  it("renders, downloads and leaves nothing on the host", async () => {
    const w = workspace();
    const run = await runBundle(
      renderRemote,
      ["--target", target(), "--identity", sshd.identityFile, "--known-hosts", sshd.knownHostsFile, "--spec", w.spec, "--out", w.out],
      { env: w.env },
    );
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toMatch(/Nothing was left on the host\./);
    // the render time said once; the other stages listed
    expect(run.stdout).toMatch(
      /^Took \d+\.\d s: rendering \d+\.\d s, the other stages \d+\.\d s \(connect \d+\.\d, prepare \d+\.\d, upload \d+\.\d, download \d+\.\d, teardown \d+\.\d\)\.$/m,
    );
    expect(
      run.stdout
        .split("\n")
        .filter((line) => /\d s\b/.test(line))
        .join("\n")
        .match(/render/gi),
    ).toHaveLength(1);
    expect(run.stdout).toContain(`Wrote ${path.join(w.out, "tiny.mp4")}\n`); // --out was absolute: so is the path
    expect(await probeVideo(path.join(w.out, "tiny.mp4"))).toMatchObject({
      codec: "h264",
      pixFmt: "yuv420p",
      width: 64,
      height: 48,
      frames: 6,
    });
    expect(leftovers()).toEqual([]);
    expect(renderers()).toEqual([]);
  });

  it("logs in with the keys in the user's ssh-agent when no --identity is given", async () => {
    const w = workspace();
    const socket = path.join(w.dir, "agent.sock");
    const agent = execa("ssh-agent", ["-D", "-a", socket], { reject: false });
    try {
      for (let i = 0; i < 50 && !existsSync(socket); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      await execa("ssh-add", [sshd.identityFile], { env: { SSH_AUTH_SOCK: socket } });
      const env = { ...w.env, SSH_AUTH_SOCK: socket, HOME: w.dir }; // no ~/.ssh keys to fall back on
      const run = await runBundle(
        renderRemote,
        ["--target", target(), "--known-hosts", sshd.knownHostsFile, "--spec", w.spec, "--out", w.out],
        { env },
      );
      expect(run.exitCode, run.all).toBe(0);
      expect((await probeVideo(path.join(w.out, "tiny.mp4"))).frames).toBe(6);
      const noKey = await runBundle(renderRemote, ["--target", target(), "--known-hosts", sshd.knownHostsFile, "--spec", w.spec], {
        env: { ...env, SSH_AUTH_SOCK: "" },
      });
      expect(noKey.exitCode).toBe(2);
      expect(noKey.stderr).toMatch(/pass --identity KEYFILE, or run an ssh-agent/);
    } finally {
      agent.kill();
      await agent;
    }
  });

  it("refuses an unknown host key with instructions; --accept-new-host-key records it", async () => {
    const w = workspace();
    const knownHosts = path.join(w.dir, "known_hosts");
    writeFileSync(knownHosts, "");
    const args = ["--target", target(), "--identity", sshd.identityFile, "--known-hosts", knownHosts, "--spec", w.spec, "--out", w.out];
    const refused = await runBundle(renderRemote, args, { env: w.env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/--accept-new-host-key/);
    expect(refused.stderr).toMatch(/SHA256:/);
    expect(readFileSync(knownHosts, "utf8")).toBe("");
    const accepted = await runBundle(renderRemote, [...args, "--accept-new-host-key"], { env: w.env });
    expect(accepted.exitCode, accepted.all).toBe(0);
    expect(readFileSync(knownHosts, "utf8")).toContain(`[127.0.0.1]:${sshd.port} ssh-ed25519 `);
  });

  it("Ctrl-C mid-render: exit 130, no remote process or directory, no partial local file", async () => {
    const w = workspace(slow);
    const child = execa(
      process.execPath,
      [
        renderRemote,
        "--target",
        target(),
        "--identity",
        sshd.identityFile,
        "--known-hosts",
        sshd.knownHostsFile,
        "--spec",
        w.spec,
        "--out",
        w.out,
        "--json",
      ],
      { reject: false, env: w.env },
    );
    await waitForOutput(child, "stderr", '"event":"frame"');
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toMatch(/\nCtrl-C: stopping; cleaning up first/);
    expect(String(result.stderr)).toMatch(/render-remote: Interrupted during render\.$/);
    expect(String(result.stderr)).toMatch(/"stage":"render","status":"interrupted"/);
    expect(leftovers()).toEqual([]);
    expect(renderers()).toEqual([]);
    expect(readdirSync(w.dir).sort()).toEqual(["spec.json", "state"].filter((f) => readdirSync(w.dir).includes(f)));
  });

  it("sshd dies mid-render and stays down past --reconnect-for: exit 1, the render may still run, how to attach; no partial local file", async () => {
    const w = workspace(slow);
    const child = execa(
      process.execPath,
      [
        renderRemote,
        "--target",
        target(),
        "--identity",
        sshd.identityFile,
        "--known-hosts",
        sshd.knownHostsFile,
        "--spec",
        w.spec,
        "--out",
        w.out,
        "--json",
        "--connect-timeout",
        "2",
        "--reconnect-for",
        "3s",
      ],
      { reject: false, env: w.env },
    );
    await waitForOutput(child, "stderr", '"event":"frame"');
    await sshd.kill();
    const result = await child;
    await sshd.restart();
    try {
      expect(result.exitCode).toBe(1);
      expect(String(result.stderr)).toMatch(/the link to ssh:\/\/.* dropped .*Reconnecting for up to 3 s \(--reconnect-for\)/);
      expect(String(result.stderr)).toMatch(
        /Could not reconnect to ssh:\/\/.* within 3 s[\s\S]*The render may still be running on ssh:\/\/[\s\S]*render-remote attach rr-\d{8}-[a-z0-9]{6}/,
      );
      expect(readdirSync(w.dir).includes("out") ? readdirSync(w.out) : []).toEqual([]);
      // detached: it outlived the session, still rendering or finished since (its wrapper wrote exit status 0)
      const [runDir] = leftovers();
      const exitFile = path.join(sshd.homeDir, runDir, "render.exit");
      const finished = existsSync(exitFile) ? readFileSync(exitFile, "utf8") : "(none)";
      expect(renderers().length > 0 || finished === "0\n", `render.exit: ${finished}`).toBe(true);
    } finally {
      // this test does not attach (the slow render takes minutes): stop it and remove its directory by hand
      for (const info of sshd.userProcesses()) process.kill(info.pid, "SIGKILL");
      for (const name of leftovers()) rmSync(path.join(sshd.homeDir, name), { recursive: true, force: true });
    }
  });
});

/** Whether any process works in `dir` (its cwd), read from /proc. */
function processesIn(dir: string): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir) return true;
    } catch {
      // gone, or not ours to read
    }
  }
  return false;
}
