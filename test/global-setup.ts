import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sshdAvailability } from "../orchestrator/hosts/testing/sshd.ts";
import { createSuiteUser, removeSuiteUser, TEST_USER_ENV } from "../orchestrator/hosts/testing/test-user.ts";

/**
 * Once per `vitest run`, in the main process (workers inherit the environment set here):
 * - tests run the shipped bundles, so build them first (esbuild: about a second);
 * - the suite gets its own RENDER_REMOTE_HOME (journals, keys), unless one is given;
 * - the suite gets its own TMPDIR, so what a test leaves behind is found (and the run fails, naming it);
 * - as root, the suite gets its own SSH login user and home, so two suites at once cannot see
 *   each other's run directories.
 */
export default function setup(): () => void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  const tmp = mkdtempSync(path.join(os.tmpdir(), `render-remote-tests-${process.pid}-`));
  chmodSync(tmp, 0o711); // the SSH test user reads its authorized_keys from a test sshd's dir in here
  // runs journal themselves (--target runs too): never into the developer's own ~/.render-remote
  const state = process.env.RENDER_REMOTE_HOME ? undefined : mkdtempSync(path.join(os.tmpdir(), `render-remote-state-${process.pid}-`));
  if (state) process.env.RENDER_REMOTE_HOME = state;
  process.env.TMPDIR = tmp;
  const user = process.getuid?.() === 0 && sshdAvailability().available ? createSuiteUser() : undefined;
  if (user) process.env[TEST_USER_ENV] = user.name;
  return () => {
    if (user) removeSuiteUser(user.name);
    if (state) rmSync(state, { recursive: true, force: true });
    const left = readdirSync(tmp);
    rmSync(tmp, { recursive: true, force: true });
    if (left.length > 0) {
      throw new Error(
        `The tests left ${left.length} entries in their TMPDIR (${tmp}), now removed: ${left.sort().join(", ")}. ` +
          "Every test must remove what it creates (test/temp-dir.ts does it for you).",
      );
    }
  };
}
