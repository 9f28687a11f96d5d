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
export async function remoteDigests(
  host: Host,
  files: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, { sha256: string; size: number }>> {
  const digests = new Map<string, { sha256: string; size: number }>();
  for (let i = 0; i < files.length; i += 200) {
    const batch = files.slice(i, i + 200);
    let sums = await host.exec(["sha256sum", "--", ...batch], { signal });
    if (sums.exitCode !== 0) sums = await host.exec(["shasum", "-a", "256", "--", ...batch], { signal });
    if (sums.exitCode !== 0)
      throw new RemoteError(`Could not checksum files on ${host.description}: ${sums.stderr.trim() || "no sha256sum or shasum"}.`);
    const sizes = await host.exec(["wc", "-c", "--", ...batch], { signal });
    if (sizes.exitCode !== 0) throw new RemoteError(`Could not read file sizes on ${host.description}: ${sizes.stderr.trim()}`);
    const hashes = sums.stdout
      .split("\n")
      .slice(0, batch.length)
      .map((line) => /^([0-9a-f]{64}) /.exec(line)?.[1]);
    const byteCounts = sizes.stdout
      .split("\n")
      .slice(0, batch.length)
      .map((line) => /^\s*(\d{1,15})\s/.exec(line)?.[1]);
    batch.forEach((file, j) => {
      // the server's answers are input: a hash must be 64 hex digits and a size a plain number
      const [sha256, size] = [hashes[j], byteCounts[j]];
      if (sha256 === undefined || size === undefined)
        throw new RemoteError(
          `${host.description} gave an unreadable checksum or size for ${file}. Check the host's sha256sum and wc, then run again.`,
        );
      digests.set(file, { sha256, size: Number(size) });
    });
  }
  return digests;
}
