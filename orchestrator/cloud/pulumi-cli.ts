import { spawn } from "node:child_process";
import path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import * as pulumiCmd from "@pulumi/pulumi/automation/cmd.js";
import * as pulumiErrors from "@pulumi/pulumi/automation/errors.js";
import { version as PULUMI_SDK_VERSION } from "@pulumi/pulumi/version.js";
import { ProvisionError } from "../errors.ts";
import { pulumiCliRoot } from "./pulumi-settings.ts";

/**
 * Finding a Pulumi CLI that can do every call we make, and running it so that
 * only we signal it. No stack logic here: pulumi-engine.ts drives the stacks.
 */

/** The CLI version we require: the one matching our @pulumi/pulumi (see recentEnough). */
export const REQUIRED_PULUMI_VERSION = PULUMI_SDK_VERSION;

/** Installs the CLI at `version` into `root` (PulumiCommand.install by default: get.pulumi.com). */
export type InstallPulumi = (root: string, version: string) => Promise<PulumiCommand>;

/** PulumiCommand.install: the CLI already at `root`/bin/pulumi if it is this SDK's version, else a download into `root`. */
export const defaultInstall: InstallPulumi = async (root) => PulumiCommand.install({ root });

/** Whether `version` (e.g. "3.248.0") is at least `minimum`. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (text: string) => (/^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim()) ?? []).slice(1).map(Number);
  const [have, want] = [parse(version), parse(minimum)];
  if (have.length < 3) return false;
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i] > want[i];
  return true;
}

/**
 * Whether a CLI reporting `version` can do every call we make: the version matching our @pulumi/pulumi, and never
 * below 3.181.0, which `destroy` with an inline program needs (automation/stack.js checkInlineSupport throws before
 * starting an older CLI: `up` would work, `destroy` never).
 */
export const recentEnough = (version: string | undefined, minimums = [REQUIRED_PULUMI_VERSION, "3.181.0"]): boolean =>
  version !== undefined && minimums.every((minimum) => versionAtLeast(version, minimum));

const versionOf = (cli: PulumiCommand) => cli.version?.toString();
const describeVersion = (cli: PulumiCommand) => (cli.version ? `v${cli.version.toString()}` : "of a version it does not tell");

/**
 * The CLI on PATH if it is recent enough, else our own copy under the state
 * directory, installed (or upgraded) there when missing or old, unless
 * RENDER_REMOTE_NO_PULUMI_INSTALL=1 (offline or managed machines). Nothing is
 * created in the cloud before this succeeds.
 */
export async function findPulumiCli(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  install: InstallPulumi = defaultInstall,
): Promise<PulumiCommand> {
  const root = pulumiCliRoot(env);
  const tooOld: string[] = [];
  for (const where of [undefined, root]) {
    let cli: PulumiCommand;
    try {
      cli = await PulumiCommand.get({ root: where, skipVersionCheck: true });
    } catch {
      continue; // not there
    }
    if (recentEnough(versionOf(cli))) return detachedCli(cli);
    tooOld.push(`${where === undefined ? "the pulumi on PATH" : cli.command} is ${describeVersion(cli)}`);
  }
  const why =
    tooOld.length > 0
      ? `${tooOld.join(" and ")}, older than the v${REQUIRED_PULUMI_VERSION} render-remote needs`
      : "it was not found on PATH";
  if (env.RENDER_REMOTE_NO_PULUMI_INSTALL === "1") {
    throw new ProvisionError(
      `The Pulumi CLI v${REQUIRED_PULUMI_VERSION} is missing (${why}), and RENDER_REMOTE_NO_PULUMI_INSTALL=1 forbids installing it. ` +
        `Install it (https://www.pulumi.com/docs/install/, version ${REQUIRED_PULUMI_VERSION}) and run the same command again.`,
    );
  }
  log(`Pulumi CLI: ${why}; installing v${REQUIRED_PULUMI_VERSION} into ${root} (one time, about 100 MB).`);
  let installed: PulumiCommand;
  try {
    installed = await install(root, REQUIRED_PULUMI_VERSION);
  } catch (error) {
    throw new ProvisionError(
      `The Pulumi CLI v${REQUIRED_PULUMI_VERSION} is missing (${why}) and could not be installed into ${root}: ${(error as Error).message}. ` +
        `Install it (https://www.pulumi.com/docs/install/, version ${REQUIRED_PULUMI_VERSION}) and run the same command again.`,
      { cause: error },
    );
  }
  if (!recentEnough(versionOf(installed))) {
    throw new ProvisionError(
      `The Pulumi CLI installed into ${root} is ${describeVersion(installed)}, not v${REQUIRED_PULUMI_VERSION}. Remove ${root} and run the same command again.`,
    );
  }
  return detachedCli(installed);
}

/** The CLI's own error text, on one line, without the SDK's "code: … stdout: … stderr:" wrapping. */
export function pulumiErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const stderr = /stderr: ([\s\S]*?)\n err\?:/.exec(text)?.[1]?.trim();
  return (stderr || text).replace(/\s+/g, " ").trim();
}

/**
 * An abort reason that also kills the CLI if it has not stopped `graceMs`
 * after its SIGINT: for a destroy that hangs, never for a user's Ctrl-C.
 */
export class CliDeadline extends Error {
  constructor(readonly graceMs: number) {
    super("timed out");
  }
}

type RunCli = (
  args: string[],
  cwd: string,
  additionalEnv: Record<string, string>,
  onOutput?: (out: string) => void,
  onError?: (err: string) => void,
  signal?: AbortSignal,
) => Promise<unknown>;

/**
 * The Automation API starts the CLI in our process group, so a terminal's
 * Ctrl-C reaches it directly and our abort sends a second SIGINT, on which the
 * engine stops at once (pkg/backend/cancellation_scope.go: "^C received;
 * terminating"). This replaces PulumiCommand's internal `run` with one that
 * starts it in its own session: only we signal it, exactly once.
 */
export function detachedCli(cli: PulumiCommand): PulumiCommand {
  const run: RunCli = (args, cwd, additionalEnv, onOutput, onError, signal) =>
    runDetached(cli.command, args, cwd, additionalEnv, { onOutput, onError, signal });
  (cli as unknown as { run: RunCli }).run = run;
  return cli;
}

interface CommandResultLike {
  stdout: string;
  stderr: string;
  code: number;
}
// Pulumi's own result and error types, so StackNotFoundError & co. are recognised as the SDK expects.
const { CommandResult } = pulumiCmd as unknown as {
  CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => CommandResultLike;
};
const { createCommandError } = pulumiErrors as unknown as { createCommandError: (result: CommandResultLike) => Error };

/** What PulumiCommand.run does (non-interactive, the CLI's folder first on PATH), in a session of its own. */
export function runDetached(
  command: string,
  args: string[],
  cwd: string | undefined,
  additionalEnv: Record<string, string>,
  io: { onOutput?: (out: string) => void; onError?: (err: string) => void; signal?: AbortSignal },
): Promise<CommandResultLike> {
  if (!args.includes("--non-interactive")) args.push("--non-interactive");
  const env: NodeJS.ProcessEnv = { ...process.env, ...additionalEnv, PULUMI_AUTOMATION_API: "true" };
  if (path.isAbsolute(command)) env.PATH = `${path.dirname(command)}${path.delimiter}${additionalEnv.PATH ?? process.env.PATH ?? ""}`;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
      io.onOutput?.(text);
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      io.onError?.(text);
    });
    let killTimer: NodeJS.Timeout | undefined;
    // Called at most once (an abort is dispatched once, and never to a listener added after it): one SIGINT is a
    // graceful cancel; a second would terminate the engine mid-operation.
    const cancel = () => {
      // Exited or killed, though a plugin may still hold its pipes: its process group is no longer ours to kill.
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill("SIGINT");
      const reason: unknown = io.signal?.reason;
      if (reason instanceof CliDeadline) {
        const pid = child.pid;
        killTimer = setTimeout(() => {
          try {
            process.kill(-pid, "SIGKILL"); // the CLI and its plugins: it ignored the cancel
          } catch {
            // already gone
          }
        }, reason.graceMs);
      }
    };
    io.signal?.addEventListener("abort", cancel);
    if (io.signal?.aborted) cancel();
    const settle = (code: number, error?: Error) => {
      clearTimeout(killTimer);
      io.signal?.removeEventListener("abort", cancel);
      const result = new CommandResult(stdout, error ? error.message : stderr, code, error);
      if (code === 0 && !error) resolve(result);
      else reject(createCommandError(result));
    };
    child.on("error", (error) => settle(-2, error));
    child.on("close", (code, signal) => settle(code ?? -2, signal ? new Error(`${stderr}\npulumi was stopped by ${signal}`) : undefined));
  });
}
