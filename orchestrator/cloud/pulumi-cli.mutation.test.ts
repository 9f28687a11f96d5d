import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProvisionError } from "../errors.ts";
import {
  CliDeadline,
  defaultInstall,
  findPulumiCli,
  pulumiErrorText,
  recentEnough,
  REQUIRED_PULUMI_VERSION,
  runDetached,
  versionAtLeast,
} from "./pulumi-cli.ts";
import { installFakeCli } from "./testing/fake-pulumi.ts";

// pulumi-cli.ts on its own (issue 20): which CLI is good enough, what the user is told when none is, and how
// runDetached starts, cancels and kills it. Stand-ins are small sh scripts (runDetached) or the scripted
// fake `pulumi` (findPulumiCli); nothing is downloaded.

let dir: string;
let savedPath: string | undefined;
let savedLog: string | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "rr-pulumi-cli-"));
  savedPath = process.env.PATH;
  savedLog = process.env.FAKE_PULUMI_LOG;
  process.env.FAKE_PULUMI_LOG = path.join(dir, "pulumi-calls.jsonl"); // the scripted stand-in records every call there
});
afterEach(async () => {
  process.env.PATH = savedPath;
  if (savedLog === undefined) delete process.env.FAKE_PULUMI_LOG;
  else process.env.FAKE_PULUMI_LOG = savedLog;
  // What a stand-in left running, whatever the test's outcome: its whole group (it leads one), then its plugin.
  for (const [file, target] of [
    ["cli.pid", (pid: number) => -pid],
    ["plugin.pid", (pid: number) => pid],
  ] as const) {
    try {
      process.kill(target(pidIn(path.join(dir, file))), "SIGKILL");
    } catch {
      // not started, or gone
    }
  }
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Alive and not a zombie (a SIGKILLed orphan may wait for its reaper). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await sleep(25);
  if (!check()) throw new Error(`never happened: ${what}`);
}

async function script(name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

/** What `running` rejected with; resolving fails the test. */
const rejection = (running: Promise<unknown>): Promise<Error> =>
  running.then(
    () => {
      throw new Error("runDetached resolved; it should have rejected");
    },
    (error: unknown) => error as Error,
  );

/** A pid the stand-in wrote (whole: it renames the file into place). Never 0 or 1: kill(0) would hit our own group. */
function pidIn(file: string): number {
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`${file} does not hold a pid`);
  return pid;
}

describe("versionAtLeast", () => {
  it("compares versions", () => {
    expect(versionAtLeast("v3.248.0", "3.248.0")).toBe(true);
    expect(versionAtLeast("v3.249.1", "3.248.0")).toBe(true);
    expect(versionAtLeast("v3.180.9", "3.181.0")).toBe(false);
    expect(versionAtLeast("v4.0.0", "3.248.0")).toBe(true);
    expect(versionAtLeast("garbage", "3.0.0")).toBe(false);
  });

  it("reads major, minor and patch of any width, after optional whitespace and a v", () => {
    expect(versionAtLeast("v10.0.0", "3.248.0")).toBe(true);
    expect(versionAtLeast("v3.248.10", "3.248.9")).toBe(true);
    expect(versionAtLeast("3.1000.0", "3.248.0")).toBe(true);
    expect(versionAtLeast(" v3.248.0\n", "3.248.0")).toBe(true);
  });

  it("refuses a text that does not start with a version, and an unreadable one even against an unreadable minimum", () => {
    expect(versionAtLeast("dev-3.248.0", "3.0.0")).toBe(false);
    expect(versionAtLeast("garbage", "garbage")).toBe(false);
    expect(versionAtLeast("v3.248", "3.0.0")).toBe(false);
  });
});

describe("recentEnough", () => {
  it("takes exactly the SDK's version and newer, and never a CLI that does not tell its version", () => {
    expect(REQUIRED_PULUMI_VERSION).toBe("3.248.0");
    expect(recentEnough("3.248.0")).toBe(true);
    expect(recentEnough("v3.249.0")).toBe(true);
    expect(recentEnough("3.247.99")).toBe(false);
    expect(recentEnough("3.180.9")).toBe(false);
    expect(recentEnough(undefined)).toBe(false);
    // every minimum counts (the SDK's version, and 3.181.0 for an inline destroy)
    expect(recentEnough("3.200.0", ["3.100.0", "3.181.0"])).toBe(true);
    expect(recentEnough("3.180.9", ["3.100.0", "3.181.0"])).toBe(false);
  });
});

describe("pulumiErrorText", () => {
  it("an empty stderr falls back to the whole message; the plain text is trimmed", () => {
    expect(pulumiErrorText(new Error("code: -2\n stdout: \n stderr:   \n err?: spawn pulumi ENOENT\n"))).toBe(
      "code: -2 stdout: stderr: err?: spawn pulumi ENOENT",
    );
    expect(pulumiErrorText(new Error("  plain\n\tmessage \n"))).toBe("plain message");
    expect(pulumiErrorText("a string")).toBe("a string");
  });
});

describe("findPulumiCli: what the user is told", () => {
  const env = () => ({ RENDER_REMOTE_HOME: path.join(dir, "state") });
  const root = () => path.join(dir, "state", "pulumi-cli");
  // node (the stand-in's interpreter) and nothing else: node's own folder may hold a pulumi too (Homebrew)
  const noPulumiOnPath = () => {
    const only = path.join(dir, "node-only");
    mkdirSync(only);
    symlinkSync(process.execPath, path.join(only, "node"));
    process.env.PATH = only;
  };
  const offline = async () => {
    throw new Error("getaddrinfo ENOTFOUND get.pulumi.com");
  };
  const failure = async (install: Parameters<typeof findPulumiCli>[2], extraEnv: Record<string, string> = {}) => {
    const logged: string[] = [];
    const error = await findPulumiCli({ ...env(), ...extraEnv }, (line) => logged.push(line), install).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionError);
    return { error: error as ProvisionError, logged };
  };

  it("none anywhere: 'not found on PATH', the install error as the cause, and what to do", async () => {
    noPulumiOnPath();
    const cause = new Error("getaddrinfo ENOTFOUND get.pulumi.com");
    const { error, logged } = await failure(async () => {
      throw cause;
    });
    expect(error.message).toBe(
      `The Pulumi CLI v3.248.0 is missing (it was not found on PATH) and could not be installed into ${root()}: getaddrinfo ENOTFOUND get.pulumi.com. ` +
        "Install it (https://www.pulumi.com/docs/install/, version 3.248.0) and run the same command again.",
    );
    expect(error.cause).toBe(cause);
    expect(logged).toEqual([`Pulumi CLI: it was not found on PATH; installing v3.248.0 into ${root()} (one time, about 100 MB).`]);
  });

  it("an old one on PATH and an old one in the state directory: both named, the second by its path", async () => {
    await installFakeCli(path.join(dir, "bin"), "v3.100.0");
    await installFakeCli(path.join(root(), "bin"), "v3.200.0");
    process.env.PATH = `${path.join(dir, "bin")}${path.delimiter}${savedPath}`;
    const { error } = await failure(undefined, { RENDER_REMOTE_NO_PULUMI_INSTALL: "1" });
    expect(error.message).toBe(
      `The Pulumi CLI v3.248.0 is missing (the pulumi on PATH is v3.100.0 and ${path.join(root(), "bin", "pulumi")} is v3.200.0, ` +
        "older than the v3.248.0 render-remote needs), and RENDER_REMOTE_NO_PULUMI_INSTALL=1 forbids installing it. " +
        "Install it (https://www.pulumi.com/docs/install/, version 3.248.0) and run the same command again.",
    );
  });

  it("a pulumi older than the SDK's own minimum (v2) is called old, not missing; one with no version says so", async () => {
    await installFakeCli(path.join(dir, "bin"), "v2.0.0");
    await installFakeCli(path.join(root(), "bin"), "not a version");
    process.env.PATH = `${path.join(dir, "bin")}${path.delimiter}${savedPath}`;
    const { error } = await failure(offline);
    expect(error.message).toMatch(
      /^The Pulumi CLI v3\.248\.0 is missing \(the pulumi on PATH is v2\.0\.0 and \S+ is of a version it does not tell, older than/,
    );
  });

  it("an install that leaves an old or unreadable CLI is refused, saying to remove it", async () => {
    noPulumiOnPath();
    for (const version of ["v3.200.0", "unreadable"]) {
      const { error } = await failure(async (where) => {
        await installFakeCli(path.join(where, "bin"), version);
        return PulumiCommand.get({ root: where, skipVersionCheck: true });
      });
      const said = version === "unreadable" ? "of a version it does not tell" : "v3.200.0";
      expect(error.message).toBe(
        `The Pulumi CLI installed into ${root()} is ${said}, not v3.248.0. Remove ${root()} and run the same command again.`,
      );
    }
  });

  it("the default install finds the right CLI already in its root without downloading", async () => {
    const home = path.join(dir, "home");
    await mkdir(home);
    const savedHome = process.env.HOME;
    process.env.HOME = home; // the SDK's own default root is under ~/.pulumi: it must not be used
    try {
      await installFakeCli(path.join(dir, "root", "bin"), "v3.248.0");
      const cli = await defaultInstall(path.join(dir, "root"), REQUIRED_PULUMI_VERSION);
      expect(cli.command).toBe(path.join(dir, "root", "bin", "pulumi"));
      expect(cli.version?.toString()).toBe("3.248.0");
    } finally {
      process.env.HOME = savedHome;
    }
    expect(existsSync(path.join(home, ".pulumi"))).toBe(false);
  });
});

describe("runDetached", () => {
  const REPORT =
    'printf "args=%s\\n" "$*"; printf "api=%s\\n" "$PULUMI_AUTOMATION_API"; printf "path=%s\\n" "$PATH"; read line && echo "stdin=$line"; echo err >&2';

  it("adds --non-interactive once, sets PULUMI_AUTOMATION_API, puts the CLI's folder first on PATH, gives no stdin", async () => {
    const command = await script("pulumi", REPORT);
    const out: string[] = [];
    const err: string[] = [];
    const result = await runDetached(
      command,
      ["stack", "ls"],
      dir,
      { PATH: "/extra" },
      { onOutput: (t) => out.push(t), onError: (t) => err.push(t) },
    );
    expect(result.stdout).toBe(`args=stack ls --non-interactive\napi=true\npath=${dir}${path.delimiter}/extra\n`);
    expect(result.stderr).toBe("err\n");
    expect(result.code).toBe(0);
    expect(out.join("")).toBe(result.stdout);
    expect(err.join("")).toBe("err\n");
    const again = await runDetached(command, ["up", "--non-interactive"], dir, {}, {});
    expect(again.stdout).toBe(`args=up --non-interactive\napi=true\npath=${dir}${path.delimiter}${process.env.PATH}\n`);
  });

  it("a command found on PATH keeps the PATH as it is; with no PATH at all, the CLI's folder alone", async () => {
    const command = await script("pulumi", REPORT);
    const onPath = `${dir}${path.delimiter}/usr/bin${path.delimiter}/bin`;
    const found = await runDetached("pulumi", ["version"], dir, { PATH: onPath }, {});
    expect(found.stdout).toContain(`\npath=${onPath}\n`);
    delete process.env.PATH; // restored by afterEach; runDetached reads it before it returns
    const started = runDetached(command, ["version"], dir, {}, {});
    process.env.PATH = savedPath;
    expect((await started).stdout).toContain(`\npath=${dir}${path.delimiter}\n`);
  });

  it("a non-zero exit rejects with the CLI's code and stderr; a missing CLI rejects with code -2 rather than crashing", async () => {
    const failing = await script("pulumi", "echo partial; echo 'error: [400] bad type' >&2; exit 3");
    const error = await rejection(runDetached(failing, ["up"], dir, {}, {}));
    expect(error.message).toBe("code: 3\n stdout: partial\n\n stderr: error: [400] bad type\n\n err?: \n");
    const missing = await rejection(runDetached(path.join(dir, "nowhere", "pulumi"), ["up"], dir, {}, {}));
    expect(missing.message).toMatch(/^code: -2\n stdout: \n stderr: spawn \S+nowhere\/pulumi ENOENT\n err\?: Error: spawn \S+ ENOENT\n$/);
  });

  it("an already aborted signal cancels the CLI at once", async () => {
    const command = await script(
      "pulumi",
      "trap 'kill $p; echo cancelled; exit 7' INT\nsleep 30 >/dev/null 2>&1 & p=$!\necho ready\nwait $p\necho finished",
    );
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(runDetached(command, ["up"], dir, {}, { signal: controller.signal }));
    expect(error).toBeInstanceOf(Error);
    expect(error.message).not.toMatch(/finished/);
    expect(error.message).toMatch(/^code: (7|-2)\n/); // the trap ran, or the SIGINT came before the trap was set
  });

  it("at a CliDeadline, a CLI that ignores its SIGINT is killed with its whole process group (its plugins)", async () => {
    const command = await script(
      "pulumi",
      `trap '' INT\necho $$ > "${dir}/cli.tmp" && mv "${dir}/cli.tmp" "${dir}/cli.pid"\nsleep 600 & echo $! > "${dir}/plugin.tmp" && mv "${dir}/plugin.tmp" "${dir}/plugin.pid"\necho ready\nwhile :; do sleep 1; done`,
    );
    const controller = new AbortController();
    const running = rejection(
      runDetached(
        command,
        ["destroy"],
        dir,
        {},
        {
          signal: controller.signal,
          onOutput: (text) => {
            if (text.includes("ready")) controller.abort(new CliDeadline(100));
          },
        },
      ),
    );
    await waitFor(() => existsSync(path.join(dir, "plugin.pid")), "the plugin started");
    const error = await running;
    expect(error.message).toMatch(
      /^code: -2\n stdout: ready\n\n stderr: \npulumi was stopped by SIGKILL\n err\?: Error: \npulumi was stopped by SIGKILL\n$/,
    );
    expect(alive(pidIn(path.join(dir, "plugin.pid")))).toBe(false);
  });

  it.each([
    ["exited", "exit 0", /^code: 0\n/],
    ["was killed", "kill -KILL $$", /^code: -2\n.*pulumi was stopped by SIGKILL/s],
  ])("a deadline after the CLI %s kills nothing, even while a leftover plugin holds its output open", async (_, end, settled) => {
    const command = await script(
      "pulumi",
      `sleep 600 & echo $! > "${dir}/plugin.tmp" && mv "${dir}/plugin.tmp" "${dir}/plugin.pid"\necho $$ > "${dir}/shell.tmp" && mv "${dir}/shell.tmp" "${dir}/shell.pid"\n${end}`,
    );
    const controller = new AbortController();
    const running = runDetached(command, ["destroy"], dir, {}, { signal: controller.signal }).then(
      (result) => `code: ${result.code}\n`,
      (error: Error) => error.message,
    );
    await waitFor(() => existsSync(path.join(dir, "shell.pid")) && existsSync(path.join(dir, "plugin.pid")), "the stand-in started");
    const plugin = pidIn(path.join(dir, "plugin.pid"));
    // Reaped (gone from /proc) only by our own process, in the callback that records how it ended.
    await waitFor(() => !existsSync(`/proc/${pidIn(path.join(dir, "shell.pid"))}`), "the stand-in was reaped");
    controller.abort(new CliDeadline(0));
    await sleep(200); // a kill at the deadline would have been sent at 0 ms
    expect(alive(plugin)).toBe(true);
    process.kill(plugin, "SIGKILL"); // its output closes: the run settles as the CLI left it
    expect(await running).toMatch(settled);
  });
});
