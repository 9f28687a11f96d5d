import { isIP } from "node:net";
import { BadInputError, ProvisionError } from "../errors.ts";

/**
 * Who may reach the server's SSH port: the caller's public address as a /32
 * (IPv6 /128), or what --ssh-from says. Discovery is a network call made only
 * in real runs; tests and --dry-run pass addresses in.
 */

/** "198.51.100.7" → "198.51.100.7/32", "2001:db8::7" → "2001:db8::7/128"; CIDRs pass through checked. */
export function toCallerCidr(value: string): string {
  const [address = "", prefix, extra] = value.trim().split("/");
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  const bits = prefix === undefined ? max : Number(prefix);
  if (family === 0 || extra !== undefined || !/^\d{1,3}$/.test(String(bits)) || bits < 1 || bits > max) {
    throw new BadInputError(`--ssh-from "${value}" is not an IPv4 or IPv6 address or CIDR. Use e.g. --ssh-from 198.51.100.7/32`);
  }
  return `${address}/${bits}`;
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
      `Could not find this machine's public IPv4 address (${(error as Error).message}). Pass it yourself: --ssh-from <your-ip>/32`,
      { cause: error },
    );
  }
  const ipv6 = await get(options.ipv6Url ?? "https://api6.ipify.org", 6).catch(() => undefined);
  return ipv6 ? [`${ipv4}/32`, `${ipv6}/128`] : [`${ipv4}/32`];
}
