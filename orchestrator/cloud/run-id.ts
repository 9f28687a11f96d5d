import { randomBytes } from "node:crypto";

/**
 * Run ids name the Pulumi stack, the journal entry, the keys directory and
 * the Linode labels and tags: short, unique, [a-z0-9-], e.g. rr-20261124-k3x9q2.
 */
export const RUN_ID_PATTERN = /^rr-\d{8}-[a-z0-9]{6}$/;

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function createRunId(now: Date = new Date(), random: (size: number) => Uint8Array = randomBytes): string {
  const day = now.toISOString().slice(0, 10).replaceAll("-", "");
  const suffix = Array.from(random(6), (byte) => ALPHABET[byte % ALPHABET.length]).join("");
  return `rr-${day}-${suffix}`;
}
