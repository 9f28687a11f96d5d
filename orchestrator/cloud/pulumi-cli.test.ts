import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { repoRoot } from "../../test/run-bundle.ts";
import { pulumiErrorText } from "./pulumi-cli.ts";

/**
 * One Ctrl-C must reach the CLI once (issue 14 B.3). A native stand-in
 * `pulumi` (testing/sigint-counter.c, compiled here) records every SIGINT it
 * gets; the harness runs it as the engine does, in a process that traps Ctrl-C
 * like a real run; the test sends SIGINT to the harness's whole process group,
 * as a terminal does.
 */
const HARNESS = path.join(repoRoot, "orchestrator", "cloud", "testing", "signal-harness.ts");
const COUNTER_SOURCE = path.join(repoRoot, "orchestrator", "cloud", "testing", "sigint-counter.c");
const VITE_NODE = path.join(repoRoot, "node_modules", "vite-node", "vite-node.mjs");
const compiler = await execa("cc", ["--version"], { reject: false }).then(
  (result) => result.exitCode === 0,
  () => false,
);

let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rr-sigint-"));
  if (compiler) await execa("cc", ["-O1", "-o", path.join(dir, "pulumi"), COUNTER_SOURCE]);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ctrlCDuring(operation: "up" | "destroy") {
  const log = path.join(dir, "signals");
  const harness = execa(process.execPath, [VITE_NODE, HARNESS, path.join(dir, "pulumi"), operation], {
    detached: true, // its own process group: the terminal's foreground job
    reject: false,
    cwd: repoRoot,
    env: { ...process.env, SIGNAL_LOG: log },
  });
  for (let i = 0; i < 1200 && !existsSync(`${log}.started`); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(existsSync(`${log}.started`)).toBe(true);
  process.kill(-harness.pid!, "SIGINT"); // Ctrl-C: the whole foreground group
  const result = await harness;
  const received = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
  return { result, received };
}

describe.skipIf(!compiler)("the CLI runs in its own session (needs a C compiler, cc, for the native stand-in)", () => {
  it("Ctrl-C during up: the CLI receives exactly one SIGINT (ours), never the terminal's as well", async () => {
    const { result, received } = await ctrlCDuring("up");
    expect(result.stdout).toBe("exit 0 aborted");
    expect(received).toEqual(["SIGINT"]);
  });

  it("Ctrl-C during destroy: the CLI receives none and finishes", async () => {
    const { result, received } = await ctrlCDuring("destroy");
    expect(result.stdout).toBe("exit 0 aborted");
    expect(received).toEqual([]);
  });
});

describe("pulumiErrorText", () => {
  it("keeps the CLI's stderr, on one line, without the SDK's wrapping", () => {
    const error = new Error("code: 255\n stdout: Updating (x)\n stderr: error: 1 error occurred:\n    * [400] bad type\n err?: \n");
    expect(pulumiErrorText(error)).toBe("error: 1 error occurred: * [400] bad type");
    expect(pulumiErrorText(new Error("plain\nmessage"))).toBe("plain message");
  });
});
