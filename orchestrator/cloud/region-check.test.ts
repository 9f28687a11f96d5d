import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinodeClient } from "./linode-api.ts";
import { checkRegion } from "./region-check.ts";
import { startFakeLinodeApi, type FakeLinodeApi } from "./testing/fake-linode-api.ts";

describe("checkRegion (GET /v4/regions/{id}, public)", () => {
  let fake: FakeLinodeApi;
  beforeAll(async () => {
    fake = await startFakeLinodeApi();
  });
  afterAll(async () => {
    await fake.close();
    expect(fake.violations).toEqual([]); // requests and answers conform to Linode's OpenAPI description
  });
  const client = () => new LinodeClient({ baseUrl: fake.url, maxAttempts: 1 });

  it("accepts a region with the Metadata capability, without a token", async () => {
    await expect(checkRegion(client(), "us-east")).resolves.toBeUndefined();
    expect(fake.requests.at(-1)).toMatchObject({ method: "GET", path: "/regions/us-east" });
  });

  it("refuses a region without Metadata, and an unknown one, as bad input", async () => {
    await expect(checkRegion(client(), "ap-south")).rejects.toMatchObject({
      kind: "bad-input",
      message: expect.stringMatching(/no Metadata service/),
    });
    await expect(checkRegion(client(), "mars-1")).rejects.toMatchObject({
      kind: "bad-input",
      message: expect.stringMatching(/Unknown --region "mars-1"/),
    });
  });

  it("only warns when the API cannot be reached", async () => {
    const offline = new LinodeClient({ baseUrl: "http://127.0.0.1:9/v4", maxAttempts: 1 });
    await expect(checkRegion(offline, "us-east")).resolves.toMatch(/Could not check region us-east/);
  });
});
