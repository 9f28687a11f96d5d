import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { WATCHDOG_SCRIPT } from "../../stacks/watchdog-script.ts";
import { tempDir } from "../../test/temp-dir.ts";
import type { Host } from "../hosts/host.ts";
import { connectSsh } from "../hosts/ssh-host.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../hosts/testing/sshd.ts";
import { LinodeClient } from "./linode-api.ts";
import { RUN_TOKEN_SCOPES } from "./run-token.ts";
import { fakeFirewall, fakeInstance, startFakeLinodeApi, type FakeLinodeApi } from "./testing/fake-linode-api.ts";
import { armWatchdog, watchdogArmCommand, watchdogLogPath } from "./watchdog.ts";

/**
 * Test 3 of issue 15: the watchdog for real, on the loopback sshd, against the
 * fake Linode API on 127.0.0.1. The one stand-in is `sudo`: a fake first on
 * the session's PATH runs the command as the test user (and records its argv),
 * and RENDER_REMOTE_WATCHDOG_ROOT moves the root-only paths into a temp dir.
 * Real sudo clears that variable, so on a server the paths are /var/lib and /var/log.
 */
const FAKE_SUDO = `#!/bin/sh
printf '%s\\n' "$*" >> "$RENDER_REMOTE_WATCHDOG_ROOT/sudo-argv.log"
[ "$1" = -n ] && shift
exec "$@"
`;

/** Every argv on this machine that contains `secret` (the watchdog's curl, sh, sudo included). */
function argvsContaining(secret: string): { leaked: string[]; seen: string[] } {
  const leaked: string[] = [];
  const seen: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let argv = "";
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue; // gone meanwhile
    }
    if (argv.includes("render-remote-watchdog")) seen.push(argv);
    if (argv.includes(secret)) leaked.push(argv);
  }
  return { leaked, seen };
}

async function until<T>(what: string, check: () => T | undefined | false, boundMs = 60_000): Promise<T> {
  const stop = Date.now() + boundMs; // a bound against hanging, not a timing assertion
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > stop) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithSshd("the watchdog deletes its own server at the deadline (real sshd, fake Linode API)", () => {
  const bin = tempDir("rr-watchdog-bin-");
  const root = tempDir("rr-watchdog-root-");
  const helperPath = path.join(bin, "render-remote-watchdog");
  let sshd: TestSshd;
  let api: FakeLinodeApi;
  let host: Host;
  let client: LinodeClient;
  beforeAll(async () => {
    chmodSync(bin, 0o755);
    chmodSync(root, 0o777); // the test user plays root here
    writeFileSync(path.join(bin, "sudo"), FAKE_SUDO, { mode: 0o755 });
    writeFileSync(helperPath, WATCHDOG_SCRIPT, { mode: 0o755 });
    sshd = await startTestSshd(undefined, {
      env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, BIN: bin, RENDER_REMOTE_WATCHDOG_ROOT: root },
    });
    api = await startFakeLinodeApi();
    client = new LinodeClient({ token: api.token, baseUrl: api.url });
    host = await connectSsh(sshd, {
      identityFile: sshd.identityFile,
      hostKeys: { kind: "known_hosts", file: sshd.knownHostsFile, acceptNew: false },
      timeoutMs: 20_000,
    });
  });
  afterEach(async () => {
    // whatever a test did, no watchdog outlives it
    await until("no watchdog left running", () => argvsContaining("\0none\0").seen.length === 0, 15_000);
  });
  afterAll(async () => {
    await host?.close();
    await sshd?.stop();
    await api?.close();
  });

  const logOf = (runId: string) => readFileSync(path.join(root, watchdogLogPath(runId)), "utf8");
  const stateOf = (runId: string) => path.join(root, "var/lib/render-remote", runId);
  const runToken = (runId: string, minutes = 20) =>
    client.createToken({ label: `render-remote-run:${runId}`, scopes: RUN_TOKEN_SCOPES, expiry: new Date(Date.now() + minutes * 60_000) });

  it("deletes exactly its own instance, then its own firewall, by id, with its own token, which never appears in an argv", async () => {
    api.instances.push(
      fakeInstance({ id: 501, label: "wd-a", tags: ["render-remote", "render-remote-run:wd-a"] }),
      fakeInstance({ id: 502, label: "other-run", tags: ["render-remote", "render-remote-run:other"] }),
      fakeInstance({ id: 503, label: "not-ours" }),
    );
    api.firewalls.push(
      fakeFirewall({ id: 601, tags: ["render-remote-run:wd-a"] }),
      fakeFirewall({ id: 602, tags: ["render-remote-run:other"] }),
    );
    const token = await runToken("wd-a");
    const order = {
      runId: "wd-a",
      instanceId: 501,
      firewallId: 601,
      deadline: new Date(Date.now() + 3_000),
      until: new Date(Date.now() + 60_000),
      apiUrl: api.url,
      retrySeconds: 1,
      helperPath,
    };
    expect(await armWatchdog(host, { ...order, token: token.token })).toEqual({ armed: true });

    // armed: the token sits in a file only its owner can read, in a directory only its owner can enter
    expect(statSync(path.join(stateOf("wd-a"), "token")).mode & 0o777).toBe(0o600);
    expect(statSync(stateOf("wd-a")).mode & 0o777).toBe(0o700);
    expect(readFileSync(path.join(stateOf("wd-a"), "token"), "utf8")).toBe(`${token.token}\n`);
    let sawWatchdog = false;
    const done = await until("the watchdog's last line", () => {
      const scan = argvsContaining(token.token);
      expect(scan.leaked).toEqual([]);
      sawWatchdog ||= scan.seen.some((argv) => argv.includes(`${helperPath} run wd-a 501 601`));
      return existsSync(path.join(root, watchdogLogPath("wd-a"))) && /done: /.test(logOf("wd-a")) && logOf("wd-a");
    });
    expect(sawWatchdog).toBe(true); // the scan did see the watchdog's own argv, so it would have seen a token there

    expect(api.deleted("instances")).toEqual([501]);
    expect(api.deleted("firewalls")).toEqual([601]);
    expect(api.instances.map((i) => i.id)).toEqual([502, 503]);
    expect(api.firewalls.map((f) => f.id)).toEqual([602]);
    const deletes = api.requests.filter((r) => r.method === "DELETE");
    expect(deletes.map((r) => `${r.path} ${r.tokenId}`)).toEqual([
      `/linode/instances/501 ${token.id}`,
      `/networking/firewalls/601 ${token.id}`,
    ]);
    expect(done).toMatch(/armed for run wd-a: at \S+ deletes instance 501, then firewall 601/);
    expect(done).toMatch(
      /deleted instance 501 \(DELETE \/linode\/instances\/501: 200\)\n.*deleted firewall 601 \(DELETE \/networking\/firewalls\/601: 200\)\n.*done: instance 501 and firewall 601 deleted\n$/,
    );
    expect(done).not.toContain(token.token);
    // it leaves its log and nothing else; sudo was asked for exactly the arm command, without the token
    expect(existsSync(stateOf("wd-a"))).toBe(false);
    expect(readFileSync(path.join(root, "sudo-argv.log"), "utf8")).toBe(`${watchdogArmCommand(order).slice(1).join(" ")}\n`);
  });

  it("with a revoked token, logs the 401 and keeps retrying until its own end, deleting nothing", async () => {
    api.instances.push(fakeInstance({ id: 511, label: "wd-b" }));
    const token = await runToken("wd-b");
    expect(await client.revokeToken(token.id)).toBe("deleted");
    const order = {
      runId: "wd-b",
      instanceId: 511,
      firewallId: 611,
      deadline: new Date(Date.now() + 1_000),
      until: new Date(Date.now() + 5_000),
      apiUrl: api.url,
      retrySeconds: 1,
      helperPath,
    };
    expect(await armWatchdog(host, { ...order, token: token.token })).toEqual({ armed: true });
    const log = await until(
      "the watchdog to give up",
      () => existsSync(path.join(root, watchdogLogPath("wd-b"))) && /gave up at /.test(logOf("wd-b")) && logOf("wd-b"),
    );
    const unauthorized = log
      .split("\n")
      .filter((line) => line.includes("DELETE /linode/instances/511: 401: the token was revoked or has expired; retrying every 1 s until"));
    expect(unauthorized.length).toBeGreaterThanOrEqual(2);
    expect(log).toMatch(/gave up at \S+: instance 511 may still exist; run: render-remote audit --destroy\n$/);
    expect(api.requests.filter((r) => r.method === "DELETE" && r.path === "/linode/instances/511").every((r) => r.status === 401)).toBe(
      true,
    );
    expect(api.instances.some((i) => i.id === 511)).toBe(true);
    expect(existsSync(stateOf("wd-b"))).toBe(false);
  });

  it("killed, it leaves nothing behind: no process, no token file, no request", async () => {
    const token = await runToken("wd-c");
    const order = {
      runId: "wd-c",
      instanceId: 521,
      firewallId: 621,
      deadline: new Date(Date.now() + 600_000),
      until: new Date(Date.now() + 900_000),
      apiUrl: api.url,
      helperPath,
    };
    expect(await armWatchdog(host, { ...order, token: token.token })).toEqual({ armed: true });
    const pid = Number(
      await until(
        "the pid file",
        () => existsSync(path.join(stateOf("wd-c"), "pid")) && readFileSync(path.join(stateOf("wd-c"), "pid"), "utf8").trim(),
      ),
    );
    await until("the armed line", () => existsSync(path.join(root, watchdogLogPath("wd-c"))) && /armed for run wd-c/.test(logOf("wd-c")));
    const before = api.requests.length;
    process.kill(pid, "SIGTERM");
    await until("the watchdog to end", () => argvsContaining(token.token).seen.length === 0);
    expect(existsSync(stateOf("wd-c"))).toBe(false);
    expect(logOf("wd-c")).toMatch(/stopped by a signal; nothing was deleted after this line; its token file is removed\n$/);
    expect(api.requests.length).toBe(before);
  });

  it("refuses a token that is not one, before anything reaches the host", async () => {
    const order = { runId: "wd-d", instanceId: 1, firewallId: 2, deadline: new Date(), until: new Date(), apiUrl: api.url, helperPath };
    expect(await armWatchdog(host, { ...order, token: "abc; rm -rf /" })).toEqual({
      armed: false,
      reason: "the run's token is not in the form Linode issues",
    });
    expect(existsSync(stateOf("wd-d"))).toBe(false);
  });
});
