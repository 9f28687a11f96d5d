import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LocalHost } from "../hosts/local-host.ts";
import { cleanupCommand, teardown } from "./teardown.ts";
import { tempDir } from "../../test/temp-dir.ts";

// The advice is pasted into a local shell, and ssh hands its last argument to
// the remote shell. `sh -c` plays ssh here: same two rounds of parsing.
describe("cleanup advice is safe to paste", () => {
  it("removes exactly the named directory, even one whose name is shell syntax, through both shells", () => {
    const root = tempDir("rr-advice-");
    const runDir = path.join(root, `.render-remote-run.ab; touch pwned # $(touch pwned2) '"`);
    mkdirSync(runDir);
    const advice = cleanupCommand(["sh", "-c"], runDir);
    execFileSync("bash", ["-c", advice], { cwd: root });
    expect(existsSync(runDir)).toBe(false);
    expect(existsSync(path.join(root, "pwned"))).toBe(false);
    expect(existsSync(path.join(root, "pwned2"))).toBe(false);
  });

  it("quotes the ssh arguments too (a key path with a space), and reads plainly when nothing needs quoting", () => {
    expect(
      cleanupCommand(
        ["ssh", "-i", "/home/a b/.render-remote/keys/rr-1/id", "-p", "22", "render@203.0.113.5"],
        "/home/render/.render-remote-run.Ab3dEf9h",
      ),
    ).toBe("ssh -i '/home/a b/.render-remote/keys/rr-1/id' -p 22 render@203.0.113.5 'rm -rf -- /home/render/.render-remote-run.Ab3dEf9h'");
    expect(cleanupCommand([], "/tmp/.render-remote-run.Ab3dEf9h")).toBe("rm -rf -- /tmp/.render-remote-run.Ab3dEf9h");
  });
});

describe("teardown stops the render, and nothing else", () => {
  it("kills what works in the run directory, and spares a process whose pid a stale pid file names", async () => {
    const root = tempDir("rr-teardown-");
    const runDir = path.join(root, ".render-remote-run.Ab3dEf9h");
    mkdirSync(runDir);
    // not ours: another process of the same user, whose pid the stale file happens to name
    const bystander = spawn("sleep", ["60"], { cwd: root, stdio: "ignore" });
    // ours: a render still working in the run directory (no exit status written)
    const render = spawn("sleep", ["60"], { cwd: runDir, stdio: "ignore" });
    const gone = (child: ChildProcess) =>
      new Promise<void>((resolve) =>
        child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve()),
      );
    try {
      writeFileSync(path.join(runDir, "render.pid"), `${bystander.pid}\n`);
      writeFileSync(path.join(runDir, "render.session"), `${bystander.pid}\n`);
      const leftovers = await teardown(
        { hostHint: [] },
        { host: new LocalHost(), runDir: { path: runDir, bundle: "", spec: "", pidFile: path.join(runDir, "render.pid") } },
      );
      expect(leftovers).toEqual([]);
      await gone(render);
      expect(render.signalCode).toBe("SIGKILL");
      expect(bystander.exitCode === null && bystander.signalCode === null).toBe(true);
      expect(existsSync(runDir)).toBe(false);
    } finally {
      bystander.kill("SIGKILL");
      render.kill("SIGKILL");
      await Promise.all([gone(bystander), gone(render)]);
    }
  });
});
