import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InterruptedError, ProvisionError } from "../errors.ts";
import { CliDeadline } from "./pulumi-cli.ts";
import { createPulumiEngine } from "./pulumi-engine.ts";
import { stackLockDir } from "./stack-files.ts";
import { FAKE_CLI, commandLines, installFakeCli, readCliCalls, waitForCall } from "./testing/fake-pulumi.ts";

// pulumi-engine.ts against a stand-in `pulumi` that fails the way the real CLI
// does: too old, offline, a failing or hung destroy, a stack that still holds
// resources, a lock left by a killed CLI. Nothing is created anywhere.
const RUN = "rr-20261124-abc123";
let home: string;
let logFile: string;
let savedPath: string | undefined;
let logged: string[];
const saved: Record<string, string | undefined> = {};
const FAKE_VARS = ["FAKE_PULUMI_LOG", "FAKE_PULUMI_UP", "FAKE_PULUMI_DESTROY", "FAKE_PULUMI_PLUGIN"];

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "rr-engine-fail-"));
  logFile = path.join(home, "pulumi-calls.jsonl");
  logged = [];
  savedPath = process.env.PATH;
  for (const key of FAKE_VARS) saved[key] = process.env[key];
  process.env.FAKE_PULUMI_LOG = logFile;
  await installFakeCli(path.join(home, "bin"));
  process.env.PATH = `${path.join(home, "bin")}${path.delimiter}${savedPath}`;
});
afterEach(async () => {
  process.env.PATH = savedPath;
  for (const key of FAKE_VARS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  await rm(home, { recursive: true, force: true });
});

const state = () => path.join(home, "state");
const backend = () => path.join(state(), "pulumi");
const checkpoint = () => path.join(backend(), ".pulumi", "stacks", "render-remote", `${RUN}.json`);
function engine(install?: (root: string) => Promise<PulumiCommand>) {
  return createPulumiEngine({ RENDER_REMOTE_HOME: state(), LINODE_TOKEN: "tok-123" }, (line) => logged.push(line), {
    installPulumi: install,
  });
}

describe("the Pulumi CLI version", () => {
  it("an old pulumi on PATH: the required version is installed under the state directory and every later call uses it", async () => {
    await installFakeCli(path.join(home, "bin"), "v3.100.0");
    const installedRoots: string[] = [];
    const created = engine(async (root) => {
      installedRoots.push(root);
      await installFakeCli(path.join(root, "bin"));
      return PulumiCommand.get({ root });
    });
    await created.preflight();
    await created.up(RUN, async () => ({}));
    expect(installedRoots).toEqual([path.join(state(), "pulumi-cli")]);
    expect(logged[0]).toMatch(
      /^Pulumi CLI: the pulumi on PATH is v3\.100\.0, older than the v3\.248\.0 render-remote needs; installing v3\.248\.0 into .*pulumi-cli/,
    );
    const calls = await readCliCalls(logFile);
    expect(calls.filter((c) => c.argv[0] !== "version").every((c) => c.self === path.join(state(), "pulumi-cli", "bin", "pulumi"))).toBe(
      true,
    );
  });

  it("an old pulumi and no way to install the right one: preflight says what is missing and that nothing was created; no stack command runs", async () => {
    await installFakeCli(path.join(home, "bin"), "v3.100.0");
    const error = await engine(async () => {
      throw new Error("getaddrinfo ENOTFOUND get.pulumi.com");
    })
      .preflight()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toMatch(
      /^The Pulumi CLI v3\.248\.0 is missing \(the pulumi on PATH is v3\.100\.0, older than the v3\.248\.0 render-remote needs\) and could not be installed .*ENOTFOUND.* Nothing was created\.$/,
    );
    expect(await commandLines(logFile)).toEqual(["version"]);
  });

  it("RENDER_REMOTE_NO_PULUMI_INSTALL=1 never downloads: it says what to install", async () => {
    await installFakeCli(path.join(home, "bin"), "v3.180.0");
    const created = createPulumiEngine(
      { RENDER_REMOTE_HOME: state(), LINODE_TOKEN: "t", RENDER_REMOTE_NO_PULUMI_INSTALL: "1" },
      (line) => logged.push(line),
      {
        installPulumi: async () => {
          throw new Error("must not install");
        },
      },
    );
    await expect(created.preflight()).rejects.toThrow(
      /v3\.180\.0.*forbids installing it\. Install it .*version 3\.248\.0\) and run the same command again\. Nothing was created\.$/,
    );
  });
});

describe("preflight: the linode plugin", () => {
  it("offline: says the plugin could not be installed and that nothing was created", async () => {
    process.env.FAKE_PULUMI_PLUGIN = "fail";
    await expect(engine().preflight()).rejects.toThrow(
      /^The Pulumi linode plugin v5\.1\.1 could not be installed: .*no such host\. Check the network and run the same command again\. Nothing was created\.$/,
    );
  });

  it("refuses a linode plugin of another version than @pulumi/linode's", async () => {
    process.env.FAKE_PULUMI_PLUGIN = "wrong";
    await expect(engine().preflight()).rejects.toThrow(
      "The Pulumi linode plugin v5.1.1 is not installed (found: v5.0.0). Run the same command again. Nothing was created.",
    );
  });
});

describe("failures the engine must pass on", () => {
  it("a failing destroy rejects (it is never swallowed), and the stack keeps its resources", async () => {
    const created = engine();
    await created.up(RUN, async () => ({}));
    process.env.FAKE_PULUMI_DESTROY = "fail";
    await expect(created.destroy(RUN)).rejects.toThrow(/\[500\] Internal Server Error/);
    expect(JSON.parse(await readFile(checkpoint(), "utf8")).checkpoint.latest.resources).toHaveLength(4);
  });

  it("stack rm refuses a stack that still holds resources, as the real CLI does without --force", async () => {
    const created = engine();
    await created.up(RUN, async () => ({}));
    await expect(created.removeStack(RUN)).rejects.toThrow(/refusing to remove stack because it still contains resources/);
    expect(JSON.parse(await readFile(checkpoint(), "utf8")).checkpoint.latest.resources).toHaveLength(4);
  });

  it("removing a stack also removes its checkpoint backups (they hold the encrypted host key)", async () => {
    const created = engine();
    await created.up(RUN, async () => ({}));
    await created.destroy(RUN);
    await created.removeStack(RUN);
    const stacksDir = path.dirname(checkpoint());
    expect(existsSync(checkpoint())).toBe(false);
    expect(existsSync(`${checkpoint()}.bak`)).toBe(false);
    expect(existsSync(path.join(backend(), ".pulumi", "backups", "render-remote", RUN))).toBe(false);
    expect(existsSync(stacksDir)).toBe(true);
  });

  it("a lock left by a CLI killed with SIGKILL is cleared (pulumi cancel) before the destroy, which then succeeds", async () => {
    const created = engine();
    process.env.FAKE_PULUMI_UP = "killed";
    await expect(created.up(RUN, async () => ({}))).rejects.toThrow();
    delete process.env.FAKE_PULUMI_UP;
    expect(existsSync(stackLockDir(backend(), RUN))).toBe(true);
    await created.destroy(RUN);
    const run = await commandLines(logFile);
    const cancel = run.findIndex((line) => line.startsWith(`cancel --yes`) && line.includes(`--stack ${RUN}`));
    expect(cancel).toBeGreaterThan(-1);
    expect(run.findIndex((line) => line.startsWith("destroy "))).toBeGreaterThan(cancel);
    expect(logged).toContain(`Stack ${RUN} is locked by a pulumi that is no longer running; clearing the lock (pulumi cancel).`);
    expect(JSON.parse(await readFile(checkpoint(), "utf8")).checkpoint.latest.resources).toEqual([]);
  });

  it("a lock held by a live process is left alone: the destroy fails 'currently locked'", async () => {
    const created = engine();
    await created.up(RUN, async () => ({}));
    await mkdir(stackLockDir(backend(), RUN), { recursive: true });
    await writeFile(
      path.join(stackLockDir(backend(), RUN), "other.json"),
      JSON.stringify({ pid: process.pid, hostname: os.hostname(), username: "me" }),
    );
    await expect(created.destroy(RUN)).rejects.toThrow(/the stack is currently locked by 1 lock\(s\)/);
    expect((await commandLines(logFile)).some((line) => line.startsWith("cancel"))).toBe(false);
  });

  it("a destroy that ignores its cancel is killed at the deadline: one SIGINT, then SIGKILL", async () => {
    const created = engine();
    await created.up(RUN, async () => ({}));
    process.env.FAKE_PULUMI_DESTROY = "hang-hard";
    const controller = new AbortController();
    const destroy = created.destroy(RUN, { signal: controller.signal });
    await waitForCall(logFile, (call) => call.argv[0] === "destroy");
    controller.abort(new CliDeadline(300));
    await expect(destroy).rejects.toThrow(/stopped by SIGKILL/);
    expect((await readCliCalls(logFile)).filter((call) => call.received === "SIGINT")).toHaveLength(1);
  });

  it("the stand-in exits non-zero on a command it does not know", async () => {
    const result = await execa(process.execPath, [FAKE_CLI, "frobnicate", "--stack", RUN], {
      reject: false,
      env: { FAKE_PULUMI_LOG: logFile },
    });
    expect(result.exitCode).toBe(255);
    expect(result.stderr).toMatch(/unknown command "frobnicate/);
  });
});

describe("preflight: which linode plugin will do, and what it says otherwise", () => {
  const seedPlugins = (list: object[]) => writeFile(`${logFile}.plugins`, JSON.stringify(list));
  const refusal = async () =>
    (await engine()
      .preflight()
      .catch((caught: unknown) => caught)) as ProvisionError;

  it("only a linode resource plugin of exactly @pulumi/linode's version; what was found is named by version", async () => {
    process.env.FAKE_PULUMI_PLUGIN = "wrong"; // the install adds linode v5.0.0
    await seedPlugins([
      { name: "random", kind: "resource", version: "5.1.1" },
      { name: "linode", kind: "language", version: "5.1.1" },
    ]);
    const error = await refusal();
    expect(error).toBeInstanceOf(ProvisionError);
    expect(error.message).toBe(
      "The Pulumi linode plugin v5.1.1 is not installed (found: v5.1.1, v5.0.0). Run the same command again. Nothing was created.",
    );
  });

  it("other plugins beside the right one do not matter", async () => {
    await seedPlugins([{ name: "random", kind: "resource", version: "4.0.0" }]);
    await expect(engine().preflight()).resolves.toBeUndefined();
  });

  it("an install that leaves no linode plugin in the list: 'none'; one without a version: 'v?'", async () => {
    process.env.FAKE_PULUMI_PLUGIN = "elsewhere";
    expect((await refusal()).message).toMatch(/ \(found: none\)\. /);
    await seedPlugins([{ name: "linode", kind: "resource" }]);
    expect((await refusal()).message).toMatch(/ \(found: v\?\)\. /);
  });

  it("the failed install is kept as the cause", async () => {
    process.env.FAKE_PULUMI_PLUGIN = "fail";
    const error = await refusal();
    expect((error.cause as ProvisionError).cause).toBeInstanceOf(Error);
    expect(((error.cause as ProvisionError).cause as Error).message).toMatch(
      /^code: 255\n.*\n stderr: error: \[resource plugin linode-v5\.1\.1\] downloading/s,
    );
  });

  it("a failure that is not a known one says Pulumi is not ready, in the CLI's words, and keeps the cause", async () => {
    process.env.FAKE_PULUMI_PLUGIN = "ls-fails";
    const error = await refusal();
    expect(error.message).toBe(
      "Pulumi is not ready: error: could not read the plugin directory: permission denied. Fix this and run the same command again. Nothing was created.",
    );
    expect((error.cause as Error).message).toMatch(/^code: 255\n/);
  });
});

describe("up and the log", () => {
  it("up with a signal already aborted is interrupted before `pulumi up` runs", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await engine()
      .up(RUN, async () => ({}), { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toBe("Interrupted before the server was created.");
    expect((await commandLines(logFile)).some((line) => line.startsWith("up "))).toBe(false);
  });

  it("without a log function, what the engine says goes to stderr, one line each", async () => {
    await installFakeCli(path.join(home, "bin"), "v3.100.0");
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await createPulumiEngine({ RENDER_REMOTE_HOME: state(), LINODE_TOKEN: "t" }, undefined, {
        installPulumi: async (root) => {
          await installFakeCli(path.join(root, "bin"));
          return PulumiCommand.get({ root });
        },
      }).preflight();
    } finally {
      spy.mockRestore();
    }
    expect(written.filter((line) => line.startsWith("Pulumi CLI:"))).toEqual([
      `Pulumi CLI: the pulumi on PATH is v3.100.0, older than the v3.248.0 render-remote needs; installing v3.248.0 into ${path.join(state(), "pulumi-cli")} (one time, about 100 MB).\n`,
    ]);
  });
});
