import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { killTree, listProcesses, sshConnectionOf, stopTree, waitUntilGone, type ProcessInfo } from "./process-tree.ts";
import { ensureTestUser } from "./test-user.ts";

/**
 * A real OpenSSH server on 127.0.0.1 for tests: fresh host and user keys in a
 * temp dir, a free port, and a known_hosts file that trusts exactly this server.
 */
export interface TestSshd {
  host: "127.0.0.1";
  port: number;
  user: string;
  homeDir: string;
  identityFile: string;
  privateKey: string;
  /** "ssh-ed25519 AAAA… comment", for the pinned host-key policy. */
  hostPublicKey: string;
  /** Contains only this server's key, as "[127.0.0.1]:port ssh-ed25519 AAAA…". */
  knownHostsFile: string;
  /** sshd's own log (-e), for diagnosing a failing test. */
  log(): string;
  /** Processes started through this sshd's sessions (sshd's own excluded): what a run may have left behind. */
  userProcesses(): ProcessInfo[];
  /** SIGKILLs sshd and every session under it: the link drops mid-command, as if the server died. */
  kill(): Promise<void>;
  /** SIGSTOPs sshd and its sessions: the link goes silent, like a pulled cable; only keepalives notice. */
  freeze(): void;
  /** Starts sshd again on the same port, with the same keys or, given `keys`, with those (as cloud-init installing them). */
  restart(keys?: TestSshdKeys): Promise<void>;
  /** Shuts everything down and removes the temp dir. */
  stop(): Promise<void>;
}

export const SSHD_PATH = "/usr/sbin/sshd";
// Generous: a loaded shared machine can take seconds to fork sshd; this bounds a hang, it is not a timing check.
const START_TIMEOUT_MS = 30_000;

export function sshdAvailability(): { available: boolean; reason?: string } {
  if (process.platform !== "linux") return { available: false, reason: "the sshd test harness needs Linux (/proc)" };
  if (!existsSync(SSHD_PATH)) return { available: false, reason: `${SSHD_PATH} not found; install openssh-server` };
  if (!existsSync("/usr/bin/ssh-keygen")) return { available: false, reason: "ssh-keygen not found; install openssh-client" };
  return { available: true };
}

/**
 * Keys a server is given from outside, as cloud-init gives a provisioned one:
 * its host key (OpenSSH private key) and the one key allowed to log in.
 */
export interface TestSshdKeys {
  hostPrivateKey: string;
  authorizedKey: string;
}

/** Options for a test server that plays a particular host. */
export interface TestSshdOptions {
  /** Environment every session gets (sshd's SetEnv), e.g. a PATH that puts fake programs first. */
  env?: Record<string, string>;
}

export async function startTestSshd(keys?: TestSshdKeys, options: TestSshdOptions = {}): Promise<TestSshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rr-sshd-"));
  try {
    return await startInDir(dir, keys, options);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true }); // a server that never started leaves nothing behind
    throw error;
  }
}

async function startInDir(dir: string, keys: TestSshdKeys | undefined, options: TestSshdOptions): Promise<TestSshd> {
  const user = ensureTestUser();
  // The login user reads authorized_keys from here, so it must be able to traverse the dir.
  chmodSync(dir, 0o711);
  const file = (name: string) => path.join(dir, name);
  for (const key of ["host_ed25519_key", "user_ed25519_key"]) {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `render-remote test ${key}`, "-f", file(key)]);
  }
  const install = (given: TestSshdKeys) => {
    writeFileSync(file("host_ed25519_key"), given.hostPrivateKey, { mode: 0o600 });
    writeFileSync(file("host_ed25519_key.pub"), execFileSync("ssh-keygen", ["-y", "-f", file("host_ed25519_key")]));
    writeFileSync(file("authorized_keys"), `${given.authorizedKey.trim()}\n`, { mode: 0o644 });
  };
  if (keys) install(keys);
  else writeFileSync(file("authorized_keys"), readFileSync(file("user_ed25519_key.pub")), { mode: 0o644 });
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // privilege separation dir

  let child: ChildProcess | undefined;
  let logText = "";
  let port = 0;
  const launch = async () => {
    const started = await launchSshd(dir, user.name, port, options.env ?? {});
    child = started.child;
    logText = started.log;
    child.stderr?.on("data", (chunk) => (logText = (logText + chunk).slice(-20_000)));
  };
  // A free port can be taken between our probe and sshd's bind; try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt === 3 || !/Address already in use/.test(String(error))) throw error;
    }
  }

  const hostPublicKey = readFileSync(file("host_ed25519_key.pub"), "utf8").trim();
  const [keyType, keyBase64] = hostPublicKey.split(" ");
  writeFileSync(file("known_hosts"), `[127.0.0.1]:${port} ${keyType} ${keyBase64}\n`);

  let killed: number[] = [];
  // Only a live sshd: the pid of one that already exited may belong to another process by now (pid_max
  // can be 32768), and killing that tree hit another suite's sessions when two suites ran at once.
  const running = () => child?.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const killNow = () => {
    if (running()) killed = killTree(child!.pid!);
  };
  process.once("exit", killNow); // never leave an sshd behind a crashed test run
  const waitExit = async () => {
    if (child && child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child!.once("exit", resolve));
    await waitUntilGone(killed);
  };

  return {
    host: "127.0.0.1",
    port,
    user: user.name,
    homeDir: user.homeDir,
    identityFile: file("user_ed25519_key"),
    privateKey: readFileSync(file("user_ed25519_key"), "utf8"),
    hostPublicKey,
    knownHostsFile: file("known_hosts"),
    log: () => logText,
    userProcesses: () =>
      // Scoped by the SSH_CONNECTION each session inherits, so a process that was reparented or
      // daemonized still counts, and another test's sshd (same user, other port) does not.
      listProcesses().filter(
        (info) =>
          info.uid === user.uid &&
          info.state !== "Z" &&
          !info.command.startsWith("sshd:") &&
          sshConnectionOf(info.pid)?.endsWith(` 127.0.0.1 ${port}`),
      ),
    freeze: () => {
      if (running()) stopTree(child!.pid!);
    },
    kill: async () => {
      killNow();
      await waitExit();
    },
    restart: async (newKeys?: TestSshdKeys) => {
      killNow();
      await waitExit();
      if (newKeys) install(newKeys);
      await launch();
    },
    stop: async () => {
      process.removeListener("exit", killNow);
      killNow();
      await waitExit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `sshd -D -e` and resolves once it says it is listening (or rejects with its log). */
async function launchSshd(
  dir: string,
  userName: string,
  port: number,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; log: string }> {
  const config = path.join(dir, "sshd_config");
  writeFileSync(config, sshdConfig(dir, userName, port, env));
  const child = spawn(SSHD_PATH, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start listening within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`The test sshd (${SSHD_PATH} -f ${config}) ${why}. Its log:\n${log}`));
    };
    child.on("error", (error) => fail(`could not be started: ${error.message}`));
    child.on("exit", (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    const onData = (chunk: Buffer) => {
      log += chunk;
      if (log.includes(`Server listening on 127.0.0.1 port ${port}.`)) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        child.stderr!.off("data", onData);
        resolve();
      }
    };
    child.stderr!.on("data", onData);
  });
  return { child, log };
}

function sshdConfig(dir: string, userName: string, port: number, env: Record<string, string>): string {
  const lines = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${path.join(dir, "host_ed25519_key")}`,
    `PidFile ${path.join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
    `AllowUsers ${userName}`,
    // Our files live in /tmp with test-friendly modes; the checks would reject them.
    "StrictModes no",
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin no",
    "PubkeyAuthentication yes",
    "Subsystem sftp internal-sftp",
    "UseDNS no",
    "PrintMotd no",
    "LoginGraceTime 20",
  ];
  // one SetEnv line: sshd keeps only the first line of a keyword
  const variables = Object.entries(env).map(([name, value]) => `${name}="${value}"`);
  if (variables.length > 0) lines.push(`SetEnv ${variables.join(" ")}`);
  // OpenSSH ≥ 9.8 penalises addresses with failed logins; tests fail logins on purpose.
  if (opensshVersion() >= 908) lines.push("PerSourcePenalties no");
  return `${lines.join("\n")}\n`;
}

let cachedVersion: number | undefined;
function opensshVersion(): number {
  if (cachedVersion === undefined) {
    // `sshd -V` prints "OpenSSH_9.2p1 …" on stderr (and exits non-zero on older releases).
    let text = "";
    try {
      text = execFileSync(SSHD_PATH, ["-V"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      text = String((error as { stderr?: string }).stderr ?? "");
    }
    const match = /OpenSSH_(\d+)\.(\d+)/.exec(text);
    cachedVersion = match ? Number(match[1]) * 100 + Number(match[2]) : 0;
  }
  return cachedVersion;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
