/**
 * The orchestrator's typed errors, and the one map from every error kind
 * (the renderer's and these) to render-remote's exit code, which index.ts uses.
 */
import { RENDERER_EXIT_CODES, RenderRemoteError, exitCodeIn, type RendererErrorKind } from "../renderer/errors.ts";

export { BadInputError, InterruptedError, RenderError, RenderRemoteError } from "../renderer/errors.ts";

export type ErrorKind = RendererErrorKind | "remote" | "provision" | "audit";

const EXIT_CODES: Record<ErrorKind, number> = {
  ...RENDERER_EXIT_CODES,
  remote: 1,
  provision: 1,
  // `audit` exits 1 when something is billing; 2 means the audit itself could not be done.
  audit: 2,
};

export function exitCodeFor(error: unknown): number {
  return exitCodeIn(EXIT_CODES, error);
}

/** SSH, SFTP or a command on the host failed. Exit 1. */
export class RemoteError extends RenderRemoteError<"remote"> {
  readonly stderr: string | undefined;
  constructor(message: string, options?: { cause?: unknown; stderr?: string }) {
    super("remote", message, options);
    this.stderr = options?.stderr;
  }
}

/** Pulumi or the Linode API failed to create, read or destroy something. Exit 1. */
export class ProvisionError extends RenderRemoteError<"provision"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("provision", message, options);
  }
}

/** The audit could not be carried out (bad token, API unreachable). Exit 2. */
export class AuditError extends RenderRemoteError<"audit"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("audit", message, options);
  }
}
