import { isIP } from "node:net";
import { BadInputError, ProvisionError, RemoteError } from "../errors.ts";

/**
 * Who may reach the server's SSH port: the caller's public address as a /32
 * (IPv6 /128), or what --ssh-from says. Discovery is a network call made only
 * in real runs; tests and --dry-run pass addresses in.
 */

/**
 * "198.51.100.7" → "198.51.100.7/32", "2001:db8::7" → "2001:db8::7/128";
 * host bits are cleared ("203.0.113.7/24" → "203.0.113.0/24"), as the
 * firewall stores the network, so what is printed is what is allowed.
 */
export function toCallerCidr(value: string): string {
  const [address = "", prefix, extra] = value.trim().split("/");
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  const bits = prefix === undefined ? max : Number(prefix);
  if (family === 0 || extra !== undefined || !/^\d{1,3}$/.test(String(bits)) || bits < 1 || bits > max) {
    throw new BadInputError(`--ssh-from "${value}" is not an IPv4 or IPv6 address or CIDR. Use e.g. --ssh-from 198.51.100.7/32`);
  }
  return `${family === 4 ? ipv4Network(address, bits) : ipv6Network(address, bits)}/${bits}`;
}

/**
 * The --ssh-from option: IPv4 only. render-remote connects to the server's
 * IPv4 address, and the provider rejects a firewall rule without an IPv4
 * address (ipv4: SizeAtLeast(1)), so an IPv6-only value could never work.
 */
export function parseSshFrom(value: string): string {
  const cidr = toCallerCidr(value);
  if (isIP(cidr.split("/")[0]) === 6) {
    throw new BadInputError(
      `--ssh-from "${value}" is IPv6, but render-remote connects to the server over IPv4 and its firewall needs an IPv4 rule. ` +
        "Pass the public IPv4 address SSH will come from, e.g. --ssh-from 198.51.100.7/32.",
    );
  }
  return cidr;
}

const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];

/**
 * Who may reach SSH: --ssh-from, else this machine's public address. Behind a
 * proxy the address an IP-echo service sees (Node's fetch ignores the proxy;
 * ssh does not use it) cannot be trusted to be SSH's, so ask instead.
 */
export async function resolveSshFrom(
  option: string | undefined,
  env: NodeJS.ProcessEnv,
  discover: () => Promise<string[]> = discoverCallerCidrs,
): Promise<string[]> {
  if (option) return [parseSshFrom(option)];
  const proxy = PROXY_VARIABLES.find((name) => env[name]);
  if (proxy) {
    throw new BadInputError(
      `${proxy} is set, so the public address render-remote would look up may not be the one SSH comes from, and the server's firewall ` +
        "admits SSH from that address only. Nothing was created. Pass the public IPv4 address SSH leaves from: --ssh-from <your-ip>/32.",
    );
  }
  return discover();
}

/** After `up`: sshd silent for the whole connect timeout is most often the firewall dropping an address --ssh-from did not name. */
export function withSshFromHint(error: unknown, sshFrom: readonly string[]): unknown {
  if (!(error instanceof RemoteError) || !/did not answer within/.test(error.message)) return error;
  return new RemoteError(
    `${error.message} Likely cause: the firewall admits SSH only from ${sshFrom.join(", ")}; if this machine reaches the internet ` +
      "from another address (a proxy, a VPN, a NAT with several exits), run again with --ssh-from <that address>/32.",
    { cause: error },
  );
}

function ipv4Network(address: string, bits: number): string {
  const value = address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const network = bits === 32 ? value : value - (value % 2 ** (32 - bits));
  return [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".");
}

function ipv6Network(address: string, bits: number): string {
  const [head = "", tail = ""] = address.includes("::") ? address.split("::") : [address, ""];
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const given = [...groups(head), ...Array(8 - groups(head).length - groups(tail).length).fill("0"), ...groups(tail)];
  if (bits === 128 || given.some((g) => g.includes("."))) return address; // an embedded IPv4 tail: keep as written
  const value = given.reduce((sum, group) => (sum << 16n) + BigInt(`0x${group}`), 0n);
  const network = (value >> BigInt(128 - bits)) << BigInt(128 - bits);
  const hex = Array.from({ length: 8 }, (_, i) => ((network >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // The shortest form: the longest run of zero groups becomes "::".
  const runs = hex.join(":").match(/(^|:)0(:0)+(:|$)/g) ?? [];
  const longest = runs.sort((a, b) => b.length - a.length)[0];
  return longest ? hex.join(":").replace(longest, "::") : hex.join(":");
}

export interface DiscoverOptions {
  fetch?: typeof fetch;
  ipv4Url?: string;
  ipv6Url?: string;
  timeoutMs?: number;
}

/** The caller's public IPv4 /32, and IPv6 /128 when this machine has one. */
export async function discoverCallerCidrs(options: DiscoverOptions = {}): Promise<string[]> {
  const get = async (url: string, family: 4 | 6): Promise<string> => {
    const response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
    const text = (await response.text()).trim();
    if (!response.ok || isIP(text) !== family) throw new Error(`${url} answered ${response.status} "${text.slice(0, 60)}"`);
    return text;
  };
  let ipv4: string;
  try {
    ipv4 = await get(options.ipv4Url ?? "https://api.ipify.org", 4);
  } catch (error) {
    throw new ProvisionError(
      `Could not find this machine's public IPv4 address (${(error as Error).message}); nothing was created. Pass the address SSH will come from: --ssh-from <your-ip>/32`,
      { cause: error },
    );
  }
  const ipv6 = await get(options.ipv6Url ?? "https://api6.ipify.org", 6).catch(() => undefined);
  return ipv6 ? [`${ipv4}/32`, `${ipv6}/128`] : [`${ipv4}/32`];
}
