import { randomBytes } from "node:crypto";
import { lstat, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { BadInputError } from "../errors.ts";
import { requireSafeLinodeUrl } from "./linode-api.ts";
import { TOKEN_HELP } from "./linode-api-error.ts";
import { assertOurs, assertPrivateFile, ensurePrivateDir, passphraseFile, pulumiBackendDir, stateDir } from "../state/paths.ts";

/**
 * Where and how Pulumi keeps render-remote's stacks: a local file backend and
 * a passphrase secrets provider under the state directory, so no Pulumi
 * account is needed. No Automation API here: pulumi-engine.ts is the only
 * module that talks to the engine.
 */
export const PROJECT_NAME = "render-remote";

/** The @pulumi/linode SDK's version; its provider plugin must match (a test checks it). */
export const LINODE_PLUGIN_VERSION = "5.1.1";

export const pulumiBackendUrl = (env?: NodeJS.ProcessEnv) => `file://${pulumiBackendDir(env)}`;
/** Stack config files (Pulumi.<stack>.yaml); removeStack deletes a run's file. */
export const pulumiWorkDir = (env?: NodeJS.ProcessEnv) => path.join(stateDir(env), "pulumi-work");
/** PULUMI_HOME: plugins and the CLI's own caches, kept with the rest of our state. */
export const pulumiHomeDir = (env?: NodeJS.ProcessEnv) => path.join(stateDir(env), "pulumi-home");
/** Where PulumiCommand.install puts the CLI when it is not on PATH. */
export const pulumiCliRoot = (env?: NodeJS.ProcessEnv) => path.join(stateDir(env), "pulumi-cli");

/**
 * The per-user secrets passphrase: random, created once, 0600. Creating with
 * "wx" means two first runs racing both end up with the same passphrase.
 */
export async function ensurePassphrase(env?: NodeJS.ProcessEnv): Promise<string> {
  const file = passphraseFile(env);
  await ensurePrivateDir(path.dirname(file), env);
  try {
    await writeFile(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  await assertPrivateFile(file);
  const passphrase = (await readFile(file, "utf8")).trim();
  if (!passphrase)
    throw new BadInputError(
      `The Pulumi passphrase file ${file} is empty. Restore it from a backup; without it existing stacks cannot be read.`,
    );
  return passphrase;
}

/** LINODE_TOKEN from the environment, or a bad-input error saying how to get one. */
export function requireLinodeToken(env: NodeJS.ProcessEnv = process.env): string {
  const token = env.LINODE_TOKEN?.trim();
  if (!token) {
    throw new BadInputError(`LINODE_TOKEN is not set. ${TOKEN_HELP}`);
  }
  return token;
}

/**
 * The environment the Pulumi engine and the Linode provider run with. The
 * provider reads LINODE_TOKEN (and LINODE_URL) from here; only this process
 * and its children see it, never a command line or the state file.
 */
export function pulumiEnvVars(passphrase: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    LINODE_TOKEN: requireLinodeToken(env),
    ...(env.LINODE_URL ? { LINODE_URL: requireSafeLinodeUrl(env.LINODE_URL) } : {}),
    PULUMI_BACKEND_URL: pulumiBackendUrl(env),
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    // no .bak checkpoint copies: they hold the encrypted user data beside the passphrase
    PULUMI_DIY_BACKEND_DISABLE_CHECKPOINT_BACKUPS: "true",
  };
}

export function pulumiProjectSettings(env?: NodeJS.ProcessEnv) {
  return {
    name: PROJECT_NAME,
    runtime: "nodejs" as const,
    description: "One short-lived, hardened dedicated-CPU Linode per render (see stacks/).",
    backend: { url: pulumiBackendUrl(env) },
  };
}

/** Creates the private directories the workspace needs and returns their paths. */
export async function preparePulumiDirs(env?: NodeJS.ProcessEnv): Promise<{ workDir: string; pulumiHome: string; backendDir: string }> {
  // our installed CLI runs with LINODE_TOKEN: its directories must be ours too (PulumiCommand.install makes them)
  for (const dir of [pulumiCliRoot(env), path.join(pulumiCliRoot(env), "bin")]) {
    if (
      await lstat(dir).then(
        () => true,
        () => false,
      )
    )
      await assertOurs(dir);
  }
  return {
    workDir: await ensurePrivateDir(pulumiWorkDir(env), env),
    pulumiHome: await ensurePrivateDir(pulumiHomeDir(env), env),
    backendDir: await ensurePrivateDir(pulumiBackendDir(env), env),
  };
}
