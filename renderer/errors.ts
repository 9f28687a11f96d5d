/**
 * Typed errors shared by the renderer and the orchestrator. Each kind maps to
 * one exit code, in one place (exitCodeFor); messages say what to do next.
 */
export type ErrorKind = "bad-input" | "render" | "remote" | "provision" | "audit" | "interrupted";

const EXIT_CODES: Record<ErrorKind, number> = {
  "bad-input": 2,
  render: 1,
  remote: 1,
  provision: 1,
  // `audit` exits 1 when something is billing; 2 means the audit itself could not be done.
  audit: 2,
  interrupted: 130,
};

export class RenderRemoteError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

/** The user gave something we cannot use: a spec field, a flag, a file. Exit 2. */
export class BadInputError extends RenderRemoteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("bad-input", message, options);
  }
}

/** The render itself failed (kernel, worker, ffmpeg, output files). Exit 1. */
export class RenderError extends RenderRemoteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("render", message, options);
  }
}

/** Ctrl-C or SIGTERM. Exit 130. */
export class InterruptedError extends RenderRemoteError {
  constructor(message = "Interrupted.", options?: { cause?: unknown }) {
    super("interrupted", message, options);
  }
}

export function exitCodeFor(error: unknown): number {
  return error instanceof RenderRemoteError ? EXIT_CODES[error.kind] : 1;
}
