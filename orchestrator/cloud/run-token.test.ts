import { afterEach, expect, it } from "vitest";
import { LinodeApiError, LinodeClient } from "./linode-api.ts";
import { createRunToken, liveRunTokens, noServerDeadlineLine, RUN_TOKEN_SCOPES } from "./run-token.ts";
import { startFakeLinodeApi, type FakeLinodeApi, type FakeLinodeOptions } from "./testing/fake-linode-api.ts";

/** The run's own token against the fake API, which follows the v4 description of /profile/tokens. */
let fake: FakeLinodeApi | undefined;
afterEach(async () => {
  const violations = fake?.violations ?? [];
  await fake?.close();
  fake = undefined;
  expect(violations).toEqual([]); // every request and answer conforms to Linode's OpenAPI description
});

async function setup(options: FakeLinodeOptions = {}) {
  fake = await startFakeLinodeApi(options);
  const delays: number[] = [];
  return { fake, client: new LinodeClient({ baseUrl: fake.url, token: fake.token, sleep: async (ms) => void delays.push(ms) }), delays };
}

const deadline = new Date(Date.now() + 3_600_000);

it("asks for exactly linodes and firewalls read/write, expiring 15 minutes after the deadline, labelled with the run", async () => {
  const { fake, client } = await setup();
  const made = await createRunToken(client, "rr-1", deadline);
  expect(made.token).toMatchObject({ label: "render-remote-run:rr-1", expiry: new Date(deadline.getTime() + 15 * 60_000).toISOString() });
  expect(fake.tokens.created).toEqual([
    expect.objectContaining({
      label: "render-remote-run:rr-1",
      scopes: RUN_TOKEN_SCOPES,
      expiry: new Date(deadline.getTime() + 15 * 60_000).toISOString().slice(0, 19),
    }),
  ]);
  expect(made.token?.secret).toBe(fake.tokens.created[0].token);
  // the token works for what the watchdog does, and for nothing else
  const watchdog = new LinodeClient({ baseUrl: fake.url, token: made.token!.secret });
  expect(await watchdog.deleteInstance(5)).toBe("already-gone");
  await expect(watchdog.getAccount()).rejects.toMatchObject({ status: 403 });
  await expect(watchdog.createToken({ label: "x", scopes: RUN_TOKEN_SCOPES, expiry: deadline })).rejects.toMatchObject({ status: 403 });
});

it("without account:read_write: no token, and the reason names the scope (403)", async () => {
  const { fake, client } = await setup({ tokenScopes: "linodes:read_write firewall:read_write" });
  const made = await createRunToken(client, "rr-2", deadline);
  expect(made).toEqual({ reason: "LINODE_TOKEN lacks account:read_write, which creating the run's own token needs", missingScope: true });
  expect(fake.tokens.created).toEqual([]);
  expect(noServerDeadlineLine(made.token ? "" : made.reason, true)).toBe(
    "No server-side deadline for this run (LINODE_TOKEN lacks account:read_write, which creating the run's own token needs): only this laptop destroys the server, so keep it awake, or run `render-remote audit` later. Give LINODE_TOKEN the account:read_write scope to add it.",
  );
});

it("never more than the user's token has: Linode refuses wider scopes (400), and the run is told why", async () => {
  const { client } = await setup({ tokenScopes: "linodes:read_only firewall:read_write account:read_write" });
  const made = await createRunToken(client, "rr-3", deadline);
  expect(made).toMatchObject({
    missingScope: false,
    reason: expect.stringMatching(
      /^Linode refused a token with linodes:read_write firewall:read_write: scopes: Scopes may not exceed the acting token's: linodes:read_write$/,
    ),
  });
});

it("is sent once: a 5xx on POST is not retried (a retry could leave a second live token)", async () => {
  const { fake, client, delays } = await setup();
  fake.fail({ method: "POST", path: "/profile/tokens", status: 503 });
  const made = await createRunToken(client, "rr-4", deadline);
  expect(made.token).toBeUndefined();
  expect(fake.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  expect(delays).toEqual([]);
});

it("a revoked token gets 401 at once, and revoking it again is 'already-gone'", async () => {
  const { client, fake } = await setup();
  const made = (await createRunToken(client, "rr-5", deadline)).token!;
  expect(await client.revokeToken(made.id)).toBe("deleted");
  const error = await new LinodeClient({ baseUrl: fake.url, token: made.secret }).deleteInstance(5).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LinodeApiError);
  expect((error as LinodeApiError).status).toBe(401);
  expect(await client.revokeToken(made.id)).toBe("already-gone");
});

it("liveRunTokens: label render-remote-run:*, not expired", () => {
  const now = new Date("2026-11-24T12:00:00Z");
  const token = (label: string, expiry: string | null) => ({ id: 1, label, scopes: "*", expiry, created: "2026-11-24T00:00:00" });
  expect(
    liveRunTokens(
      [
        token("render-remote-run:a", "2026-11-24T12:00:01"),
        token("render-remote-run:b", "2026-11-24T12:00:00"),
        token("laptop", null),
        token("render-remote-run:c", null),
      ],
      now,
    ).map((t) => t.label),
  ).toEqual(["render-remote-run:a", "render-remote-run:c"]);
});
