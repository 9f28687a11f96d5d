import { describe, expect, it } from "vitest";
import { LinodeApiError, LinodeClient, linodeClientFromEnv, requireSafeLinodeUrl, resolveBaseUrl } from "./linode-api.ts";
import { kindForStatus, scopeFor } from "./linode-api-error.ts";
import { firewallSchema, parseLinodeTime, regionSchema, typeSchema } from "./linode-schemas.ts";
import { fakeInstance } from "./testing/fake-linode-api.ts";

/**
 * Tests found by mutation testing (npm run test:mutation): each kills mutants
 * of the Linode client that the behaviour tests in linode-api.test.ts let live.
 * The client talks to a scripted fetch here, so a test sees every request.
 */
interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
}

function scripted(answers: (Response | Error)[], sent: Sent[] = []): typeof fetch {
  return async (url, init) => {
    sent.push({ url: String(url), method: String(init?.method), headers: { ...(init?.headers as Record<string, string>) } });
    const next = answers.shift();
    if (next === undefined) throw new Error("scripted fetch: no answer left");
    if (next instanceof Error) throw next;
    return next;
  };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
const page = (data: unknown[], pageNumber = 1, pages = 1) => json({ data, page: pageNumber, pages, results: data.length });

function client(
  answers: (Response | Error)[],
  options: { token?: string; maxAttempts?: number; pageSize?: number; maxPages?: number } = {},
) {
  const sent: Sent[] = [];
  const delays: number[] = [];
  const api = new LinodeClient({
    baseUrl: "http://127.0.0.1:9/v4",
    token: "token" in options ? options.token : "secret",
    fetch: scripted(answers, sent),
    sleep: async (ms) => void delays.push(ms),
    maxAttempts: options.maxAttempts,
    pageSize: options.pageSize,
    maxPages: options.maxPages,
  });
  return { api, sent, delays };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error as LinodeApiError,
  );

describe("LinodeClient requests", () => {
  it("sends Accept, User-Agent and the bearer token on authenticated calls, and no token on public ones", async () => {
    const { api, sent } = client([page([]), page([])]);
    await api.listInstances();
    await api.listTypes();
    expect(sent[0]).toEqual({
      url: "http://127.0.0.1:9/v4/linode/instances?page=1&page_size=500",
      method: "GET",
      headers: { Accept: "application/json", "User-Agent": "render-remote", Authorization: "Bearer secret" },
    });
    expect(sent[1].headers).toEqual({ Accept: "application/json", "User-Agent": "render-remote" });
  });

  it("treats an empty token as no token", async () => {
    const { api, sent } = client([], { token: "" });
    expect(await failure(api.getAccount())).toMatchObject({ kind: "no-token", status: 0, method: "GET", path: "/account" });
    expect(sent).toEqual([]);
  });

  it("clamps the page size to 25..500 and reads at least one page", async () => {
    const small = client([page([])], { pageSize: 1 });
    await small.api.listFirewalls();
    expect(small.sent[0].url).toContain("?page=1&page_size=25");
    const big = client([page([])], { pageSize: 5000 });
    await big.api.listFirewalls();
    expect(big.sent[0].url).toContain("?page=1&page_size=500");
    const none = client([page([fakeInstance({ id: 1 })], 1, 1)], { maxPages: 0 });
    expect((await none.api.listInstances()).map((i) => i.id)).toEqual([1]);
    const capped = client([page([fakeInstance({ id: 1 })], 1, 2)], { maxPages: 0 });
    expect((await failure(capped.api.listInstances())).message).toContain("it claims 2 pages, more than the 1 render-remote reads");
  });

  it("makes one attempt when maxAttempts is 0 or 1", async () => {
    const { api, sent, delays } = client([json({ errors: [{ reason: "down" }] }, 503)], { maxAttempts: 0 });
    expect(await failure(api.getAccount())).toMatchObject({ kind: "server", status: 503 });
    expect(sent).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("makes five attempts by default, with backoff between them", async () => {
    const down = () => json({ errors: [{ reason: "down" }] }, 500);
    const { api, sent, delays } = client([down(), down(), down(), down(), down(), json({ balance: 1, balance_uninvoiced: 2 })]);
    expect(await failure(api.getAccount())).toMatchObject({ kind: "server", status: 500 });
    expect(sent).toHaveLength(5);
    expect(delays).toEqual([500, 1000, 2000, 4000]);
  });

  it("stops on an empty page even when the server claims more pages", async () => {
    const { api, sent } = client([page([], 1, 3)]);
    expect(await api.listInstances()).toEqual([]);
    expect(sent).toHaveLength(1);
  });

  it("reads every page up to the last one", async () => {
    const { api, sent } = client([page([fakeInstance({ id: 1 })], 1, 2), page([fakeInstance({ id: 2 })], 2, 2)]);
    expect((await api.listInstances()).map((i) => i.id)).toEqual([1, 2]);
    expect(sent.map((s) => s.url.split("?")[1])).toEqual(["page=1&page_size=500", "page=2&page_size=500"]);
  });

  it("does not retry after the caller aborted, and rethrows the caller's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("user pressed Ctrl-C");
    controller.abort(reason);
    const { api, sent, delays } = client([reason, page([])]);
    expect(await failure(api.listInstances({}, { signal: controller.signal }))).toBe(reason);
    expect(sent).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("retries a network failure, then names it without the query string", async () => {
    const cause = new TypeError("fetch failed");
    const { api, sent, delays } = client([cause, cause], { maxAttempts: 2 });
    const error = await failure(api.listFirewalls());
    expect(error).toMatchObject({ kind: "network", status: 0, method: "GET", path: "/networking/firewalls", cause });
    expect(error.message).toBe(
      "Could not reach the Linode API (GET /networking/firewalls). Check your network and LINODE_URL, then try again.",
    );
    expect(sent).toHaveLength(2);
    expect(delays).toEqual([500]);
  });

  it("does not retry a 404 on a list, and strips the query from the error's path", async () => {
    const { api, sent } = client([json({ errors: [{ reason: "Not found" }] }, 404)]);
    const error = await failure(api.listInstances());
    expect(error).toMatchObject({ kind: "not-found", status: 404, path: "/linode/instances", reasons: ["Not found"] });
    expect(error.message).toBe("Linode API GET /linode/instances failed (404: Not found).");
    expect(sent).toHaveLength(1);
  });

  it("rethrows errors other than 404 from getInstance, getRegion and deletes", async () => {
    const bad = () => json({ errors: [{ reason: "nope" }] }, 400);
    const { api } = client([bad(), bad(), bad(), bad()]);
    expect(await failure(api.getInstance(5))).toMatchObject({ status: 400, path: "/linode/instances/5" });
    expect(await failure(api.getRegion("us-east"))).toMatchObject({ status: 400, path: "/regions/us-east" });
    expect(await failure(api.deleteInstance(5))).toMatchObject({ status: 400, method: "DELETE", path: "/linode/instances/5" });
    expect(await failure(api.deleteFirewall(6))).toMatchObject({ status: 400, method: "DELETE", path: "/networking/firewalls/6" });
  });

  it("answers undefined for a 404 region and sends no token for regions", async () => {
    const { api, sent } = client([json({ errors: [{ reason: "Not found" }] }, 404), json({ id: "us east" })]);
    expect(await api.getRegion("nowhere")).toBeUndefined();
    expect(await api.getRegion("us east")).toEqual({ id: "us east", capabilities: [] });
    expect(sent[1].url).toBe("http://127.0.0.1:9/v4/regions/us%20east");
    expect(sent.every((s) => s.headers.Authorization === undefined)).toBe(true);
  });

  it("sends the token for getInstance, getAccount and deletes", async () => {
    const { api, sent } = client([json(fakeInstance({ id: 5 })), json({ balance: 1, balance_uninvoiced: 2 }), json({}), json({})]);
    expect((await api.getInstance(5))?.id).toBe(5);
    expect(await api.getAccount()).toEqual({ balance: 1, balance_uninvoiced: 2 });
    expect(await api.deleteInstance(5)).toBe("deleted");
    expect(await api.deleteFirewall(6)).toBe("deleted");
    expect(sent.map((s) => `${s.method} ${s.url.replace("http://127.0.0.1:9/v4", "")} ${s.headers.Authorization}`)).toEqual([
      "GET /linode/instances/5 Bearer secret",
      "GET /account Bearer secret",
      "DELETE /linode/instances/5 Bearer secret",
      "DELETE /networking/firewalls/6 Bearer secret",
    ]);
  });

  it("accepts an empty 200 body on DELETE and a non-JSON error body", async () => {
    const { api } = client([new Response("", { status: 200 }), new Response("<html>Bad Gateway</html>", { status: 400 })]);
    expect(await api.deleteInstance(5)).toBe("deleted");
    const error = await failure(api.deleteInstance(6));
    expect(error).toMatchObject({ kind: "client", status: 400, reasons: [] });
    expect(error.message).toBe("Linode API DELETE /linode/instances/6 failed (400).");
  });

  it("names at most three fields a body lacks, and '(body)' when the body itself is wrong", async () => {
    const { api } = client([json({ id: 5 }), new Response("not json at all", { status: 200 }), json([1, 2])]);
    const missing = await failure(api.getInstance(5));
    expect(missing).toMatchObject({ kind: "bad-response", status: 200, method: "GET", path: "/linode/instances/5" });
    expect(missing.reasons).toHaveLength(3);
    expect(missing.reasons.map((r) => r.split(":")[0])).toEqual(["label", "type", "region"]);
    expect(missing.message).toMatch(
      /^Linode API GET \/linode\/instances\/5 answered with a body render-remote does not understand: label: .+; type: .+; region: .+\. Is LINODE_URL pointing at the Linode API v4\?$/,
    );
    const text = await failure(api.getAccount());
    expect(text.reasons.map((r) => r.split(":")[0])).toEqual(["balance", "balance_uninvoiced"]);
    const array = await failure(api.getAccount());
    expect(array.reasons).toHaveLength(1);
    expect(array.reasons[0]).toMatch(/^\(body\): /);
  });

  it("refuses a page other than the one asked for, naming both", async () => {
    const { api } = client([page([fakeInstance({ id: 1 })], 1, 2), page([fakeInstance({ id: 1 })], 1, 2)]);
    const error = await failure(api.listInstances());
    expect(error).toMatchObject({ kind: "bad-response", path: "/linode/instances", reasons: ["asked for page 2, got page 1"] });
  });

  it("refuses an instance answer about another id, naming both", async () => {
    const { api } = client([json(fakeInstance({ id: 6 }))]);
    const error = await failure(api.getInstance(5));
    expect(error).toMatchObject({
      kind: "bad-response",
      method: "GET",
      path: "/linode/instances/{id}",
      reasons: ["asked for instance 5, got 6"],
    });
  });

  it("filters by tag only when a tag is given", async () => {
    const items = [fakeInstance({ id: 1, tags: ["a"] }), fakeInstance({ id: 2, tags: ["b"] }), fakeInstance({ id: 3, tags: [] })];
    const { api } = client([page(items), page(items), page(items)]);
    expect((await api.listInstances()).map((i) => i.id)).toEqual([1, 2, 3]);
    expect((await api.listInstances({ tag: "b" })).map((i) => i.id)).toEqual([2]);
    expect((await api.listInstances({ tag: "" })).map((i) => i.id)).toEqual([]);
  });
});

describe("LINODE_URL", () => {
  it("defaults a blank LINODE_URL and strips every trailing slash", () => {
    expect(resolveBaseUrl("")).toBe("https://api.linode.com/v4");
    expect(resolveBaseUrl("   ")).toBe("https://api.linode.com/v4");
    expect(resolveBaseUrl("  https://example.com/v4//  ")).toBe("https://example.com/v4");
    expect(resolveBaseUrl("https://example.com/api/v4x")).toBe("https://example.com/api/v4x/v4");
    expect(resolveBaseUrl("https://example.com/v4/x")).toBe("https://example.com/v4/x/v4");
    expect(resolveBaseUrl("https://example.com/v4beta")).toBe("https://example.com/v4beta");
  });

  it("allows plain http only to loopback names and addresses", () => {
    for (const ok of [
      "http://localhost:1/v4",
      "http://127.0.0.1/v4",
      "http://127.255.0.9/v4",
      "http://[::1]:4000/v4",
      "http://[::ffff:127.0.0.1]/v4",
      "http://[::FFFF:127.9.8.7]:80/v4",
      "https://10.0.0.1/v4",
    ]) {
      expect(requireSafeLinodeUrl(ok), ok).toBe(ok);
    }
    for (const bad of [
      "http://128.0.0.1/v4",
      "http://1.127.0.0/v4",
      "http://[::2]/v4",
      "http://localhost.example.com/v4",
      "http://127.example.com/v4",
      "http://[2001:db8::1]/v4",
      "http://[::ffff:128.0.0.1]/v4",
      "http://[::ffff:10.127.0.1]/v4",
      "http://[1::ffff:127.0.0.1]/v4",
    ]) {
      expect(() => requireSafeLinodeUrl(bad), bad).toThrow(
        /^LINODE_URL must use https:\/\/ \(got http:\/\/.+\): LINODE_TOKEN would travel in clear text\. Unset LINODE_URL/,
      );
    }
    expect(() => requireSafeLinodeUrl("::")).toThrow(
      'LINODE_URL "::" is not a URL. Unset it to use https://api.linode.com/v4, or set it to an https:// URL.',
    );
  });
});

describe("LinodeApiError", () => {
  it("maps each status to its kind", () => {
    expect([400, 401, 403, 404, 409, 429, 499, 500, 503].map(kindForStatus)).toEqual([
      "client",
      "auth",
      "auth",
      "not-found",
      "client",
      "rate-limit",
      "client",
      "server",
      "server",
    ]);
  });

  it("names the scope each call needs", () => {
    expect(scopeFor("GET", "/linode/instances/5")).toBe("linodes:read_only");
    expect(scopeFor("DELETE", "/linode/instances/5")).toBe("linodes:read_write");
    expect(scopeFor("GET", "/networking/firewalls")).toBe("firewall:read_only");
    expect(scopeFor("DELETE", "/networking/firewalls/7")).toBe("firewall:read_write");
    expect(scopeFor("GET", "/account")).toBe("account:read_only");
    expect(scopeFor("GET", "/regions/us-east")).toBeUndefined();
    expect(scopeFor("GET", "/profile/tokens")).toBe("account:read_only");
    expect(scopeFor("POST", "/profile/tokens")).toBe("account:read_write");
    expect(scopeFor("DELETE", "/profile/tokens/9")).toBe("account:read_write");
  });

  it("writes one message per kind, with Linode's reasons when there are some", () => {
    const message = (kind: LinodeApiError["kind"], status: number, reasons: string[] = [], path = "/linode/instances") =>
      new LinodeApiError({ kind, status, method: "GET", path, reasons }).message;
    expect(message("rate-limit", 429)).toBe(
      "Linode API GET /linode/instances kept failing (429) after retries. Check status.linode.com, then try again.",
    );
    expect(message("server", 502, ["a", "b"])).toBe(
      "Linode API GET /linode/instances kept failing (502: a; b) after retries. Check status.linode.com, then try again.",
    );
    expect(message("auth", 401)).toMatch(
      /^LINODE_TOKEN was rejected \(401\)\. Create a personal access token at https:\/\/cloud\.linode\.com\/profile\/tokens \(renting/,
    );
    expect(message("auth", 403, [], "/regions/x")).toMatch(
      /^LINODE_TOKEN may not GET \/regions\/x \(403\): its scopes or its user's grants do not allow it\. Create a personal access token/,
    );
    expect(message("bad-response", 200)).toBe(
      "Linode API GET /linode/instances answered with a body render-remote does not understand. Is LINODE_URL pointing at the Linode API v4?",
    );
    expect(message("not-found", 404)).toBe("Linode API GET /linode/instances failed (404).");
    expect(new LinodeApiError({ kind: "client", status: 400, method: "GET", path: "/x", message: "own words" }).message).toBe("own words");
    const error = new LinodeApiError({ kind: "client", status: 400, method: "GET", path: "/x" });
    expect(error).toMatchObject({ name: "LinodeApiError", kind: "client", status: 400, method: "GET", path: "/x", reasons: [] });
  });
});

describe("Linode schemas", () => {
  // npm run test:mutation runs in TZ=Asia/Kolkata: in UTC a zoneless time read as local would pass too.
  it("reads Linode's zoneless timestamps as UTC and keeps an explicit zone", () => {
    expect(parseLinodeTime("2026-11-24T00:49:32.5").toISOString()).toBe("2026-11-24T00:49:32.500Z");
    expect(parseLinodeTime("2026-11-24T00:49:32").toISOString()).toBe("2026-11-24T00:49:32.000Z");
    expect(parseLinodeTime("2026-11-24T00:49:32Z").toISOString()).toBe("2026-11-24T00:49:32.000Z");
    expect(parseLinodeTime("2026-11-24T00:49:32z").toISOString()).toBe("2026-11-24T00:49:32.000Z");
    expect(parseLinodeTime("2026-11-24T00:49:32+02:00").toISOString()).toBe("2026-11-23T22:49:32.000Z");
    expect(parseLinodeTime("2026-11-24T00:49:32-0130").toISOString()).toBe("2026-11-24T02:19:32.000Z");
  });

  it("reads the Linode devices a firewall lists, when a server sends them", () => {
    const firewall = { id: 7, label: "fw", status: "enabled", tags: [], created: "2026-11-24T00:00:00" };
    expect(firewallSchema.parse({ ...firewall, entities: [{ id: 1, type: "linode", label: null, url: "/v4/x" }] }).entities).toEqual([
      { id: 1, type: "linode", label: null },
    ]);
    expect(firewallSchema.parse(firewall).entities).toBeUndefined();
  });

  it("defaults a region's capabilities and a type's region prices to empty lists", () => {
    expect(regionSchema.parse({ id: "us-east" }).capabilities).toEqual([]);
    const type = typeSchema.parse({
      id: "g6-dedicated-2",
      label: "D",
      class: "dedicated",
      vcpus: 2,
      memory: 4096,
      price: { hourly: 0.054, monthly: 36 },
    });
    expect(type.region_prices).toEqual([]);
  });
});

describe("LinodeClient.createToken", () => {
  interface Posted {
    method: string;
    headers: Record<string, string>;
    body: unknown;
  }
  function tokenClient(answers: Response[]) {
    const posted: Posted[] = [];
    const api = new LinodeClient({
      baseUrl: "http://127.0.0.1:9/v4",
      token: "secret",
      sleep: async () => undefined,
      fetch: async (_url, init) => {
        posted.push({
          method: String(init?.method),
          headers: { ...(init?.headers as Record<string, string>) },
          body: JSON.parse(String(init?.body)),
        });
        const next = answers.shift();
        if (next === undefined) throw new Error("scripted fetch: no answer left");
        return next;
      },
    });
    return { api, posted };
  }
  const request = { label: "render-remote-run:rr-1", scopes: "linodes:read_write", expiry: new Date("2026-11-24T10:15:00.250Z") };
  const created = { id: 901, label: request.label, scopes: request.scopes, expiry: "2026-11-24T10:15:00", created: "2026-11-24T09:00:00" };

  it("posts label, scopes and the expiry in whole UTC seconds as JSON, and returns the secret", async () => {
    const { api, posted } = tokenClient([json({ ...created, token: "s3cret" })]);
    expect(await api.createToken(request)).toEqual({ ...created, token: "s3cret" });
    expect(posted).toEqual([
      {
        method: "POST",
        headers: expect.objectContaining({ "Content-Type": "application/json", Authorization: "Bearer secret" }),
        body: { label: request.label, scopes: request.scopes, expiry: "2026-11-24T10:15:00Z" },
      },
    ]);
  });

  it("is sent once, even on an answer another call would retry (a second attempt could leave a second live token)", async () => {
    const { api, posted } = tokenClient([json({ errors: [{ reason: "Server error" }] }, 500), json({ ...created, token: "s3cret" })]);
    expect(await failure(api.createToken(request))).toMatchObject({ status: 500, reasons: ["Server error"] });
    expect(posted).toHaveLength(1);
  });

  it("refuses an answer without the token's secret", async () => {
    const { api } = tokenClient([json(created)]);
    const error = await failure(api.createToken(request));
    expect(error).toMatchObject({ kind: "bad-response", method: "POST", path: "/profile/tokens", reasons: ["the answer has no token"] });
  });
});

describe("linodeClientFromEnv", () => {
  it("takes LINODE_TOKEN and LINODE_URL, and lets overrides win", async () => {
    const sent: Sent[] = [];
    const fromEnv = linodeClientFromEnv(
      { LINODE_TOKEN: "env-token", LINODE_URL: "http://127.0.0.1:9" },
      { fetch: scripted([json({ balance: 0, balance_uninvoiced: 0 })], sent) },
    );
    expect(fromEnv.baseUrl).toBe("http://127.0.0.1:9/v4");
    await fromEnv.getAccount().catch(() => undefined);
    expect(sent.map((request) => [request.url, request.headers.Authorization])).toEqual([
      ["http://127.0.0.1:9/v4/account", "Bearer env-token"],
    ]);
  });
});

describe("LinodeClient: what its errors and requests name", () => {
  it("a runaway page count and a wrong page are each a bad GET response on the list's path", async () => {
    const runaway = await failure(client([page([], 1, 300)], { maxPages: 2 }).api.listFirewalls());
    expect(runaway).toMatchObject({
      method: "GET",
      path: "/networking/firewalls",
      reasons: ["it claims 300 pages, more than the 2 render-remote reads"],
    });
    const wrong = await failure(client([page([fakeInstance({ id: 1 })], 1, 2), page([], 1, 2)]).api.listInstances());
    expect(wrong).toMatchObject({ method: "GET", path: "/linode/instances" });
  });

  it("names a bad field inside a list by its whole path", async () => {
    const { label: _dropped, ...unlabelled } = fakeInstance({ id: 3 });
    const error = await failure(client([page([unlabelled])]).api.listInstances());
    expect(error.reasons).toEqual([expect.stringMatching(/^data\.0\.label: /)]);
  });

  it("asks a region's availability without the token (a public call)", async () => {
    const { api, sent } = client([json([{ region: "us-east", plan: "g6-dedicated-48", available: true }])]);
    expect(await api.getRegionAvailability("us-east")).toEqual([{ region: "us-east", plan: "g6-dedicated-48", available: true }]);
    expect(sent.map((request) => [request.url, request.headers.Authorization])).toEqual([
      ["http://127.0.0.1:9/v4/regions/us-east/availability", undefined],
    ]);
  });

  it("refuses a LINODE_URL of any scheme but https, or http to loopback", () => {
    for (const url of ["ftp://127.0.0.1/v4", "ws://localhost/v4", "file:///v4"]) {
      expect(() => requireSafeLinodeUrl(url), url).toThrow(/^LINODE_URL must use https:\/\//);
    }
  });
});

describe("LinodeApiError without reasons", () => {
  it("says no reasons rather than inventing some", () => {
    expect(new LinodeApiError({ kind: "server", status: 500, method: "DELETE", path: "/linode/instances/5" }).message).toBe(
      "Linode API DELETE /linode/instances/5 kept failing (500) after retries. Check status.linode.com, then try again.",
    );
  });
});
