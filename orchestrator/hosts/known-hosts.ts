import os from "node:os";
import path from "node:path";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { BadInputError, RemoteError } from "../errors.ts";
import {
  fingerprint,
  hostsFieldMatches,
  keyTypeLabel,
  keyTypeOf,
  knownHostsName,
  parseKnownHosts,
  parsePublicKey,
  type KnownHostsEntry,
} from "./known-hosts-file.ts";
import { quoteArg } from "./shell-quote.ts";

/**
 * How we decide that a server is the one we meant. There is deliberately no
 * "off": an unknown key either is refused with instructions or, when the user
 * asked for trust-on-first-use, is recorded so the next run checks it.
 */
export type HostKeyPolicy =
  /** `file` defaults to ~/.ssh/known_hosts; `acceptNew` is --accept-new-host-key. */
  | { kind: "known_hosts"; file?: string; acceptNew: boolean }
  /** For servers we provisioned: we generated their host key, so only that key is accepted. */
  | { kind: "pinned"; publicKey: string };

export type HostKeyRefusal = "unknown" | "mismatch" | "revoked";

/** The server's host key was refused; nothing was sent to it. Exit 1. */
export class HostKeyError extends RemoteError {
  readonly reason: HostKeyRefusal;
  readonly fingerprint: string;
  constructor(reason: HostKeyRefusal, fingerprintText: string, message: string) {
    super(message);
    this.reason = reason;
    this.fingerprint = fingerprintText;
  }
}

export interface HostKeyCheck {
  /** Host key algorithms to offer, known key types first, so a server with several keys shows the one we know. */
  algorithms: string[];
  /** Accepts the presented key blob (resolving with a notice if it was just recorded) or rejects with HostKeyError. */
  verify(key: Buffer): Promise<{ notice?: string }>;
}

// ssh2's default order; we only move known types to the front.
const ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

export const defaultKnownHostsFile = () => path.join(os.homedir(), ".ssh", "known_hosts");

/** Reads what the policy needs (the known_hosts file) and returns the check to run during the handshake. */
export async function prepareHostKeyCheck(policy: HostKeyPolicy, host: string, port: number): Promise<HostKeyCheck> {
  // ssh looks names up in lowercase (hashed entries are HMACs of the lowercase name)
  const name = knownHostsName(host.toLowerCase(), port);
  if (policy.kind === "pinned") {
    const pinned = parsePublicKey(policy.publicKey);
    if (!pinned) {
      throw new BadInputError(
        `The pinned host key ${JSON.stringify(policy.publicKey.slice(0, 40))}… is not an OpenSSH public key line ("ssh-ed25519 AAAA…").`,
      );
    }
    return {
      algorithms: preferAlgorithms([pinned.keyType]),
      verify: async (key) => {
        if (key.equals(pinned.key)) return {};
        throw new HostKeyError(
          "mismatch",
          fingerprint(key),
          `The host key of ${name} (${fingerprint(key)}) is not the key render-remote generated for this server (${fingerprint(pinned.key)}). ` +
            "Someone may be intercepting the connection, or the address now belongs to another machine; nothing was sent to it. " +
            "Check that the address still belongs to the server you created before trying again.",
        );
      },
    };
  }

  const file = expandHome(policy.file ?? defaultKnownHostsFile());
  const entries = parseKnownHosts(await readKnownHosts(file)).filter((entry) => hostsFieldMatches(entry.hosts, name));
  const known = entries.filter((entry) => entry.marker === undefined);
  return {
    algorithms: preferAlgorithms(known.map((entry) => entry.keyType)),
    verify: async (key) => {
      const shown = `${keyTypeLabel(keyTypeOf(key) ?? "?")} key ${fingerprint(key)}`;
      const revoked = entries.find((entry) => entry.marker === "revoked" && entry.key.equals(key));
      if (revoked) {
        throw new HostKeyError(
          "revoked",
          fingerprint(key),
          `The host key of ${name} (${shown}) is marked @revoked in ${file} line ${revoked.line}; refusing to connect. ` +
            "Ask the server's administrator for its current host key.",
        );
      }
      if (known.some((entry) => entry.key.equals(key))) return {};
      if (known.length > 0) throw mismatchError(name, shown, key, file, known);
      if (!policy.acceptNew) throw unknownError(name, host, port, shown, key, file);
      await recordHostKey(file, name, key);
      return { notice: `Added the ${shown} of ${name} to ${file} (--accept-new-host-key); later runs will insist on it.` };
    },
  };
}

function mismatchError(name: string, shown: string, key: Buffer, file: string, known: KnownHostsEntry[]): HostKeyError {
  const lines = known.map((entry) => entry.line).join(", ");
  return new HostKeyError(
    "mismatch",
    fingerprint(key),
    `WARNING: the host key of ${name} has changed. The server presented the ${shown}, but ${file} line ${lines} holds a different key for it. ` +
      "Someone may be intercepting the connection (man-in-the-middle), or the server was reinstalled; render-remote refused to connect and ran nothing. " +
      `If you know the server was rebuilt, verify the new fingerprint out of band, remove the old entry with \`ssh-keygen -R ${quoteArg(name)} -f ${quoteArg(file)}\`, and try again.`,
  );
}

function unknownError(name: string, host: string, port: number, shown: string, key: Buffer, file: string): HostKeyError {
  const type = keyTypeLabel(keyTypeOf(key) ?? "").toLowerCase();
  return new HostKeyError(
    "unknown",
    fingerprint(key),
    `The host key of ${name} is not in ${file}, so render-remote cannot tell that it is the right server (it presented the ${shown}). ` +
      `Check that fingerprint out of band (on the server: \`ssh-keygen -lf /etc/ssh/ssh_host_${type}_key.pub\`), then either add it with ` +
      `\`ssh-keyscan -p ${port} ${quoteArg(host)} >> ${quoteArg(file)}\` or rerun with --accept-new-host-key.`,
  );
}

async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw new BadInputError(
      `Cannot read the known_hosts file ${file}: ${(error as Error).message}. Fix its permissions or pass another file.`,
      { cause: error },
    );
  }
}

/** Appends "name keytype base64", starting a new line if the file lacks a final newline. */
async function recordHostKey(file: string, name: string, key: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const existing = await readKnownHosts(file);
  const separator = existing === "" || existing.endsWith("\n") ? "" : "\n";
  await appendFile(file, `${separator}${name} ${keyTypeOf(key)} ${key.toString("base64")}\n`, { mode: 0o600 });
}

function preferAlgorithms(keyTypes: string[]): string[] {
  const preferred = keyTypes.flatMap((type) => (type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type]));
  return [...new Set([...preferred.filter((algorithm) => ALGORITHMS.includes(algorithm)), ...ALGORITHMS])];
}

function expandHome(file: string): string {
  return file === "~" || file.startsWith("~/") ? path.join(os.homedir(), file.slice(1)) : file;
}
