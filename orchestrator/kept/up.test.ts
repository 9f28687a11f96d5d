import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startFakeLinodeApi, type FakeLinodeApi } from "../cloud/testing/fake-linode-api.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { trapInterrupts } from "../interrupts.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import { runKeysDir } from "../state/paths.ts";
import { readJournal } from "../state/journal.ts";
import { exitCodeFor } from "../errors.ts";
import { upCommand } from "../commands/up-command.ts";
import { downCommand } from "../commands/down-command.ts";
import { runsCommand } from "../commands/runs-command.ts";
import { audit } from "../audit/audit.ts";
import { PassThrough } from "node:stream";
import { tempDir } from "../../test/temp-dir.ts";
import { createServerRoot, LocalServerEngine } from "../cloud/testing/local-server-engine.ts";
import { keepServer, type UpOptions } from "./up.ts";

const serverRoot = createServerRoot();

/** Captures what a command writes on stdout and stderr. */
async function captured<T>(run: () => Promise<T>): Promise<{ value: T; stdout: string; stderr: string }> {
  const said = { stdout: "", stderr: "" };
  const spies = (["stdout", "stderr"] as const).map((stream) =>
    vi.spyOn(process[stream], "write").mockImplementation((chunk: string | Uint8Array) => {
      said[stream] += String(chunk);
      return true;
    }),
  );
  try {
    return { value: await run(), ...said };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

function recording(onStage?: (name: string) => void) {
  const stages: string[] = [];
  const lines: string[] = [];
  const reporter: StageReporter = {
    stage: async (name, run) => {
      stages.push(name);
      onStage?.(name);
      return { value: await run(), seconds: 0 };
    },
    progress: () => undefined,
    info: (line) => void lines.push(line),
    warn: (line) => void lines.push(line),
  };
  return { stages, lines, reporter };
}

describeWithSshd("render-remote up: a kept server, with the Pulumi engine played by a local sshd", () => {
  let api: FakeLinodeApi;
  const saved = { ...process.env };
  beforeAll(async () => {
    api = await startFakeLinodeApi();
    const home = tempDir("kept-up-");
    Object.assign(process.env, { RENDER_REMOTE_HOME: path.join(home, "state"), LINODE_URL: api.url, LINODE_TOKEN: api.token });
  });
  afterAll(async () => {
    // whatever a failed test kept: destroyed, so no sshd or watchdog outlives the suite
    for (const engine of engines)
      for (const call of engine.calls.filter((c) => c.startsWith("up ")))
        if (!engine.calls.includes(`destroy ${call.slice(3)}`)) await engine.destroy(call.slice(3));
    for (const key of ["RENDER_REMOTE_HOME", "LINODE_URL", "LINODE_TOKEN"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await api.close();
  });
  const engines: LocalServerEngine[] = [];
  const engineFor = () => {
    engines.push(new LocalServerEngine(api, serverRoot));
    return engines.at(-1)!;
  };

  const upOptions = (reporter: StageReporter, interrupts: UpOptions["interrupts"]): UpOptions => ({
    plan: "2core",
    region: "us-east",
    sshFrom: "198.51.100.7",
    connectTimeout: 20,
    reporter,
    interrupts,
  });

  it("provisions, arms the watchdog, prepares once, records the kept entry and leaves the server up; prints the deadline and the commands", async () => {
    const engine = engineFor();
    const { value: exit, stdout } = await captured(() =>
      upCommand(
        { plan: "2core", region: "us-east", sshFrom: "198.51.100.7", connectTimeout: 20, json: true },
        { engine, watchdog: { helperPath: serverRoot.helperPath } },
      ),
    );
    expect(exit).toBe(0);
    const printed = JSON.parse(stdout);
    const runId: string = printed.runId;
    expect(engine.calls).toEqual(["preflight", `up ${runId}`]); // not destroyed
    expect(api.instances.filter((i) => i.tags.includes(`render-remote-run:${runId}`))).toHaveLength(1);
    const journal = (await readJournal(runId))!;
    // the deadline: the end of the first started hour after creation, minus 5 minutes
    expect(Date.parse(journal.deadline!) - Date.parse(journal.kept!.createdAt)).toBe(55 * 60_000);
    expect(printed).toMatchObject({
      deadline: journal.deadline,
      createdAt: journal.kept!.createdAt,
      ip: "127.0.0.1",
      port: engine.sshd!.port,
      paidHours: 1,
      costAtDeadlineUsd: journal.hourly,
      commands: { render: `npx render-remote --on ${runId} --spec specs/spiral.json`, down: `npx render-remote down ${runId}` },
    });
    const publicKey = readFileSync(path.join(runKeysDir(runId), "ssh_host_ed25519_key.pub"), "utf8").trim();
    expect(journal).toMatchObject({
      mode: "cloud",
      status: "live",
      stage: "kept",
      watchdog: "armed",
      plan: "2core",
      type: "g6-dedicated-2",
      instanceId: 4242,
      ip: "127.0.0.1",
      runToken: { label: `render-remote-run:${runId}` },
      access: {
        host: "127.0.0.1",
        port: engine.sshd!.port,
        user: engine.sshd!.user,
        keyPath: expect.any(String),
        knownHostsPath: expect.any(String),
      },
      kept: { toolchain: { node: "node", ffmpeg: "ffmpeg", cores: expect.any(Number) }, hostPublicKey: publicKey },
    });
    expect(journal.runToken?.revoked).toBeUndefined(); // the watchdog's token lives until `down`
    expect(existsSync(journal.access!.keyPath!)).toBe(true); // so does the per-run key
    // prepared once; nothing uploaded or rendered
    expect(Object.keys(journal.stageSeconds ?? {})).toEqual(["provision", "connect", "prepare"]);
    expect(engine.runDirs().filter((name) => !engine.before.includes(name))).toEqual([]);
    // the watchdog was armed with exactly that deadline
    const sudoArgv = readFileSync(path.join(serverRoot.root, "sudo-argv.log"), "utf8");
    expect(sudoArgv).toContain(`${serverRoot.helperPath} arm ${runId} 4242 77 ${Math.floor(Date.parse(journal.deadline!) / 1000)} `);

    // runs and audit list it as kept, with its deadline
    const runs = JSON.parse((await captured(() => runsCommand({ json: true }))).stdout);
    expect(runs.find((row: { id: string }) => row.id === runId)).toMatchObject({
      state: "kept",
      deadline: journal.deadline,
      costSoFarUsd: Math.round(journal.hourly * 100) / 100,
      kept: { timeLeft: expect.stringMatching(/^5[45]m left$/), expired: false, down: `render-remote down ${runId}` },
    });
    const report = await audit({ stdout: new PassThrough(), stderr: new PassThrough() });
    expect(report.serverSide?.kept).toEqual([
      expect.objectContaining({ runId, instanceId: 4242, deadline: journal.deadline, expired: false }),
    ]);

    const { value: down } = await captured(() => downCommand(runId, { json: true }, { engine }));
    expect(down).toBe(0);
  });

  it("prints the address, the deadline with the time left, the cost, and the commands (human output)", async () => {
    const engine = engineFor();
    const { value: exit, stdout } = await captured(() =>
      upCommand(
        { plan: "2core", region: "us-east", sshFrom: "198.51.100.7", connectTimeout: 20, keep: "30m" },
        { engine, watchdog: { helperPath: serverRoot.helperPath } },
      ),
    );
    expect(exit).toBe(0);
    const runId = engine.calls[1].split(" ")[1];
    const journal = (await readJournal(runId))!;
    expect(Date.parse(journal.deadline!) - Date.parse(journal.kept!.createdAt)).toBe(30 * 60_000);
    expect(stdout).toContain(`Kept server: run ${runId}, 2core (g6-dedicated-2`);
    expect(stdout).toContain(`address:  ${engine.sshd!.user}@127.0.0.1 port ${engine.sshd!.port}`);
    expect(stdout).toMatch(/deadline: \d\d:\d\d UTC \((29|30)m left\)/);
    expect(stdout).toMatch(
      /cost: +\$\d+\.\d\d so far \(1 started hour × \$[\d.]+\/h\); \$\d+\.\d\d if kept until the deadline \(1 started hour\)/,
    );
    expect(stdout).toContain(`npx render-remote --on ${runId} --spec specs/spiral.json`);
    expect(stdout).toContain(`npx render-remote down ${runId}`);
    expect((await captured(() => downCommand(runId, {}, { engine }))).value).toBe(0);
  });

  it("refuses bad --keep and --max-cost before anything is created (exit 2)", async () => {
    const engine = engineFor();
    const attempts = [
      { keep: "55" }, // no unit
      { keep: "2m" }, // too short to use
      { keep: "1h55m", maxCost: 0.01 }, // two started hours over the budget
      { maxCost: 0.0001 }, // not even one hour
      { plan: "auto" },
      { plan: undefined },
    ];
    for (const attempt of attempts) {
      const error = await upCommand({ plan: "2core", region: "us-east", sshFrom: "198.51.100.7", ...attempt }, { engine }).catch((e) => e);
      expect(exitCodeFor(error), JSON.stringify(attempt)).toBe(2);
    }
    expect(engine.calls).toEqual([]);
  });

  it("a watchdog that cannot be armed: the server is destroyed and up fails with the reason", async () => {
    const engine = engineFor();
    const { reporter } = recording();
    const interrupts = trapInterrupts();
    try {
      const error = await keepServer(upOptions(reporter, interrupts), {
        engine,
        watchdog: { helperPath: path.join(serverRoot.bin, "no-such-watchdog") },
      }).catch((e: unknown) => e);
      expect(exitCodeFor(error)).toBe(1);
      expect((error as Error).message).toMatch(/^The server-side deadline could not be armed \(arming it on .* failed \(exit 127/);
      const runId = engine.calls[1].split(" ")[1];
      expect(engine.calls).toEqual(["preflight", `up ${runId}`, `destroy ${runId}`, `removeStack ${runId}`]);
      expect(await readJournal(runId)).toMatchObject({ status: "destroyed", runToken: { revoked: true } });
      expect((await readJournal(runId))?.kept).toBeUndefined();
      expect(existsSync(runKeysDir(runId))).toBe(false);
    } finally {
      interrupts.dispose();
    }
  });

  it("without account:read_write no server-side deadline can be set: refused before anything is created", async () => {
    const engine = engineFor();
    const { reporter } = recording();
    const interrupts = trapInterrupts();
    const scopes = api.tokens.ownScopes;
    api.tokens.ownScopes = "linodes:read_write firewall:read_write account:read_only";
    try {
      const error = await keepServer(upOptions(reporter, interrupts), { engine }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(
        /^No server-side deadline can be set \(LINODE_TOKEN lacks account:read_write.*Nothing was created\./,
      );
      expect(engine.calls).toEqual(["preflight"]);
    } finally {
      api.tokens.ownScopes = scopes;
      interrupts.dispose();
    }
  });

  it("Ctrl-C during prepare: the server is destroyed", async () => {
    const engine = engineFor();
    const { reporter, stages } = recording((name) => {
      if (name === "prepare") process.emit("SIGINT", "SIGINT"); // what the terminal's Ctrl-C does
    });
    const interrupts = trapInterrupts({ write: () => true } as unknown as NodeJS.WritableStream);
    try {
      const error = await keepServer(upOptions(reporter, interrupts), { engine, watchdog: { helperPath: serverRoot.helperPath } }).catch(
        (e: unknown) => e,
      );
      expect(exitCodeFor(error), String(error)).toBe(130);
      expect(stages).toEqual(["connect", "prepare"]);
      const runId = engine.calls[1].split(" ")[1];
      expect(engine.calls).toEqual(["preflight", `up ${runId}`, `destroy ${runId}`, `removeStack ${runId}`]);
      expect(await readJournal(runId)).toMatchObject({ status: "destroyed", runToken: { revoked: true } });
      expect(api.instances.filter((i) => i.tags.includes(`render-remote-run:${runId}`))).toEqual([]);
    } finally {
      interrupts.dispose();
    }
  });
});
