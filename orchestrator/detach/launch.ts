import { RemoteError } from "../errors.ts";
import type { Host } from "../hosts/host.ts";
import { printable } from "../hosts/remote-text.ts";
import { parsePid, RUN_FILES } from "./run-files.ts";

/**
 * Starts the renderer detached from the SSH session: `setsid -f` gives it a
 * session of its own, its output goes to files in the run directory, and
 * nothing ties it to the channel, so a dropped link, a killed sshd or a
 * vanished client leaves it running. Both scripts are constants; the
 * renderer's argument vector travels as "$@", quoted element by element by
 * the host layer (hosts/shell-quote.ts).
 *
 * The inner script (the session leader) records its own pid (the group to
 * kill at the end), runs the renderer in the background so it can record the
 * renderer's pid, waits for it and writes its exit status. Each file appears
 * whole (written to a temporary name, then renamed).
 */
const INNER = [
  `echo $$ > ${RUN_FILES.session}.tmp && mv ${RUN_FILES.session}.tmp ${RUN_FILES.session} || exit 1`,
  `"$@" > ${RUN_FILES.progress} 2> ${RUN_FILES.stderr} < /dev/null &`,
  `echo $! > ${RUN_FILES.pid}.tmp && mv ${RUN_FILES.pid}.tmp ${RUN_FILES.pid}`,
  "wait $!",
  `echo $? > ${RUN_FILES.exit}.tmp && mv ${RUN_FILES.exit}.tmp ${RUN_FILES.exit}`,
].join("\n");

/** The launcher: start the session, then wait (10 s at most) until the renderer's pid is on disk, and print it. */
const OUTER = [
  "inner=$1; shift",
  'setsid -f sh -c "$inner" julia-render "$@" < /dev/null > /dev/null 2>&1 || exit 126',
  "i=0",
  `while [ ! -s ${RUN_FILES.pid} ]; do i=$((i+1)); [ $i -gt 100 ] && exit 125; sleep 0.1; done`,
  `cat ${RUN_FILES.pid}`,
].join("\n");

/** Launches `argv` detached in `runDir` and returns the renderer's pid. */
export async function launchDetached(host: Host, runDir: string, argv: readonly string[], signal?: AbortSignal): Promise<number> {
  const result = await host.exec(["sh", "-c", OUTER, "launch", INNER, ...argv], { cwd: runDir, signal });
  if (signal?.aborted) return 0;
  const pid = result.exitCode === 0 ? parsePid(result.stdout) : undefined;
  if (pid !== undefined) return pid;
  const why =
    result.exitCode === 126
      ? "setsid failed (the host needs util-linux's setsid with --fork)"
      : result.exitCode === 125
        ? "the renderer did not start within 10 s"
        : result.exitCode === 0
          ? `it reported an unusable pid ${JSON.stringify(printable(result.stdout).slice(0, 40))}`
          : `exit ${result.exitCode ?? "without status"}`;
  throw new RemoteError(
    `Could not start the renderer on ${host.description}: ${why}.${result.stderr.trim() ? `\n${printable(result.stderr.trim()).slice(-2000)}` : ""}`,
    { stderr: result.stderr },
  );
}
