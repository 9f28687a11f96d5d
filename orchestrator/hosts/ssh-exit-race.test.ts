import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectSsh, type SshHost } from "./ssh-host.ts";
import { describeWithSshd } from "./testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "./testing/sshd.ts";

/**
 * A relay in front of the real sshd that holds what the server sends until it
 * has been quiet for `quietMs`, then passes it on in one write: a client too
 * busy to read until everything has arrived, as on a loaded machine. A quick
 * command's acceptance, output, exit status and close then reach ssh2 in one
 * read, which it parses in one go.
 */
async function startLateReader(port: number, quietMs: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined); // the other side's close ends both
      socket.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    let held: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    upstream.on("data", (chunk: Buffer) => {
      held.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(() => {
        client.write(Buffer.concat(held));
        held = [];
      }, quietMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describeWithSshd("SshHost when a command's whole life arrives in one read", () => {
  let sshd: TestSshd;
  let relay: Awaited<ReturnType<typeof startLateReader>>;
  let host: SshHost;
  beforeAll(async () => {
    sshd = await startTestSshd();
    relay = await startLateReader(sshd.port, 150);
    host = await connectSsh(
      { user: sshd.user, host: "127.0.0.1", port: relay.port },
      { identityFile: sshd.identityFile, hostKeys: { kind: "pinned", publicKey: sshd.hostPublicKey }, timeoutMs: 20_000 },
    );
  });
  afterAll(async () => {
    await host?.close();
    await relay?.close();
    await sshd?.stop();
  });

  // Seen under load: prepare's `node --version` came back "connection lost" with its output, so a
  // working node read as missing. The exit listener was added after an await, once ssh2 had emitted it.
  it("keeps the exit status: a quick command is not mistaken for a lost connection", async () => {
    for (const code of [0, 3]) {
      const result = await host.exec(["sh", "-c", `echo v20.20.2; exit ${code}`]);
      expect(result).toEqual({ exitCode: code, stdout: "v20.20.2\n", stderr: "", signal: null, connectionLost: false });
    }
    const killed = await host.exec(["sh", "-c", "kill -TERM $$"]);
    expect(killed).toMatchObject({ exitCode: null, signal: "SIGTERM", connectionLost: false });
  });
});
