/**
 * What the connect stage shows while sshd does not answer: which attempt failed, why (in words),
 * and how long it will keep trying, so a wrong port is not a silent wait.
 */
const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused: nothing listens on that port",
  ETIMEDOUT: "no answer (timed out)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "connection reset",
  EAI_AGAIN: "the host name did not resolve (yet)",
};

export function waitingForSshd(
  where: string,
  attempt: number,
  error: Error & { code?: string },
  leftMs: number,
  timeoutSeconds: number,
): string {
  const reason = (error.code && REASONS[error.code]) ?? error.message;
  const left = Math.max(0, Math.ceil(leftMs / 1000));
  return `  waiting for sshd on ${where}: attempt ${attempt} failed (${reason}); trying again for ${left} s more (--connect-timeout ${timeoutSeconds})`;
}

/** --target reaches a server that should be up already; a fresh cloud server needs minutes to boot. */
export const TARGET_CONNECT_TIMEOUT_SECONDS = 30;
export const CLOUD_CONNECT_TIMEOUT_SECONDS = 300;
