/**
 * The orchestrator's typed errors. Exit codes are mapped in one place,
 * renderer/errors.ts#exitCodeFor, which index.ts calls.
 */
export { BadInputError, InterruptedError, RenderError, RenderRemoteError, exitCodeFor } from "../renderer/errors.ts";
import { RenderRemoteError } from "../renderer/errors.ts";

/** SSH, SFTP or a command on the host failed. Exit 1. */
export class RemoteError extends RenderRemoteError {
  readonly stderr: string | undefined;
  constructor(message: string, options?: { cause?: unknown; stderr?: string }) {
    super("remote", message, options);
    this.stderr = options?.stderr;
  }
}

/** Pulumi or the Linode API failed to create, read or destroy something. Exit 1. */
export class ProvisionError extends RenderRemoteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("provision", message, options);
  }
}

/** The audit could not be carried out (bad token, API unreachable). Exit 2. */
export class AuditError extends RenderRemoteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("audit", message, options);
  }
}
