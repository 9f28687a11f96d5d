import { trapInterrupts } from "../../interrupts.ts";
import { runDetached } from "../pulumi-cli.ts";

/**
 * For pulumi-cli.test.ts: runs one CLI command the way the engine does, in a
 * process that traps Ctrl-C as a real run does. `up` gets the run's abort
 * signal (Ctrl-C cancels it); `destroy` gets none (Ctrl-C must not reach it).
 * Prints "exit 0" or "failed", then the signals it saw.
 */
const [command, operation] = process.argv.slice(2);
const interrupts = trapInterrupts();
let seen = "";
interrupts.signal.addEventListener("abort", () => (seen = "aborted"));
try {
  await runDetached(command, [operation], undefined, {}, { signal: operation === "up" ? interrupts.signal : undefined });
  console.log(`exit 0 ${seen}`);
} catch {
  console.log(`failed ${seen}`);
} finally {
  interrupts.dispose();
}
