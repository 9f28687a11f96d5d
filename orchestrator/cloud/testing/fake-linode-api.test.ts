import { afterEach, describe, expect, it } from "vitest";
import { fakeFirewall, fakeInstance, startFakeLinodeApi, type FakeLinodeApi } from "./fake-linode-api.ts";

/** The fake is itself a test double: check it behaves as the v4 docs say, with raw fetch. */
let fake: FakeLinodeApi;
afterEach(() => fake.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${fake.url}${path}`, { headers: { Authorization: `Bearer ${fake.token}`, ...headers } });

describe("fake Linode API", () => {
  it("listens on loopback only", async () => {
    fake = await startFakeLinodeApi();
    expect(new URL(fake.url).hostname).toBe("127.0.0.1");
    expect(new URL(fake.url).pathname).toBe("/v4");
  });

  it("paginates with page, pages and results, and checks page_size is 25–500", async () => {
    fake = await startFakeLinodeApi({ instances: Array.from({ length: 30 }, (_, i) => fakeInstance({ id: i + 1 })) });
    const second = (await (await get("/linode/instances?page=2&page_size=25")).json()) as { data: { id: number }[] };
    expect(second).toMatchObject({ page: 2, pages: 2, results: 30 });
    expect(second.data.map((i) => i.id)).toEqual([26, 27, 28, 29, 30]);
    const tooSmall = await get("/linode/instances?page_size=10");
    expect(tooSmall.status).toBe(400);
    expect(await tooSmall.json()).toEqual({ errors: [{ field: "page_size", reason: "Must be 25-500" }] });
  });

  it("filters on tags with X-Filter, including +or, and rejects fields it cannot filter", async () => {
    fake = await startFakeLinodeApi({
      instances: [fakeInstance({ id: 1, tags: ["a"] }), fakeInstance({ id: 2, tags: ["b"] }), fakeInstance({ id: 3, tags: ["a", "b"] })],
    });
    const ids = async (filter: unknown) => {
      const body = (await (await get("/linode/instances", { "X-Filter": JSON.stringify(filter) })).json()) as { data: { id: number }[] };
      return body.data.map((i) => i.id);
    };
    expect(await ids({ tags: "a" })).toEqual([1, 3]);
    expect(await ids({ "+or": [{ tags: "b" }, { id: 1 }] })).toEqual([1, 2, 3]);
    expect((await get("/linode/instances", { "X-Filter": '{"ipv4":"1.2.3.4"}' })).status).toBe(400);
    expect((await get("/linode/instances", { "X-Filter": "{not json" })).status).toBe(400);
  });

  it("demands the bearer token except on the public types endpoint", async () => {
    fake = await startFakeLinodeApi();
    const denied = await fetch(`${fake.url}/linode/instances`, { headers: { Authorization: "Bearer nope" } });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ errors: [{ reason: "Invalid Token" }] });
    expect((await fetch(`${fake.url}/linode/types/g6-dedicated-2`)).status).toBe(200);
  });

  it("detaches a deleted instance from its firewalls and records the DELETE", async () => {
    fake = await startFakeLinodeApi({
      instances: [fakeInstance({ id: 5 })],
      firewalls: [fakeFirewall({ id: 9, entities: [{ id: 5, type: "linode", label: "linode5" }] })],
    });
    const response = await fetch(`${fake.url}/linode/instances/5`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${fake.token}` },
    });
    expect(response.status).toBe(200);
    expect(fake.firewalls[0].entities).toEqual([]);
    expect(fake.deleted("instances")).toEqual([5]);
    expect((await get("/linode/instances/5")).status).toBe(404);
  });

  it("can read a tag filter as 'the list equals', the other reading the docs allow", async () => {
    fake = await startFakeLinodeApi({
      listMatch: "equals",
      instances: [fakeInstance({ id: 1, tags: ["a"] }), fakeInstance({ id: 3, tags: ["a", "b"] })],
    });
    const body = (await (await get("/linode/instances", { "X-Filter": '{"tags":"a"}' })).json()) as { data: { id: number }[] };
    expect(body.data.map((i) => i.id)).toEqual([1]);
  });

  it("fails one endpoint for ever while the others answer", async () => {
    fake = await startFakeLinodeApi({ instances: [fakeInstance({ id: 5 })] });
    fake.fail({ path: "/linode/instances", exact: true, status: 503, times: Infinity });
    for (let i = 0; i < 20; i++) expect((await get("/linode/instances")).status).toBe(503);
    expect((await get("/linode/instances/5")).status).toBe(200);
    expect((await get("/networking/firewalls")).status).toBe(200);
  });

  it("answers DELETE with a 5xx and deletes nothing", async () => {
    fake = await startFakeLinodeApi({ instances: [fakeInstance({ id: 5 })] });
    fake.fail({ method: "DELETE", status: 500, times: Infinity });
    const response = await fetch(`${fake.url}/linode/instances/5`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${fake.token}` },
    });
    expect(response.status).toBe(500);
    expect(fake.instances.map((i) => i.id)).toEqual([5]);
    expect(fake.deleted("instances")).toEqual([]);
  });

  it("keeps a deleted instance in the next N listings, as 'deleting', and 404s it at once", async () => {
    fake = await startFakeLinodeApi({ instances: [fakeInstance({ id: 5 }), fakeInstance({ id: 6 })], lingerListings: 2 });
    await fetch(`${fake.url}/linode/instances/5`, { method: "DELETE", headers: { Authorization: `Bearer ${fake.token}` } });
    const listed = async () =>
      ((await (await get("/linode/instances")).json()) as { data: { id: number; status: string }[] }).data.map(
        (i) => `${i.id} ${i.status}`,
      );
    expect(await listed()).toEqual(["6 running", "5 deleting"]);
    expect(await listed()).toEqual(["6 running", "5 deleting"]);
    expect(await listed()).toEqual(["6 running"]);
    expect((await get("/linode/instances/5")).status).toBe(404);
  });

  it("can claim more pages than it has, repeating the first page's items on each", async () => {
    fake = await startFakeLinodeApi({ instances: [fakeInstance({ id: 5 })] });
    fake.claimPages = 10_000;
    const body = (await (await get("/linode/instances?page=77&page_size=25")).json()) as {
      page: number;
      pages: number;
      data: { id: number }[];
    };
    expect(body).toMatchObject({ page: 77, pages: 10_000 });
    expect(body.data.map((i) => i.id)).toEqual([5]);
  });

  it("serves firewalls as the v4 description documents them, without entities", async () => {
    fake = await startFakeLinodeApi({ firewalls: [fakeFirewall({ id: 9, entities: [{ id: 5, type: "linode", label: "linode5" }] })] });
    const body = (await (await get("/networking/firewalls")).json()) as { data: Record<string, unknown>[] };
    expect(Object.keys(body.data[0]).sort()).toEqual(["created", "id", "label", "status", "tags"]);
    expect(fake.violations).toEqual([]);
  });

  it("records requests that do not conform to the Linode API description", async () => {
    fake = await startFakeLinodeApi();
    await get("/linode/instances?page_size=10");
    await fetch(`${fake.url}/linode/instances/5/boot`, { method: "POST", headers: { Authorization: `Bearer ${fake.token}` } });
    expect(fake.violations).toEqual([
      expect.stringContaining("GET /v4/linode/instances: query parameter page_size must be >= 25"),
      "POST /v4/linode/instances/5/boot is not an operation of the Linode API description v4.189.0",
    ]);
  });

  it("plays scripted faults in order, then answers normally", async () => {
    fake = await startFakeLinodeApi();
    fake.fail({ path: "/account", status: 429, retryAfter: 3 });
    const limited = await get("/account");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect((await get("/account")).status).toBe(200);
  });
});
