import { WATCHDOG_HELPER, watchdogLogFile } from "../../stacks/watchdog-script.ts";
import type { Host } from "../hosts/host.ts";
import { printable } from "../hosts/remote-text.ts";

/**
 * Arms the server-side deadline: over SSH, `sudo -n render-remote-watchdog
 * arm …` with the run's own token on stdin (never in an argv, never in user
 * data). The helper (stacks/watchdog-script.ts, written by cloud-init) keeps
 * the token root-only and, at the deadline, deletes the instance and then the
 * firewall through the Linode API, whatever happened to this laptop.
 */
export interface WatchdogOrder {
  runId: string;
  instanceId: number;
  firewallId: number;
  deadline: Date;
  /** The token's expiry: the watchdog retries a failed delete until then. */
  until: Date;
  /** The Linode API base, e.g. https://api.linode.com/v4 (LINODE_URL resolved). */
  apiUrl: string;
  /** The run's own token (run-token.ts), sent on stdin. */
  token: string;
  /** Seconds between retries of a failed delete (default 30). */
  retrySeconds?: number;
  /** Where the helper is (tests put it in the test user's home). */
  helperPath?: string;
  signal?: AbortSignal;
}

export type WatchdogState = { armed: true } | { armed: false; reason: string };

/** What a provisioned server (provision.ts's ProvisionedHost) tells the watchdog. */
export interface WatchdogTarget {
  runId: string;
  instanceId: number;
  firewallId: number;
  deadline: Date;
  apiUrl: string;
  runToken: { expiry: string; secret: string };
}

/** The watchdog's order for a provisioned server: its deadline, retried until its run token expires. */
export function watchdogOrderFor(
  target: WatchdogTarget,
  options: Pick<WatchdogOrder, "retrySeconds" | "helperPath" | "signal"> = {},
): WatchdogOrder {
  const { runId, instanceId, firewallId, deadline, apiUrl, runToken } = target;
  return { runId, instanceId, firewallId, deadline, until: new Date(runToken.expiry), apiUrl, token: runToken.secret, ...options };
}

/** The watchdog's log on the server, readable by the login user: `attach` shows it. */
export function watchdogLogPath(runId: string): string {
  return watchdogLogFile(runId);
}

const epoch = (at: Date) => String(Math.floor(at.getTime() / 1000));

/** The argv sent: no secret in it (the test reads every argv on the host to prove it). */
export function watchdogArmCommand(order: Omit<WatchdogOrder, "token" | "signal">): string[] {
  return [
    "sudo",
    "-n",
    order.helperPath ?? WATCHDOG_HELPER,
    "arm",
    order.runId,
    String(order.instanceId),
    String(order.firewallId),
    epoch(order.deadline),
    epoch(order.until),
    order.apiUrl,
    String(order.retrySeconds ?? 30),
  ];
}

/** Never throws: a watchdog that cannot be armed leaves the client-side guarantees, and the caller says so. */
export async function armWatchdog(host: Host, order: WatchdogOrder): Promise<WatchdogState> {
  // Linode tokens are 64 hex characters; anything else would not survive the helper's check either
  if (!/^[A-Za-z0-9]{16,256}$/.test(order.token)) return { armed: false, reason: "the run's token is not in the form Linode issues" };
  try {
    const result = await host.exec(watchdogArmCommand(order), { stdin: `${order.token}\n`, signal: order.signal, idleTimeoutMs: 60_000 });
    if (result.exitCode === 0) return { armed: true };
    const said = printable(result.stderr.trim().split("\n").slice(-2).join("; ")).slice(0, 300);
    return {
      armed: false,
      reason: `arming it on ${host.description} failed (exit ${result.exitCode ?? "none"}${said ? `: ${said}` : ""})`,
    };
  } catch (error) {
    return { armed: false, reason: `arming it on ${host.description} failed: ${(error as Error).message}` };
  }
}
