import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { it, expect } from "vitest";
import { startTestSshd } from "./testing/sshd.ts";
import { connectSsh } from "./ssh-host.ts";
it("path", async () => {
  const bin = mkdtempSync("/tmp/h21/bin-");
  chmodSync(bin, 0o755);
  writeFileSync(`${bin}/node`, "#!/bin/sh\necho fake-node\n", { mode: 0o755 });
  const sshd = await startTestSshd(undefined, { env: { PATH: `${bin}:/usr/bin:/bin` } });
  const host = await connectSsh(sshd, { identityFile: sshd.identityFile, hostKeys: { kind: "known_hosts", file: sshd.knownHostsFile, acceptNew: false }, timeoutMs: 10000 });
  const r = await host.exec(["node", "--version"]);
  console.log(r);
  await host.close(); await sshd.stop();
  expect(r.stdout).toBe("fake-node\n");
});
