import { readdirSync, readFileSync, statSync } from "node:fs";

/**
 * sshd puts every connection (and every session command) in a new session with
 * setsid(), so killing a process group misses them. We walk /proc instead.
 */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  uid: number;
  /** From /proc/PID/stat: R running, S sleeping, T stopped, Z dead but not yet reaped… */
  state: string;
  /** argv joined with spaces. */
  command: string;
}

/** Every process, zombies included (they still have children to find). */
export function listProcesses(): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name may contain spaces and parentheses; fields resume after the last ")".
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const command = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
      processes.push({ pid: Number(name), ppid: Number(ppid), uid: statSync(`/proc/${name}`).uid, state, command });
    } catch {
      // The process ended while we looked; it is not ours to report.
    }
  }
  return processes;
}

/** The SSH_CONNECTION variable a process inherited from its sshd session, if any ("cip cport sip sport"). */
export function sshConnectionOf(pid: number): string | undefined {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    return environ.find((entry) => entry.startsWith("SSH_CONNECTION="))?.slice("SSH_CONNECTION=".length);
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/** `pid` and everything below it, parents before children. */
export function processTree(pid: number, processes = listProcesses()): ProcessInfo[] {
  const tree = processes.filter((process) => process.pid === pid);
  for (let index = 0; index < tree.length; index++) {
    tree.push(...processes.filter((process) => process.ppid === tree[index].pid));
  }
  return tree;
}

/**
 * SIGSTOPs a whole tree and returns the pids. The tree is read again after each
 * round of stops, so a child forked in between is not missed.
 */
export function stopTree(pid: number): number[] {
  const stopped = new Set<number>();
  for (;;) {
    const fresh = processTree(pid).filter((info) => !stopped.has(info.pid));
    if (fresh.length === 0) return [...stopped];
    for (const info of fresh) {
      signal(info.pid, "SIGSTOP");
      stopped.add(info.pid);
    }
  }
}

/** SIGKILLs a whole tree, stopping it first so nothing escapes by forking; returns the pids. */
export function killTree(pid: number): number[] {
  const pids = stopTree(pid);
  for (const stopped of pids) signal(stopped, "SIGKILL");
  return pids;
}

/** Resolves once none of `pids` is alive (a zombie counts as dead), or after timeoutMs. */
export async function waitUntilGone(pids: number[], timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const alive = () => listProcesses().some((info) => pids.includes(info.pid) && info.state !== "Z");
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
