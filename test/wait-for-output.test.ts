import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { waitForOutput } from "./wait-for-output.ts";

describe("waitForOutput", () => {
  it("resolves when the text appears, even split across chunks", async () => {
    const child = execa(
      process.execPath,
      [
        "-e",
        `process.stderr.write('{"event":"fr'); setTimeout(() => { process.stderr.write('ame"}\\n'); setTimeout(() => {}, 200); }, 50)`,
      ],
      { reject: false },
    );
    await waitForOutput(child, "stderr", '"event":"frame"');
    await child;
  });

  it("stops waiting when the child exits first, and fails with what it printed", async () => {
    const child = execa(process.execPath, ["-e", "console.log('hello'); console.error('Error: cannot connect'); process.exit(3)"], {
      reject: false,
    });
    await expect(waitForOutput(child, "stderr", '"event":"frame"')).rejects.toThrow(
      /exited \(code 3[\s\S]*hello[\s\S]*Error: cannot connect/,
    );
    await child;
  });
});
