/** How one command runs on a host. */
export interface ExecOptions {
  /** Working directory on the host. */
  cwd?: string;
  /** Aborting stops waiting and closes the channel; the pipeline kills the remote process itself. */
  signal?: AbortSignal;
  /** Called with each complete line of stdout, without the newline. */
  onStdoutLine?: (line: string) => void;
  /** Called with stderr as it arrives. */
  onStderr?: (chunk: string) => void;
  /** Give up (RemoteError) when the command sends nothing on stdout or stderr for this long. */
  idleTimeoutMs?: number;
  /** Written to the command's stdin, which is then closed: the way to pass a secret (never in argv). */
  stdin?: string;
}

/**
 * What an exec keeps of a server's output, so a chatty or hostile one cannot
 * fill memory: stdout's head (none when onStdoutLine consumes it), stderr's tail.
 */
export const STDOUT_KEPT = 1024 * 1024;
export const STDERR_KEPT = 64 * 1024;

export interface ExecResult {
  /** null when the process was killed by a signal or the connection dropped. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The signal that ended the process ("SIGTERM"), when known. */
  signal?: string | null;
  /** True when the link dropped before the process's exit was reported. */
  connectionLost?: boolean;
}

/**
 * Where a render runs. The pipeline stages talk only to this interface:
 * LocalHost (--dry-run) runs commands with execa; SshHost (--target and
 * provisioned servers) runs them over one ssh2 connection (exec and SFTP)
 * with the host key checked before any credential is sent.
 */
export interface Host {
  /** For messages: "this machine", "ssh://render@203.0.113.5:22". */
  readonly description: string;
  /**
   * True when the host is this machine (LocalHost): prepare then takes this process's node and the
   * renderer's own ffmpeg, and asks no cloud-init, since nobody is setting the machine up.
   */
  readonly local?: boolean;
  /**
   * Runs argv[0] with arguments argv[1..]. Over SSH every element is quoted by
   * one helper (hosts/shell-quote.ts), so no value is ever interpreted by the
   * remote shell. Never throws for a non-zero exit; throws RemoteError when
   * the command could not be run at all.
   */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Copies a local file to the host and sets its mode. */
  upload(localPath: string, remotePath: string, mode?: number): Promise<void>;
  /**
   * Copies a file from the host to a local path (the caller picks a temporary name).
   * With `size`, exactly that many bytes are asked for and no more are written, whatever the server says.
   */
  download(remotePath: string, localPath: string, onProgress?: (bytes: number, total: number) => void, size?: number): Promise<void>;
  /** The remote user's home directory. */
  homeDir(): Promise<string>;
  /** Why the connection is gone, once it is (a dropped link); undefined while it works, and always for this machine. */
  readonly lost?: string;
  close(): Promise<void>;
}
