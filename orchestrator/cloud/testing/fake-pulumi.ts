import { chmod, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The scripted stand-in `pulumi` (fake-pulumi-cli.mjs) and how tests read what it was asked. */
export const FAKE_CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "fake-pulumi-cli.mjs");

export interface CliCall {
  argv: string[];
  env: Record<string, string>;
  pid: number;
  /** Which copy of the stand-in ran. */
  self: string;
  received?: string;
}

/** Puts the stand-in at `dir`/pulumi; `version` makes that copy answer `pulumi version` with it. */
export async function installFakeCli(dir: string, version?: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "pulumi");
  await copyFile(FAKE_CLI, file);
  await chmod(file, 0o755);
  if (version) await writeFile(path.join(dir, "VERSION"), version);
  return file;
}

export async function readCliCalls(logFile: string): Promise<CliCall[]> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CliCall);
}

/** Each call as one line, e.g. "destroy --yes --skip-preview …", without the per-run --client port. */
export const commandLines = async (logFile: string) =>
  (await readCliCalls(logFile)).map((call) => call.argv.filter((arg) => !arg.startsWith("--client=")).join(" "));

/** Polls until `predicate` holds over the calls so far (the stand-in runs in another process). */
export async function waitForCall(logFile: string, predicate: (call: CliCall) => boolean): Promise<CliCall> {
  for (let i = 0; i < 2400; i++) {
    const found = (await readCliCalls(logFile)).find(predicate);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the stand-in pulumi was never called as expected");
}
