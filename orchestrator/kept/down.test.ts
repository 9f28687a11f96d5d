import { existsSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { audit } from "../audit/audit.ts";
import { fakeFirewall, startFakeLinodeApi, type FakeLinodeApi } from "../cloud/testing/fake-linode-api.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { runKeysDir } from "../state/paths.ts";
import { readJournal, writeJournal, type RunJournal } from "../state/journal.ts";
import { exitCodeFor } from "../errors.ts";
import { upCommand } from "../commands/up-command.ts";
import { downCommand } from "../commands/down-command.ts";
import { tempDir } from "../../test/temp-dir.ts";
import { createServerRoot, LocalServerEngine } from "../cloud/testing/local-server-engine.ts";

const serverRoot = createServerRoot();

async function captured<T>(run: () => Promise<T>): Promise<{ value: T; stdout: string }> {
  let stdout = "";
  const spies = [
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    }),
    vi.spyOn(process.stderr, "write").mockImplementation(() => true),
  ];
  try {
    return { value: await run(), stdout };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** A journal entry as a cloud run or a kept server writes it (fixtures for the refusals). */
function entry(runId: string, changes: Partial<RunJournal>): RunJournal {
  const at = new Date().toISOString();
  return {
    runId,
    mode: "cloud",
    plan: "2core",
    type: "g6-dedicated-2",
    region: "us-east",
    startedAt: at,
    updatedAt: at,
    hourly: 0.108,
    stack: { name: runId, backendUrl: "file:///nowhere" },
    status: "live",
    stage: "render",
    ...changes,
  };
}

describeWithSshd("render-remote down: a kept server's teardown", () => {
  let api: FakeLinodeApi;
  const saved = { ...process.env };
  const engine = () => new LocalServerEngine(api, serverRoot);
  let kept: LocalServerEngine;
  beforeAll(async () => {
    api = await startFakeLinodeApi();
    const home = tempDir("kept-down-");
    Object.assign(process.env, { RENDER_REMOTE_HOME: path.join(home, "state"), LINODE_URL: api.url, LINODE_TOKEN: api.token });
  });
  afterAll(async () => {
    if (kept?.sshd && !kept.calls.some((c) => c.startsWith("destroy "))) await kept.destroy(kept.calls[1].slice(3));
    for (const key of ["RENDER_REMOTE_HOME", "LINODE_URL", "LINODE_TOKEN"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await api.close();
  });

  it("destroys the stack, sweeps the run's tag, revokes the token, deletes the key, marks the journal; audit is clean after", async () => {
    kept = engine();
    const up = await captured(() =>
      upCommand(
        { plan: "2core", region: "us-east", sshFrom: "198.51.100.7", connectTimeout: 20, json: true },
        { engine: kept, watchdog: { helperPath: serverRoot.helperPath } },
      ),
    );
    expect(up.value).toBe(0);
    const runId: string = JSON.parse(up.stdout).runId;
    const before = (await readJournal(runId))!;
    // something the stack lost track of, still tagged with the run: the sweep's to delete
    api.firewalls.push(fakeFirewall({ id: 9911, tags: ["render-remote", `render-remote-run:${runId}`] }));

    const down = await captured(() => downCommand(runId, {}, { engine: kept }));
    expect(down.value).toBe(0);
    expect(down.stdout).toBe(`Destroyed kept server ${runId}. nothing left billing\n`);
    expect(kept.calls).toEqual(["preflight", `up ${runId}`, `destroy ${runId}`, `removeStack ${runId}`]);
    expect(api.deleted("firewalls")).toContain(9911);
    expect(api.requests).toContainEqual(
      expect.objectContaining({ method: "DELETE", path: `/profile/tokens/${before.runToken!.id}`, status: 200 }),
    );
    expect(api.tokens.list).toEqual([]);
    expect(await readJournal(runId)).toMatchObject({ status: "destroyed", stage: "teardown", runToken: { revoked: true } });
    expect(existsSync(runKeysDir(runId))).toBe(false);
    const report = await audit({ stdout: new PassThrough(), env: process.env });
    expect(report.billing).toBe(false);
    expect(report.instances).toEqual([]);
  });

  it("refuses an unknown id, a bad id, a run that is not a kept server, one already destroyed, and no id: exit 2, nothing touched", async () => {
    const idle = engine();
    await writeJournal(entry("rr-20261205-normal", {}));
    await writeJournal(
      entry("rr-20261205-gone", {
        kept: { toolchain: { node: "node", ffmpeg: "ffmpeg", cores: 2 }, hostPublicKey: "k", createdAt: new Date().toISOString() },
        status: "destroyed",
      }),
    );
    const requestsBefore = api.requests.length;
    const cases: [string | undefined, { all?: boolean }, RegExp][] = [
      ["rr-20261205-nosuch", {}, /^No run rr-20261205-nosuch in .*Nothing was touched\. `render-remote runs` lists/],
      ["../etc", {}, /^"\.\.\/etc" is not a run id/],
      [
        "rr-20261205-normal",
        {},
        /^Run rr-20261205-normal is not a kept server .*Nothing was touched\. .*render-remote attach rr-20261205-normal.*audit --destroy/,
      ],
      ["rr-20261205-gone", {}, /^Kept server rr-20261205-gone was already destroyed .*Nothing was touched\./],
      [undefined, {}, /^`down` needs a kept server's run id, or --all/],
      ["rr-20261205-normal", { all: true }, /^Name one kept server or pass --all, not both/],
    ];
    for (const [runId, options, message] of cases) {
      const error = await downCommand(runId, options, { engine: idle }).catch((e: unknown) => e);
      expect(exitCodeFor(error), String(runId)).toBe(2);
      expect((error as Error).message).toMatch(message);
    }
    expect(idle.calls).toEqual([]);
    expect(api.requests.length).toBe(requestsBefore);
    expect(await readJournal("rr-20261205-normal")).toMatchObject({ status: "live" });
  });

  it("down --all: with none kept it says so (exit 0); a kept server past its deadline is destroyed as the leftover it is", async () => {
    const idle = engine();
    const none = await captured(() => downCommand(undefined, { all: true }, { engine: idle }));
    expect(none).toEqual({ value: 0, stdout: "No kept servers: nothing to destroy.\n" });
    expect(idle.calls).toEqual([]);

    const runId = "rr-20261205-expired";
    const createdAt = new Date(Date.now() - 2 * 3600_000).toISOString();
    await writeJournal(
      entry(runId, {
        stage: "kept",
        startedAt: createdAt,
        deadline: new Date(Date.now() - 65 * 60_000).toISOString(),
        watchdog: "armed",
        kept: { toolchain: { node: "node", ffmpeg: "ffmpeg", cores: 2 }, hostPublicKey: "k", createdAt },
      }),
    );
    api.firewalls.push(fakeFirewall({ id: 9922, tags: ["render-remote", `render-remote-run:${runId}`] }));
    const all = await captured(() => downCommand(undefined, { all: true }, { engine: idle }));
    expect(all.value).toBe(0);
    expect(all.stdout).toBe(`Destroyed kept server ${runId}. nothing left billing\n`);
    expect(idle.calls).toEqual([`destroy ${runId}`, `removeStack ${runId}`]);
    expect(api.deleted("firewalls")).toContain(9922);
    expect(await readJournal(runId)).toMatchObject({ status: "destroyed" });
  });
});
