import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The OpenSSH known_hosts format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"),
 * read-only and without I/O, so the decisions in known-hosts.ts are easy to test.
 */

export interface KnownHostsEntry {
  /** 1-based, for messages that say which line to check. */
  line: number;
  marker: "revoked" | "cert-authority" | undefined;
  /** The host field as written: "a,b,[c]:2222" or "|1|salt|hash". */
  hosts: string;
  keyType: string;
  /** The key blob (the base64 field, decoded); what the server sends in its handshake. */
  key: Buffer;
}

/** A public key in OpenSSH one-line form: "ssh-ed25519 AAAA… comment". */
export interface PublicKey {
  keyType: string;
  key: Buffer;
}

/** The name OpenSSH looks up: "host" on port 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** "SHA256:…" exactly as `ssh-keygen -lf` prints it (unpadded base64), for a raw key blob. */
export { blobFingerprint as fingerprint } from "../../stacks/ssh-fingerprint.ts";

/** "ssh-ed25519" → "ED25519", as ssh and ssh-keygen label keys. */
export function keyTypeLabel(keyType: string): string {
  if (keyType.startsWith("ecdsa-")) return "ECDSA";
  if (keyType === "ssh-rsa") return "RSA";
  if (keyType === "ssh-dss") return "DSA";
  return keyType.replace(/^ssh-/, "").replace(/@.*$/, "").toUpperCase();
}

/** Reads the key type that is encoded inside a key blob (its first SSH string). */
export function keyTypeOf(key: Buffer): string | undefined {
  if (key.length < 4) return undefined;
  const length = key.readUInt32BE(0);
  return length > 0 && 4 + length <= key.length ? key.subarray(4, 4 + length).toString("latin1") : undefined;
}

/** Parses "ssh-ed25519 AAAA… [comment]"; undefined when it is not that form. */
export function parsePublicKey(text: string): PublicKey | undefined {
  const [keyType, base64] = text.trim().split(/\s+/);
  if (!keyType || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const key = Buffer.from(base64, "base64");
  // The type inside the blob must agree with the label; otherwise the line is corrupt.
  return keyTypeOf(key) === keyType ? { keyType, key } : undefined;
}

/** Parses a whole file. Blank, comment and malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    let fields = raw.trim().split(/\s+/);
    if (fields[0] === "" || fields[0].startsWith("#")) return;
    let marker: KnownHostsEntry["marker"];
    if (fields[0].startsWith("@")) {
      if (fields[0] !== "@revoked" && fields[0] !== "@cert-authority") return;
      marker = fields[0] === "@revoked" ? "revoked" : "cert-authority";
      fields = fields.slice(1);
    }
    const [hosts, ...rest] = fields;
    const publicKey = hosts ? parsePublicKey(rest.join(" ")) : undefined;
    if (!publicKey) return;
    entries.push({ line: index + 1, marker, hosts, ...publicKey });
  });
  return entries;
}

/** Does an entry's host field cover `name` (as made by knownHostsName)? */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith("|1|")) return hashedMatches(hosts, name);
  // OpenSSH semantics: any matching negated pattern vetoes the line.
  let matched = false;
  for (const pattern of hosts.split(",")) {
    const negated = pattern.startsWith("!");
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as written by `ssh-keygen -H` and HashKnownHosts. */
function hashedMatches(hosts: string, name: string): boolean {
  const [, , salt, hash] = hosts.split("|");
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** `*` and `?` wildcards; host names compare case-insensitively, as in ssh. */
function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${source}$`, "i").test(name);
}
