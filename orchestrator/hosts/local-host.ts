import { constants } from "node:fs";
import { copyFile, chmod, stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import os from "node:os";
import { execa } from "execa";
import { RemoteError } from "../errors.ts";
import { STDERR_KEPT, STDOUT_KEPT, type ExecOptions, type ExecResult, type Host } from "./host.ts";
import { BoundedHead, BoundedTail, createLineSplitter } from "./line-splitter.ts";

/**
 * --dry-run: this machine plays the host, so the dry run exercises the very
 * pipeline a cloud run does (upload, render with the bundle, download), with
 * no SSH, no cloud and no credentials. Commands run as argument vectors, never
 * through a shell.
 */
export class LocalHost implements Host {
  readonly description = "this machine (--dry-run)";
  readonly local = true;

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [file, ...args] = argv;
    const child = execa(file, args, {
      cwd: options.cwd,
      reject: false,
      ...(options.stdin === undefined ? { stdin: "ignore" as const } : { input: options.stdin }),
      buffer: false, // kept below, bounded like SshHost's
      cancelSignal: options.signal,
      forceKillAfterDelay: 5000,
      killSignal: "SIGTERM",
    });
    const stdout = new BoundedHead(options.onStdoutLine ? 0 : STDOUT_KEPT);
    const lines = createLineSplitter(options.onStdoutLine);
    child.stdout?.on("data", (chunk: Buffer) => stdout.append(lines.write(chunk)));
    const stderr = new BoundedTail(STDERR_KEPT);
    const errors = new StringDecoder("utf8");
    child.stderr?.on("data", (chunk: Buffer) => {
      const text = errors.write(chunk);
      stderr.append(text);
      if (text) options.onStderr?.(text);
    });
    const result = await child;
    stdout.append(lines.end());
    stderr.append(errors.end());
    if (result.failed && result.exitCode === undefined && !result.isCanceled && !result.signal) {
      throw new RemoteError(`Could not run ${file} on this machine: ${result.shortMessage}`, { cause: result.cause });
    }
    return {
      exitCode: result.exitCode ?? null,
      stdout: stdout.toString(),
      stderr: stderr.toString(),
      signal: result.signal ?? null,
      connectionLost: false,
    };
  }

  async upload(localPath: string, remotePath: string, mode = 0o600): Promise<void> {
    await copyFile(localPath, remotePath);
    await chmod(remotePath, mode);
  }

  async download(remotePath: string, localPath: string, onProgress?: (bytes: number, total: number) => void, size?: number): Promise<void> {
    const actual = (await stat(remotePath)).size;
    if (size !== undefined && actual !== size) throw new RemoteError(`${remotePath} is ${actual} bytes, not the ${size} expected.`);
    await copyFile(remotePath, localPath, constants.COPYFILE_EXCL);
    onProgress?.(1, 1);
  }

  /** Run directories go under the system temp directory, not the user's home. */
  async homeDir(): Promise<string> {
    return os.tmpdir();
  }

  async close(): Promise<void> {}
}
