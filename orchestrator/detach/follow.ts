import { parseProgressLine, type ProgressEvent } from "../../renderer/progress.ts";
import { InterruptedError, RemoteError } from "../errors.ts";
import { printable } from "../hosts/remote-text.ts";
import type { HostLink } from "./host-link.ts";
import { parseExitStatus, RUN_FILES } from "./run-files.ts";

export type DoneEvent = Extract<ProgressEvent, { event: "done" }>;

/** How far the client has read the progress file; kept across reconnects (and across clients: attach starts at 0). */
export interface FollowState {
  /** Bytes of progress.jsonl already read, up to the end of the last whole line. */
  offset: number;
  done?: DoneEvent;
  /** The renderer's own "error" event, shown as the failure's reason. */
  reported?: string;
}

export interface FollowResult {
  /** The renderer's exit status; undefined when the wrapper was killed with it (no status was written). */
  exitStatus: number | undefined;
  /** The tail of the renderer's stderr, printable, for the failure message. */
  stderrTail: string;
}

/** Drops in a row, each one reconnected, before the follower stops trying: a link that cannot stay up is not worth another ten minutes. */
const MAX_FAILED_READS = 5;

/**
 * Follows a detached render: `tail -f --pid` streams progress.jsonl from the
 * byte after the last whole line read and ends once the renderer has ended;
 * then the exit status file says how. Each line is parsed as the untrusted
 * input it is; a line is only counted (and shown) once the next one, or the
 * normal end of tail, proves it was whole, so a drop mid-line re-reads it.
 * A dropped link is handed to `link.reconnect`, and reading resumes where it was.
 */
export async function followRender(
  link: HostLink,
  runDir: string,
  pid: number,
  state: FollowState,
  signal: AbortSignal,
  onEvent: (event: ProgressEvent) => void,
): Promise<FollowResult> {
  const accept = (line: string) => {
    state.offset += Buffer.byteLength(line, "utf8") + 1;
    const parsed = parseProgressLine(line);
    if (parsed.kind === "other") return; // not ours, or corrupt: never trusted
    const { event } = parsed;
    if (event.event === "done") state.done = event;
    else if (event.event === "error") state.reported = printable(event.message).slice(0, 2000);
    onEvent(event);
  };
  let failedReads = 0;
  for (;;) {
    let pending: string | undefined;
    // once the exit status is on disk the render is over: read to the end without -f, so a pid reused
    // by another process since (an attach hours later) cannot keep tail waiting
    const reading = async () => {
      const over = (await link.current.exec(["test", "-e", `${runDir}/${RUN_FILES.exit}`], { signal })).exitCode === 0;
      const follow = over ? [] : ["-s", "0.5", `--pid=${pid}`, "-f"];
      return link.current.exec(["tail", ...follow, "-c", `+${state.offset + 1}`, "--", `${runDir}/${RUN_FILES.progress}`], {
        signal,
        onStdoutLine: (line) => {
          if (pending !== undefined) accept(pending);
          pending = line;
          failedReads = 0;
        },
      });
    };
    const result = await reading().catch((error: unknown) => {
      if (error instanceof RemoteError && !signal.aborted)
        return { exitCode: null, connectionLost: true, stderr: printable(error.message) };
      throw error;
    });
    if (signal.aborted) throw new InterruptedError("Interrupted during render.");
    if (result.exitCode === 0) {
      if (pending !== undefined) accept(pending); // tail ended by itself: the renderer is gone and the file was read to its end
      return await finalStatus(link, runDir, signal);
    }
    if (result.exitCode === null && result.connectionLost !== false) {
      if (++failedReads > MAX_FAILED_READS)
        throw new RemoteError(
          `The link to ${link.current.description} kept dropping while following the render (${MAX_FAILED_READS} times in a row).`,
        );
      await link.reconnect(result.stderr.trim().split("\n").at(-1) || "the connection closed", signal);
      continue;
    }
    throw new RemoteError(
      `Could not follow the render's progress on ${link.current.description}: tail ended with ${result.exitCode === null ? "a signal" : `exit ${result.exitCode}`}: ${printable(result.stderr.trim()).slice(-500)}`,
    );
  }
}

/** The wrapper writes the exit status a moment after the renderer ends: wait up to 5 s for it. */
async function finalStatus(link: HostLink, runDir: string, signal: AbortSignal): Promise<FollowResult> {
  let read = await link.current.exec(["cat", "--", `${runDir}/${RUN_FILES.exit}`], { signal });
  for (let tries = 0; read.exitCode !== 0 && tries < 20 && !signal.aborted; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    read = await link.current.exec(["cat", "--", `${runDir}/${RUN_FILES.exit}`], { signal });
  }
  const stderr = await link.current.exec(["tail", "-c", "4000", "--", `${runDir}/${RUN_FILES.stderr}`], { signal });
  return { exitStatus: read.exitCode === 0 ? parseExitStatus(read.stdout) : undefined, stderrTail: printable(stderr.stdout) };
}
