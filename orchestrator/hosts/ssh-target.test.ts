import { describe, expect, it } from "vitest";
import { BadInputError } from "../errors.ts";
import { formatSshTarget, parseSshTarget } from "./ssh-target.ts";

describe("parseSshTarget", () => {
  it.each([
    ["ssh://render@203.0.113.5", { user: "render", host: "203.0.113.5", port: 22 }],
    ["ssh://render@203.0.113.5/", { user: "render", host: "203.0.113.5", port: 22 }],
    ["ssh://rrtest@127.0.0.1:2222", { user: "rrtest", host: "127.0.0.1", port: 2222 }],
    ["SSH://me@Box.Example.com:65535", { user: "me", host: "Box.Example.com", port: 65535 }],
    ["ssh://me@[::1]", { user: "me", host: "::1", port: 22 }],
    ["ssh://me@[2001:db8::1]:2200", { user: "me", host: "2001:db8::1", port: 2200 }],
    ["ssh://first.last@host:1", { user: "first.last", host: "host", port: 1 }],
  ])("parses %s", (value, expected) => {
    expect(parseSshTarget(value)).toEqual(expected);
  });

  it.each([
    ["render@203.0.113.5", /must start with ssh:\/\//],
    ["https://render@host", /must start with ssh:\/\//],
    ["ssh://203.0.113.5", /user name is missing/],
    ["ssh://@203.0.113.5", /user name is missing/],
    ["ssh://render:hunter2@host", /password/],
    ["ssh://-oProxyCommand=x@host", /user name "-oProxyCommand=x"/],
    ["ssh://render@", /host is missing/],
    ["ssh://render@-host", /host "-host" is not a valid host name/],
    ["ssh://render@host:0", /port "0" is not a number from 1 to 65535/],
    ["ssh://render@host:65536", /port "65536"/],
    ["ssh://render@host:ssh", /port "ssh"/],
    ["ssh://render@host:", /port ""/],
    ["ssh://render@::1", /IPv6 address must be in brackets/],
    ["ssh://render@[not-ipv6]:22", /\[not-ipv6\] is not an IPv6 address/],
    ["ssh://render@host/srv/run", /more after the port/],
    ["ssh://render@host?x=1", /more after the port/],
  ])("rejects %s", (value, reason) => {
    let error: unknown;
    try {
      parseSshTarget(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BadInputError);
    const message = (error as Error).message;
    expect(message).toMatch(reason);
    expect(message).toContain(JSON.stringify(value));
    expect(message).toContain("Expected ssh://user@host[:port]");
  });
});

describe("formatSshTarget", () => {
  it("brackets IPv6 hosts and always shows the port", () => {
    expect(formatSshTarget({ user: "u", host: "::1", port: 22 })).toBe("ssh://u@[::1]:22");
    expect(formatSshTarget({ user: "u", host: "127.0.0.1", port: 2222 })).toBe("ssh://u@127.0.0.1:2222");
  });
});
