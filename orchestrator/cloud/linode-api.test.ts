import { afterEach, describe, expect, it } from "vitest";
import { BadInputError, exitCodeFor } from "../errors.ts";
import { LinodeApiError, LinodeClient, linodeClientFromEnv, resolveBaseUrl } from "./linode-api.ts";
import { pulumiEnvVars } from "./pulumi-settings.ts";
import { fakeFirewall, fakeInstance, startFakeLinodeApi, type FakeLinodeApi, type FakeLinodeOptions } from "./testing/fake-linode-api.ts";

let fake: FakeLinodeApi | undefined;
afterEach(async () => {
  // Every request the client made, and every answer the fake gave, conforms to Linode's OpenAPI description.
  const violations = fake?.violations ?? [];
  await fake?.close();
  fake = undefined;
  expect(violations).toEqual([]);
});

/** A client against a fresh fake API; `delays` records every backoff instead of waiting. */
async function setup(
  options: FakeLinodeOptions = {},
  client: { token?: string | null; pageSize?: number; maxAttempts?: number; maxPages?: number } = {},
) {
  fake = await startFakeLinodeApi(options);
  const delays: number[] = [];
  const api = new LinodeClient({
    baseUrl: fake.url,
    token: client.token === null ? undefined : (client.token ?? fake.token),
    pageSize: client.pageSize,
    maxAttempts: client.maxAttempts,
    maxPages: client.maxPages,
    sleep: async (ms) => void delays.push(ms),
  });
  return { fake, api, delays };
}

const tagged = (id: number, run = "r1") => fakeInstance({ id, tags: ["render-remote", `render-remote-run:${run}`] });

describe("LinodeClient.listInstances", () => {
  it("follows page and pages until every instance is read", async () => {
    const instances = Array.from({ length: 60 }, (_, i) => tagged(1000 + i));
    const { fake, api } = await setup({ instances }, { pageSize: 25 });
    const listed = await api.listInstances({ tag: "render-remote" });
    expect(listed.map((i) => i.id)).toEqual(instances.map((i) => i.id));
    const pages = fake.requests.filter((r) => r.path === "/linode/instances").map((r) => [r.query.page, r.query.page_size]);
    expect(pages).toEqual([
      ["1", "25"],
      ["2", "25"],
      ["3", "25"],
    ]);
  });

  it("asks for 500 a page by default (the API maximum)", async () => {
    const { fake, api } = await setup({ instances: [tagged(1)] });
    await api.listInstances({ tag: "render-remote" });
    expect(fake.requests[0].query.page_size).toBe("500");
  });

  it("checks the tag itself instead of sending an X-Filter, and gets only tagged instances back", async () => {
    const { fake, api } = await setup({ instances: [tagged(1), fakeInstance({ id: 2, tags: ["web"] }), tagged(3, "r2")] });
    const listed = await api.listInstances({ tag: "render-remote" });
    expect(listed.map((i) => i.id)).toEqual([1, 3]);
    expect(fake.requests[0].xFilter).toBeUndefined();
    expect(fake.requests[0].authorized).toBe(true);
  });

  for (const listMatch of ["contains", "equals"] as const) {
    it(`finds every tagged instance and firewall when the server's tag filter means "${listMatch}"`, async () => {
      const { api } = await setup({
        listMatch,
        instances: [tagged(1), fakeInstance({ id: 2, tags: ["web"] }), fakeInstance({ id: 3, tags: ["render-remote"] }), tagged(4, "r2")],
        firewalls: [fakeFirewall({ id: 7, tags: ["render-remote", "render-remote-run:r1"] }), fakeFirewall({ id: 8, tags: ["web"] })],
      });
      expect((await api.listInstances({ tag: "render-remote" })).map((i) => i.id)).toEqual([1, 3, 4]);
      expect((await api.listFirewalls({ tag: "render-remote" })).map((f) => f.id)).toEqual([7]);
    });
  }

  it("stops with a bad-response error when a server claims 10,000 pages", async () => {
    const { fake } = await setup({ instances: [tagged(1)] });
    fake.claimPages = 10_000;
    // Without a cap the client would read all 10,000 pages: the stub pulls the plug at 300 requests so the test fails instead of hanging.
    const runaway = new AbortController();
    let calls = 0;
    const guarded: typeof fetch = (url, init) =>
      ++calls > 300 ? (runaway.abort(), Promise.reject(new Error("runaway paging"))) : fetch(url, init);
    const api = new LinodeClient({ baseUrl: fake.url, token: fake.token, fetch: guarded, maxPages: 50 });
    const error = (await api
      .listInstances({ tag: "render-remote" }, { signal: runaway.signal })
      .catch((e: unknown) => e)) as LinodeApiError;
    expect(error).toBeInstanceOf(LinodeApiError);
    expect(error.kind).toBe("bad-response");
    expect(error.message).toContain("it claims 10000 pages, more than the 50 render-remote reads");
    expect(fake.requests.length).toBeLessThanOrEqual(50);
  });

  it("reads exactly maxPages pages when the server has that many", async () => {
    const { fake, api } = await setup({ instances: Array.from({ length: 50 }, (_, i) => tagged(i + 1)) }, { pageSize: 25, maxPages: 2 });
    expect(await api.listInstances({ tag: "render-remote" })).toHaveLength(50);
    expect(fake.requests).toHaveLength(2);
  });

  it("rejects a page other than the one asked for (a server that always answers page 1)", async () => {
    const page = (n: number) => ({ data: [fakeInstance({ id: n, tags: ["render-remote"] })], page: 1, pages: 3, results: 3 });
    let calls = 0;
    const api = new LinodeClient({
      token: "t",
      baseUrl: "http://127.0.0.1:9/v4",
      fetch: async () => (++calls > 50 ? new Response("{}", { status: 400 }) : new Response(JSON.stringify(page(calls)))),
    });
    await expect(api.listInstances({ tag: "render-remote" })).rejects.toMatchObject({
      kind: "bad-response",
      message: expect.stringContaining("asked for page 2, got page 1"),
    });
    expect(calls).toBe(2);
  });

  it("drops anything without the exact tag even when the server filter is looser", async () => {
    const page = {
      data: [fakeInstance({ id: 1, tags: ["render-remote"] }), fakeInstance({ id: 2, tags: ["render-remote-old"] })],
      page: 1,
      pages: 1,
      results: 2,
    };
    const api = new LinodeClient({ token: "t", baseUrl: "http://127.0.0.1:9/v4", fetch: async () => new Response(JSON.stringify(page)) });
    expect((await api.listInstances({ tag: "render-remote" })).map((i) => i.id)).toEqual([1]);
  });
});

describe("LinodeClient.getInstance", () => {
  it("refuses an answer about another instance than the one asked for", async () => {
    const other = fakeInstance({ id: 99, tags: ["render-remote"] });
    const api = new LinodeClient({ token: "t", baseUrl: "http://127.0.0.1:9/v4", fetch: async () => new Response(JSON.stringify(other)) });
    await expect(api.getInstance(5)).rejects.toMatchObject({
      kind: "bad-response",
      message: expect.stringContaining("asked for instance 5, got 99"),
    });
  });
});

describe("LinodeClient firewalls and deletes", () => {
  it("lists firewalls by tag and deletes one", async () => {
    const { fake, api } = await setup({ firewalls: [fakeFirewall({ id: 7, tags: ["render-remote"] }), fakeFirewall({ id: 8 })] });
    expect((await api.listFirewalls({ tag: "render-remote" })).map((f) => f.id)).toEqual([7]);
    expect(await api.deleteFirewall(7)).toBe("deleted");
    expect(fake.firewalls.map((f) => f.id)).toEqual([8]);
    expect(fake.deleted("firewalls")).toEqual([7]);
  });

  it("deletes an instance, and treats deleting it again as already gone", async () => {
    const { fake, api } = await setup({ instances: [tagged(5), tagged(6)] });
    expect(await api.deleteInstance(5)).toBe("deleted");
    expect(await api.deleteInstance(5)).toBe("already-gone");
    expect(fake.instances.map((i) => i.id)).toEqual([6]);
    expect(await api.getInstance(5)).toBeUndefined();
    expect((await api.getInstance(6))?.tags).toContain("render-remote");
  });
});

describe("LinodeClient errors and retries", () => {
  it("turns 401 into a message that says how to get a token, without the token", async () => {
    const { api } = await setup({ token: "the-real-one" }, { token: "wrong-secret-token" });
    const error = await api.listInstances({ tag: "render-remote" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LinodeApiError);
    expect((error as LinodeApiError).status).toBe(401);
    expect((error as LinodeApiError).kind).toBe("auth");
    expect((error as Error).message).toMatch(/^LINODE_TOKEN was rejected \(401: Invalid Token\)\. Create a personal access token/);
    expect((error as Error).message).toContain("export LINODE_TOKEN=");
    expect((error as Error).message).not.toContain("wrong-secret-token");
  });

  it("says which scope a 403 lacks", async () => {
    const { fake, api } = await setup({ instances: [tagged(5)] });
    fake.fail({ method: "DELETE", status: 403, reasons: ["Unauthorized"] });
    const error = (await api.deleteInstance(5).catch((e: unknown) => e)) as LinodeApiError;
    expect(error).toMatchObject({ status: 403, kind: "auth" });
    expect(error.message).toMatch(
      /^LINODE_TOKEN may not DELETE \/linode\/instances\/5 \(403: Unauthorized\): it needs the linodes:read_write scope, and a restricted user also needs the grant for it\./,
    );
    fake.fail({ path: "/networking/firewalls", status: 403 });
    expect(((await api.listFirewalls().catch((e: unknown) => e)) as Error).message).toContain("it needs the firewall:read_only scope");
    fake.fail({ path: "/account", status: 403 });
    expect(((await api.getAccount().catch((e: unknown) => e)) as Error).message).toContain("it needs the account:read_only scope");
  });

  it("names each command's scopes in the token help", async () => {
    const { api } = await setup({}, { token: null });
    const message = ((await api.listInstances().catch((e: unknown) => e)) as Error).message;
    expect(message).toContain("renting (--plan) needs Linodes and Firewalls read/write");
    expect(message).toContain("`audit` needs Linodes and Firewalls read-only (read/write for --destroy)");
    expect(message).toContain("Account read-only only adds the balance line");
  });

  it("fails before any request when there is no token", async () => {
    const { fake, api } = await setup({}, { token: null });
    await expect(api.listInstances()).rejects.toMatchObject({
      kind: "no-token",
      message: expect.stringMatching(/^LINODE_TOKEN is not set/),
    });
    expect(fake.requests).toHaveLength(0);
  });

  it("waits as long as Retry-After says on 429, then succeeds", async () => {
    const { fake, api, delays } = await setup({ instances: [tagged(1)] });
    fake.fail({ path: "/linode/instances", status: 429, retryAfter: 7, times: 2 });
    expect((await api.listInstances({ tag: "render-remote" })).map((i) => i.id)).toEqual([1]);
    expect(delays).toEqual([7000, 7000]);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("retries a 500 with exponential backoff", async () => {
    const { fake, api, delays } = await setup({ instances: [tagged(1)] });
    fake.fail({ path: "/linode/instances", status: 500, times: 2 });
    expect(await api.listInstances({ tag: "render-remote" })).toHaveLength(1);
    expect(delays).toEqual([500, 1000]);
  });

  it("gives up after maxAttempts with the status and Linode's reasons", async () => {
    const { fake, api, delays } = await setup({}, { maxAttempts: 3 });
    fake.fail({ path: "/account", status: 503, times: 10, reasons: ["Service unavailable"] });
    const error = (await api.getAccount().catch((e: unknown) => e)) as LinodeApiError;
    expect(error.status).toBe(503);
    expect(error.reasons).toEqual(["Service unavailable"]);
    expect(error.message).toContain("GET /account kept failing (503: Service unavailable)");
    expect(delays).toHaveLength(2);
  });

  it("does not retry a 400, and keeps Linode's reason", async () => {
    const { fake, api, delays } = await setup();
    fake.fail({ path: "/linode/instances", status: 400, reasons: ["Bad request"] });
    const error = (await api.listInstances().catch((e: unknown) => e)) as LinodeApiError;
    expect(error).toMatchObject({ status: 400, kind: "client", reasons: ["Bad request"] });
    expect(error.message).toBe("Linode API GET /linode/instances failed (400: Bad request).");
    expect(delays).toEqual([]);
  });

  it("keeps Linode's reason when the error names no field (field: null)", async () => {
    const body = {
      errors: [
        { field: null, reason: "Linode busy." },
        { field: "label", reason: "Label must be unique" },
      ],
    };
    const api = new LinodeClient({
      token: "t",
      baseUrl: "http://127.0.0.1:9/v4",
      fetch: async () => new Response(JSON.stringify(body), { status: 400 }),
    });
    const error = (await api.getAccount().catch((e: unknown) => e)) as LinodeApiError;
    expect(error.reasons).toEqual(["Linode busy.", "label: Label must be unique"]);
    expect(error.message).toBe("Linode API GET /account failed (400: Linode busy.; label: Label must be unique).");
  });

  it("reports an unreachable API as a network error after retrying", async () => {
    const { fake: closed } = await setup();
    const url = closed.url;
    await closed.close();
    fake = undefined;
    const delays: number[] = [];
    const api = new LinodeClient({ baseUrl: url, token: "t", maxAttempts: 2, sleep: async (ms) => void delays.push(ms) });
    await expect(api.getAccount()).rejects.toMatchObject({ kind: "network", status: 0 });
    expect(delays).toEqual([500]);
  });
});

describe("LinodeClient public calls and base URL", () => {
  it("reads types without a token", async () => {
    const { fake, api } = await setup({}, { token: null });
    const types = await api.listTypes();
    expect(types.find((t) => t.id === "g6-dedicated-48")?.vcpus).toBe(48);
    expect(fake.requests[0].authorized).toBe(false);
  });

  it("refuses a LINODE_URL that would send the token in clear text (exit 2), except to loopback", () => {
    for (const url of ["http://api.linode.com/v4", "http://10.0.0.5:4000", "ftp://example.com", "not a url"]) {
      const error = (() => {
        try {
          linodeClientFromEnv({ LINODE_URL: url, LINODE_TOKEN: "t" });
        } catch (e) {
          return e;
        }
      })();
      expect(error, url).toBeInstanceOf(BadInputError);
      expect(exitCodeFor(error)).toBe(2);
      expect((error as Error).message).toContain("LINODE_URL");
    }
    expect(() => linodeClientFromEnv({ LINODE_URL: "http://api.linode.com/v4" })).toThrow(
      "LINODE_URL must use https:// (got http://api.linode.com): LINODE_TOKEN would travel in clear text.",
    );
    expect(resolveBaseUrl("http://localhost:4000")).toBe("http://localhost:4000/v4");
    expect(resolveBaseUrl("http://[::1]:4000/v4")).toBe("http://[::1]:4000/v4");
    expect(resolveBaseUrl("http://127.3.4.5/v4")).toBe("http://127.3.4.5/v4");
    expect(() => pulumiEnvVars("pass", { LINODE_TOKEN: "t", LINODE_URL: "http://example.com/v4" })).toThrow(BadInputError);
  });

  it("resolves LINODE_URL like the Linode Go client: a bare host gets /v4", () => {
    expect(resolveBaseUrl(undefined)).toBe("https://api.linode.com/v4");
    expect(resolveBaseUrl("http://127.0.0.1:4000")).toBe("http://127.0.0.1:4000/v4");
    expect(resolveBaseUrl("https://api.linode.com/v4beta/")).toBe("https://api.linode.com/v4beta");
  });
});
