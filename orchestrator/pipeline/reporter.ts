import ora, { type Ora } from "ora";
import { printable } from "../hosts/remote-text.ts";
import { InterruptedError } from "../errors.ts";

/**
 * What the user sees while a run goes: an ora spinner per stage in a terminal,
 * plain lines in pipes and CI, JSON events (one per line, on stderr) with
 * --json so that stdout carries only the final result object.
 */
export interface StageReporter {
  stage<T>(name: string, run: () => Promise<T>): Promise<{ value: T; seconds: number }>;
  progress(done: number, total: number, fps: number, etaSeconds: number): void;
  info(message: string): void;
  warn(message: string): void;
}

export type ReporterMode = "auto" | "json";

export function createReporter(mode: ReporterMode, stream: NodeJS.WriteStream = process.stderr): StageReporter {
  return mode === "json" ? jsonReporter(stream) : humanReporter(stream);
}

function humanReporter(stream: NodeJS.WriteStream): StageReporter {
  let spinner: Ora | undefined;
  let label = "";
  let lastDecile = -1;
  const interactive = stream.isTTY === true && process.env.CI === undefined;
  return {
    async stage(name, run) {
      label = name;
      lastDecile = -1;
      spinner = ora({ text: name, stream, isEnabled: interactive }).start();
      const started = performance.now();
      try {
        const value = await run();
        const seconds = (performance.now() - started) / 1000;
        spinner.succeed(`${name} (${seconds.toFixed(1)} s)`);
        return { value, seconds };
      } catch (error) {
        const after = ((performance.now() - started) / 1000).toFixed(1);
        if (error instanceof InterruptedError) spinner.warn(`${name} interrupted after ${after} s`);
        else spinner.fail(`${name} failed after ${after} s`);
        throw error;
      } finally {
        spinner = undefined;
      }
    },
    progress(done, total, fps, eta) {
      const text = `${label}: ${done}/${total} frames, ${fps.toFixed(1)} frames/s, ETA ${Math.ceil(eta)} s`;
      if (interactive && spinner) spinner.text = text;
      else {
        const decile = Math.floor((done / total) * 10);
        if (decile !== lastDecile) stream.write(`  ${text}\n`);
        lastDecile = decile;
      }
    },
    info(message) {
      if (spinner && interactive) spinner.clear();
      stream.write(`${printable(message)}\n`); // messages may quote the server
      if (spinner && interactive) spinner.render();
    },
    warn(message) {
      if (spinner && interactive) spinner.clear();
      stream.write(`warning: ${printable(message)}\n`);
      if (spinner && interactive) spinner.render();
    },
  };
}

function jsonReporter(stream: NodeJS.WriteStream): StageReporter {
  const emit = (event: Record<string, unknown>) => stream.write(`${JSON.stringify(event)}\n`);
  return {
    async stage(name, run) {
      emit({ event: "stage", stage: name, status: "start" });
      const started = performance.now();
      try {
        const value = await run();
        const seconds = (performance.now() - started) / 1000;
        emit({ event: "stage", stage: name, status: "done", seconds });
        return { value, seconds };
      } catch (error) {
        emit({
          event: "stage",
          stage: name,
          status: error instanceof InterruptedError ? "interrupted" : "failed",
          seconds: (performance.now() - started) / 1000,
          message: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    },
    progress: (done, total, fps, etaSeconds) => emit({ event: "frame", done, total, fps, etaSeconds }),
    info: (message) => emit({ event: "info", message }),
    warn: (message) => emit({ event: "warning", message }),
  };
}
