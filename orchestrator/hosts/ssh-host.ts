import type { Client, ClientChannel, SFTPWrapper } from "ssh2";
import { RemoteError } from "../errors.ts";
import { StringDecoder } from "node:string_decoder";
import { STDERR_KEPT, STDOUT_KEPT, type ExecOptions, type ExecResult, type Host } from "./host.ts";
import { BoundedHead, BoundedTail, createLineSplitter } from "./line-splitter.ts";
import { commandLine, quoteArg } from "./shell-quote.ts";
import { openSshClient, type SshConnectOptions } from "./ssh-connect.ts";
import { formatSshTarget, type SshTarget } from "./ssh-target.ts";

export type { SshConnectOptions } from "./ssh-connect.ts";

/** ExecResult plus what only SSH can tell apart. */
export interface SshExecResult extends ExecResult {
  /** The signal that ended the process ("SIGTERM", "SIGKILL"…), when sshd reported one. */
  signal: string | null;
  /** True when the link dropped before the process's exit was reported. */
  connectionLost: boolean;
}

/** A command's exit status, once sshd has reported it. */
interface ExitHolder {
  status?: { code: number | null; signal: string | null };
}

/** Connects (retrying until sshd answers, see ssh-connect.ts) and returns the host. */
export async function connectSsh(target: SshTarget, options: SshConnectOptions): Promise<SshHost> {
  return new SshHost(await openSshClient(target, options), target);
}

/** A Host over one SSH connection: commands run as exec channels, files move over SFTP. */
export class SshHost implements Host {
  readonly description: string;
  private lostReason: string | undefined;

  get lost(): string | undefined {
    return this.lostReason;
  }
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private home: string | undefined;
  /** How long an SFTP transfer may go without a chunk before it is given up. */
  sftpIdleMs = 120_000;

  constructor(
    private readonly client: Client,
    target: SshTarget,
  ) {
    this.description = formatSshTarget(target);
    // Commands are many small request/reply packets; Nagle + delayed ACK added ~40 ms to each exec on loopback.
    client.setNoDelay(true);
    // Keep the first reason; ssh2 closes every open channel itself when the socket goes.
    client.on("error", (error) => (this.lostReason ??= error.message));
    client.on("close", () => (this.lostReason ??= "the connection closed"));
  }

  /**
   * Runs argv; cwd becomes `cd <cwd> && exec …`, each value quoted by shell-quote.ts.
   * Like LocalHost, an abort resolves at once with exitCode null (the caller checks its signal).
   */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<SshExecResult> {
    const program = commandLine(argv);
    const command = options.cwd === undefined ? program : `cd ${quoteArg(options.cwd)} && exec ${program}`;
    const { signal } = options;
    if (signal?.aborted) return { exitCode: null, stdout: "", stderr: "", signal: null, connectionLost: false };
    const { channel, exit } = await this.openChannel(argv[0], command);
    return new Promise((resolve, reject) => {
      const stdout = new BoundedHead(options.onStdoutLine ? 0 : STDOUT_KEPT);
      const stderr = new BoundedTail(STDERR_KEPT);
      let callbackError: unknown;
      let aborted = false;
      const guard = (fn: () => void) => {
        if (aborted) return; // the caller has stopped listening
        try {
          fn();
        } catch (error) {
          // A throwing callback must not become an uncaught exception; it fails this exec.
          callbackError ??= error;
          channel.close();
        }
      };
      const lines = createLineSplitter(options.onStdoutLine && ((line) => guard(() => options.onStdoutLine?.(line))));
      const errors = new StringDecoder("utf8");
      let settled = false;
      let idleTimer: NodeJS.Timeout | undefined;
      const idle = () => {
        if (options.idleTimeoutMs === undefined || settled) return;
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => {
          callbackError ??= new RemoteError(
            `${argv[0]} on ${this.description} sent nothing for ${Math.round(options.idleTimeoutMs! / 1000)} s; gave up on it. Check the host, then run again.`,
            { stderr: stderr.toString() },
          );
          channel.signal("TERM");
          channel.close();
          finish();
        }, options.idleTimeoutMs);
      };
      const finish = () => {
        if (settled) return; // after an abort, the channel still closes later
        settled = true;
        clearTimeout(idleTimer);
        signal?.removeEventListener("abort", onAbort);
        stdout.append(lines.end());
        stderr.append(errors.end());
        const [out, err] = [stdout.toString(), stderr.toString()];
        if (callbackError !== undefined) return reject(callbackError);
        if (aborted) return resolve({ exitCode: null, stdout: out, stderr: err, signal: null, connectionLost: false });
        const status = exit.status;
        resolve({
          exitCode: status?.code ?? null,
          stdout: out,
          stderr: err,
          signal: status?.signal ?? null,
          connectionLost: status === undefined,
        });
      };
      const onAbort = () => {
        aborted = true;
        // Best effort: OpenSSH passes signal requests to the session's process; the pipeline still kills it itself.
        channel.signal("TERM");
        channel.close();
        finish();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) return onAbort(); // aborted while the channel was opening
      if (options.stdin !== undefined) channel.end(options.stdin);
      idle();
      channel.on("data", (chunk: Buffer) => {
        idle();
        stdout.append(lines.write(chunk));
      });
      channel.stderr.on("data", (chunk: Buffer) => {
        idle();
        const text = errors.write(chunk);
        stderr.append(text);
        if (text) guard(() => options.onStderr?.(text));
      });
      channel.on("close", finish);
    });
  }

  /** Copies a file up; the mode (default 0600) is set before any data is written. */
  async upload(localPath: string, remotePath: string, mode = 0o600): Promise<void> {
    const sftp = await this.sftp();
    await this.sftpTransfer(`upload ${localPath} to ${remotePath}`, (step, done) =>
      sftp.fastPut(localPath, remotePath, { mode, step }, done),
    );
    // fastPut skips fchmod for empty files, and umask may have narrowed the mode; set it for certain.
    await this.sftpCall(`set mode ${mode.toString(8)} on ${remotePath}`, (done) => sftp.chmod(remotePath, mode, done));
  }

  async download(remotePath: string, localPath: string, onProgress?: (bytes: number, total: number) => void, size?: number): Promise<void> {
    const sftp = await this.sftp();
    // fileSize: fastGet then asks for exactly these bytes and never trusts the server's own idea of the size
    const fileSize = size !== undefined && size > 0 ? { fileSize: size } : {};
    await this.sftpTransfer(`download ${remotePath} to ${localPath}`, (step, done) =>
      sftp.fastGet(
        remotePath,
        localPath,
        {
          ...fileSize,
          step: (transferred, _chunk, total) => {
            step();
            onProgress?.(transferred, total);
          },
        },
        done,
      ),
    );
  }

  async homeDir(): Promise<string> {
    if (this.home === undefined) {
      const sftp = await this.sftp();
      // SFTP starts in the login directory, so "." resolves to the home without running a shell.
      this.home = await this.sftpCall<string>("find the home directory", (done) => sftp.realpath(".", done));
    }
    return this.home;
  }

  async close(): Promise<void> {
    if (this.lostReason !== undefined) return;
    const closed = new Promise<void>((resolve) => this.client.once("close", () => resolve()));
    this.client.end();
    // A dead peer never answers the disconnect; don't let teardown hang on it.
    const timer = setTimeout(() => this.client.destroy(), 2_000);
    await closed;
    clearTimeout(timer);
  }

  /**
   * Opens an exec channel, listening for its exit status at once: ssh2 parses a
   * whole TCP read in one go, so a quick command's output, exit status and close
   * can come in the same read as the exec's acceptance, and the exit event is
   * emitted before any `await` resumes. A listener added after the await missed
   * it, and the command read as "connection lost" (seen under load).
   */
  private openChannel(program: string, command: string): Promise<{ channel: ClientChannel; exit: ExitHolder }> {
    this.assertConnected(`run ${program}`);
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(new RemoteError(`Could not start ${program} on ${this.description}: ${error.message}.`, { cause: error }));
        const exit: ExitHolder = {};
        channel.once("exit", (code: number | null, signalName?: string) => {
          exit.status = { code: typeof code === "number" ? code : null, signal: signalName ?? null };
        });
        resolve({ channel, exit });
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    this.assertConnected("open SFTP");
    this.sftpSession ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp)));
    }).catch((error: Error) => {
      this.sftpSession = undefined;
      throw new RemoteError(
        `Could not open SFTP on ${this.description}: ${error.message}. The server needs the sftp subsystem enabled (Subsystem sftp in sshd_config).`,
        { cause: error },
      );
    });
    return this.sftpSession;
  }

  private sftpCall<T = void>(what: string, call: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      call((error, value) => {
        if (!error) return resolve(value as T);
        const lost = this.lostReason ? ` (the connection was lost: ${this.lostReason})` : "";
        reject(new RemoteError(`Could not ${what} on ${this.description}: ${error.message}${lost}.`, { cause: error }));
      });
    });
  }

  /**
   * A transfer that must keep moving: when no chunk arrives for sftpIdleMs the
   * SFTP session is closed (failing the transfer) and a fresh one is opened next time.
   */
  private async sftpTransfer(
    what: string,
    call: (step: () => void, done: (error: Error | null | undefined) => void) => void,
  ): Promise<void> {
    const session = await this.sftp();
    let timer: NodeJS.Timeout | undefined;
    let transfer: Promise<void> = Promise.resolve();
    // a stalled server may not even answer the channel close, so the stall rejects by itself
    const stalled = new Promise<never>((_resolve, reject) => {
      const step = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          if (this.sftpSession) this.sftpSession = undefined;
          session.end();
          reject(
            new RemoteError(
              `Could not ${what} on ${this.description}: no data for ${Math.round(this.sftpIdleMs / 1000)} s. Check the host, then run again.`,
            ),
          );
        }, this.sftpIdleMs);
      };
      step();
      transfer = this.sftpCall(what, (done) => call(step, done));
    });
    try {
      await Promise.race([transfer, stalled]);
    } finally {
      clearTimeout(timer);
      transfer.catch(() => undefined); // after a stall its late failure is no news
    }
  }

  private assertConnected(what: string): void {
    if (this.lostReason !== undefined) {
      throw new RemoteError(
        `Cannot ${what} on ${this.description}: ${this.lostReason}. Check that the server is still up, then run again.`,
      );
    }
  }
}
