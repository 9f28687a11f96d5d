import { describe, it } from "vitest";
import { sshdAvailability } from "./sshd.ts";

/**
 * `describe` for tests that need a real sshd. Without one the block is
 * reported as skipped with the reason; with REQUIRE_SSHD=1 (CI) a missing
 * sshd is a failure, so CI cannot go green by skipping the SSH tests.
 */
export function describeWithSshd(name: string, fn: () => void): void {
  const { available, reason } = sshdAvailability();
  if (available) {
    describe(name, fn);
  } else if (process.env.REQUIRE_SSHD === "1") {
    describe(name, () => {
      it("has a real sshd to test against", () => {
        throw new Error(`REQUIRE_SSHD=1 but ${reason}.`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${reason}; set REQUIRE_SSHD=1 to fail instead)`, fn);
  }
}
