/**
 * Ctrl-C, SIGTERM and SIGHUP (the terminal closed) abort the current stage; teardown still runs. A second
 * Ctrl-C during teardown does not skip it silently: it says what may be left
 * and what cleans it up. A third one quits at once.
 */
export interface Interrupts {
  signal: AbortSignal;
  /** What to tell the user if they insist on quitting during cleanup. */
  setLeftoverAdvice(advice: string): void;
  dispose(): void;
}

export function trapInterrupts(stderr: NodeJS.WritableStream = process.stderr): Interrupts {
  const controller = new AbortController();
  let count = 0;
  let advice = "nothing that outlives this process";
  const onSignal = (signal: NodeJS.Signals | undefined) => {
    // ora's stdin handler emits SIGINT without a name: a keypress either way
    const name = signal === undefined || signal === "SIGINT" ? "Ctrl-C" : signal;
    // the terminal is gone: a write to it fails (EIO), and that must not kill the teardown
    if (name === "SIGHUP")
      for (const stream of [stderr, process.stdout, process.stderr] as NodeJS.EventEmitter[]) stream.on("error", () => undefined);
    count++;
    if (count === 1) {
      stderr.write(`\n${name}: stopping; cleaning up first (Ctrl-C again to see what a forced quit would leave).\n`);
      controller.abort(new Error(name));
    } else if (count === 2) {
      stderr.write(`\nStill cleaning up. Quitting now may leave: ${advice}.\nPress Ctrl-C once more to quit anyway.\n`);
    } else {
      stderr.write(`\nQuit during cleanup. Check for leftovers: ${advice}.\n`);
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  return {
    signal: controller.signal,
    setLeftoverAdvice: (text) => (advice = text),
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("SIGHUP", onSignal);
    },
  };
}
