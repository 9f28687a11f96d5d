import path from "node:path";
import { listProcesses, processTree } from "../../hosts/testing/process-tree.ts";
import type { TestSshd } from "../../hosts/testing/sshd.ts";

/** The per-connection sshd processes (not the listener) of a test server: what serves a client's session. */
export function sessionSshds(sshd: TestSshd): number[] {
  const config = path.join(path.dirname(sshd.knownHostsFile), "sshd_config");
  const processes = listProcesses();
  // sshd rewrites its title ("sshd: /usr/sbin/sshd -D -e -f … [listener]"), but keeps the arguments in it
  const listener = processes.find((info) => info.command.includes(`-f ${config}`) && info.command.includes("sshd"));
  if (!listener) throw new Error(`No listening sshd with ${config}.`);
  return processTree(listener.pid, processes)
    .filter((info) => info.pid !== listener.pid && info.command.startsWith("sshd"))
    .map((info) => info.pid);
}

/** Waits until `condition` holds (a bound on a hang, never a timing check). */
export async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
