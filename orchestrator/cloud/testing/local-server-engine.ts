import { existsSync, chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fingerprint } from "../keys.ts";
import type { ProvisionEngine, StackProgram } from "../pulumi-engine.ts";
import { fakeInstance, type FakeLinodeApi } from "./fake-linode-api.ts";
import { startTestSshd, type TestSshd } from "../../hosts/testing/sshd.ts";
import { runKeysDir } from "../../state/paths.ts";
import { tempDir } from "../../../test/temp-dir.ts";
import { WATCHDOG_SCRIPT } from "../../../stacks/watchdog-script.ts";

/**
 * A cloud server's stand-ins for run/run-on-cloud.test.ts and kept/*.test.ts: the Pulumi engine (which cannot run here)
 * starts a real sshd on 127.0.0.1 with the run's own host and login keys and lists a tagged instance in the
 * fake Linode API; destroy takes both away. The server's root is the test user with a recording `sudo`.
 */
export function createServerRoot() {
  const bin = tempDir("rr-server-bin-");
  const root = tempDir("rr-server-root-");
  chmodSync(bin, 0o755);
  chmodSync(root, 0o777);
  writeFileSync(
    path.join(bin, "sudo"),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> "$RENDER_REMOTE_WATCHDOG_ROOT/sudo-argv.log"\n[ "$1" = -n ] && shift\nexec "$@"\n`,
    { mode: 0o755 },
  );
  writeFileSync(path.join(bin, "render-remote-watchdog"), WATCHDOG_SCRIPT, { mode: 0o755 });
  return {
    bin,
    root,
    helperPath: path.join(bin, "render-remote-watchdog"),
    env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, RENDER_REMOTE_WATCHDOG_ROOT: root },
  };
}
export type ServerRoot = ReturnType<typeof createServerRoot>;

/** The server is deleted: its watchdog dies with it (SIGKILL to its process group, as a power-off). */
export function killWatchdogs(runId: string): void {
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let argv = "";
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      continue;
    }
    if (argv.includes(`render-remote-watchdog run ${runId} `)) {
      try {
        process.kill(-Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

export class LocalServerEngine implements ProvisionEngine {
  readonly calls: string[] = [];
  sshd: TestSshd | undefined;
  /** Run directories already in the login user's home when the server came up. */
  before: string[] = [];
  runDirs = () => readdirSync(this.sshd!.homeDir).filter((name) => name.startsWith(".render-remote-run."));
  constructor(
    private readonly api: FakeLinodeApi,
    private readonly serverRoot: ServerRoot,
  ) {}

  async preflight() {
    this.calls.push("preflight");
  }

  async up(runId: string, _program: StackProgram) {
    this.calls.push(`up ${runId}`);
    const keys = runKeysDir(runId);
    const hostPrivateKey = readFileSync(path.join(keys, "ssh_host_ed25519_key"), "utf8");
    const hostPublicKey = readFileSync(path.join(keys, "ssh_host_ed25519_key.pub"), "utf8").trim();
    this.sshd = await startTestSshd(
      { hostPrivateKey, authorizedKey: readFileSync(path.join(keys, "id_ed25519.pub"), "utf8") },
      { env: this.serverRoot.env },
    );
    this.before = this.runDirs();
    this.api.instances.push(
      fakeInstance({ id: 4242, label: runId, type: "g6-dedicated-2", tags: ["render-remote", `render-remote-run:${runId}`] }),
    );
    return {
      ip: "127.0.0.1",
      sshPort: this.sshd.port,
      user: this.sshd.user,
      hostKeyFingerprint: fingerprint(hostPublicKey),
      instanceId: 4242,
      firewallId: 77,
    };
  }
  /** The run's token file as the destroy found it (mode, content), while the watchdog was armed. */
  tokenFile: { mode: number; content: string } | undefined;
  async destroy(runId: string) {
    this.calls.push(`destroy ${runId}`);
    const state = path.join(this.serverRoot.root, "var/lib/render-remote", runId);
    if (existsSync(path.join(state, "token")))
      this.tokenFile = { mode: statSync(path.join(state, "token")).mode & 0o777, content: readFileSync(path.join(state, "token"), "utf8") };
    killWatchdogs(runId);
    rmSync(state, { recursive: true, force: true }); // the disk goes with the server
    // a deleted server takes every process on it along, detached renders included
    for (const info of this.sshd?.userProcesses() ?? []) process.kill(info.pid, "SIGKILL");
    await this.sshd?.stop();
    this.api.instances = this.api.instances.filter((instance) => instance.id !== 4242);
  }
  async removeStack(runId: string) {
    this.calls.push(`removeStack ${runId}`);
  }
  destroyStack = async () => undefined;
}
