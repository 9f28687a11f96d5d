import { LocalWorkspace, StackNotFoundError } from "@pulumi/pulumi/automation/index.js";
import type { LocalWorkspaceOptions, Stack } from "@pulumi/pulumi/automation/index.js";
import { InterruptedError, ProvisionError } from "../errors.ts";
import { pulumiBackendDir } from "../state/paths.ts";
import { findPulumiCli, pulumiErrorText, type InstallPulumi } from "./pulumi-cli.ts";
import { hasStaleLock, removeStackBackups } from "./stack-files.ts";
import {
  LINODE_PLUGIN_VERSION,
  PROJECT_NAME,
  ensurePassphrase,
  preparePulumiDirs,
  pulumiEnvVars,
  pulumiProjectSettings,
  requireLinodeToken,
} from "./pulumi-settings.ts";

/**
 * The only module that calls Pulumi's Automation API. Everything else talks
 * to ProvisionEngine, which tests replace with a double.
 *
 * The real Pulumi CLI and the linode plugin cannot be downloaded in the
 * development environment: the tests drive this file through the real
 * Automation API against stand-in `pulumi` executables (pulumi-engine.test.ts).
 */
export type StackProgram = () => Promise<Record<string, unknown>>;
/** Plain output values of a finished update (secrets decrypted). */
export type StackOutputs = Record<string, unknown>;

export interface ProvisionEngine {
  /** Before anything is created: the CLI at a version that can destroy what it creates, and the linode plugin. Throws saying what is missing. */
  preflight(): Promise<void>;
  /** Creates or updates stack `runId` from `program`. Aborting `signal` cancels the update (SIGINT to pulumi). */
  up(runId: string, program: StackProgram, options?: { signal?: AbortSignal; onOutput?: (text: string) => void }): Promise<StackOutputs>;
  /**
   * Deletes every resource of stack `runId`; a stack that never existed is already destroyed.
   * Never cancelled by Ctrl-C; `signal` is only a deadline (CliDeadline), which cancels and then kills a hung CLI.
   */
  destroy(runId: string, options?: { onOutput?: (text: string) => void; signal?: AbortSignal }): Promise<void>;
  /** Forgets the (empty) stack, its config file and its checkpoint backups; missing is fine. */
  removeStack(runId: string): Promise<void>;
  /** For `audit --destroy`: destroys and removes a stack whose program is gone. */
  destroyStack(name: string, options?: { onOutput?: (text: string) => void }): Promise<void>;
}

// destroy runs from the state alone (it does not run the program, see
// DestroyOptions.runProgram), but an inline workspace needs some program.
const emptyProgram = async () => ({});

export function createPulumiEngine(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  options: { installPulumi?: InstallPulumi } = {},
): ProvisionEngine {
  requireLinodeToken(env); // fail fast, before anything is prepared
  let prepared: Promise<LocalWorkspaceOptions> | undefined;
  // Prepared once per process; a failure is not cached, so a retried destroy tries again.
  const workspaceOptions = () =>
    (prepared ??= prepareWorkspace(env, log, options.installPulumi).catch((error: unknown) => {
      prepared = undefined;
      throw error;
    }));

  async function selectStack(stackName: string, program: StackProgram): Promise<Stack> {
    // The token reaches the provider as LINODE_TOKEN in the engine's environment
    // (pulumiEnvVars), not as config: `pulumi config set` would put it on a
    // command line, visible to every local user in `ps`, and into the state file.
    return LocalWorkspace.createOrSelectStack({ stackName, projectName: PROJECT_NAME, program }, await workspaceOptions());
  }

  async function destroyStack(name: string, options?: { onOutput?: (text: string) => void; signal?: AbortSignal }): Promise<void> {
    const stack = await selectStack(name, emptyProgram);
    // A CLI killed mid-update (SIGKILL, a dead laptop) leaves its lock, and every later destroy would fail "currently locked".
    if (await hasStaleLock(pulumiBackendDir(env), name)) {
      log(`Stack ${name} is locked by a pulumi that is no longer running; clearing the lock (pulumi cancel).`);
      await stack.cancel();
    }
    // refresh first: a server deleted by hand in the console must not fail the teardown.
    await stack.destroy({ onOutput: options?.onOutput, signal: options?.signal, refresh: true, color: "never" });
  }

  async function removeStack(name: string): Promise<void> {
    const workspace = await LocalWorkspace.create(await workspaceOptions());
    try {
      await workspace.removeStack(name);
    } catch (error) {
      if (!(error instanceof StackNotFoundError)) throw error;
    }
    // `stack rm` keeps <stack>.json.bak: the encrypted user data, with the host private key.
    await removeStackBackups(pulumiBackendDir(env), name);
  }

  return {
    async preflight() {
      try {
        await workspaceOptions();
      } catch (error) {
        // before `up`, so nothing exists: say so (the same failure during a teardown or an audit says no such thing)
        const message =
          error instanceof ProvisionError
            ? error.message
            : `Pulumi is not ready: ${pulumiErrorText(error)}. Fix this and run the same command again.`;
        throw new ProvisionError(`${message} Nothing was created.`, { cause: error });
      }
    },
    async up(runId, program, options) {
      const stack = await selectStack(runId, program);
      if (options?.signal?.aborted) throw new InterruptedError("Interrupted before the server was created.");
      const result = await stack.up({ onOutput: options?.onOutput, signal: options?.signal, color: "never" });
      return Object.fromEntries(Object.entries(result.outputs).map(([key, output]) => [key, output.value]));
    },
    destroy: (runId, options) => destroyStack(runId, options),
    removeStack,
    async destroyStack(name, options) {
      await destroyStack(name, options);
      await removeStack(name);
    },
  };
}

/** The local file backend, passphrase secrets, the CLI (installed when missing) and the linode plugin. */
async function prepareWorkspace(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  installPulumi?: InstallPulumi,
): Promise<LocalWorkspaceOptions> {
  const passphrase = await ensurePassphrase(env);
  const { workDir, pulumiHome } = await preparePulumiDirs(env);
  const options: LocalWorkspaceOptions = {
    workDir,
    pulumiHome,
    pulumiCommand: await findPulumiCli(env, log, installPulumi),
    envVars: pulumiEnvVars(passphrase, env),
    secretsProvider: "passphrase",
    projectSettings: pulumiProjectSettings(env),
  };
  const workspace = await LocalWorkspace.create(options);
  try {
    await workspace.installPlugin("linode", `v${LINODE_PLUGIN_VERSION}`);
  } catch (error) {
    throw new ProvisionError(
      `The Pulumi linode plugin v${LINODE_PLUGIN_VERSION} could not be installed: ${pulumiErrorText(error)}. Check the network and run the same command again.`,
      { cause: error },
    );
  }
  // exactly @pulumi/linode's version: another one would read and write the state differently
  const plugins = await workspace.listPlugins();
  if (!plugins.some((plugin) => plugin.name === "linode" && plugin.kind === "resource" && plugin.version === LINODE_PLUGIN_VERSION)) {
    const found = plugins.filter((plugin) => plugin.name === "linode").map((plugin) => `v${plugin.version ?? "?"}`);
    throw new ProvisionError(
      `The Pulumi linode plugin v${LINODE_PLUGIN_VERSION} is not installed (found: ${found.join(", ") || "none"}). Run the same command again.`,
    );
  }
  return options;
}
