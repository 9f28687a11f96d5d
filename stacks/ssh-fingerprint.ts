import { createHash } from "node:crypto";

/**
 * The fingerprint `ssh-keygen -lf` prints for an OpenSSH public key line:
 * "SHA256:" and the unpadded base64 of the SHA-256 of the key blob (the line's
 * second field). Lives with the stack (its output) and is re-exported by
 * orchestrator/cloud/keys.ts.
 */
export function fingerprint(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`Not an OpenSSH public key line: ${publicKey.slice(0, 40)}`);
  return blobFingerprint(Buffer.from(blob, "base64"));
}

/** The same, for a raw key blob (what an SSH server presents during the handshake). */
export function blobFingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}
