/**
 * Typed errors shared by the renderer and the orchestrator. The renderer knows
 * only its own kinds; the orchestrator adds its kinds and maps all of them to
 * exit codes in orchestrator/errors.ts. Messages say what to do next.
 */
export type RendererErrorKind = "bad-input" | "render" | "interrupted";

export const RENDERER_EXIT_CODES: Record<RendererErrorKind, number> = {
  "bad-input": 2,
  render: 1,
  interrupted: 130,
};

export class RenderRemoteError<Kind extends string = string> extends Error {
  readonly kind: Kind;
  constructor(kind: Kind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

/** The user gave something we cannot use: a spec field, a flag, a file. Exit 2. */
export class BadInputError extends RenderRemoteError<"bad-input"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("bad-input", message, options);
  }
}

/** The render itself failed (kernel, worker, ffmpeg, output files). Exit 1. */
export class RenderError extends RenderRemoteError<"render"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("render", message, options);
  }
}

/** Ctrl-C or SIGTERM. Exit 130. */
export class InterruptedError extends RenderRemoteError<"interrupted"> {
  constructor(message = "Interrupted.", options?: { cause?: unknown }) {
    super("interrupted", message, options);
  }
}

/** The exit code `codes` gives the error's kind; 1 for any other error. */
export function exitCodeIn(codes: Readonly<Record<string, number>>, error: unknown): number {
  return error instanceof RenderRemoteError && Object.hasOwn(codes, error.kind) ? (codes[error.kind] ?? 1) : 1;
}

/** julia-render's exit code for an error (render-remote's: orchestrator/errors.ts). */
export function exitCodeFor(error: unknown): number {
  return exitCodeIn(RENDERER_EXIT_CODES, error);
}
