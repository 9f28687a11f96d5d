import { copyFile, chmod } from "node:fs/promises";
import os from "node:os";
import { execa } from "execa";
import { RemoteError } from "../errors.ts";
import type { ExecOptions, ExecResult, Host } from "./host.ts";

/**
 * --dry-run: this machine plays the host, so the dry run exercises the very
 * pipeline a cloud run does (upload, render with the bundle, download), with
 * no SSH, no cloud and no credentials. Commands run as argument vectors, never
 * through a shell.
 */
export class LocalHost implements Host {
  readonly description = "this machine (--dry-run)";

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [file, ...args] = argv;
    const child = execa(file, args, {
      cwd: options.cwd,
      reject: false,
      stdin: "ignore",
      cancelSignal: options.signal,
      forceKillAfterDelay: 5000,
      killSignal: "SIGTERM",
    });
    let stdout = "";
    let pending = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      stdout += chunk;
      if (!options.onStdoutLine) return;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) options.onStdoutLine(line);
    });
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(chunk);
    });
    const result = await child;
    if (pending && options.onStdoutLine) options.onStdoutLine(pending);
    if (result.failed && result.exitCode === undefined && !result.isCanceled && !result.signal) {
      throw new RemoteError(`Could not run ${file} on this machine: ${result.shortMessage}`, { cause: result.cause });
    }
    return { exitCode: result.exitCode ?? null, stdout, stderr, signal: result.signal ?? null, connectionLost: false };
  }

  async upload(localPath: string, remotePath: string, mode = 0o600): Promise<void> {
    await copyFile(localPath, remotePath);
    await chmod(remotePath, mode);
  }

  async download(remotePath: string, localPath: string, onProgress?: (bytes: number, total: number) => void): Promise<void> {
    await copyFile(remotePath, localPath);
    onProgress?.(1, 1);
  }

  /** Run directories go under the system temp directory, not the user's home. */
  async homeDir(): Promise<string> {
    return os.tmpdir();
  }

  async close(): Promise<void> {}
}
