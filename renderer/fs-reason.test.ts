import { describe, expect, it } from "vitest";
import { plainMessage, plainReason } from "./fs-reason.ts";

describe("file-system errors in words", () => {
  it("says 'no such file or directory', never ENOENT", async () => {
    const { readFile } = await import("node:fs/promises");
    const error = await readFile("/nonexistent/spec.json").catch((caught: unknown) => caught);
    expect(plainReason(error)).toBe("no such file or directory");
    expect(plainMessage((error as Error).message)).toBe("no such file or directory: /nonexistent/spec.json");
  });

  it("rewrites codes inside longer messages and leaves other text alone", () => {
    expect(plainMessage("Could not write x: EACCES: permission denied, open '/root/x'. Try again.")).toBe(
      "Could not write x: permission denied: /root/x. Try again.",
    );
    expect(plainMessage("Cannot read spec file a.json (ENOENT).")).toBe("Cannot read spec file a.json (no such file or directory).");
    expect(plainMessage("ECONNREFUSED 127.0.0.1:9 and EOF")).toBe("ECONNREFUSED 127.0.0.1:9 and EOF");
  });
});
