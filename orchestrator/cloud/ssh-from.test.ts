import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadInputError, ProvisionError } from "../errors.ts";
import { discoverCallerCidrs, toCallerCidr } from "./ssh-from.ts";

describe("toCallerCidr", () => {
  it("makes a bare address a single-host CIDR and passes valid CIDRs through", () => {
    expect(toCallerCidr("198.51.100.7")).toBe("198.51.100.7/32");
    expect(toCallerCidr(" 2001:db8::7 ")).toBe("2001:db8::7/128");
    expect(toCallerCidr("198.51.100.0/24")).toBe("198.51.100.0/24");
    expect(toCallerCidr("2001:db8::/48")).toBe("2001:db8::/48");
  });

  it("refuses what is not an address or CIDR, naming the value", () => {
    for (const value of ["", "example.com", "198.51.100.7/33", "198.51.100.7/0", "198.51.100.7/x", "1.2.3.4/8/9", "2001:db8::/129", "300.1.1.1"]) {
      expect(() => toCallerCidr(value), value).toThrow(BadInputError);
    }
    expect(() => toCallerCidr("example.com")).toThrow(/--ssh-from "example.com" is not an IPv4 or IPv6 address or CIDR/);
  });
});

describe("discoverCallerCidrs (against a local HTTP server)", () => {
  const answers: Record<string, [number, string]> = {};
  const server = createServer((request, response) => {
    const [status, body] = answers[request.url ?? ""] ?? [404, "no"];
    response.writeHead(status, { "content-type": "text/plain" }).end(body);
  });
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it("returns the IPv4 /32 and the IPv6 /128 when both answer", async () => {
    answers["/v4"] = [200, "198.51.100.7\n"];
    answers["/v6"] = [200, "2001:db8::7"];
    expect(await discoverCallerCidrs({ ipv4Url: `${base}/v4`, ipv6Url: `${base}/v6` })).toEqual(["198.51.100.7/32", "2001:db8::7/128"]);
  });

  it("IPv6 is optional", async () => {
    answers["/v4"] = [200, "198.51.100.7"];
    expect(await discoverCallerCidrs({ ipv4Url: `${base}/v4`, ipv6Url: `${base}/missing` })).toEqual(["198.51.100.7/32"]);
  });

  it("without an IPv4 answer, says to pass --ssh-from", async () => {
    answers["/bad"] = [200, "<html>captive portal</html>"];
    const error = await discoverCallerCidrs({ ipv4Url: `${base}/bad`, ipv6Url: `${base}/missing` }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toMatch(/Could not find this machine's public IPv4 address .*captive portal.*--ssh-from <your-ip>\/32$/);
  });
});
