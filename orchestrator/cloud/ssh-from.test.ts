import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadInputError, ProvisionError, RemoteError, exitCodeFor } from "../errors.ts";
import { discoverCallerCidrs, parseSshFrom, resolveSshFrom, toCallerCidr, withSshFromHint } from "./ssh-from.ts";

describe("toCallerCidr", () => {
  it("makes a bare address a single-host CIDR and passes valid CIDRs through", () => {
    expect(toCallerCidr("198.51.100.7")).toBe("198.51.100.7/32");
    expect(toCallerCidr(" 2001:db8::7 ")).toBe("2001:db8::7/128");
    expect(toCallerCidr("198.51.100.0/24")).toBe("198.51.100.0/24");
    expect(toCallerCidr("2001:db8::/48")).toBe("2001:db8::/48");
  });

  it("clears host bits, so the rule printed is the rule the firewall keeps", () => {
    expect(toCallerCidr("203.0.113.7/24")).toBe("203.0.113.0/24");
    expect(toCallerCidr("203.0.113.255/25")).toBe("203.0.113.128/25");
    expect(toCallerCidr("10.1.2.3/8")).toBe("10.0.0.0/8");
    expect(toCallerCidr("255.255.255.255/1")).toBe("128.0.0.0/1");
    expect(toCallerCidr("203.0.113.7/32")).toBe("203.0.113.7/32");
    expect(toCallerCidr("2001:db8:1:2::7/48")).toBe("2001:db8:1::/48");
    expect(toCallerCidr("2001:db8::ffff/112")).toBe("2001:db8::/112");
  });

  it("refuses what is not an address or CIDR, naming the value", () => {
    for (const value of [
      "",
      "example.com",
      "198.51.100.7/33",
      "198.51.100.7/0",
      "198.51.100.7/x",
      "1.2.3.4/8/9",
      "2001:db8::/129",
      "300.1.1.1",
    ]) {
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
    expect((error as Error).message).toMatch(
      /Could not find this machine's public IPv4 address .*captive portal.*nothing was created. Pass the address SSH will come from: --ssh-from <your-ip>\/32$/,
    );
  });
});

describe("parseSshFrom (the --ssh-from option)", () => {
  it("refuses an IPv6 value with exit 2: the client connects over IPv4 and the firewall needs an IPv4 rule", () => {
    for (const value of ["2001:db8::7", "2001:db8::/48"]) {
      const error = (() => {
        try {
          parseSshFrom(value);
        } catch (e) {
          return e;
        }
      })();
      expect(error, value).toBeInstanceOf(BadInputError);
      expect(exitCodeFor(error)).toBe(2);
      expect((error as Error).message).toContain(`--ssh-from "${value}" is IPv6, but render-remote connects to the server over IPv4`);
    }
    expect(parseSshFrom("203.0.113.7/24")).toBe("203.0.113.0/24");
  });
});

describe("resolveSshFrom", () => {
  const never = async (): Promise<string[]> => {
    throw new Error("discovery must not run");
  };

  it("takes --ssh-from as given, without looking anything up", async () => {
    expect(await resolveSshFrom("198.51.100.7", { HTTPS_PROXY: "http://proxy:3128" }, never)).toEqual(["198.51.100.7/32"]);
  });

  it("behind a proxy, says so and asks for --ssh-from instead of guessing (exit 2)", async () => {
    for (const name of ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "ALL_PROXY"]) {
      const error = await resolveSshFrom(undefined, { [name]: "http://proxy.example:3128" }, never).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(BadInputError);
      expect((error as Error).message).toContain(
        `${name} is set, so the public address render-remote would look up may not be the one SSH comes from`,
      );
      expect((error as Error).message).toContain(
        "Nothing was created. Pass the public IPv4 address SSH leaves from: --ssh-from <your-ip>/32.",
      );
    }
  });

  it("looks the address up when there is no proxy", async () => {
    expect(await resolveSshFrom(undefined, {}, async () => ["198.51.100.9/32"])).toEqual(["198.51.100.9/32"]);
  });
});

describe("withSshFromHint", () => {
  it("names --ssh-from when sshd never answered, and leaves other errors alone", () => {
    const silent = new RemoteError("sshd at rr@192.0.2.5:22 did not answer within 300 s (80 attempts; last error: connect ETIMEDOUT).");
    const hinted = withSshFromHint(silent, ["198.51.100.7/32"]) as Error;
    expect(hinted).toBeInstanceOf(RemoteError);
    expect(hinted.message).toContain("did not answer within 300 s");
    expect(hinted.message).toContain("the firewall admits SSH only from 198.51.100.7/32");
    expect(hinted.message).toContain("--ssh-from <that address>/32");
    const refused = new RemoteError("refused the login");
    expect(withSshFromHint(refused, ["198.51.100.7/32"])).toBe(refused);
  });
});
