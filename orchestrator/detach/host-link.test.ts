import { expect, it } from "vitest";
import type { Host } from "../hosts/host.ts";
import { HostKeyError } from "../hosts/known-hosts.ts";
import { formatSpan, HostLink, LinkLostError } from "./host-link.ts";

/** A stand-in connection: only its description and close are used by the link. */
const host = (name: string): Host => ({ description: name, close: async () => undefined }) as unknown as Host;
const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:22"), { code: "ECONNREFUSED" });

it("reconnects with backoff, says so, and hands over the new connection", async () => {
  const lines: string[] = [];
  let attempts = 0;
  const link = new HostLink(host("old"), {
    open: async () => (++attempts < 3 ? Promise.reject(refused()) : host("new")),
    reconnectForMs: 60_000,
    say: (line) => void lines.push(line),
    firstDelayMs: 10,
    maxDelayMs: 20,
  });
  await link.reconnect("the connection closed", new AbortController().signal);
  expect(link.current.description).toBe("new");
  expect(attempts).toBe(3);
  expect(lines[0]).toBe(
    "  the link to old dropped (the connection closed); the render goes on there. Reconnecting for up to 60 s (--reconnect-for)…",
  );
  expect(lines[1]).toMatch(/^ {2}still no link to old \(connect ECONNREFUSED 127\.0\.0\.1:22\); trying again in 1 s, for \d+ s more\.$/);
  expect(lines.at(-1)).toMatch(/^ {2}reconnected to old after \d+ s \(attempt 3\)\.$/);
});

it("gives up after --reconnect-for with a LinkLostError naming the last error", async () => {
  const link = new HostLink(host("gone"), {
    open: async () => Promise.reject(refused()),
    reconnectForMs: 300,
    say: () => undefined,
    firstDelayMs: 50,
    maxDelayMs: 50,
  });
  const error = await link.reconnect("keepalive timeout", new AbortController().signal).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(LinkLostError);
  expect((error as Error).message).toBe("Could not reconnect to gone within 0 s (last error: connect ECONNREFUSED 127.0.0.1:22).");
});

it("a changed host key is not a drop: it fails at once; Ctrl-C stops the retrying", async () => {
  let attempts = 0;
  const changed = new HostLink(host("h"), {
    open: async () => {
      attempts++;
      throw new HostKeyError("mismatch", "SHA256:x", "The host key of h changed.");
    },
    reconnectForMs: 60_000,
    say: () => undefined,
    firstDelayMs: 10,
  });
  await expect(changed.reconnect("closed", new AbortController().signal)).rejects.toBeInstanceOf(HostKeyError);
  expect(attempts).toBe(1);
  const controller = new AbortController();
  const stopped = new HostLink(host("h"), {
    open: async () => Promise.reject(refused()),
    reconnectForMs: 60_000,
    say: () => controller.abort(new Error("Ctrl-C")),
    firstDelayMs: 10_000,
  });
  await expect(stopped.reconnect("closed", controller.signal)).rejects.toThrow("Ctrl-C");
  expect(formatSpan(600_000)).toBe("10 min");
  expect(formatSpan(90_000)).toBe("90 s");
});
