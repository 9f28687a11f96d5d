import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { probeVideo } from "../../test/run-bundle.ts";
import { fingerprint } from "../cloud/keys.ts";
import type { ProvisionEngine, StackProgram } from "../cloud/pulumi-engine.ts";
import { fakeInstance, startFakeLinodeApi, type FakeLinodeApi } from "../cloud/testing/fake-linode-api.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../hosts/testing/sshd.ts";
import { trapInterrupts } from "../interrupts.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import { runKeysDir } from "../state/paths.ts";
import { readJournal } from "../state/journal.ts";
import { exitCodeFor } from "../errors.ts";
import { runInCloud } from "./run-on-cloud.ts";
import { tempDir } from "../../test/temp-dir.ts";

/**
 * `render-remote --plan 2core` end to end, with one stand-in: the Pulumi
 * engine, which cannot run here. Its `up` does what Linode and cloud-init do:
 * it starts a real sshd on 127.0.0.1 with the host key and the login key this
 * run generated, and lists a tagged instance in the fake Linode API; `destroy`
 * takes both away. Everything else is real: calibration, prices and the region
 * check (fake API over HTTP), SSH with the pinned host key, the render, the
 * download, the journal and the closing audit.
 */
class LocalServerEngine implements ProvisionEngine {
  readonly calls: string[] = [];
  sshd: TestSshd | undefined;
  /** Run directories already in the login user's home when the server came up. */
  before: string[] = [];
  runDirs = () => readdirSync(this.sshd!.homeDir).filter((name) => name.startsWith(".render-remote-run."));
  constructor(private readonly api: FakeLinodeApi) {}

  async preflight() {
    this.calls.push("preflight");
  }

  async up(runId: string, _program: StackProgram) {
    this.calls.push(`up ${runId}`);
    const keys = runKeysDir(runId);
    const hostPrivateKey = readFileSync(path.join(keys, "ssh_host_ed25519_key"), "utf8");
    const hostPublicKey = readFileSync(path.join(keys, "ssh_host_ed25519_key.pub"), "utf8").trim();
    this.sshd = await startTestSshd({ hostPrivateKey, authorizedKey: readFileSync(path.join(keys, "id_ed25519.pub"), "utf8") });
    this.before = this.runDirs();
    this.api.instances.push(fakeInstance({ id: 4242, label: runId, type: "g6-dedicated-2", tags: ["render-remote", `render-remote-run:${runId}`] }));
    return { ip: "127.0.0.1", sshPort: this.sshd.port, user: this.sshd.user, hostKeyFingerprint: fingerprint(hostPublicKey), instanceId: 4242, firewallId: 77 };
  }
  async destroy(runId: string) {
    this.calls.push(`destroy ${runId}`);
    await this.sshd?.stop();
    this.api.instances = this.api.instances.filter((instance) => instance.id !== 4242);
  }
  async removeStack(runId: string) {
    this.calls.push(`removeStack ${runId}`);
  }
  listStacks = async () => [];
  destroyStack = async () => undefined;
}

/** Ubuntu's first boot: sshd answers with the image's host key and no user of ours, until cloud-init installs them a moment later. */
class FirstBootEngine extends LocalServerEngine {
  override async up(runId: string, program: StackProgram) {
    const host = await super.up(runId, program);
    const sshd = this.sshd!;
    const keys = runKeysDir(runId);
    const ours = { hostPrivateKey: readFileSync(path.join(keys, "ssh_host_ed25519_key"), "utf8"), authorizedKey: readFileSync(path.join(keys, "id_ed25519.pub"), "utf8") };
    const image = mkdtempSync(path.join(os.tmpdir(), "image-key-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(image, "key")]);
    await sshd.restart({ hostPrivateKey: readFileSync(path.join(image, "key"), "utf8"), authorizedKey: readFileSync(path.join(image, "key.pub"), "utf8") });
    rmSync(image, { recursive: true, force: true });
    this.cloudInitDone = new Promise((resolve) => setTimeout(() => void sshd.restart(ours).then(resolve), 1_500));
    return host;
  }
  cloudInitDone: Promise<void> | undefined;
}

const quiet: StageReporter = { stage: async (_n, run) => ({ value: await run(), seconds: 0 }), progress: () => undefined, info: () => undefined, warn: () => undefined };

describeWithSshd("render-remote --plan: the whole cloud run, with the Pulumi engine played by a local sshd", () => {
  let api: FakeLinodeApi;
  const saved = { ...process.env };
  let home: string;
  beforeAll(async () => {
    api = await startFakeLinodeApi();
    home = tempDir("cloud-run-");
    Object.assign(process.env, { RENDER_REMOTE_HOME: path.join(home, "state"), LINODE_URL: api.url, LINODE_TOKEN: api.token });
  });
  afterAll(async () => {
    for (const key of ["RENDER_REMOTE_HOME", "LINODE_URL", "LINODE_TOKEN"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await api.close();
  });

  it("provisions, renders over SSH with the pinned host key, downloads, destroys, and ends with the audit line", async () => {
    writeFileSync(path.join(home, "spec.json"), JSON.stringify({ name: "cloudy", width: 64, height: 48, maxIterations: 40, frames: 6, fps: 6 }));
    const engine = new LocalServerEngine(api);
    const interrupts = trapInterrupts();
    try {
      const result = await runInCloud(
        { spec: path.join(home, "spec.json"), plan: "2core", out: path.join(home, "out"), region: "us-east", sshFrom: "198.51.100.7", preset: "veryfast", connectTimeout: 20, reporter: quiet, interrupts },
        { engine },
      );
      expect(engine.calls).toEqual(["preflight", `up ${result.runId}`, `destroy ${result.runId}`, `removeStack ${result.runId}`]);
      expect(await probeVideo(path.join(home, "out", "cloudy.mp4"))).toMatchObject({ codec: "h264", width: 64, height: 48, frames: 6 });
      expect(result.verdict).toMatch(/nothing left billing/);
      expect(result.leftovers).toEqual([]);
      const journal = await readJournal(result.runId);
      expect(journal).toMatchObject({ status: "destroyed", plan: "2core", type: "g6-dedicated-2", instanceId: 4242, ip: "127.0.0.1" });
      expect(journal?.measured?.iterations).toBeGreaterThan(0);
      expect(Object.keys(journal?.stageSeconds ?? {})).toEqual(expect.arrayContaining(["provision", "connect", "prepare", "upload", "render", "download", "teardown"]));
      expect(existsSync(runKeysDir(result.runId))).toBe(false); // the run's keys are gone
      expect(engine.runDirs().filter((name) => !engine.before.includes(name))).toEqual([]); // nothing left on the server
      // the API saw the region check and the audit, never a DELETE of anything
      expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(["GET /regions/us-east", "GET /linode/instances"]));
      expect(api.requests.filter((r) => r.method === "DELETE")).toEqual([]);
    } finally {
      interrupts.dispose();
    }
  });

  it("refuses to guess the caller's address behind a proxy, and an IPv6 --ssh-from, before anything is created (exit 2)", async () => {
    writeFileSync(path.join(home, "tiny.json"), JSON.stringify({ name: "tiny", width: 32, height: 24, maxIterations: 20, frames: 2, fps: 2 }));
    const engine = new LocalServerEngine(api);
    const interrupts = trapInterrupts();
    const base = { spec: path.join(home, "tiny.json"), plan: "2core", out: path.join(home, "out3"), region: "us-east", preset: "veryfast" as const, connectTimeout: 5, reporter: quiet, interrupts };
    process.env.HTTPS_PROXY = "http://proxy.example:3128";
    try {
      const proxied = await runInCloud({ ...base, sshFrom: undefined }, { engine }).catch((e: unknown) => e);
      expect(exitCodeFor(proxied)).toBe(2);
      expect((proxied as Error).message).toMatch(/^HTTPS_PROXY is set, .* Nothing was created\. Pass the public IPv4 address SSH leaves from: --ssh-from <your-ip>\/32\.$/);
      const ipv6 = await runInCloud({ ...base, sshFrom: "2001:db8::7" }, { engine }).catch((e: unknown) => e);
      expect(exitCodeFor(ipv6)).toBe(2);
      expect((ipv6 as Error).message).toContain('--ssh-from "2001:db8::7" is IPv6');
      expect(engine.calls).toEqual([]);
    } finally {
      delete process.env.HTTPS_PROXY;
      interrupts.dispose();
    }
  });

  it("rides out the first boot: the image's host key and no user of ours at first, then cloud-init's", async () => {
    writeFileSync(path.join(home, "boot.json"), JSON.stringify({ name: "boot", width: 32, height: 24, maxIterations: 20, frames: 2, fps: 2 }));
    const engine = new FirstBootEngine(api);
    const interrupts = trapInterrupts();
    try {
      const result = await runInCloud(
        { spec: path.join(home, "boot.json"), plan: "2core", out: path.join(home, "out4"), region: "us-east", sshFrom: "198.51.100.7", preset: "veryfast", connectTimeout: 60, reporter: quiet, interrupts },
        { engine },
      );
      await engine.cloudInitDone;
      expect(existsSync(path.join(home, "out4", "boot.mp4"))).toBe(true);
      expect(result.verdict).toMatch(/nothing left billing/);
    } finally {
      interrupts.dispose();
    }
  });

  it("a link dropped mid-render still destroys the server, and the failed run ends with the audit line too", async () => {
    writeFileSync(path.join(home, "slow.json"), JSON.stringify({ name: "slow", width: 400, maxIterations: 4000, frames: 400, fps: 30 }));
    const engine = new LocalServerEngine(api);
    const warnings: string[] = [];
    let killed = false;
    const reporter: StageReporter = {
      ...quiet,
      warn: (message) => void warnings.push(message),
      progress: () => {
        if (!killed) void engine.sshd!.kill(); // the server vanishes mid-render
        killed = true;
      },
    };
    const interrupts = trapInterrupts();
    try {
      await expect(
        runInCloud({ spec: path.join(home, "slow.json"), plan: "2core", out: path.join(home, "out2"), region: "us-east", sshFrom: "198.51.100.7", preset: "veryfast", connectTimeout: 5, reporter, interrupts }, { engine }),
      ).rejects.toMatchObject({ kind: "remote", message: expect.stringMatching(/dropped during the render[^]*\nnothing left billing$/) });
      const runId = engine.calls[1].split(" ")[1];
      expect(engine.calls).toEqual(["preflight", `up ${runId}`, `destroy ${runId}`, `removeStack ${runId}`]);
      expect(await readJournal(runId)).toMatchObject({ status: "destroyed" });
      expect(existsSync(path.join(home, "out2", "slow.mp4"))).toBe(false);
    } finally {
      interrupts.dispose();
    }
  });

  it("Ctrl-C during the render: the render stops, the server is destroyed, and the last line says nothing is left", async () => {
    writeFileSync(path.join(home, "slow3.json"), JSON.stringify({ name: "slow3", width: 400, maxIterations: 4000, frames: 400, fps: 30 }));
    const engine = new LocalServerEngine(api);
    let pressed = false;
    const reporter: StageReporter = {
      ...quiet,
      progress: () => {
        if (!pressed) process.emit("SIGINT", "SIGINT"); // what the terminal's Ctrl-C does to this process
        pressed = true;
      },
    };
    const interrupts = trapInterrupts(new PassThrough());
    try {
      const error = await runInCloud(
        { spec: path.join(home, "slow3.json"), plan: "2core", out: path.join(home, "out3"), region: "us-east", sshFrom: "198.51.100.7", preset: "veryfast", connectTimeout: 5, reporter, interrupts },
        { engine },
      ).catch((caught: unknown) => caught);
      expect(error, String((error as Error).message)).toMatchObject({ kind: "interrupted" }); // the whole message on failure
      expect((error as Error).message.split("\n").at(-1)).toBe("nothing left billing");
      const runId = engine.calls[1].split(" ")[1];
      expect(engine.calls).toEqual(["preflight", `up ${runId}`, `destroy ${runId}`, `removeStack ${runId}`]);
      expect(await readJournal(runId)).toMatchObject({ status: "destroyed" });
      expect(api.instances.filter((i) => i.tags.includes(`render-remote-run:${runId}`))).toEqual([]);
      expect(existsSync(path.join(home, "out3", "slow3.mp4"))).toBe(false);
    } finally {
      interrupts.dispose();
    }
  });
});
