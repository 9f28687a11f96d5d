import { RUN_FILES } from "../detach/run-files.ts";
import { commandLine, quoteArg } from "../hosts/shell-quote.ts";

/**
 * A command for the user to paste that runs `remote` (one shell command line) on the host:
 * `hostHint` is how they reach it (["ssh", "-p", "22", "me@host"]), empty for this machine.
 * The remote line is quoted once more for the local shell, since ssh sends it as one string.
 */
export function adviceCommand(hostHint: readonly string[], remote: string): string {
  return hostHint.length === 0 ? remote : [...hostHint, remote].map(quoteArg).join(" ");
}

/**
 * What a forced quit (third Ctrl-C) would leave on a host, and the exact command that removes
 * it: the run directory by its real name, never a glob, and the render that may still run in it.
 */
export function runDirAdvice(runDir: string | undefined, where: string, hostHint: readonly string[]): string {
  if (!runDir) return `nothing on ${where}: no run directory has been made yet`;
  // the render's whole session (renderer, workers, ffmpeg), killed outright: a SIGTERMed renderer may write one more frame after the rm
  const session = `"$(cat -- ${quoteArg(`${runDir}/${RUN_FILES.session}`)})"`;
  const cleanup = `pkill -KILL -s ${session}; ${commandLine(["rm", "-rf", "--", runDir])}`;
  return `the run directory ${runDir} on ${where} and the render in it, if it still runs; remove them with: ${adviceCommand(hostHint, cleanup)}`;
}
