import { CommanderError } from "commander";
import { buildProgram } from "./cli.ts";
import { plainMessage } from "../renderer/fs-reason.ts";
import { exitCodeFor } from "./errors.ts";
import { printable } from "./hosts/remote-text.ts";

/**
 * Runs the command and returns its exit code: typed errors map to 0/1/2/130 through errors.ts. (The one other
 * exit is interrupts.ts's forced quit, 130, on a third Ctrl-C during cleanup.)
 */
async function main(): Promise<number> {
  let action: Promise<number> | undefined;
  const program = buildProgram((pending) => (action = pending)).exitOverride();
  try {
    await program.parseAsync(process.argv);
    return action ? await action : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (["commander.helpDisplayed", "commander.help", "commander.version"].includes(error.code)) return 0;
      process.stderr.write("Run `npx render-remote --help` for the options and examples.\n");
      return 2;
    }
    // in words ("no such file", never "ENOENT"), and no escape sequence a server sent reaches the terminal
    process.stderr.write(`render-remote: ${printable(plainMessage(error instanceof Error ? error.message : String(error)))}\n`);
    if (process.env.RENDER_REMOTE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}

process.exit(await main());
