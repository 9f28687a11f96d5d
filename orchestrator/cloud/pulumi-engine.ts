import { LocalWorkspace, PulumiCommand, StackNotFoundError } from "@pulumi/pulumi/automation/index.js";
import type { LocalWorkspaceOptions, Stack } from "@pulumi/pulumi/automation/index.js";
import { InterruptedError } from "../errors.ts";
import {
  LINODE_PLUGIN_VERSION,
  PROJECT_NAME,
  ensurePassphrase,
  preparePulumiDirs,
  pulumiCliRoot,
  pulumiEnvVars,
  pulumiProjectSettings,
  requireLinodeToken,
} from "./pulumi-settings.ts";

/**
 * The only module that calls Pulumi's Automation API. Everything else talks
 * to ProvisionEngine, which tests replace with a double.
 *
 * NOT EXERCISED IN THIS REPOSITORY'S TESTS: the Pulumi CLI and the linode
 * provider plugin cannot be downloaded in the development environment, so
 * this file is type-checked but never run here. Keep it thin.
 */
export type StackProgram = () => Promise<Record<string, unknown>>;
/** Plain output values of a finished update (secrets decrypted). */
export type StackOutputs = Record<string, unknown>;

export interface ProvisionEngine {
  /** Creates or updates stack `runId` from `program`. Aborting `signal` cancels the update (SIGINT to pulumi). */
  up(runId: string, program: StackProgram, options?: { signal?: AbortSignal; onOutput?: (text: string) => void }): Promise<StackOutputs>;
  /** Deletes every resource of stack `runId`; a stack that never existed is already destroyed. Never cancelled. */
  destroy(runId: string, options?: { onOutput?: (text: string) => void }): Promise<void>;
  /** Forgets the (empty) stack and its config file; missing is fine. */
  removeStack(runId: string): Promise<void>;
  /** Every render-remote stack in the local backend, for `audit`. */
  listStacks(): Promise<{ name: string; resourceCount?: number; lastUpdate?: string }[]>;
  /** For `audit --destroy`: destroys and removes a stack whose program is gone. */
  destroyStack(name: string, options?: { onOutput?: (text: string) => void }): Promise<void>;
}

// destroy runs from the state alone (it does not run the program, see
// DestroyOptions.runProgram), but an inline workspace needs some program.
const emptyProgram = async () => ({});

export function createPulumiEngine(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): ProvisionEngine {
  requireLinodeToken(env); // fail fast, before anything is prepared
  let prepared: Promise<LocalWorkspaceOptions> | undefined;
  // Prepared once per process; a failure is not cached, so a retried destroy tries again.
  const workspaceOptions = () =>
    (prepared ??= prepareWorkspace(env, log).catch((error: unknown) => {
      prepared = undefined;
      throw error;
    }));

  async function selectStack(stackName: string, program: StackProgram): Promise<Stack> {
    // The token reaches the provider as LINODE_TOKEN in the engine's environment
    // (pulumiEnvVars), not as config: `pulumi config set` would put it on a
    // command line, visible to every local user in `ps`, and into the state file.
    return LocalWorkspace.createOrSelectStack({ stackName, projectName: PROJECT_NAME, program }, await workspaceOptions());
  }

  async function destroyStack(name: string, options?: { onOutput?: (text: string) => void }): Promise<void> {
    const stack = await selectStack(name, emptyProgram);
    // refresh first: a server deleted by hand in the console must not fail the teardown.
    await stack.destroy({ onOutput: options?.onOutput, refresh: true, color: "never" });
  }

  async function removeStack(name: string): Promise<void> {
    const workspace = await LocalWorkspace.create(await workspaceOptions());
    try {
      await workspace.removeStack(name);
    } catch (error) {
      if (!(error instanceof StackNotFoundError)) throw error;
    }
  }

  return {
    async up(runId, program, options) {
      const stack = await selectStack(runId, program);
      if (options?.signal?.aborted) throw new InterruptedError("Interrupted before the server was created.");
      const result = await stack.up({ onOutput: options?.onOutput, signal: options?.signal, color: "never" });
      return Object.fromEntries(Object.entries(result.outputs).map(([key, output]) => [key, output.value]));
    },
    destroy: (runId, options) => destroyStack(runId, options),
    removeStack,
    async listStacks() {
      const workspace = await LocalWorkspace.create(await workspaceOptions());
      const stacks = await workspace.listStacks();
      return stacks.map((stack) => ({ name: stack.name, resourceCount: stack.resourceCount, lastUpdate: stack.lastUpdate }));
    },
    async destroyStack(name, options) {
      await destroyStack(name, options);
      await removeStack(name);
    },
  };
}

/** The local file backend, passphrase secrets, the CLI (installed when missing) and the linode plugin. */
async function prepareWorkspace(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<LocalWorkspaceOptions> {
  const passphrase = await ensurePassphrase(env);
  const { workDir, pulumiHome } = await preparePulumiDirs(env);
  const options: LocalWorkspaceOptions = {
    workDir,
    pulumiHome,
    pulumiCommand: await findOrInstallPulumi(env, log),
    envVars: pulumiEnvVars(passphrase, env),
    secretsProvider: "passphrase",
    projectSettings: pulumiProjectSettings(env),
  };
  const workspace = await LocalWorkspace.create(options);
  await workspace.installPlugin("linode", `v${LINODE_PLUGIN_VERSION}`);
  return options;
}

async function findOrInstallPulumi(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get();
  } catch {
    // not on PATH (or too old): try our own copy
  }
  const root = pulumiCliRoot(env);
  try {
    return await PulumiCommand.get({ root });
  } catch {
    log(`The Pulumi CLI was not found on PATH; installing it into ${root} (one time, about 100 MB).`);
  }
  return PulumiCommand.install({ root });
}
