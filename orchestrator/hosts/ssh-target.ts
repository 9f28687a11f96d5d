import { isIPv6 } from "node:net";
import { BadInputError } from "../errors.ts";

/** Where `--target ssh://user@host[:port]` points. `host` has no brackets, even for IPv6. */
export interface SshTarget {
  user: string;
  host: string;
  port: number;
}

const EXPECTED = "Expected ssh://user@host[:port], e.g. ssh://render@203.0.113.5 or ssh://render@[2001:db8::1]:2222";

// POSIX portable user names (plus the trailing $ some systems allow); anything
// else is far more likely a typo than a real account.
const USER_NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

// Parsed by hand rather than with URL: URL only says "Invalid URL", and the
// message should name what is wrong (the port, the brackets, the user).
const SSH_URL = /^ssh:\/\/(?:(?<userinfo>[^@/?#]*)@)?(?<host>\[[^\]]*\]|[^:/?#[\]]*)(?::(?<port>[^/?#]*))?(?<rest>.*)$/is;

/** Parses the CLI's --target value. Throws BadInputError naming the value and the expected form. */
export function parseSshTarget(value: string): SshTarget {
  const fail = (why: string): never => {
    throw new BadInputError(`--target ${JSON.stringify(value)} is not a usable SSH target: ${why}. ${EXPECTED}.`);
  };

  if (!/^ssh:\/\//i.test(value)) fail("it must start with ssh://");
  const parts = SSH_URL.exec(value)?.groups;
  if (!parts) return fail("it is not of the form below");
  const { userinfo, host: rawHost = "", port: rawPort, rest = "" } = parts;

  if (userinfo === undefined || userinfo === "") fail("the user name is missing (ssh://USER@host)");
  if (userinfo.includes(":")) fail("it contains a password; render-remote only logs in with a key (see --identity)");
  let user = userinfo;
  try {
    user = decodeURIComponent(userinfo);
  } catch {
    fail("the user name has a broken %-escape");
  }
  if (!USER_NAME.test(user)) fail(`the user name ${JSON.stringify(user)} has characters a login name cannot have`);

  let host = rawHost;
  if (host.startsWith("[")) {
    host = host.slice(1, -1);
    if (!isIPv6(host)) fail(`${rawHost} is not an IPv6 address`);
  } else if (rawPort?.includes(":")) {
    fail("an IPv6 address must be in brackets, as in ssh://user@[2001:db8::1]:22");
  } else if (!HOST_NAME.test(host)) {
    fail(host ? `the host ${JSON.stringify(host)} is not a valid host name` : "the host is missing");
  }

  let port = 22;
  if (rawPort !== undefined) {
    port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
    if (!(port >= 1 && port <= 65535)) fail(`the port ${JSON.stringify(rawPort)} is not a number from 1 to 65535`);
  }

  if (rest !== "" && rest !== "/")
    fail(`it has more after the port (${JSON.stringify(rest)}); the run directory is chosen by render-remote`);
  return { user, host, port };
}

/** The form used in messages: ssh://user@host:port, with IPv6 hosts in brackets. */
export function formatSshTarget(target: SshTarget): string {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return `ssh://${target.user}@${host}:${target.port}`;
}
