import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

function tracked(): string[] | undefined {
  try {
    return execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean);
  } catch {
    return undefined; // not a git checkout (an unpacked tarball): nothing tracked to check
  }
}

describe("the repo stands alone", () => {
  it("no tracked file outside .ci/ reads or links the CI layout's sibling shared/ directory (the check .ci/run makes)", () => {
    if (!tracked()) return;
    let hits = "";
    try {
      hits = execFileSync("git", ["grep", "-nE", String.raw`\.\./shared\b`, "--", ":!.ci/"], { cwd: root, encoding: "utf8" });
    } catch (error) {
      if ((error as { status?: number }).status !== 1) throw error; // 1 = no match
    }
    expect(hits).toBe("");
  });

  it(".ci/run fails on such a reference before it installs or tests anything", async () => {
    const { readFileSync } = await import("node:fs");
    const script = readFileSync(path.join(root, ".ci/run"), "utf8");
    const check = script.indexOf("git grep -nE '\\.\\./shared\\b'");
    expect(check).toBeGreaterThan(0);
    expect(check).toBeLessThan(script.indexOf("npm ci"));
  });
});
