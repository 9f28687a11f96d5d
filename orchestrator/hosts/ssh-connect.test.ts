import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BadInputError, RemoteError } from "../errors.ts";
import { HostKeyError } from "./known-hosts.ts";
import { connectSsh, type SshConnectOptions } from "./ssh-host.ts";
import { describeWithSshd } from "./testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "./testing/sshd.ts";

describeWithSshd("connectSsh against a real sshd", () => {
  let sshd: TestSshd;
  const dir = mkdtempSync(path.join(os.tmpdir(), "rr-ssh-connect-"));
  const file = (name: string) => path.join(dir, name);
  const options = (extra: Partial<SshConnectOptions> = {}): SshConnectOptions => ({
    identityFile: sshd.identityFile,
    hostKeys: { kind: "known_hosts", file: sshd.knownHostsFile, acceptNew: false },
    timeoutMs: 10_000,
    ...extra,
  });
  /** Logins sshd accepted so far: a refused host key must not get as far as authentication. */
  const logins = () => sshd.log().match(/Accepted publickey/g)?.length ?? 0;
  const otherKey = () => {
    const key = file(`other-${Math.random().toString(36).slice(2)}`);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", key]);
    return key;
  };

  beforeAll(async () => {
    sshd = await startTestSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("connects when the host key is in known_hosts, and with the pinned key", async () => {
    for (const hostKeys of [options().hostKeys, { kind: "pinned", publicKey: sshd.hostPublicKey } as const]) {
      const host = await connectSsh(sshd, options({ hostKeys }));
      expect((await host.exec(["echo", "hello"])).stdout).toBe("hello\n");
      await host.close();
    }
  });

  it("refuses an unknown host key without --accept-new-host-key, says how to proceed, runs nothing", async () => {
    const knownHosts = file("empty_known_hosts");
    writeFileSync(knownHosts, "");
    const before = logins();
    const retries: unknown[] = [];
    const error = await connectSsh(
      sshd,
      options({ hostKeys: { kind: "known_hosts", file: knownHosts, acceptNew: false }, onRetry: (retry) => retries.push(retry) }),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HostKeyError);
    expect((error as HostKeyError).reason).toBe("unknown");
    const message = (error as Error).message;
    expect(message).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${knownHosts}`);
    expect(message).toContain("--accept-new-host-key");
    expect(message).toMatch(/ED25519 key SHA256:/);
    expect(retries).toEqual([]); // not retried
    expect(logins()).toBe(before);
    expect(readFileSync(knownHosts, "utf8")).toBe("");
  });

  it("with acceptNew, records the key in known_hosts, says so, and insists on it afterwards", async () => {
    const knownHosts = file("tofu_known_hosts");
    const notices: string[] = [];
    const host = await connectSsh(
      sshd,
      options({ hostKeys: { kind: "known_hosts", file: knownHosts, acceptNew: true }, onNotice: (notice) => notices.push(notice) }),
    );
    await host.close();
    const [type, base64] = sshd.hostPublicKey.split(" ");
    expect(readFileSync(knownHosts, "utf8")).toBe(`[127.0.0.1]:${sshd.port} ${type} ${base64}\n`);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`[127.0.0.1]:${sshd.port}`);
    expect(notices[0]).toContain(knownHosts);
    const again = await connectSsh(sshd, options({ hostKeys: { kind: "known_hosts", file: knownHosts, acceptNew: false } }));
    await again.close();
    expect(readFileSync(knownHosts, "utf8").split("\n")).toHaveLength(2); // one line, not appended twice
  });

  it("refuses a host key that differs from the pinned or known one, without retrying", async () => {
    const impostor = readFileSync(`${otherKey()}.pub`, "utf8");
    const before = logins();
    const retries: unknown[] = [];
    const onRetry = (retry: unknown) => void retries.push(retry);
    const pinned = await connectSsh(sshd, options({ hostKeys: { kind: "pinned", publicKey: impostor }, onRetry })).catch(
      (caught: unknown) => caught,
    );
    expect(pinned).toBeInstanceOf(HostKeyError);
    expect((pinned as HostKeyError).reason).toBe("mismatch");
    expect((pinned as Error).message).toContain("not the key render-remote generated");

    const knownHosts = file("changed_known_hosts");
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${impostor.split(" ").slice(0, 2).join(" ")}\n`);
    const changed = await connectSsh(
      sshd,
      options({ hostKeys: { kind: "known_hosts", file: knownHosts, acceptNew: true }, onRetry }),
    ).catch((caught: unknown) => caught);
    expect((changed as HostKeyError).reason).toBe("mismatch");
    expect((changed as Error).message).toContain(`${knownHosts} line 1`);
    expect(retries).toEqual([]);
    expect(logins()).toBe(before);
  });

  it("does not retry a refused login, and never puts key material in the message", async () => {
    const wrongKey = otherKey();
    const retries: unknown[] = [];
    const error = await connectSsh(sshd, options({ identityFile: wrongKey, onRetry: (retry) => retries.push(retry) })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toContain(`refused the login as ${sshd.user} with the key ${wrongKey}`);
    expect(retries).toEqual([]);
    const secret = readFileSync(wrongKey, "utf8").split("\n")[1];
    expect((error as Error).message).not.toContain(secret);
    const inline = await connectSsh(sshd, options({ identityFile: undefined, privateKey: readFileSync(wrongKey, "utf8") })).catch(
      (caught: unknown) => caught,
    );
    expect((inline as Error).message).toContain("with the given key");
  });

  it("reports an unusable identity file as bad input", async () => {
    await expect(connectSsh(sshd, options({ identityFile: file("missing") }))).rejects.toBeInstanceOf(BadInputError);
    writeFileSync(file("not-a-key"), "hello\n");
    await expect(connectSsh(sshd, options({ identityFile: file("not-a-key") }))).rejects.toThrow(/not-a-key cannot be used/);
  });

  it("retries with backoff until an sshd started a moment later answers", async () => {
    const late = await startTestSshd();
    try {
      await late.kill();
      const retries: string[] = [];
      setTimeout(() => void late.restart(), 700);
      const started = Date.now();
      const host = await connectSsh(late, {
        identityFile: late.identityFile,
        hostKeys: { kind: "known_hosts", file: late.knownHostsFile, acceptNew: false },
        timeoutMs: 10_000,
        retry: { initialDelayMs: 100, maxDelayMs: 400 },
        onRetry: ({ error }) => retries.push((error as NodeJS.ErrnoException).code ?? error.message),
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      expect(retries.length).toBeGreaterThanOrEqual(2);
      expect(retries[0]).toBe("ECONNREFUSED");
      expect((await host.exec(["true"])).exitCode).toBe(0);
      await host.close();
    } finally {
      await late.stop();
    }
  });

  it("gives up after the overall timeout with advice, and stops at once when aborted", async () => {
    const closedPort = await unusedPort();
    const target = { host: "127.0.0.1", port: closedPort, user: sshd.user };
    // no timing asserted: had the timeout been ignored, this would retry past the test's own timeout
    const error = await connectSsh(target, options({ timeoutMs: 600, retry: { initialDelayMs: 50 } })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(new RegExp(`did not answer within 0.6 s .*ECONNREFUSED.*port ${closedPort} is open`));

    const controller = new AbortController();
    const reason = new Error("interrupted by test");
    setTimeout(() => controller.abort(reason), 200);
    // 10 min: an ignored abort would end in the timeout's RemoteError (or the test's timeout), not the abort's reason
    await expect(connectSsh(target, options({ timeoutMs: 600_000, signal: controller.signal }))).rejects.toBe(reason);
  });
});

async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
