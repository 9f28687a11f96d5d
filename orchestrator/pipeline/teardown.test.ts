import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cleanupCommand } from "./teardown.ts";
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
