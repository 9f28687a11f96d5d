import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { probeVideo } from "../../test/run-bundle.ts";
import type { StackProgram } from "../cloud/pulumi-engine.ts";
import { startFakeLinodeApi, type FakeLinodeApi } from "../cloud/testing/fake-linode-api.ts";
import { createServerRoot, LocalServerEngine } from "../cloud/testing/local-server-engine.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { trapInterrupts } from "../interrupts.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import { runKeysDir } from "../state/paths.ts";
import { readJournal } from "../state/journal.ts";
import { attachCommand } from "../commands/attach-command.ts";
import { exitCodeFor } from "../errors.ts";
import { runInCloud } from "./run-on-cloud.ts";
import { tempDir } from "../../test/temp-dir.ts";
import { noServerDeadlineLine } from "../cloud/run-token.ts";

/** The server's root, played by the test user (a recording `sudo`, the watchdog helper; see local-server-engine.ts). */
const serverRoot = createServerRoot();

/** Ubuntu's first boot: sshd answers with the image's host key and no user of ours, until cloud-init installs them a moment later. */
class FirstBootEngine extends LocalServerEngine {
  constructor(api: FakeLinodeApi) {
    super(api, serverRoot);
  }
  override async up(runId: string, program: StackProgram) {
    const host = await super.up(runId, program);
    const sshd = this.sshd!;
    const keys = runKeysDir(runId);
    const ours = {
      hostPrivateKey: readFileSync(path.join(keys, "ssh_host_ed25519_key"), "utf8"),
      authorizedKey: readFileSync(path.join(keys, "id_ed25519.pub"), "utf8"),
    };
    const image = mkdtempSync(path.join(os.tmpdir(), "image-key-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(image, "key")]);
    await sshd.restart({
      hostPrivateKey: readFileSync(path.join(image, "key"), "utf8"),
      authorizedKey: readFileSync(path.join(image, "key.pub"), "utf8"),
    });
    rmSync(image, { recursive: true, force: true });
    this.cloudInitDone = new Promise((resolve) => setTimeout(() => void sshd.restart(ours).then(resolve), 1_500));
    return host;
  }
  cloudInitDone: Promise<void> | undefined;
}

const quiet: StageReporter = {
  stage: async (_n, run) => ({ value: await run(), seconds: 0 }),
  progress: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};

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
    writeFileSync(
      path.join(home, "spec.json"),
      JSON.stringify({ name: "cloudy", width: 64, height: 48, maxIterations: 40, frames: 6, fps: 6 }),
    );
    const engine = new LocalServerEngine(api, serverRoot);
    const interrupts = trapInterrupts();
    try {
      const result = await runInCloud(
        {
          spec: path.join(home, "spec.json"),
          plan: "2core",
          out: path.join(home, "out"),
          region: "us-east",
          sshFrom: "198.51.100.7",
          preset: "veryfast",
          connectTimeout: 20,
          reporter: quiet,
          interrupts,
        },
        { engine },
      );
      expect(engine.calls).toEqual(["preflight", `up ${result.runId}`, `destroy ${result.runId}`, `removeStack ${result.runId}`]);
      expect(await probeVideo(path.join(home, "out", "cloudy.mp4"))).toMatchObject({ codec: "h264", width: 64, height: 48, frames: 6 });
      expect(result.verdict).toMatch(/nothing left billing/);
      expect(result.leftovers).toEqual([]);
      const journal = await readJournal(result.runId);
      expect(journal).toMatchObject({ status: "destroyed", plan: "2core", type: "g6-dedicated-2", instanceId: 4242, ip: "127.0.0.1" });
      expect(journal?.measured?.iterations).toBeGreaterThan(0);
      expect(Object.keys(journal?.stageSeconds ?? {})).toEqual(
        expect.arrayContaining(["provision", "connect", "prepare", "upload", "render", "download", "teardown"]),
      );
      expect(existsSync(runKeysDir(result.runId))).toBe(false); // the run's keys are gone
      expect(engine.runDirs().filter((name) => !engine.before.includes(name))).toEqual([]); // nothing left on the server
      // the API saw the region check and the audit, never a DELETE of anything but the run's token
      expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
        expect.arrayContaining(["GET /regions/us-east", "GET /linode/instances"]),
      );
      expect(api.requests.filter((r) => r.method === "DELETE" && !r.path.startsWith("/profile/tokens/"))).toEqual([]);
    } finally {
      interrupts.dispose();
    }
  });

  it("refuses to guess the caller's address behind a proxy, and an IPv6 --ssh-from, before anything is created (exit 2)", async () => {
    writeFileSync(
      path.join(home, "tiny.json"),
      JSON.stringify({ name: "tiny", width: 32, height: 24, maxIterations: 20, frames: 2, fps: 2 }),
    );
    const engine = new LocalServerEngine(api, serverRoot);
    const interrupts = trapInterrupts();
    const base = {
      spec: path.join(home, "tiny.json"),
      plan: "2core",
      out: path.join(home, "out3"),
      region: "us-east",
      preset: "veryfast" as const,
      connectTimeout: 5,
      reporter: quiet,
      interrupts,
    };
    process.env.HTTPS_PROXY = "http://proxy.example:3128";
    try {
      const proxied = await runInCloud({ ...base, sshFrom: undefined }, { engine }).catch((e: unknown) => e);
      expect(exitCodeFor(proxied)).toBe(2);
      expect((proxied as Error).message).toMatch(
        /^HTTPS_PROXY is set, .* Nothing was created\. Pass the public IPv4 address SSH leaves from: --ssh-from <your-ip>\/32\.$/,
      );
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
    writeFileSync(
      path.join(home, "boot.json"),
      JSON.stringify({ name: "boot", width: 32, height: 24, maxIterations: 20, frames: 2, fps: 2 }),
    );
    const engine = new FirstBootEngine(api);
    const interrupts = trapInterrupts();
    try {
      const result = await runInCloud(
        {
          spec: path.join(home, "boot.json"),
          plan: "2core",
          out: path.join(home, "out4"),
          region: "us-east",
          sshFrom: "198.51.100.7",
          preset: "veryfast",
          connectTimeout: 60,
          reporter: quiet,
          interrupts,
        },
        { engine },
      );
      await engine.cloudInitDone;
      expect(existsSync(path.join(home, "out4", "boot.mp4"))).toBe(true);
      expect(result.verdict).toMatch(/nothing left billing/);
    } finally {
      interrupts.dispose();
    }
  });

  it("a link lost for longer than --reconnect-for, with no server-side deadline, still destroys the server, and the failed run ends with the audit line too", async () => {
    writeFileSync(path.join(home, "slow.json"), JSON.stringify({ name: "slow", width: 400, maxIterations: 4000, frames: 400, fps: 30 }));
    const engine = new LocalServerEngine(api, serverRoot);
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
        runInCloud(
          {
            spec: path.join(home, "slow.json"),
            plan: "2core",
            out: path.join(home, "out2"),
            region: "us-east",
            sshFrom: "198.51.100.7",
            preset: "veryfast",
            connectTimeout: 5,
            reconnectForSeconds: 2,
            reporter,
            interrupts,
          },
          { engine },
        ),
      ).rejects.toMatchObject({
        kind: "remote",
        message: expect.stringMatching(
          /Could not reconnect to ssh:\/\/.* within 2 s[\s\S]*The server was destroyed, as every run's is without a server-side deadline[\s\S]*\nnothing left billing$/,
        ),
      });
      const runId = engine.calls[1].split(" ")[1];
      expect(engine.calls).toEqual(["preflight", `up ${runId}`, `destroy ${runId}`, `removeStack ${runId}`]);
      expect(await readJournal(runId)).toMatchObject({ status: "destroyed" });
      expect(existsSync(path.join(home, "out2", "slow.mp4"))).toBe(false);
    } finally {
      interrupts.dispose();
    }
  });

  it("a lost link with a server-side deadline leaves the server for attach; attach brings the MP4 home, destroys the stack and sweeps the tag", async () => {
    const spec = { name: "kept", width: 192, height: 144, maxIterations: 1500, frames: 48, fps: 24 };
    writeFileSync(path.join(home, "kept.json"), JSON.stringify(spec));
    const engine = new LocalServerEngine(api, serverRoot);
    let cut = false;
    const reporter: StageReporter = {
      ...quiet,
      progress: () => {
        if (cut) return;
        cut = true;
        const runId = engine.calls[1].split(" ")[1];
        // the watchdog is armed (the deadline bounds the bill); then the server drops off the network (its processes go on)
        void readJournal(runId).then((journal) => {
          expect(journal).toMatchObject({ watchdog: "armed", deadline: expect.any(String) });
          return engine.sshd!.kill();
        });
      },
    };
    const interrupts = trapInterrupts();
    let runId = "";
    try {
      const error = await runInCloud(
        {
          spec: path.join(home, "kept.json"),
          plan: "2core",
          out: path.join(home, "out5"),
          region: "us-east",
          sshFrom: "198.51.100.7",
          preset: "veryfast",
          connectTimeout: 5,
          reconnectForSeconds: 3,
          processes: 1,
          reporter,
          interrupts,
        },
        { engine, watchdog: { helperPath: serverRoot.helperPath } },
      ).catch((caught: unknown) => caught);
      runId = engine.calls[1].split(" ")[1];
      expect((error as Error).message).toMatch(
        new RegExp(
          `Could not reconnect[\\s\\S]*The render may still be running[\\s\\S]*render-remote attach ${runId}[\\s\\S]*deletes itself at its deadline`,
        ),
      );
      expect(engine.calls).toEqual(["preflight", `up ${runId}`]); // not destroyed
      expect(await readJournal(runId)).toMatchObject({
        status: "live",
        renderState: "unreachable",
        mode: "cloud",
        access: { host: "127.0.0.1", port: engine.sshd!.port },
      });
      expect(existsSync(runKeysDir(runId))).toBe(true); // the per-run key lives until teardown
    } finally {
      interrupts.dispose();
    }
    await engine.sshd!.restart(); // the server is reachable again
    const said: string[] = [];
    const spies = (["stdout", "stderr"] as const).map((stream) =>
      vi.spyOn(process[stream], "write").mockImplementation((chunk: string | Uint8Array) => said.push(String(chunk)) > 0),
    );
    const exit = await attachCommand(runId, { json: true }, { engine, watchdogRoot: serverRoot.root }).finally(() => {
      for (const spy of spies) spy.mockRestore();
    });
    expect(exit, said.join("")).toBe(0);
    // what the server's watchdog did, from its own log
    expect(said.join("")).toMatch(new RegExp(`watchdog: \\S+ armed for run ${runId}: at .* deletes instance 4242, then firewall 77`));
    expect(await probeVideo(path.join(home, "out5", "kept.mp4"))).toMatchObject({
      codec: "h264",
      width: 192,
      height: 144,
      frames: spec.frames,
    });
    expect(engine.calls).toEqual(["preflight", `up ${runId}`, `destroy ${runId}`, `removeStack ${runId}`]);
    expect(api.instances.filter((i) => i.tags.includes(`render-remote-run:${runId}`))).toEqual([]);
    expect(await readJournal(runId)).toMatchObject({ status: "destroyed", renderState: "downloaded", runToken: { revoked: true } });
    expect(existsSync(runKeysDir(runId))).toBe(false);
    expect(engine.runDirs().filter((name) => !engine.before.includes(name))).toEqual([]);
  });

  it("Ctrl-C during the render: the render stops, the server is destroyed, and the last line says nothing is left", async () => {
    writeFileSync(path.join(home, "slow3.json"), JSON.stringify({ name: "slow3", width: 400, maxIterations: 4000, frames: 400, fps: 30 }));
    const engine = new LocalServerEngine(api, serverRoot);
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
        {
          spec: path.join(home, "slow3.json"),
          plan: "2core",
          out: path.join(home, "out3"),
          region: "us-east",
          sshFrom: "198.51.100.7",
          preset: "veryfast",
          connectTimeout: 5,
          reporter,
          interrupts,
        },
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

  it("makes the run's own token (scopes, expiry, label), places it root-only through sudo's stdin, arms the watchdog, and revokes the token at teardown", async () => {
    writeFileSync(path.join(home, "wd.json"), JSON.stringify({ name: "wd", width: 32, height: 24, maxIterations: 20, frames: 2, fps: 2 }));
    const engine = new LocalServerEngine(api, serverRoot);
    const lines: string[] = [];
    const reporter: StageReporter = { ...quiet, info: (line) => void lines.push(line), warn: (line) => void lines.push(line) };
    const interrupts = trapInterrupts();
    try {
      const result = await runInCloud(
        {
          spec: path.join(home, "wd.json"),
          plan: "2core",
          out: path.join(home, "out-wd"),
          region: "us-east",
          sshFrom: "198.51.100.7",
          preset: "veryfast",
          connectTimeout: 20,
          reporter,
          interrupts,
        },
        { engine, watchdog: { helperPath: serverRoot.helperPath } },
      );
      expect(result.verdict).toMatch(/nothing left billing/);
      const journal = (await readJournal(result.runId))!;
      const token = api.tokens.created.find((t) => t.label === `render-remote-run:${result.runId}`)!;
      expect(token).toMatchObject({ scopes: "linodes:read_write firewall:read_write", label: `render-remote-run:${result.runId}` });
      // expiry: the deadline (in whole seconds) plus 15 minutes; the deadline is the started hour the worst case pays for, less the delete margin
      expect(Date.parse(`${token.expiry}Z`)).toBe(Math.floor(Date.parse(journal.deadline!) / 1000) * 1000 + 15 * 60_000);
      expect(Date.parse(journal.deadline!) - Date.parse(journal.startedAt)).toBeGreaterThan(50 * 60_000);
      expect(journal).toMatchObject({ watchdog: "armed", runToken: { id: token.id, label: token.label, revoked: true } });
      // on the host: root-only, with the secret; through sudo's stdin, never its argv
      expect(engine.tokenFile).toEqual({ mode: 0o600, content: `${token.token}\n` });
      const sudoArgv = readFileSync(path.join(serverRoot.root, "sudo-argv.log"), "utf8");
      expect(sudoArgv).toContain(`${serverRoot.helperPath} arm ${result.runId} 4242 77 `);
      expect(sudoArgv).not.toContain(token.token);
      // revoked at teardown: gone from the account
      expect(api.tokens.list).toEqual([]);
      expect(api.requests).toContainEqual(expect.objectContaining({ method: "DELETE", path: `/profile/tokens/${token.id}`, status: 200 }));
      // the deadline was printed before anything was created; the secret never was, nor journaled
      const deadlineLine = lines.findIndex((line) =>
        /^Server-side deadline: \d\d:\d\d UTC \(the 1 started hour\(s\) the worst case pays for\)/.test(line),
      );
      expect(deadlineLine).toBeGreaterThanOrEqual(0);
      expect(deadlineLine).toBeLessThan(lines.findIndex((line) => line.startsWith("Creating a g6-dedicated-2 server")));
      expect(lines).toContainEqual(expect.stringMatching(/watchdog armed: the server deletes itself at \d\d:\d\d UTC/));
      expect(lines.join("\n")).not.toContain(token.token);
      expect(JSON.stringify(journal)).not.toContain(token.token);
    } finally {
      interrupts.dispose();
    }
  });

  it("without account:read_write (403), runs on with the client-side guarantees and says in one line why there is no server-side deadline", async () => {
    writeFileSync(
      path.join(home, "nowd.json"),
      JSON.stringify({ name: "nowd", width: 32, height: 24, maxIterations: 20, frames: 2, fps: 2 }),
    );
    const engine = new LocalServerEngine(api, serverRoot);
    const lines: string[] = [];
    const reporter: StageReporter = { ...quiet, info: (line) => void lines.push(line), warn: (line) => void lines.push(line) };
    const interrupts = trapInterrupts();
    const scopes = api.tokens.ownScopes;
    api.tokens.ownScopes = "linodes:read_write firewall:read_write account:read_only";
    const tokensBefore = api.tokens.created.length;
    try {
      const result = await runInCloud(
        {
          spec: path.join(home, "nowd.json"),
          plan: "2core",
          out: path.join(home, "out-nowd"),
          region: "us-east",
          sshFrom: "198.51.100.7",
          preset: "veryfast",
          connectTimeout: 20,
          reporter,
          interrupts,
          maxHours: 1.5,
        },
        { engine, watchdog: { helperPath: serverRoot.helperPath } },
      );
      expect(await probeVideo(path.join(home, "out-nowd", "nowd.mp4"))).toMatchObject({ frames: 2 });
      expect(result.verdict).toMatch(/nothing left billing/);
      expect(api.tokens.created.length).toBe(tokensBefore);
      expect(api.requests).toContainEqual(expect.objectContaining({ method: "POST", path: "/profile/tokens", status: 403 }));
      const line = noServerDeadlineLine("LINODE_TOKEN lacks account:read_write, which creating the run's own token needs", true);
      expect(lines.filter((l) => l.startsWith("No server-side deadline"))).toEqual([line]);
      expect(line).toMatch(/Give LINODE_TOKEN the account:read_write scope to add it\.$/);
      expect(await readJournal(result.runId)).toMatchObject({
        watchdog: "unavailable",
        watchdogReason: expect.stringContaining("account:read_write"),
      });
      expect((await readJournal(result.runId))?.runToken).toBeUndefined();
      // --max-hours 1.5 set the deadline all the same (the clock starts just before the journal is written), printed first
      const journal = (await readJournal(result.runId))!;
      const ahead = Date.parse(journal.deadline!) - Date.parse(journal.startedAt);
      expect(ahead).toBeLessThanOrEqual(88 * 60_000);
      expect(ahead).toBeGreaterThan(87 * 60_000);
      expect(lines[lines.findIndex((l) => l.startsWith("Server-side deadline: "))]).toMatch(
        /^Server-side deadline: (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC \(--max-hours 1\.5\); at that moment/,
      );
    } finally {
      api.tokens.ownScopes = scopes;
      interrupts.dispose();
    }
  });
});
