import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp-dir.ts";
import { until } from "../detach/testing/session-sshds.ts";
import { runDirAdvice } from "./leftover-advice.ts";

describe("forced-quit advice: exact paths and the exact command, never a glob", () => {
  it("before the run directory exists, says nothing is left", () => {
    expect(runDirAdvice(undefined, "this machine", [])).toBe("nothing on this machine: no run directory has been made yet");
  });

  it("names the run directory and gives a command that, run as printed, kills the render's whole session and removes the directory", async () => {
    const runDir = path.join(tempDir("advice-"), ".render-remote-run.it's odd");
    mkdirSync(runDir);
    // as launch.ts starts it: a session leader (its pid in render.session) whose children are the renderer and ffmpeg
    const render = spawn("sh", ["-c", "sleep 600 & echo $! > child.pid; wait"], { cwd: runDir, stdio: "ignore", detached: true });
    writeFileSync(path.join(runDir, "render.pid"), `${render.pid}\n`);
    writeFileSync(path.join(runDir, "render.session"), `${render.pid}\n`);
    await until(
      () => existsSync(path.join(runDir, "child.pid")) && readFileSync(path.join(runDir, "child.pid"), "utf8").trim() !== "",
      "the child's pid",
    );
    const child = Number(readFileSync(path.join(runDir, "child.pid"), "utf8"));
    const advice = runDirAdvice(runDir, "this machine", []);
    expect(advice).toMatch(new RegExp(`^the run directory ${runDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} on this machine`));
    expect(advice).not.toContain("*");
    const command = advice.slice(advice.indexOf("remove them with: ") + "remove them with: ".length);
    const exited = new Promise((resolve) => render.once("exit", (_code, signal) => resolve(signal)));
    execFileSync("sh", ["-c", command]);
    expect(await exited).toBe("SIGKILL");
    await until(() => !running(child), "the session's child to die");
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
        `remove them with: ssh -p 2222 me@203.0.113.5 'pkill -KILL -s "$(cat -- /home/me/.render-remote-run.AbCd1234/render.session)"; rm -rf -- /home/me/.render-remote-run.AbCd1234'`,
    );
  });
});

/** Whether a process runs (a zombie waiting for its reaper does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
