import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import ssh2, { type Client } from "ssh2";
import { backoffMs } from "../backoff.ts";
import { plainReason } from "../../renderer/fs-reason.ts";
import { BadInputError, RemoteError } from "../errors.ts";
import { HostKeyError, prepareHostKeyCheck, type HostKeyPolicy } from "./known-hosts.ts";
import { formatSshTarget, type SshTarget } from "./ssh-target.ts";

export interface SshConnectOptions {
  /** Path of an unencrypted private key (--identity). */
  identityFile?: string;
  /** The private key itself, e.g. a provisioned run's ephemeral key. Never logged. */
  privateKey?: string | Buffer;
  /** An ssh-agent socket (SSH_AUTH_SOCK) to authenticate with when no key is given. */
  agent?: string;
  hostKeys: HostKeyPolicy;
  /** How long to keep trying until sshd answers, in total. Default 60 s. */
  timeoutMs?: number;
  /** Waits between attempts: initialDelayMs, doubling up to maxDelayMs. Default 250 ms → 4 s. */
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
  /** One attempt (TCP, handshake and login) may take this long. Default 15 s. */
  attemptTimeoutMs?: number;
  /** An SSH ping every keepaliveIntervalMs; keepaliveCountMax unanswered ones drop the link. Default 5 s × 3. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Aborting stops retrying and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called before each wait between attempts, e.g. to show "waiting for sshd". */
  onRetry?: (info: { attempt: number; delayMs: number; error: Error }) => void;
  /** Things the user should be told, e.g. that a host key was added to known_hosts. */
  onNotice?: (message: string) => void;
  /**
   * Provisioned hosts only: until this time (ms since the epoch), a host-key
   * mismatch or a refused login means "cloud-init has not installed our key
   * and user yet" (Ubuntu's socket-activated sshd can answer first), so it is
   * retried. Safe: ssh checks the host key before any credential is sent.
   */
  bootRaceUntil?: number;
}

// Errors that mean "sshd is not answering yet" (booting, restarting, port not open yet).
const RETRYABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "EAI_AGAIN",
  "ECONNABORTED",
]);
const RETRYABLE_MESSAGE =
  /banner|identification|lost before handshake|timed out while waiting for handshake|no response from server|closed before login/i;

/** Connects and logs in, retrying with backoff while sshd is not answering; refusals are final. */
export async function openSshClient(target: SshTarget, options: SshConnectOptions): Promise<Client> {
  const where = formatSshTarget(target);
  const privateKey = await loadPrivateKey(options);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const remaining = deadline - Date.now();
    try {
      // At least a second per attempt: a clipped last attempt would end in our own
      // timeout and hide the real reason (ECONNREFUSED…) from the final message.
      const attemptMs = Math.min(options.attemptTimeoutMs ?? 15_000, Math.max(remaining, 1_000));
      return await attemptLogin(target, options, privateKey, attemptMs);
    } catch (error) {
      const cause = error as Error & { code?: string; level?: string };
      if (options.signal?.aborted) throw options.signal.reason;
      const booting = stillBooting(cause, options, deadline);
      if (!booting && (cause instanceof HostKeyError || cause instanceof BadInputError)) throw cause;
      if (!booting && cause.level === "client-authentication") {
        throw new RemoteError(
          `${where} refused the login as ${target.user} with ${options.identityFile ? `the key ${options.identityFile}` : options.agent ? "the keys in your ssh-agent" : "the given key"}. ` +
            `Check the user name, and that the matching public key is in ~${target.user}/.ssh/authorized_keys on the server.`,
          { cause },
        );
      }
      if (cause.code === "ENOTFOUND") {
        throw new RemoteError(`Cannot resolve the host name ${target.host} (${where}). Check the spelling of --target.`, { cause });
      }
      const retryable = booting || RETRYABLE_CODES.has(cause.code ?? "") || RETRYABLE_MESSAGE.test(cause.message);
      if (!retryable) throw new RemoteError(`Could not open an SSH session to ${where}: ${cause.message}.`, { cause });
      const wait = Math.min(
        backoffMs(attempt, { firstMs: options.retry?.initialDelayMs ?? 250, maxMs: options.retry?.maxDelayMs ?? 4_000 }),
        deadline - Date.now(),
      );
      if (wait <= 0) {
        throw new RemoteError(
          `sshd at ${where} did not answer within ${Number((timeoutMs / 1000).toPrecision(2))} s (${attempt} attempts; last error: ${cause.message}). ` +
            `Check that the server is running, that port ${target.port} is open in its firewall, and that the address is right.`,
          { cause },
        );
      }
      options.onRetry?.({ attempt, delayMs: wait, error: cause });
      // timers/promises rejects with a generic AbortError; callers expect the signal's own reason.
      await sleep(wait, undefined, { signal: options.signal }).catch(() => options.signal?.throwIfAborted());
    }
  }
}

/** The boot race: a wrong host key or a refused login, inside bootRaceUntil (and the connect deadline), is "not ready yet". */
function stillBooting(cause: Error & { level?: string }, options: SshConnectOptions, deadline: number): boolean {
  if (options.bootRaceUntil === undefined) return false;
  const refusedOurKeys = (cause instanceof HostKeyError && cause.reason === "mismatch") || cause.level === "client-authentication";
  // The last wait must end before the window does, or the final error would be a generic timeout instead of the refusal.
  return refusedOurKeys && Date.now() + 1_000 < Math.min(options.bootRaceUntil, deadline);
}

/** One TCP connection, handshake (with the host-key check) and public-key login. */
async function attemptLogin(
  target: SshTarget,
  options: SshConnectOptions,
  privateKey: Buffer | string | undefined,
  timeoutMs: number,
): Promise<Client> {
  const hostKeyCheck = await prepareHostKeyCheck(options.hostKeys, target.host, target.port);
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let refusal: Error | undefined; // set by the host-key check; wins over ssh2's generic "Host denied"
    const settle = (error?: Error) => {
      options.signal?.removeEventListener("abort", onAbort);
      client.removeAllListeners();
      client.on("error", () => {}); // late errors from a connection we are done with
      if (!error) return resolve(client);
      client.destroy();
      reject(refusal ?? error);
    };
    const onAbort = () => settle(options.signal!.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    client.once("ready", () => settle());
    client.once("error", (error) => settle(error));
    client.once("close", () => settle(new Error("The connection closed before login finished")));
    try {
      client.connect({
        host: target.host,
        port: target.port,
        username: target.user,
        ...(privateKey !== undefined ? { privateKey } : { agent: options.agent }),
        readyTimeout: timeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs ?? 5_000,
        keepaliveCountMax: options.keepaliveCountMax ?? 3,
        algorithms: { serverHostKey: hostKeyCheck.algorithms as never },
        // Returning nothing makes ssh2 wait for verify(), so the check can read and append files.
        hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
          hostKeyCheck.verify(key).then(
            ({ notice }) => {
              if (notice) options.onNotice?.(notice);
              verify(true);
            },
            (error: Error) => {
              refusal = error;
              verify(false);
            },
          );
        },
      });
    } catch (error) {
      // ssh2 parses the key inside connect(); its messages never include key material.
      settle(
        new BadInputError(
          `The private key ${options.identityFile ?? "(given inline)"} cannot be used: ${(error as Error).message}. ` +
            "render-remote needs an unencrypted OpenSSH, PEM or PPK private key.",
          { cause: error },
        ),
      );
    }
  });
}

async function loadPrivateKey(options: SshConnectOptions): Promise<Buffer | string | undefined> {
  if (options.privateKey !== undefined) return options.privateKey;
  if (!options.identityFile && options.agent) return undefined; // the agent holds the keys
  if (!options.identityFile)
    throw new BadInputError(
      "No SSH key given: pass --identity KEYFILE (a private key whose public half the server trusts), or run an ssh-agent.",
    );
  try {
    return await readFile(options.identityFile);
  } catch (error) {
    throw new BadInputError(
      `Cannot read the identity file ${options.identityFile}: ${plainReason(error)}. Pass --identity with the path of your private key.`,
      { cause: error },
    );
  }
}
