import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { exitCodeFor, RemoteError } from "../errors.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../hosts/testing/sshd.ts";
import { connectSsh, type SshHost } from "../hosts/ssh-host.ts";
import { acquireServerLock, ServerBusyError, type LockHolder } from "./server-lock.ts";

const holder = (spec: string): LockHolder => ({
  keptRunId: "rr-20261205-abcdef",
  client: "laptop-a",
  clientPid: 4242,
  startedAt: "2026-12-05T07:00:00.000Z",
  spec,
});

describeWithSshd("the server's --on lock (real OpenSSH on 127.0.0.1)", () => {
  let sshd: TestSshd;
  let host: SshHost;
  beforeAll(async () => {
    sshd = await startTestSshd();
    host = await connectSsh(
      { host: "127.0.0.1", port: sshd.port, user: sshd.user },
      { identityFile: sshd.identityFile, hostKeys: { kind: "pinned", publicKey: sshd.hostPublicKey } },
    );
  });
  afterAll(async () => {
    await host?.close();
    await sshd?.stop();
  });
  // each test its own lock name: other test files use the same login user's home
  const fresh = () => `.render-remote-on-test-${randomBytes(4).toString("hex")}.lock`;
  const sh = async (script: string, ...args: string[]) => {
    const result = await host.exec(["sh", "-c", script, "test", ...args]);
    if (result.exitCode !== 0) throw new Error(`${script}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const exists = async (file: string) => (await host.exec(["test", "-e", file])).exitCode === 0;
  /** As if the holder's last sign of life was `seconds` ago (the server's own clock). */
  const silentFor = (lock: string, seconds: number) => sh('touch -d "@$(( $(date +%s) - $2 ))" -- "$1/token"', lock, String(seconds));
  const options = (name: string) => ({ runId: "rr-20261205-abcdef", name, graceSeconds: 60 });

  it("one holder at a time: the second is refused with who holds it; after release the next one takes it", async () => {
    const name = fresh();
    const first = await acquireServerLock(host, holder("first"), options(name));
    expect(first.tookStale).toBe(false);
    expect(JSON.parse(await sh('cat -- "$1/owner"', first.path))).toEqual(holder("first"));
    const refused = await acquireServerLock(host, holder("second"), options(name)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ServerBusyError);
    expect(exitCodeFor(refused)).toBe(2);
    expect((refused as Error).message).toMatch(
      /^Another --on render of first started 2026-12-05T07:00:00\.000Z from laptop-a \(pid 4242\) is using server rr-20261205-abcdef; two at once are refused \(no queueing\)\. It last showed a sign of life \d+ s ago\. Nothing was uploaded\./,
    );
    expect(JSON.parse(await sh('cat -- "$1/owner"', first.path)).spec).toBe("first"); // untouched
    await first.release(host);
    expect(await exists(first.path)).toBe(false);
    const next = await acquireServerLock(host, holder("next"), options(name));
    expect(next.tookStale).toBe(false);
    await next.release(host);
  });

  it("stale: the run directory it names is gone (its holder's teardown ran), or nothing ran and it went silent past the grace", async () => {
    const gone = fresh();
    const old = await acquireServerLock(host, holder("old"), options(gone));
    await old.markRunDir(host, `${old.path}-no-such-run-dir`);
    const taken = await acquireServerLock(host, holder("new"), options(gone));
    expect(taken.tookStale).toBe(true);
    expect(JSON.parse(await sh('cat -- "$1/owner"', taken.path)).spec).toBe("new");
    await old.release(host); // not its lock any more: left alone
    expect(await exists(taken.path)).toBe(true);
    await expect(old.touch(host)).rejects.toThrow(/another --on took it over as stale/);
    await taken.release(host);

    const silent = fresh();
    const quiet = await acquireServerLock(host, holder("quiet"), options(silent));
    // half the grace: a slow machine's seconds between the touch and the check do not change the verdict
    await silentFor(quiet.path, 30);
    await expect(acquireServerLock(host, holder("new"), options(silent))).rejects.toThrow(/sign of life 3\d s ago/);
    await silentFor(quiet.path, 61);
    const after = await acquireServerLock(host, holder("new"), options(silent));
    expect(after.tookStale).toBe(true);
    await after.release(host);
  });

  it("live however silent while a process works in its run directory (the render)", async () => {
    const name = fresh();
    const lock = await acquireServerLock(host, holder("render"), options(name));
    const runDir = `${lock.path}-run`;
    await sh(
      'mkdir -- "$1" && cd -- "$1" && setsid -f sh -c \'echo $$ > pid; exec sleep 60\' </dev/null >/dev/null 2>&1 && while [ ! -s pid ]; do sleep 0.05; done',
      runDir,
    );
    await lock.markRunDir(host, runDir);
    await silentFor(lock.path, 3600);
    await expect(acquireServerLock(host, holder("new"), options(name))).rejects.toThrow(/render of render .* It is rendering now\./);
    await sh('kill "$(cat -- "$1/pid")"; while kill -0 "$(cat -- "$1/pid")" 2>/dev/null; do sleep 0.05; done; rm -rf -- "$1"', runDir);
    // its render ended and its directory is gone: stale
    expect((await acquireServerLock(host, holder("new"), options(name))).tookStale).toBe(true);
    await sh('rm -rf -- "$1"', lock.path);
  });

  it("a file planted where the lock goes is refused and left alone; an unreadable holder is said so, in printable text", async () => {
    const planted = fresh();
    const home = await host.homeDir();
    await sh('echo mine > "$1"', `${home}/${planted}`);
    const error = await acquireServerLock(host, holder("x"), options(planted)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(/is not a directory render-remote made/);
    expect(await sh('cat -- "$1"', `${home}/${planted}`)).toBe("mine");
    await sh('rm -f -- "$1"', `${home}/${planted}`);

    const hostile = fresh();
    const lock = await acquireServerLock(host, holder("x"), options(hostile));
    await sh('printf "\\033[2J{\\"spec\\": 1}" > "$1/owner"', lock.path);
    const busy = await acquireServerLock(host, holder("y"), options(hostile)).catch((e: unknown) => e);
    expect((busy as Error).message).toMatch(/^Another --on render \(its lock names no readable holder\) is using server/);
    expect((busy as Error).message).not.toContain("\u001b");
    await lock.release(host);
  });
});
