/**
 * The one backoff rule of every retry loop (Linode API calls, destroying a stack, waiting for sshd):
 * the wait before retry `attempt` (1-based) is `firstMs`, then `factor` times longer each time, at most `maxMs`.
 */
export function backoffMs(attempt: number, rule: { firstMs: number; factor?: number; maxMs?: number }): number {
  return Math.min(rule.firstMs * (rule.factor ?? 2) ** (attempt - 1), rule.maxMs ?? Number.POSITIVE_INFINITY);
}
