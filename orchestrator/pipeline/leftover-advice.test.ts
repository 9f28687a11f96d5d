import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp-dir.ts";
import { runDirAdvice } from "./leftover-advice.ts";

describe("forced-quit advice: exact paths and the exact command, never a glob", () => {
  it("before the run directory exists, says nothing is left", () => {
    expect(runDirAdvice(undefined, "this machine", [])).toBe("nothing on this machine: no run directory has been made yet");
  });

  it("names the run directory and gives a command that, run as printed, stops the render and removes it", async () => {
    const runDir = path.join(tempDir("advice-"), ".render-remote-run.it's odd");
    mkdirSync(runDir);
    const render = spawn("sleep", ["600"], { stdio: "ignore" });
    writeFileSync(path.join(runDir, "render.pid"), `${render.pid}\n`);
    const advice = runDirAdvice(runDir, "this machine", []);
    expect(advice).toMatch(new RegExp(`^the run directory ${runDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} on this machine`));
    expect(advice).not.toContain("*");
    const command = advice.slice(advice.indexOf("remove them with: ") + "remove them with: ".length);
    const exited = new Promise((resolve) => render.once("exit", (_code, signal) => resolve(signal)));
    execFileSync("sh", ["-c", command]);
    expect(await exited).toBe("SIGTERM");
    expect(existsSync(runDir)).toBe(false);
  });

  it("over SSH, quotes the remote command once more for the local shell", () => {
    const advice = runDirAdvice("/home/me/.render-remote-run.AbCd1234", "ssh://me@203.0.113.5:2222", [
      "ssh",
      "-p",
      "2222",
      "me@203.0.113.5",
    ]);
    expect(advice).toBe(
      "the run directory /home/me/.render-remote-run.AbCd1234 on ssh://me@203.0.113.5:2222 and the render in it, if it still runs; " +
        "remove them with: ssh -p 2222 me@203.0.113.5 'pkill -F /home/me/.render-remote-run.AbCd1234/render.pid; rm -rf -- /home/me/.render-remote-run.AbCd1234'",
    );
  });
});
