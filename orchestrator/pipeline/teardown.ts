import { printable } from "../hosts/remote-text.ts";
import { commandLine } from "../hosts/shell-quote.ts";
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
export async function teardown(ctx: Pick<PipelineContext, "hostHint">, made: Made): Promise<string[]> {
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
  await host?.close().catch(() => undefined);
  return leftovers;
}

/**
 * SIGTERM lets the renderer stop ffmpeg and its workers; after a grace period
 * SIGKILL goes to the render's whole process group (its detached session),
 * so nothing it started survives. Both pids are the server's word: parsed.
 */
async function stopRender(host: Host, pidFile: string): Promise<void> {
  const runDir = pidFile.slice(0, pidFile.lastIndexOf("/"));
  const readPid = async (file: string) => {
    const read = await host.exec(["cat", "--", file]);
    return read.exitCode === 0 ? parsePid(read.stdout) : undefined;
  };
  // the exit status is written after the render ended: nothing to stop, and its pids may be others' by now
  if ((await host.exec(["test", "-e", `${runDir}/${RUN_FILES.exit}`])).exitCode === 0) return;
  const pid = await readPid(pidFile);
  const session = await readPid(`${runDir}/${RUN_FILES.session}`);
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

/**
 * The advice's command, safe to paste: quoted once for the remote shell
 * (ssh sends one string) and that string quoted again for the local one.
 */
export function cleanupCommand(hostHint: readonly string[], runDir: string): string {
  return adviceCommand(hostHint, commandLine(["rm", "-rf", "--", runDir]));
}
