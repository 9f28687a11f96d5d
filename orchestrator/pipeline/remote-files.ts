import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { RemoteError } from "../errors.ts";
import type { Host } from "../hosts/host.ts";

/** sha256 of local files, streamed. */
export async function localSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * sha256 and size of files on the host, from coreutils (`sha256sum`, `wc -c`)
 * or, on BSD-like hosts, `shasum -a 256`.
 */
export async function remoteDigests(host: Host, files: readonly string[], signal?: AbortSignal): Promise<Map<string, { sha256: string; size: number }>> {
  const digests = new Map<string, { sha256: string; size: number }>();
  for (let i = 0; i < files.length; i += 200) {
    const batch = files.slice(i, i + 200);
    let sums = await host.exec(["sha256sum", "--", ...batch], { signal });
    if (sums.exitCode !== 0) sums = await host.exec(["shasum", "-a", "256", "--", ...batch], { signal });
    if (sums.exitCode !== 0) throw new RemoteError(`Could not checksum files on ${host.description}: ${sums.stderr.trim() || "no sha256sum or shasum"}.`);
    const sizes = await host.exec(["wc", "-c", "--", ...batch], { signal });
    if (sizes.exitCode !== 0) throw new RemoteError(`Could not read file sizes on ${host.description}: ${sizes.stderr.trim()}`);
    const hashes = sums.stdout.trim().split("\n").map((line) => line.slice(0, 64));
    const byteCounts = sizes.stdout.trim().split("\n").map((line) => Number.parseInt(line.trim(), 10));
    batch.forEach((file, j) => digests.set(file, { sha256: hashes[j], size: byteCounts[j] }));
  }
  return digests;
}
