import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderRemote, repoRoot } from "../../test/run-bundle.ts";
import { startFakeLinodeApi, type FakeLinodeApi } from "../cloud/testing/fake-linode-api.ts";
import { installFakeCli, readCliCalls, waitForCall } from "../cloud/testing/fake-pulumi.ts";
import { tempDir } from "../../test/temp-dir.ts";

/**
 * `render-remote --plan` as a user runs it (the built bundle, the real
 * Automation API), with the two things that cannot run here played by
 * doubles: a stand-in `pulumi` that creates and deletes through a fake Linode
 * API as the provider would, and that API. Each path must end with nothing
 * tagged with the run in the fake account, and a last line that says so.
 */
let api: FakeLinodeApi;
let dir: string;
let env: NodeJS.ProcessEnv;
const logFile = () => path.join(dir, "pulumi-calls.jsonl");

beforeEach(async () => {
  api = await startFakeLinodeApi();
  dir = tempDir("rr-leaks-");
  await installFakeCli(path.join(dir, "bin"));
  writeFileSync(path.join(dir, "spec.json"), JSON.stringify({ name: "leak", width: 64, height: 48, maxIterations: 40, frames: 6, fps: 6 }));
  env = {
    ...process.env,
    PATH: `${path.join(dir, "bin")}${path.delimiter}${process.env.PATH}`,
    RENDER_REMOTE_HOME: path.join(dir, "state"),
    RENDER_REMOTE_NO_PULUMI_INSTALL: "1", // hermetic: never download a CLI
    LINODE_URL: api.url,
    LINODE_TOKEN: api.token,
    FAKE_PULUMI_LOG: path.join(dir, "pulumi-calls.jsonl"),
  };
});
afterEach(async () => {
  await api.close();
});

/** Starts a run in its own process group, as a shell starts a foreground job. */
function startRun(
  extraEnv: NodeJS.ProcessEnv = {},
): ResultPromise<{ detached: true; reject: false; all: true; cwd: string; env: NodeJS.ProcessEnv }> {
  const args = [
    renderRemote,
    "--plan",
    "2core",
    "--spec",
    path.join(dir, "spec.json"),
    "--out",
    path.join(dir, "out"),
    "--region",
    "us-east",
    "--ssh-from",
    "198.51.100.7",
  ];
  return execa(process.execPath, args, { detached: true, reject: false, all: true, cwd: repoRoot, env: { ...env, ...extraEnv } });
}

const taggedRuns = () =>
  [...api.instances, ...api.firewalls].flatMap((item) => item.tags.filter((tag) => tag.startsWith("render-remote-run:")));
const lastLine = (text: string) => text.trimEnd().split("\n").at(-1) ?? "";

describe("render-remote --plan: every way out leaves nothing billing", () => {
  it("an old pulumi CLI: refused before anything exists, and the last line says nothing was created", async () => {
    await installFakeCli(path.join(dir, "bin"), "v3.100.0");
    const run = await startRun();
    expect(run.exitCode, run.all).toBe(1);
    expect(lastLine(run.all)).toMatch(
      /the pulumi on PATH is v3\.100\.0, older than the v3\.248\.0 render-remote needs.*Nothing was created\./,
    );
    expect(api.requests.filter((r) => r.method === "POST")).toEqual([]);
    expect(taggedRuns()).toEqual([]);
    expect(existsSync(path.join(dir, "state", "runs"))).toBe(false); // no journal
    expect(run.all).not.toMatch(/Destroy attempt/);
  });

  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    it(`${signal} to the whole process group during up: the CLI is cancelled once, teardown runs, nothing is left`, async () => {
      const run = startRun({ FAKE_PULUMI_UP: "hang" });
      await waitForCall(logFile(), (call) => call.argv[0] === "up" && "created" in call);
      expect(taggedRuns().length).toBe(2); // the firewall and the server exist now
      process.kill(-run.pid!, signal); // what a terminal sends (Ctrl-C), what `kill` sends, what closing the terminal sends
      const result = await run;
      expect(result.exitCode, result.all).toBe(130);
      expect(taggedRuns()).toEqual([]);
      expect(lastLine(result.all)).toBe("nothing left billing");
      // the CLI runs in its own session: it got exactly our one SIGINT, whichever signal the group got
      expect((await readCliCalls(logFile())).filter((call) => call.received === "SIGINT")).toHaveLength(1);
    });
  }

  it("a failed up (the instance could not be created): the firewall is destroyed, nothing is left", async () => {
    const run = await startRun({ FAKE_PULUMI_UP: "fail" });
    expect(run.exitCode, run.all).toBe(1);
    expect(run.all).toMatch(/Creating the server for run rr-\d{8}-[a-z0-9]+ failed: .*not available in this region/);
    expect(taggedRuns()).toEqual([]);
    expect(lastLine(run.all)).toBe("nothing left billing");
  });

  it("a pending create (the server exists, the stack does not know it): found by its tag and deleted", async () => {
    const run = await startRun({ FAKE_PULUMI_UP: "pending" });
    expect(run.exitCode, run.all).toBe(1);
    expect(run.all).toMatch(/Deleted through the Linode API what Pulumi left of run rr-\S+: instance \d+/);
    expect(taggedRuns()).toEqual([]);
    expect(lastLine(run.all)).toBe("nothing left billing");
  });

  it("a crashed run (render-remote and its pulumi killed with SIGKILL after the server was created), then `audit --destroy --yes`: nothing tagged is left", async () => {
    const run = startRun({ FAKE_PULUMI_UP: "hang" });
    const up = await waitForCall(logFile(), (call) => call.argv[0] === "up" && "created" in call);
    process.kill(-run.pid!, "SIGKILL");
    process.kill(up.pid, "SIGKILL"); // the laptop died: its lock stays behind
    expect((await run).signal).toBe("SIGKILL");
    expect(taggedRuns().length).toBe(2);

    const audit = await execa(process.execPath, [renderRemote, "audit", "--destroy", "--yes"], {
      reject: false,
      all: true,
      cwd: repoRoot,
      env,
    });
    expect(audit.exitCode, audit.all).toBe(0);
    expect(taggedRuns()).toEqual([]);
    expect(audit.all).toMatch(/Nothing of render-remote's is billing|nothing.*billing/i);
    const commands = (await readCliCalls(logFile())).map((call) => call.argv[0]);
    // The dead CLI's lock is cleared (cancel) before the stack is destroyed, unless its pid was reused meanwhile
    // (pid_max can be 32768): then the lock looks live, the stack destroy reports it locked, and the API route deletes.
    expect(commands.includes("cancel") || /locked/i.test(audit.all), audit.all).toBe(true);
  });
});
