import os from "node:os";
import path from "node:path";
import { mkdir } from "node:fs/promises";

/**
 * The user's state directory, ~/.render-remote (RENDER_REMOTE_HOME overrides):
 *   runs/<id>.json      the run journal (journal.ts)
 *   pulumi/             Pulumi's local file backend
 *   pulumi-passphrase   the secrets passphrase, 0600
 *   keys/<id>/          a run's ephemeral SSH keys, 0600, deleted when the run ends
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RENDER_REMOTE_HOME ? path.resolve(env.RENDER_REMOTE_HOME) : path.join(os.homedir(), ".render-remote");
}

export const runsDir = (env?: NodeJS.ProcessEnv) => path.join(stateDir(env), "runs");
export const pulumiBackendDir = (env?: NodeJS.ProcessEnv) => path.join(stateDir(env), "pulumi");
export const passphraseFile = (env?: NodeJS.ProcessEnv) => path.join(stateDir(env), "pulumi-passphrase");
export const runKeysDir = (runId: string, env?: NodeJS.ProcessEnv) => path.join(stateDir(env), "keys", runId);

/** Creates a private (0700) directory and its parents. */
export async function ensurePrivateDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}
