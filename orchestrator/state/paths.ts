import os from "node:os";
import path from "node:path";
import { lstat, mkdir } from "node:fs/promises";
import { BadInputError } from "../errors.ts";
import { RUN_ID_PATTERN } from "../cloud/run-id.ts";

/**
 * The user's state directory, ~/.render-remote (RENDER_REMOTE_HOME overrides):
 *   runs/<id>.json      the run journal (journal.ts)
 *   pulumi/             Pulumi's local file backend
 *   pulumi-passphrase   the secrets passphrase, 0600
 *   keys/<id>/          a run's ephemeral SSH keys, 0600, deleted when the run ends
 * It holds the passphrase, the Pulumi CLI and plugins (run with LINODE_TOKEN)
 * and the journals, so it must be ours alone: see ensurePrivateDir.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RENDER_REMOTE_HOME ? path.resolve(env.RENDER_REMOTE_HOME) : path.join(os.homedir(), ".render-remote");
}

export const runsDir = (env?: NodeJS.ProcessEnv) => path.join(stateDir(env), "runs");
export const pulumiBackendDir = (env?: NodeJS.ProcessEnv) => path.join(stateDir(env), "pulumi");
export const passphraseFile = (env?: NodeJS.ProcessEnv) => path.join(stateDir(env), "pulumi-passphrase");
export const runKeysDir = (runId: string, env?: NodeJS.ProcessEnv) => {
  if (!RUN_ID_PATTERN.test(runId))
    throw new BadInputError(`${JSON.stringify(runId)} is not a run id (rr-YYYYMMDD-xxxxxx); refusing to use it in a path.`);
  return path.join(stateDir(env), "keys", runId);
};

/**
 * Creates a private (0700) directory and its parents, then checks it and
 * every directory between it and the state directory (the state directory
 * included): a directory another user can write to, or a symlink they could
 * point elsewhere, would let them plant what we later run or read.
 */
export async function ensurePrivateDir(dir: string, env?: NodeJS.ProcessEnv): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const root = stateDir(env);
  const relative = path.relative(root, dir);
  const chain = relative.startsWith("..") || path.isAbsolute(relative) ? [dir] : [root];
  if (chain[0] === root && relative !== "") for (const part of relative.split(path.sep)) chain.push(path.join(chain.at(-1)!, part));
  for (const each of chain) await assertOurs(each);
  return dir;
}

/** lstat: a real directory, owned by this user, writable by nobody else; else exit 2 with the fix. */
export async function assertOurs(dir: string): Promise<void> {
  const info = await lstat(dir);
  const uid = process.getuid?.();
  const problem = info.isSymbolicLink()
    ? { what: "is a symbolic link", fix: `remove the link and let render-remote create the directory: rm ${dir}` }
    : !info.isDirectory()
      ? { what: "is not a directory", fix: `move it away: mv ${dir} ${dir}.old` }
      : uid !== undefined && info.uid !== uid
        ? {
            what: `is owned by uid ${info.uid}, not you (uid ${uid})`,
            fix: `move it away and let render-remote create its own: mv ${dir} ${dir}.old`,
          }
        : (info.mode & 0o022) !== 0
          ? {
              what: `is writable by ${info.mode & 0o002 ? "every user" : "its group"} (mode ${(info.mode & 0o777).toString(8)})`,
              fix: `chmod 700 ${dir}`,
            }
          : undefined;
  if (problem) {
    throw new BadInputError(
      `The state directory ${dir} ${problem.what}, so another user could plant the Pulumi passphrase, CLI, plugins or journals there. Fix: ${problem.fix}, then run again.`,
    );
  }
}

/** A secret file of ours: a regular file, owned by this user, readable by nobody else. */
export async function assertPrivateFile(file: string): Promise<void> {
  const info = await lstat(file);
  const uid = process.getuid?.();
  if (info.isSymbolicLink() || !info.isFile() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) {
    throw new BadInputError(
      `${file} must be a plain file of yours with mode 600 (it is ${info.isSymbolicLink() ? "a symbolic link" : `mode ${(info.mode & 0o777).toString(8)}, uid ${info.uid}`}); another user may have planted or read it. Fix: check its content, then chmod 600 ${file} (or remove it if it is not yours), then run again.`,
    );
  }
}
