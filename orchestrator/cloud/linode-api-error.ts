/**
 * A failed Linode API call. It carries data (status, reasons) so each caller
 * maps it to its own typed error: audit → AuditError (exit 2), provisioning →
 * ProvisionError (exit 1). The message never contains the token.
 */
export type LinodeApiErrorKind = "no-token" | "auth" | "rate-limit" | "server" | "client" | "not-found" | "network" | "bad-response";

/** What each command needs of LINODE_TOKEN, said once: help texts, README and errors quote it. */
export const TOKEN_SCOPES =
  "renting (--plan) needs Linodes and Firewalls read/write; `audit` needs Linodes and Firewalls read-only (read/write for --destroy); " +
  "Account read-only only adds the balance line to `audit`; Account read/write lets a cloud run make its own short-lived token for the server-side deadline " +
  "(without it the run goes on, with the client-side guarantees only)";

export const TOKEN_HELP = `Create a personal access token at https://cloud.linode.com/profile/tokens (${TOKEN_SCOPES}), then run: export LINODE_TOKEN=<token>`;

/** The OAuth scope a call needs, from Linode's description of each operation. */
export function scopeFor(method: string, path: string): string | undefined {
  const access = method === "GET" ? "read_only" : "read_write";
  if (path.startsWith("/linode/instances")) return `linodes:${access}`;
  if (path.startsWith("/networking/firewalls")) return `firewall:${access}`;
  if (path.startsWith("/account")) return "account:read_only";
  if (path.startsWith("/profile/tokens")) return `account:${access}`;
  return undefined;
}

export class LinodeApiError extends Error {
  readonly kind: LinodeApiErrorKind;
  /** HTTP status; 0 when no response arrived (network error) or none was sent (no token). */
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** Linode's `errors[].reason`, with the field when it named one. */
  readonly reasons: string[];

  constructor(init: {
    kind: LinodeApiErrorKind;
    status: number;
    method: string;
    path: string;
    reasons?: string[];
    message?: string;
    cause?: unknown;
  }) {
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
      return status === 403 ? forbidden(method, path, why) : `LINODE_TOKEN was rejected (${status}${why}). ${TOKEN_HELP}`;
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

/** 403: the token is valid but lacks a scope, or its user (restricted) lacks the grant. */
function forbidden(method: string, path: string, why: string): string {
  const scope = scopeFor(method, path);
  const needs = scope
    ? `it needs the ${scope} scope, and a restricted user also needs the grant for it`
    : "its scopes or its user's grants do not allow it";
  return `LINODE_TOKEN may not ${method} ${path} (403${why}): ${needs}. ${TOKEN_HELP}`;
}
