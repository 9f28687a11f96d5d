import { commandLine, quoteArg } from "../hosts/shell-quote.ts";

/**
 * What a forced quit (third Ctrl-C) would leave on a host, and the exact command that removes
 * it: the run directory by its real name, never a glob, and the render that may still run in it.
 * `sshPrefix` is how the user reaches the host ("ssh -p 22 me@host"), empty for this machine.
 */
export function runDirAdvice(runDir: string | undefined, where: string, sshPrefix: string): string {
  if (!runDir) return `nothing on ${where}: no run directory has been made yet`;
  const cleanup = `${commandLine(["pkill", "-F", `${runDir}/render.pid`])}; ${commandLine(["rm", "-rf", "--", runDir])}`;
  const command = sshPrefix ? `${sshPrefix} ${quoteArg(cleanup)}` : cleanup;
  return `the run directory ${runDir} on ${where} and the render in it, if it still runs; remove them with: ${command}`;
}
