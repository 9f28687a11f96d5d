import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadInputError } from "../errors.ts";
import { readStackCheckpoints } from "./local-stacks.ts";
import { createPulumiEngine } from "./pulumi-engine.ts";

// The real Pulumi CLI and linode plugin cannot be downloaded here, so these
// tests drive pulumi-engine.ts through the real Automation API against a
// scripted `pulumi` (testing/fake-pulumi-cli.mjs): they check which commands
// run, with what environment, and that Ctrl-C reaches `up`. Nothing is created.
const FAKE_CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "testing", "fake-pulumi-cli.mjs");

interface CliCall {
  argv: string[];
  env: Record<string, string>;
  received?: string;
}

let home: string;
let bin: string;
let logFile: string;
let savedPath: string | undefined;
let logged: string[];
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "rr-engine-"));
  bin = path.join(home, "bin");
  logFile = path.join(home, "pulumi-calls.jsonl");
  logged = [];
  savedPath = process.env.PATH;
  process.env.FAKE_PULUMI_LOG = logFile;
});
afterEach(async () => {
  process.env.PATH = savedPath;
  delete process.env.FAKE_PULUMI_LOG;
  delete process.env.FAKE_PULUMI_UP;
  await rm(home, { recursive: true, force: true });
});

async function installFakeCli(dir: string) {
  await mkdir(dir, { recursive: true });
  await copyFile(FAKE_CLI, path.join(dir, "pulumi"));
  await chmod(path.join(dir, "pulumi"), 0o755);
}

async function calls(): Promise<CliCall[]> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CliCall);
}

const commands = async () => (await calls()).map((call) => call.argv.filter((arg) => !arg.startsWith("--client=")).join(" "));

/** The stacks as the audit reads them (cloud/local-stacks.ts). */
const stacks = () => readStackCheckpoints(path.join(home, "state", "pulumi"));

function engine() {
  const env = { RENDER_REMOTE_HOME: path.join(home, "state"), LINODE_TOKEN: "tok-123" };
  return createPulumiEngine(env, (line) => logged.push(line));
}

describe("createPulumiEngine", () => {
  it("refuses to start without LINODE_TOKEN, saying how to set it", () => {
    expect(() => createPulumiEngine({ RENDER_REMOTE_HOME: home })).toThrow(BadInputError);
    expect(() => createPulumiEngine({})).toThrow(/export LINODE_TOKEN=<token>$/);
  });

  it("is lazy: creating it touches neither the state directory nor the CLI", async () => {
    const created = engine();
    expect(Object.keys(created).sort()).toEqual(["destroy", "destroyStack", "preflight", "removeStack", "up"]);
    expect(await readdir(home)).toEqual([]);
  });
});

describe("pulumi-engine against a scripted pulumi CLI", () => {
  beforeEach(async () => {
    await installFakeCli(bin);
    process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
  });

  it("up: installs the plugin, creates the stack with passphrase secrets, gives the token only through the environment, returns plain outputs", async () => {
    const outputs = await engine().up("rr-20261124-abc123", async () => ({}));
    expect(outputs).toEqual({ ip: "203.0.113.10", user: "render", instanceId: 777, firewallId: 4242, hostKeyFingerprint: "SHA256:x" });
    const run = await commands();
    expect(run.slice(0, 6)).toEqual([
      "version",
      "plugin install resource linode v5.1.1 --non-interactive",
      "plugin ls --json --non-interactive",
      "stack select --stack rr-20261124-abc123 --non-interactive",
      "stack init rr-20261124-abc123 --secrets-provider passphrase --non-interactive",
      "up --yes --skip-preview --color never --exec-kind auto.inline --stack rr-20261124-abc123 --non-interactive",
    ]);
    const state = path.join(home, "state");
    // every workspace command (all but the bare `version` probe) runs with our backend and passphrase
    // the token is never on a command line
    expect(run.join("\n")).not.toContain("tok-123");
    for (const call of (await calls()).filter((c) => c.argv[0] !== "version")) {
      expect(call.env).toMatchObject({ PULUMI_BACKEND_URL: `file://${state}/pulumi`, PULUMI_HOME: `${state}/pulumi-home` });
      expect(call.env.PULUMI_CONFIG_PASSPHRASE).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(call.env.LINODE_TOKEN).toBe("tok-123");
    }
    expect(logged).toEqual([]);
  });

  it("destroy refreshes first and runs without a signal; removeStack removes it, and tolerates a missing stack", async () => {
    const created = engine();
    await created.up("rr-20261124-abc123", async () => ({}));
    await created.destroy("rr-20261124-abc123");
    await created.removeStack("rr-20261124-abc123");
    await created.removeStack("rr-20261124-abc123");
    const run = await commands();
    expect(run).toContain(
      "destroy --yes --skip-preview --refresh --color never --exec-kind auto.inline --stack rr-20261124-abc123 --non-interactive",
    );
    expect(run.filter((line) => line.startsWith("stack rm --yes rr-20261124-abc123"))).toHaveLength(2);
    expect(await stacks()).toEqual([]);
  });

  it("aborting the signal sends SIGINT to `pulumi up`, which cancels it", async () => {
    process.env.FAKE_PULUMI_UP = "hang";
    const controller = new AbortController();
    const up = engine().up("rr-20261124-abc123", async () => ({}), { signal: controller.signal });
    for (let i = 0; i < 100 && !(await commands()).some((line) => line.startsWith("up ")); i++) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await expect(up).rejects.toThrow(/update canceled/);
    expect((await calls()).some((call) => call.received === "SIGINT")).toBe(true);
  });

  it("destroyStack (audit) works on stacks whose program is gone", async () => {
    const created = engine();
    await created.up("rr-20261124-abc123", async () => ({}));
    // the firewall and the instance, as the audit counts them (the root stack and the provider bill nothing)
    expect(await stacks()).toEqual([{ name: "rr-20261124-abc123", resourceCount: 2, lastUpdate: undefined }]);
    await created.destroyStack("rr-20261124-abc123");
    const run = await commands();
    expect(run.at(-1)).toBe("stack rm --yes rr-20261124-abc123 --non-interactive");
    expect(run.some((line) => line.startsWith("destroy --yes --skip-preview --refresh"))).toBe(true);
    expect(await stacks()).toEqual([]);
  });

  it("prints nothing that holds the token", async () => {
    const created = engine();
    const output: string[] = [];
    await created.up("rr-20261124-abc123", async () => ({}), { onOutput: (text) => output.push(text) });
    expect(output.join("")).toContain("Updating (rr-20261124-abc123)");
    expect(output.join("")).not.toContain("tok-123");
    expect(logged.join("")).not.toContain("tok-123");
  });
});

describe("finding the Pulumi CLI", () => {
  it("uses the copy under the state directory when none is on PATH, without reinstalling", async () => {
    await installFakeCli(path.join(home, "state", "pulumi-cli", "bin"));
    process.env.PATH = path.dirname(process.execPath); // node only: no pulumi
    await engine().up("rr-20261124-abc123", async () => ({}));
    expect((await commands())[0]).toBe("version");
    expect(logged).toEqual([]);
  });
});
