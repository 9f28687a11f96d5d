import { printable } from "../hosts/remote-text.ts";
import { commandLine } from "../hosts/shell-quote.ts";
import { RemoteError } from "../errors.ts";
import { parsePid, RUN_FILES } from "../detach/run-files.ts";
import type { Host } from "../hosts/host.ts";
import type { Made, PipelineContext } from "./context.ts";
import { adviceCommand } from "./leftover-advice.ts";

const GRACE_MS = 5000;

/**
 * teardown, always, on what the run made so far: stop the render if it still
 * runs, remove the run directory, close the connection. Each step runs even if
 * an earlier one failed; what could not be cleaned is returned, with the
 * command that does it. (On provisioned hosts the stack is destroyed after
 * this, in cloud/provision.ts.)
 */
export async function teardown(ctx: Pick<PipelineContext, "hostHint" | "beforeClose">, made: Made): Promise<string[]> {
  const { host, runDir: dir } = made;
  const leftovers: string[] = [];
  if (host && dir) {
    const runDir = dir.path;
    try {
      await stopRender(host, dir.pidFile);
    } catch (error) {
      leftovers.push(
        `a render process may still run on ${host.description} (pid in ${runDir}/render.pid): ${printable((error as Error).message)}`,
      );
    }
    try {
      const removed = await host.exec(["rm", "-rf", "--", runDir]);
      if (removed.exitCode !== 0) throw new Error(removed.stderr.trim());
    } catch (error) {
      leftovers.push(
        `the run directory ${runDir} on ${host.description} (${printable((error as Error).message)}); remove it with: ${cleanupCommand(ctx.hostHint, runDir)}`,
      );
    }
  }
  if (host && ctx.beforeClose) {
    try {
      await ctx.beforeClose(host);
    } catch (error) {
      leftovers.push(printable((error as Error).message));
    }
  }
  await host?.close().catch(() => undefined);
  return leftovers;
}

/**
 * The pids of the login user's processes whose working directory is $1: the
 * render's, since launch.ts starts it in the run directory and its workers and
 * ffmpeg inherit that. A pid file can be stale (a render killed before it wrote
 * its exit status) and its number another process's by now; a process working
 * in our run directory is ours. Exit 3: no /proc (not Linux).
 */
const PIDS_IN_DIR = [
  "[ -d /proc/self ] || exit 3",
  'dir=$(cd -- "$1" 2>/dev/null && pwd -P) || exit 0',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
  'for p in /proc/[0-9]*; do [ "$(readlink "$p/cwd" 2>/dev/null)" = "$dir" ] && echo "${p#/proc/}"; done',
  "exit 0",
].join("\n");

/**
 * SIGTERM lets the renderer stop ffmpeg and its workers; after a grace period
 * SIGKILL goes to every process still working in the run directory, so nothing
 * the render started survives, and nothing else is touched. Every pid is the
 * server's word: parsed.
 */
async function stopRender(host: Host, pidFile: string): Promise<void> {
  const runDir = pidFile.slice(0, pidFile.lastIndexOf("/"));
  // the exit status is written after the render ended: nothing to stop, and its pids may be others' by now
  if ((await host.exec(["test", "-e", `${runDir}/${RUN_FILES.exit}`])).exitCode === 0) return;
  const pid = await readPid(host, pidFile);
  const inRunDir = async (): Promise<number[] | undefined> => {
    const read = await host.exec(["sh", "-c", PIDS_IN_DIR, "pids-in", runDir]);
    if (read.exitCode === 3) return undefined;
    if (read.exitCode !== 0) throw new RemoteError(`could not list the render's processes (exit ${read.exitCode}): ${read.stderr.trim()}`);
    return read.stdout
      .split("\n")
      .slice(0, 10_000)
      .map((line) => parsePid(line))
      .filter((found): found is number => found !== undefined);
  };
  const ours = await inRunDir();
  if (ours === undefined) return stopByPidFiles(host, runDir, pid);
  if (ours.length === 0) return; // the render is not running
  if (pid !== undefined && ours.includes(pid)) {
    await host.exec(["kill", "-TERM", String(pid)]);
    const deadline = Date.now() + GRACE_MS;
    while (Date.now() < deadline && (await inRunDir())?.includes(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const left = await inRunDir();
  if (left && left.length > 0) await host.exec(["kill", "-KILL", ...left.map(String)]);
}

/** Without /proc: the renderer's pid and its session's process group, as the pid files say. */
async function stopByPidFiles(host: Host, runDir: string, pid: number | undefined): Promise<void> {
  const session = await readPid(host, `${runDir}/${RUN_FILES.session}`);
  if (pid === undefined && session === undefined) return; // the render never started
  // `env kill`: procps's kill, whatever the login shell (dash's builtin takes no "--" and no negative pid)
  const alive = async (target: string) => (await host.exec(["env", "kill", "-0", "--", target])).exitCode === 0;
  const group = session === undefined ? undefined : `-${session}`;
  if (pid !== undefined && (await alive(String(pid)))) {
    await host.exec(["kill", "-TERM", String(pid)]);
    const deadline = Date.now() + GRACE_MS;
    while (Date.now() < deadline && (await alive(String(pid)))) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (group !== undefined && (await alive(group))) await host.exec(["env", "kill", "-KILL", "--", group]);
  else if (pid !== undefined && (await alive(String(pid)))) await host.exec(["kill", "-KILL", String(pid)]);
}

/** The pid a file on the host holds, or undefined (missing, or not a pid). */
async function readPid(host: Host, file: string): Promise<number | undefined> {
  const read = await host.exec(["cat", "--", file]);
  return read.exitCode === 0 ? parsePid(read.stdout) : undefined;
}

/**
 * The advice's command, safe to paste: quoted once for the remote shell
 * (ssh sends one string) and that string quoted again for the local one.
 */
export function cleanupCommand(hostHint: readonly string[], runDir: string): string {
  return adviceCommand(hostHint, commandLine(["rm", "-rf", "--", runDir]));
}
