import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteError } from "../errors.ts";
import { connectSsh, type SshConnectOptions, type SshHost } from "./ssh-host.ts";
import { describeWithSshd } from "./testing/describe-with-sshd.ts";
import { NASTY_ARGS } from "./testing/nasty-args.ts";
import { startTestSshd, type TestSshd } from "./testing/sshd.ts";

const options = (sshd: TestSshd, extra: Partial<SshConnectOptions> = {}): SshConnectOptions => ({
  identityFile: sshd.identityFile,
  hostKeys: { kind: "known_hosts", file: sshd.knownHostsFile, acceptNew: false },
  timeoutMs: 10_000,
  ...extra,
});

describeWithSshd("SshHost against a real sshd", () => {
  let sshd: TestSshd;
  let host: SshHost;
  let remoteDir: string;
  const localDir = mkdtempSync(path.join(os.tmpdir(), "rr-ssh-host-"));

  beforeAll(async () => {
    sshd = await startTestSshd();
    host = await connectSsh(sshd, options(sshd));
    remoteDir = `${sshd.homeDir}/rr-ssh-host-test-${process.pid}`;
    expect((await host.exec(["mkdir", "-m", "700", remoteDir])).exitCode).toBe(0);
  });

  afterAll(async () => {
    await host?.exec(["rm", "-rf", remoteDir]);
    await host?.close();
    await sshd?.stop();
    rmSync(localDir, { recursive: true, force: true });
  });

  it("logs in as the unprivileged test user and finds its home over SFTP", async () => {
    // as root, this suite's own user (test/global-setup.ts): another suite at the same time has another
    if (process.getuid?.() === 0) {
      expect(sshd.user).toMatch(/^rrtest-\d+-[0-9a-f]{6}$/);
      expect(sshd.user).toBe(process.env.RENDER_REMOTE_TEST_USER);
      expect(sshd.homeDir).toBe(`/home/${sshd.user}`);
    }
    expect(host.description).toBe(`ssh://${sshd.user}@127.0.0.1:${sshd.port}`);
    expect(await host.homeDir()).toBe(sshd.homeDir);
    expect((await host.exec(["id", "-un"])).stdout).toBe(`${sshd.user}\n`);
  });

  it("passes nasty arguments through the remote shell byte for byte", async () => {
    const result = await host.exec(["printf", "%s\\0", ...NASTY_ARGS]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\0").slice(0, -1)).toEqual(NASTY_ARGS);
    // Nothing in them was run: `$(rm -rf ~)` would have taken the home directory with it.
    expect(await host.homeDir()).toBe(sshd.homeDir);
    expect((await host.exec(["test", "-d", remoteDir])).exitCode).toBe(0);
  });

  it("runs in a cwd whose name needs quoting", async () => {
    const cwd = `${remoteDir}/it's a $(dir) ; & "x"`;
    expect((await host.exec(["mkdir", cwd])).exitCode).toBe(0);
    expect((await host.exec(["pwd"], { cwd })).stdout).toBe(`${cwd}\n`);
    const missing = await host.exec(["pwd"], { cwd: `${remoteDir}/missing` });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/missing/);
  });

  it("reports exit codes, signals and stderr", async () => {
    expect((await host.exec(["true"])).exitCode).toBe(0);
    expect((await host.exec(["sh", "-c", "exit 3"])).exitCode).toBe(3);
    const missing = await host.exec(["no-such-program-rr"]);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/no-such-program-rr/);
    const killed = await host.exec(["sh", "-c", "kill -TERM $$"]);
    expect(killed).toMatchObject({ exitCode: null, signal: "SIGTERM", connectionLost: false });
    const chunks: string[] = [];
    const failing = await host.exec(["sh", "-c", "echo oops >&2; exit 2"], { onStderr: (chunk) => chunks.push(chunk) });
    expect(failing).toMatchObject({ exitCode: 2, stdout: "", stderr: "oops\n" });
    expect(chunks.join("")).toBe("oops\n");
  });

  it("streams stdout line by line, in order, while the command still runs", async () => {
    const lines: Array<{ line: string; at: number }> = [];
    const script = "for i in $(seq 1 500); do echo \"line $i ✓\"; done; sleep 0.4; printf 'last, no newline'";
    const result = await host.exec(["sh", "-c", script], { onStdoutLine: (line) => lines.push({ line, at: Date.now() }) });
    const finished = Date.now();
    expect(lines.map((entry) => entry.line)).toEqual([...Array.from({ length: 500 }, (_, i) => `line ${i + 1} ✓`), "last, no newline"]);
    expect(finished - lines[0].at).toBeGreaterThanOrEqual(300); // the first line came before the sleep, not at the end
    expect(result.stdout).toBe(""); // the callback had it all; none is kept twice
  });

  it("uploads with the mode asked for, and the remote sha256 matches", async () => {
    const local = path.join(localDir, "payload.bin");
    const content = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(local, content);
    for (const mode of [0o700, 0o600]) {
      const remote = `${remoteDir}/payload-${mode.toString(8)}`;
      await host.upload(local, remote, mode);
      const result = await host.exec(["sh", "-c", 'sha256sum "$1" && stat -c %a "$1"', "sh", remote]);
      expect(result.stdout).toBe(`${createHash("sha256").update(content).digest("hex")}  ${remote}\n${mode.toString(8)}\n`);
    }
    const empty = path.join(localDir, "empty");
    writeFileSync(empty, "");
    await host.upload(empty, `${remoteDir}/empty`, 0o640);
    expect((await host.exec(["stat", "-c", "%s %a", `${remoteDir}/empty`])).stdout).toBe("0 640\n");
  });

  it("downloads byte for byte and reports progress up to the total", async () => {
    const remote = `${remoteDir}/generated.bin`;
    expect((await host.exec(["sh", "-c", 'head -c 2500000 /dev/urandom > "$1"', "sh", remote])).exitCode).toBe(0);
    const remoteSum = (await host.exec(["sha256sum", remote])).stdout.split(" ")[0];
    const local = path.join(localDir, "downloaded.bin");
    const progress: Array<[number, number]> = [];
    await host.download(remote, local, (bytes, total) => progress.push([bytes, total]));
    expect(createHash("sha256").update(readFileSync(local)).digest("hex")).toBe(remoteSum);
    expect(progress.at(-1)).toEqual([2_500_000, 2_500_000]);
  });

  it("turns SFTP failures into RemoteErrors that name the path", async () => {
    const error = await host.download(`${remoteDir}/does-not-exist`, path.join(localDir, "x")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toContain(`${remoteDir}/does-not-exist`);
    await expect(host.upload(path.join(localDir, "payload.bin"), "/root/forbidden/x")).rejects.toThrow(/\/root\/forbidden\/x/);
  });

  it("stops waiting at once when aborted, and asks sshd to TERM the process", async () => {
    const controller = new AbortController();
    const marker = `rr-abort-${process.pid}`;
    // 600 s: had the abort been ignored, the exec would outlast the test's timeout (no timing asserted)
    const running = host.exec(["sleep", "600"], { signal: controller.signal, cwd: remoteDir });
    // Find the remote sleep; then abort.
    await waitFor(() => sshd.userProcesses().some((info) => info.command === "sleep 600"), marker);
    controller.abort();
    const result = await running;
    expect(result.exitCode).toBeNull();
    await waitFor(() => !sshd.userProcesses().some((info) => info.command === "sleep 600"), "sleep to be gone");
    // An already-aborted signal runs nothing.
    const before = await host.exec(["touch", `${remoteDir}/should-not-exist`], { signal: controller.signal });
    expect(before.exitCode).toBeNull();
    expect((await host.exec(["test", "-e", `${remoteDir}/should-not-exist`])).exitCode).toBe(1);
  });

  it("fails the exec when a callback throws, instead of crashing the process", async () => {
    const result = host.exec(["sh", "-c", "echo one; echo two"], {
      onStdoutLine: () => {
        throw new Error("bad line");
      },
    });
    await expect(result).rejects.toThrow("bad line");
    expect((await host.exec(["true"])).exitCode).toBe(0); // the connection is still usable
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
