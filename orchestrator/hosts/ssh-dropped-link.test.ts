import { afterEach, beforeEach, expect, it } from "vitest";
import { RemoteError } from "../errors.ts";
import { connectSsh, type SshHost } from "./ssh-host.ts";
import { describeWithSshd } from "./testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "./testing/sshd.ts";

/** A link that dies mid-command must end the exec promptly, never hang the pipeline. */
describeWithSshd("SshHost when the link drops", () => {
  let sshd: TestSshd;
  let host: SshHost;

  beforeEach(async () => {
    sshd = await startTestSshd();
    host = await connectSsh(sshd, {
      identityFile: sshd.identityFile,
      hostKeys: { kind: "known_hosts", file: sshd.knownHostsFile, acceptNew: false },
      keepaliveIntervalMs: 200,
      keepaliveCountMax: 2,
    });
  });
  afterEach(async () => {
    await host?.close();
    await sshd?.stop();
  });

  /** Starts a long command and resolves once its first line has arrived. */
  async function startLongCommand() {
    let seen: () => void;
    const started = new Promise<void>((resolve) => (seen = resolve));
    const lines: string[] = [];
    const running = host.exec(["sh", "-c", "echo started; sleep 30; echo never"], {
      onStdoutLine: (line) => {
        lines.push(line);
        seen();
      },
    });
    await started;
    return { running, lines };
  }

  it("resolves with exitCode null when sshd and its sessions are killed mid-exec", async () => {
    const { running, lines } = await startLongCommand();
    await sshd.kill();
    const result = await running; // (had the drop gone unnoticed, this would wait past the test's timeout)
    expect(result).toMatchObject({ exitCode: null, signal: null, connectionLost: true, stdout: "" }); // the line callback had it
    expect(lines).toEqual(["started"]);
    // Everything after that fails fast with a RemoteError that says what happened.
    await expect(host.exec(["true"])).rejects.toBeInstanceOf(RemoteError);
    await expect(host.exec(["true"])).rejects.toThrow(/Cannot run true on ssh:\/\/.*Check that the server is still up/);
    await expect(host.upload("/etc/hostname", "x")).rejects.toBeInstanceOf(RemoteError);
    await host.close(); // and teardown does not hang
  });

  it("notices a silent link through keepalives", async () => {
    const { running } = await startLongCommand();
    const frozenAt = Date.now();
    sshd.freeze(); // no FIN, no RST: only the unanswered keepalives tell
    const result = await running;
    const noticedAfter = Date.now() - frozenAt;
    expect(noticedAfter).toBeGreaterThanOrEqual(300); // a lower bound only: a busy machine is slower, never faster
    expect(result).toMatchObject({ exitCode: null, connectionLost: true });
    await expect(host.homeDir()).rejects.toThrow(/Keepalive timeout/);
    await sshd.kill();
  });

  it("leaves no session processes behind after kill()", async () => {
    await startLongCommand();
    await waitFor(() => sshd.userProcesses().some((info) => info.command === "sleep 30"));
    await sshd.kill();
    expect(sshd.userProcesses()).toEqual([]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("Timed out waiting for the remote process to appear.");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
