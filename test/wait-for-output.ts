import type { ChildProcess } from "node:child_process";

/**
 * Resolves once `text` has appeared on the child's `stream` (chunks joined, so a line split across
 * two reads still counts). Rejects, with everything the child printed, if it exits first: a test
 * must not wait for ever for output from a process that is gone.
 */
export function waitForOutput(child: ChildProcess, stream: "stdout" | "stderr", text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const seen = { stdout: "", stderr: "" };
    const onData = (which: "stdout" | "stderr") => (chunk: Buffer) => {
      seen[which] = (seen[which] + chunk.toString()).slice(-64_000);
      if (which === stream && seen[which].includes(text)) finish();
    };
    const onStdout = onData("stdout");
    const onStderr = onData("stderr");
    const onExit = (code: number | null, signal: string | null) => {
      finish(
        new Error(
          `The child exited (code ${code}, signal ${signal}) before printing ${JSON.stringify(text)} on ${stream}.\n` +
            `Its stdout:\n${seen.stdout}\nIts stderr:\n${seen.stderr}`,
        ),
      );
    };
    const finish = (error?: Error) => {
      child.stdout?.off("data", onStdout);
      child.stderr?.off("data", onStderr);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve();
    };
    child.stdout?.on("data", onStdout);
    child.stderr?.on("data", onStderr);
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    else child.once("exit", onExit);
  });
}
