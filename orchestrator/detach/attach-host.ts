import { readFile } from "node:fs/promises";
import path from "node:path";
import { BadInputError } from "../errors.ts";
import type { Host } from "../hosts/host.ts";
import { connectSsh } from "../hosts/ssh-host.ts";
import { formatSshTarget } from "../hosts/ssh-target.ts";
import { runKeysDir } from "../state/paths.ts";
import type { RunJournal } from "../state/journal.ts";

/**
 * How `attach` reaches a run's host again, from its journal alone: the same
 * user, port and key, and the same host-key check (a cloud run's pinned key,
 * a --target run's known_hosts, never trust on first use).
 */
export function attachOpener(
  journal: RunJournal,
  options: { connectTimeoutSeconds: number; agent?: string; say: (line: string) => void },
): { open: (signal: AbortSignal) => Promise<Host>; where: string; hostHint: string[] } {
  const access = journal.access;
  if (!access)
    throw new BadInputError(
      `Run ${journal.runId} never reached its host (its journal has no address), so there is nothing to attach to. \`render-remote audit\` checks the account.`,
    );
  const target = { host: access.host, port: access.port, user: access.user };
  const where = formatSshTarget(target);
  const cloud = (journal.mode ?? "cloud") === "cloud";
  const open = async (signal: AbortSignal): Promise<Host> => {
    const hostKeys = cloud
      ? {
          kind: "pinned" as const,
          publicKey: (await readFile(path.join(runKeysDir(journal.runId), "ssh_host_ed25519_key.pub"), "utf8")).trim(),
        }
      : { kind: "known_hosts" as const, file: access.knownHostsPath, acceptNew: false };
    return connectSsh(target, {
      identityFile: access.keyPath,
      agent: access.keyPath === undefined ? options.agent : undefined,
      hostKeys,
      timeoutMs: options.connectTimeoutSeconds * 1000,
      signal,
      onRetry: ({ attempt }) => attempt === 1 && options.say(`  waiting for sshd on ${where}…`),
    });
  };
  const hostHint = ["ssh", ...(access.keyPath ? ["-i", access.keyPath] : []), "-p", String(access.port), `${access.user}@${access.host}`];
  return { open, where, hostHint };
}
