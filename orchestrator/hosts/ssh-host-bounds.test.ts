import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteError } from "../errors.ts";
import { STDERR_KEPT, STDOUT_KEPT } from "./host.ts";
import { MAX_LINE_LENGTH } from "./line-splitter.ts";
import { LocalHost } from "./local-host.ts";
import { connectSsh, type SshHost } from "./ssh-host.ts";
import { describeWithSshd } from "./testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "./testing/sshd.ts";
import { tempDir } from "../../test/temp-dir.ts";

// What a server sends is bounded: a flood of output, a line without end, a
// command or a transfer that goes silent. Played by a real sshd's own tools.
describeWithSshd("SshHost bounds what a server sends", () => {
  let sshd: TestSshd;
  let host: SshHost;
  let remoteDir: string;
  const localDir = tempDir("rr-bounds-");

  beforeAll(async () => {
    sshd = await startTestSshd();
    host = await connectSsh(sshd, {
      identityFile: sshd.identityFile,
      hostKeys: { kind: "known_hosts", file: sshd.knownHostsFile, acceptNew: false },
      timeoutMs: 10_000,
    });
    remoteDir = `${sshd.homeDir}/rr-bounds-test-${process.pid}`;
    expect((await host.exec(["mkdir", "-m", "700", remoteDir])).exitCode).toBe(0);
  });
  afterAll(async () => {
    await host?.exec(["rm", "-rf", remoteDir]);
    await host?.close();
    await sshd?.stop();
    rmSync(localDir, { recursive: true, force: true });
  });

  it("keeps no stdout when a line callback consumes it, and cuts a 30 MB line without a newline to the cap", async () => {
    const lines: number[] = [];
    const result = await host.exec(["sh", "-c", "head -c 30000000 /dev/zero | tr '\\0' x; echo; echo after"], {
      onStdoutLine: (line) => lines.push(line.length),
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("");
    expect(lines).toEqual([MAX_LINE_LENGTH, "after".length]);
  });

  it("keeps the head of stdout and the tail of stderr, each bounded", async () => {
    const result = await host.exec([
      "sh",
      "-c",
      "head -c 5000000 /dev/zero | tr '\\0' o; head -c 5000000 /dev/zero | tr '\\0' e >&2; echo LAST >&2",
    ]);
    expect(result.stdout.length).toBe(STDOUT_KEPT);
    expect(result.stderr.length).toBeLessThan(STDERR_KEPT + 100);
    expect(result.stderr).toMatch(/^\[\d+ earlier characters not kept\]\ne+LAST\n$/);
  });

  it("gives up on a command that sends nothing for the idle limit", async () => {
    const error = await host.exec(["sleep", "60"], { idleTimeoutMs: 300 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(/^sleep on ssh:\/\/.* sent nothing for 0 s; gave up on it/);
    expect((await host.exec(["true"])).exitCode).toBe(0); // the connection is still usable
  });

  it("gives up on an SFTP download that stalls (a FIFO nobody writes), and asks for no more bytes than the size given", async () => {
    const fifo = `${remoteDir}/stalled`;
    expect((await host.exec(["mkfifo", fifo])).exitCode).toBe(0);
    host.sftpIdleMs = 300;
    try {
      const error = await host.download(fifo, path.join(localDir, "stalled"), undefined, 10).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RemoteError);
      expect((error as Error).message).toMatch(/no data for 0 s/);
    } finally {
      host.sftpIdleMs = 120_000;
      await host.exec(["sh", "-c", 'echo > "$1"', "sh", fifo]); // release the blocked sftp-server
    }
    const big = `${remoteDir}/big`;
    expect((await host.exec(["sh", "-c", 'head -c 300000 /dev/urandom > "$1"', "sh", big])).exitCode).toBe(0);
    await host.download(big, path.join(localDir, "head"), undefined, 1000);
    expect((await import("node:fs")).statSync(path.join(localDir, "head")).size).toBe(1000);
  });
});

it("LocalHost keeps the same bounds and refuses a file whose size is not the one checked", async () => {
  const host = new LocalHost();
  const result = await host.exec(["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' o"]);
  expect(result.stdout.length).toBe(STDOUT_KEPT);
  const lines: number[] = [];
  expect((await host.exec(["sh", "-c", "echo a; echo bb"], { onStdoutLine: (line) => lines.push(line.length) })).stdout).toBe("");
  expect(lines).toEqual([1, 2]);
  const dir = tempDir("rr-local-bounds-");
  await expect(host.download("/etc/hostname", path.join(dir, "x"), undefined, 1_000_000)).rejects.toThrow(/not the 1000000 expected/);
  expect(existsSync(path.join(dir, "x"))).toBe(false);
});
