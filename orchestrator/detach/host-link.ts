import { setTimeout as sleep } from "node:timers/promises";
import { BadInputError, RemoteError } from "../errors.ts";
import type { Host } from "../hosts/host.ts";
import type { PipelineContext } from "../pipeline/context.ts";
import { HostKeyError } from "../hosts/known-hosts.ts";
import { printable } from "../hosts/remote-text.ts";

/** --reconnect-for's default: ten minutes of a dropped link before the client gives up (the render goes on). */
export const DEFAULT_RECONNECT_SECONDS = 600;

/** The link could not be restored within --reconnect-for. The render may still be running; `attach` picks it up. */
export class LinkLostError extends RemoteError {}

export interface HostLinkOptions {
  /** Opens a fresh connection (the connect stage's own opener). */
  open: (signal: AbortSignal) => Promise<Host>;
  reconnectForMs: number;
  say: (line: string) => void;
  /** Waits between attempts: 1 s, doubling up to 30 s. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The connection to a host, which may be replaced: when the link drops, the
 * render goes on over there, and `reconnect` opens a new one, with backoff,
 * for at most --reconnect-for. A changed host key or a refused login is not a
 * drop: that fails at once, as on the first connect.
 */
export class HostLink {
  constructor(
    private host: Host,
    private readonly options: HostLinkOptions,
  ) {}

  get current(): Host {
    return this.host;
  }

  /** `meanwhile` says what the host does while we are away: the render goes on, or the results wait. */
  async reconnect(why: string, signal: AbortSignal, meanwhile = "the render goes on there"): Promise<void> {
    const { say, reconnectForMs } = this.options;
    const where = this.host.description;
    await this.host.close().catch(() => undefined);
    const started = Date.now();
    const deadline = started + reconnectForMs;
    say(
      `  the link to ${where} dropped (${printable(why).slice(0, 300)}); ${meanwhile}. Reconnecting for up to ${formatSpan(reconnectForMs)} (--reconnect-for)…`,
    );
    let delayMs = this.options.firstDelayMs ?? 1_000;
    let lastError = "";
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      const left = deadline - Date.now();
      if (left <= 0) break;
      const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(left)]);
      try {
        this.host = await this.options.open(attemptSignal);
        say(`  reconnected to ${where} after ${Math.round((Date.now() - started) / 1000)} s (attempt ${attempt}).`);
        return;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof HostKeyError || error instanceof BadInputError) throw error; // not a drop: someone else answers
        lastError = printable(error instanceof Error ? error.message : String(error))
          .split("\n")[0]
          .slice(0, 300);
      }
      const wait = Math.min(delayMs, deadline - Date.now());
      if (wait <= 0) break;
      say(
        `  still no link to ${where} (${lastError}); trying again in ${Math.ceil(wait / 1000)} s, for ${formatSpan(deadline - Date.now())} more.`,
      );
      await sleep(wait, undefined, { signal }).catch(() => signal.throwIfAborted());
      delayMs = Math.min(delayMs * 2, this.options.maxDelayMs ?? 30_000);
    }
    throw new LinkLostError(`Could not reconnect to ${where} within ${formatSpan(reconnectForMs)} (last error: ${lastError || "none"}).`);
  }
}

/** A run's link to its host: reopened with the connect stage's own opener, for --reconnect-for, saying so on the reporter. */
export function runLink(ctx: Pick<PipelineContext, "openHost" | "reconnectForSeconds" | "reporter">, host: Host): HostLink {
  return new HostLink(host, {
    open: ctx.openHost,
    reconnectForMs: (ctx.reconnectForSeconds ?? DEFAULT_RECONNECT_SECONDS) * 1000,
    say: (line) => ctx.reporter.info(line),
  });
}

/** 600000 → "10 min", 90000 → "90 s". */
export function formatSpan(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds >= 120 && seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}
