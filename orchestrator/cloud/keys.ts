import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { inspect } from "node:util";
import ssh2 from "ssh2"; // CommonJS: named imports fail under plain Node ESM
import { fingerprint } from "../../stacks/ssh-fingerprint.ts";
import { ensurePrivateDir, runKeysDir } from "../state/paths.ts";

export { fingerprint };

/**
 * Per-run ephemeral SSH keys: the key the orchestrator logs in with, and the
 * server's own host key, generated here so the first connection can be
 * verified strictly (no trust on first use). Both live 0600 under
 * keys/<runId>/ and are deleted when the run ends.
 */
export interface KeyPair {
  /** OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----"), with a final newline. */
  readonly privateKey: string;
  /** One OpenSSH public key line: "ssh-ed25519 AAAA… comment". */
  readonly publicKey: string;
}

export interface RunKeyFiles {
  dir: string;
  userPrivateKeyPath: string;
  userPublicKeyPath: string;
  hostPrivateKeyPath: string;
  hostPublicKeyPath: string;
}

/** What is safe to print or log about a run's keys: paths and fingerprints, never key material. */
export interface RunKeysSummary {
  runId: string;
  dir: string;
  userPrivateKeyPath: string;
  userKeyFingerprint: string;
  hostKeyFingerprint: string;
}

/**
 * A run's keys. The private halves are kept out of JSON.stringify and
 * util.inspect (console.log), so logging the object cannot leak them.
 */
export class RunKeys {
  readonly runId: string;
  readonly files: RunKeyFiles;
  readonly user: KeyPair;
  readonly host: KeyPair;

  constructor(runId: string, files: RunKeyFiles, user: KeyPair, host: KeyPair) {
    this.runId = runId;
    this.files = files;
    this.user = user;
    this.host = host;
  }

  summary(): RunKeysSummary {
    return {
      runId: this.runId,
      dir: this.files.dir,
      userPrivateKeyPath: this.files.userPrivateKeyPath,
      userKeyFingerprint: fingerprint(this.user.publicKey),
      hostKeyFingerprint: fingerprint(this.host.publicKey),
    };
  }

  toJSON(): RunKeysSummary {
    return this.summary();
  }

  [inspect.custom](): string {
    return `RunKeys ${inspect(this.summary())}`;
  }
}

/** Generates an ed25519 key pair in OpenSSH format, in process (no ssh-keygen needed). */
export function generateKeyPair(comment: string): KeyPair {
  let pair = ssh2.utils.generateKeyPairSync("ed25519", { comment });
  // ssh2's own parser rejects about 1 in 430 of the keys it generates ("Malformed OpenSSH private key"): draw again
  while (ssh2.utils.parseKey(pair.private) instanceof Error) pair = ssh2.utils.generateKeyPairSync("ed25519", { comment });
  // OpenSSH refuses a private key file without its final newline.
  const privateKey = pair.private.endsWith("\n") ? pair.private : `${pair.private}\n`;
  return { privateKey, publicKey: pair.public.trim() };
}

/** Creates the run's two key pairs and writes them 0600 under keys/<runId>/ (directory 0700). */
export async function createRunKeys(runId: string, env?: NodeJS.ProcessEnv): Promise<RunKeys> {
  const dir = await ensurePrivateDir(runKeysDir(runId, env), env);
  const files: RunKeyFiles = {
    dir,
    userPrivateKeyPath: path.join(dir, "id_ed25519"),
    userPublicKeyPath: path.join(dir, "id_ed25519.pub"),
    hostPrivateKeyPath: path.join(dir, "ssh_host_ed25519_key"),
    hostPublicKeyPath: path.join(dir, "ssh_host_ed25519_key.pub"),
  };
  const user = generateKeyPair(`render-remote-${runId}`);
  const host = generateKeyPair(`render-remote-host-${runId}`);
  await writePrivateFile(files.userPrivateKeyPath, user.privateKey);
  await writePrivateFile(files.userPublicKeyPath, `${user.publicKey}\n`);
  await writePrivateFile(files.hostPrivateKeyPath, host.privateKey);
  await writePrivateFile(files.hostPublicKeyPath, `${host.publicKey}\n`);
  return new RunKeys(runId, files, user, host);
}

/**
 * Writes a known_hosts file naming the server's address and its pre-generated
 * host key, for `ssh -o UserKnownHostsFile=… -o StrictHostKeyChecking=yes`.
 */
export async function writeKnownHosts(keys: RunKeys, ip: string): Promise<string> {
  const file = path.join(keys.files.dir, "known_hosts");
  const [type, blob] = keys.host.publicKey.split(/\s+/);
  await writePrivateFile(file, `${ip} ${type} ${blob}\n`);
  return file;
}

/** Deletes keys/<runId>/ and everything in it. Missing is fine. */
export async function deleteRunKeys(runId: string, env?: NodeJS.ProcessEnv): Promise<void> {
  await rm(runKeysDir(runId, env), { recursive: true, force: true });
}

async function writePrivateFile(file: string, text: string): Promise<void> {
  // flag "wx": never follow or overwrite something already there
  await writeFile(file, text, { mode: 0o600, flag: "wx" });
}
