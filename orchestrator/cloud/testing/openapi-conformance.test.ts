import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { DESCRIPTION_VERSION, checkRequest, checkResponse } from "./openapi-conformance.ts";

/** The checker itself: it must be able to say no, or the conformance assertions prove nothing. */
const request = (method: string, path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  checkRequest({ method, path, query, headers });

describe("Linode API description conformance", () => {
  it("is the vendored v4.189.0 subset, with its Apache-2.0 license beside it", async () => {
    expect(DESCRIPTION_VERSION).toBe("4.189.0");
    const license = await readFile(new URL("./linode-openapi/LICENSE.txt", import.meta.url), "utf8");
    expect(license).toContain("Apache License");
    expect(license).toContain("Version 2.0");
  });

  it("accepts the requests the client makes", () => {
    expect(request("GET", "/v4/linode/instances", { page: "1", page_size: "500" })).toEqual([]);
    expect(request("DELETE", "/v4/networking/firewalls/12")).toEqual([]);
    expect(request("GET", "/v4/regions/us-east")).toEqual([]);
    expect(request("GET", "/v4beta/account")).toEqual([]);
  });

  it("rejects out-of-range paging, a non-numeric id, an unknown operation and a body where none is taken", () => {
    expect(request("GET", "/v4/networking/firewalls", { page_size: "501" })).toEqual([
      expect.stringContaining("query parameter page_size must be <= 500"),
    ]);
    expect(request("GET", "/v4/linode/instances", { page: "0" })).toEqual([expect.stringContaining("query parameter page must be >= 1")]);
    expect(request("DELETE", "/v4/linode/instances/abc")).toEqual([expect.stringContaining("path parameter linodeId must be integer")]);
    expect(request("GET", "/v5/account")).toEqual([
      expect.stringContaining("path parameter apiVersion must be equal to one of the allowed values"),
    ]);
    expect(request("PUT", "/v4/linode/instances/5")).toEqual([
      "PUT /v4/linode/instances/5 is not an operation of the Linode API description v4.189.0",
    ]);
    expect(checkRequest({ method: "DELETE", path: "/v4/linode/instances/5", query: {}, headers: {}, body: { force: true } })).toEqual([
      "DELETE /v4/linode/instances/5: sends a body the operation does not take",
    ]);
  });

  it("reads X-Filter as the JSON object the description means, not as the bare header it declares", () => {
    expect(request("GET", "/v4/linode/instances", {}, { "x-filter": '{"tags":"render-remote"}' })).toEqual([]);
    expect(request("GET", "/v4/linode/instances", {}, { "x-filter": "[1,2]" })).not.toEqual([]);
  });

  it("rejects responses that are not what Linode documents", () => {
    const instance = {
      id: 1,
      label: "linode1",
      type: "g6-dedicated-2",
      region: "us-east",
      status: "running",
      tags: [],
      created: "2026-11-24T00:00:00",
    };
    expect(checkResponse("GET", "/v4/linode/instances/1", 200, instance)).toEqual([]);
    expect(checkResponse("GET", "/v4/linode/instances/1", 200, { ...instance, status: "on-fire" })).toEqual([
      expect.stringContaining("/status must be equal to one of the allowed values"),
    ]);
    expect(checkResponse("GET", "/v4/linode/instances/1", 200, { ...instance, ipv9: "x" })).toEqual([
      expect.stringContaining("must NOT have additional properties"),
    ]);
    expect(checkResponse("GET", "/v4/linode/instances", 200, { data: [{ ...instance, id: "1" }], page: 1, pages: 1, results: 1 })).toEqual([
      expect.stringContaining("/data/0/id must be integer"),
    ]);
    expect(checkResponse("GET", "/v4/account", 503, { errors: [{ reason: "busy" }] })).toEqual([]);
    expect(checkResponse("GET", "/v4/account", 503, { errors: "busy" })).not.toEqual([]);
  });
});
