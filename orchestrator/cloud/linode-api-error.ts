/**
 * A failed Linode API call. It carries data (status, reasons) so each caller
 * maps it to its own typed error: audit → AuditError (exit 2), provisioning →
 * ProvisionError (exit 1). The message never contains the token.
 */
export type LinodeApiErrorKind = "no-token" | "auth" | "rate-limit" | "server" | "client" | "not-found" | "network" | "bad-response";

export const TOKEN_HELP =
  "Create a personal access token with read/write access to Linodes and Firewalls at https://cloud.linode.com/profile/tokens, then run: export LINODE_TOKEN=<token>";

export class LinodeApiError extends Error {
  readonly kind: LinodeApiErrorKind;
  /** HTTP status; 0 when no response arrived (network error) or none was sent (no token). */
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** Linode's `errors[].reason`, with the field when it named one. */
  readonly reasons: string[];

  constructor(init: { kind: LinodeApiErrorKind; status: number; method: string; path: string; reasons?: string[]; message?: string; cause?: unknown }) {
    super(init.message ?? describe(init.kind, init.status, init.method, init.path, init.reasons ?? []), { cause: init.cause });
    this.name = "LinodeApiError";
    this.kind = init.kind;
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.reasons = init.reasons ?? [];
  }
}

export function kindForStatus(status: number): LinodeApiErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 404) return "not-found";
  if (status === 429) return "rate-limit";
  return status >= 500 ? "server" : "client";
}

function describe(kind: LinodeApiErrorKind, status: number, method: string, path: string, reasons: string[]): string {
  const why = reasons.length > 0 ? `: ${reasons.join("; ")}` : "";
  switch (kind) {
    case "no-token":
      return `LINODE_TOKEN is not set. ${TOKEN_HELP}`;
    case "auth":
      return `LINODE_TOKEN was rejected (${status}${why}). ${TOKEN_HELP}`;
    case "rate-limit":
    case "server":
      return `Linode API ${method} ${path} kept failing (${status}${why}) after retries. Check status.linode.com, then try again.`;
    case "network":
      return `Could not reach the Linode API (${method} ${path}). Check your network and LINODE_URL, then try again.`;
    case "bad-response":
      return `Linode API ${method} ${path} answered with a body render-remote does not understand${why}. Is LINODE_URL pointing at the Linode API v4?`;
    default:
      return `Linode API ${method} ${path} failed (${status}${why}).`;
  }
}
