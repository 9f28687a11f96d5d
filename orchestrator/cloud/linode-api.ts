import { isIP } from "node:net";
import { z } from "zod";
import { BadInputError } from "../errors.ts";
import { LinodeApiError, kindForStatus } from "./linode-api-error.ts";
import {
  accountSchema,
  errorBodySchema,
  firewallSchema,
  instanceSchema,
  pageSchema,
  regionAvailabilitySchema,
  regionSchema,
  tokenSchema,
  typeSchema,
  type LinodeAccount,
  type LinodeFirewall,
  type LinodeInstance,
  type LinodeRegion,
  type LinodeRegionAvailability,
  type LinodeToken,
  type LinodeType,
} from "./linode-schemas.ts";
import { abortableSleep, isRetryableStatus, retryDelayMs, type Sleep } from "./retry.ts";

export { LinodeApiError, TOKEN_HELP } from "./linode-api-error.ts";
export type {
  LinodeAccount,
  LinodeFirewall,
  LinodeInstance,
  LinodeRegion,
  LinodeRegionAvailability,
  LinodeToken,
  LinodeType,
} from "./linode-schemas.ts";

/**
 * A thin typed client over fetch for the few Linode API v4 calls render-remote
 * makes outside Pulumi (`@linode/api-v4` hard-codes its URLs, so it cannot be
 * pointed at the fake API the tests run). GET and DELETE are retried; the one
 * POST (a run's token) is sent once: the API has no idempotency key.
 */
export const DEFAULT_LINODE_URL = "https://api.linode.com/v4";

export interface LinodeClientOptions {
  /** Personal Access Token. Only the public calls (listTypes) work without it. */
  token?: string;
  /** LINODE_URL; a bare host gets /v4 appended, as the Linode Go client does. */
  baseUrl?: string;
  fetch?: typeof fetch;
  sleep?: Sleep;
  /** Attempts per call, counting the first (default 5). */
  maxAttempts?: number;
  /** Items per page for list calls: 25–500 (default 500, the fewest round trips). */
  pageSize?: number;
  /** Pages a list call reads at most (default 200: 100,000 items at 500 a page). */
  maxPages?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export type DeleteResult = "deleted" | "already-gone";

export class LinodeClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #sleep: Sleep;
  readonly #maxAttempts: number;
  readonly #pageSize: number;
  readonly #maxPages: number;

  constructor(options: LinodeClientOptions = {}) {
    this.baseUrl = resolveBaseUrl(options.baseUrl);
    this.#token = options.token || undefined;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#pageSize = Math.min(500, Math.max(25, options.pageSize ?? 500));
    this.#maxPages = Math.max(1, options.maxPages ?? 200);
  }

  /**
   * Every instance carrying `tag`, over all pages. The tag is checked here, not
   * with X-Filter: the v4 description never says whether `{"tags": t}` means
   * "contains" or "equals" on a list field, and a wrong guess would hide a
   * billing server. At 500 a page this is one request for most accounts.
   */
  async listInstances(query: { tag?: string } = {}, options: CallOptions = {}): Promise<LinodeInstance[]> {
    return withTag(await this.#listAll("/linode/instances", instanceSchema, options), query.tag);
  }

  /** undefined when the instance does not exist (404). */
  async getInstance(id: number, options: CallOptions = {}): Promise<LinodeInstance | undefined> {
    try {
      const instance = await this.#call("GET", `/linode/instances/${id}`, instanceSchema, { ...options, auth: true });
      // Deleting or reporting "another" instance on a server's word would be worse than failing.
      if (instance.id !== id) throw badResponse("GET", "/linode/instances/{id}", [`asked for instance ${id}, got ${instance.id}`]);
      return instance;
    } catch (error) {
      if (error instanceof LinodeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  deleteInstance(id: number, options: CallOptions = {}): Promise<DeleteResult> {
    return this.#delete(`/linode/instances/${id}`, options);
  }

  async listFirewalls(query: { tag?: string } = {}, options: CallOptions = {}): Promise<LinodeFirewall[]> {
    return withTag(await this.#listAll("/networking/firewalls", firewallSchema, options), query.tag);
  }

  deleteFirewall(id: number, options: CallOptions = {}): Promise<DeleteResult> {
    return this.#delete(`/networking/firewalls/${id}`, options);
  }

  /** Public: plans and prices, no token needed. */
  listTypes(options: CallOptions = {}): Promise<LinodeType[]> {
    return this.#listAll("/linode/types", typeSchema, { ...options, auth: false });
  }

  /** Public: a region and its capabilities ("Metadata" is what cloud-init user data needs); undefined when unknown (404). */
  async getRegion(id: string, options: CallOptions = {}): Promise<LinodeRegion | undefined> {
    try {
      return await this.#call("GET", `/regions/${encodeURIComponent(id)}`, regionSchema, { ...options, auth: false });
    } catch (error) {
      if (error instanceof LinodeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Public: which plans the region can (not) offer now (GET /regions/{id}/availability); plans with ample capacity may be absent. */
  getRegionAvailability(id: string, options: CallOptions = {}): Promise<LinodeRegionAvailability[]> {
    return this.#call("GET", `/regions/${encodeURIComponent(id)}/availability`, z.array(regionAvailabilitySchema), {
      ...options,
      auth: false,
    });
  }

  /** The user's personal access tokens (needs account:read_only); their secrets are not in the answer. */
  listTokens(options: CallOptions = {}): Promise<LinodeToken[]> {
    return this.#listAll("/profile/tokens", tokenSchema, options);
  }

  /**
   * A new personal access token (needs account:read_write). Sent once, never
   * retried: a retry whose first attempt landed would leave a second live token.
   */
  async createToken(
    request: { label: string; scopes: string; expiry: Date },
    options: CallOptions = {},
  ): Promise<LinodeToken & { token: string }> {
    // RFC 3339 in UTC, whole seconds: what Linode's own clients send
    const body = { label: request.label, scopes: request.scopes, expiry: request.expiry.toISOString().replace(/\.\d{3}Z$/, "Z") };
    const created = await this.#call("POST", "/profile/tokens", tokenSchema, { ...options, auth: true, body, attempts: 1 });
    if (!created.token) throw badResponse("POST", "/profile/tokens", ["the answer has no token"]);
    return { ...created, token: created.token };
  }

  /** Revokes a token at once; a token already gone (404) is "already-gone". */
  revokeToken(id: number, options: CallOptions = {}): Promise<DeleteResult> {
    return this.#delete(`/profile/tokens/${id}`, options);
  }

  getAccount(options: CallOptions = {}): Promise<LinodeAccount> {
    return this.#call("GET", "/account", accountSchema, { ...options, auth: true });
  }

  async #delete(path: string, options: CallOptions): Promise<DeleteResult> {
    try {
      await this.#request("DELETE", path, { ...options, auth: true });
      return "deleted";
    } catch (error) {
      // A retried DELETE whose first attempt landed, or a console delete: the goal is reached.
      if (error instanceof LinodeApiError && error.status === 404) return "already-gone";
      throw error;
    }
  }

  /** Every page of a list, at most maxPages of them: a server claiming 10,000 pages cannot keep us looping. */
  async #listAll<T extends z.ZodType>(path: string, item: T, options: CallOptions & { auth?: boolean }): Promise<z.infer<T>[]> {
    const items: z.infer<T>[] = [];
    for (let page = 1; ; page++) {
      const query = `?page=${page}&page_size=${this.#pageSize}`;
      const body = await this.#call("GET", `${path}${query}`, pageSchema(item), { auth: true, ...options });
      if (body.pages > this.#maxPages) {
        throw badResponse("GET", path, [`it claims ${body.pages} pages, more than the ${this.#maxPages} render-remote reads`]);
      }
      if (body.page !== page) throw badResponse("GET", path, [`asked for page ${page}, got page ${body.page}`]);
      items.push(...body.data);
      if (body.page >= body.pages || body.data.length === 0) return items;
    }
  }

  async #call<T extends z.ZodType>(method: string, path: string, schema: T, options: RequestOptions): Promise<z.infer<T>> {
    const body = await this.#request(method, path, options);
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const reasons = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
    throw new LinodeApiError({ kind: "bad-response", status: 200, method, path: stripQuery(path), reasons });
  }

  async #request(method: string, path: string, options: RequestOptions): Promise<unknown> {
    const bare = stripQuery(path);
    if (options.auth && !this.#token) throw new LinodeApiError({ kind: "no-token", status: 0, method, path: bare });
    const headers: Record<string, string> = { Accept: "application/json", "User-Agent": "render-remote", ...options.headers };
    if (options.auth) headers.Authorization = `Bearer ${this.#token}`;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const requestBody = options.body === undefined ? undefined : JSON.stringify(options.body);
    const maxAttempts = options.attempts ?? this.#maxAttempts;

    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(`${this.baseUrl}${path}`, { method, headers, body: requestBody, signal: options.signal });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        if (attempt >= maxAttempts) throw new LinodeApiError({ kind: "network", status: 0, method, path: bare, cause: error });
        await this.#sleep(retryDelayMs(attempt, null), options.signal);
        continue;
      }
      const body = await readBody(response);
      if (response.ok) return body;
      if (isRetryableStatus(response.status) && attempt < maxAttempts) {
        await this.#sleep(retryDelayMs(attempt, response.headers.get("retry-after")), options.signal);
        continue;
      }
      const reasons = errorBodySchema.safeParse(body);
      throw new LinodeApiError({
        kind: kindForStatus(response.status),
        status: response.status,
        method,
        path: bare,
        reasons: reasons.success ? reasons.data.errors.map((e) => (e.field ? `${e.field}: ${e.reason}` : e.reason)) : [],
      });
    }
  }
}

function withTag<T extends { tags: string[] }>(items: T[], tag: string | undefined): T[] {
  return tag === undefined ? items : items.filter((item) => item.tags.includes(tag));
}

function badResponse(method: string, path: string, reasons: string[]): LinodeApiError {
  return new LinodeApiError({ kind: "bad-response", status: 200, method, path, reasons });
}

interface RequestOptions extends CallOptions {
  auth: boolean;
  headers?: Record<string, string>;
  /** A JSON request body. */
  body?: unknown;
  /** Attempts for this call (default the client's); 1 for a POST. */
  attempts?: number;
}

/** A client configured from LINODE_TOKEN and LINODE_URL; `overrides` win (tests inject fetch and sleep). */
export function linodeClientFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: LinodeClientOptions = {}): LinodeClient {
  return new LinodeClient({ token: env.LINODE_TOKEN, baseUrl: env.LINODE_URL, ...overrides });
}

export function resolveBaseUrl(raw: string | undefined): string {
  if (!raw || raw.trim() === "") return DEFAULT_LINODE_URL;
  const trimmed = requireSafeLinodeUrl(raw.trim()).replace(/\/+$/, "");
  return /\/v4(beta)?$/.test(trimmed) ? trimmed : `${trimmed}/v4`;
}

/**
 * LINODE_URL must be https: the bearer token goes with every request, and
 * the Pulumi provider reads the same variable. Plain http only to a loopback
 * address (a local test API). Bad input (exit 2) otherwise.
 */
export function requireSafeLinodeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadInputError(`LINODE_URL "${raw}" is not a URL. Unset it to use https://api.linode.com/v4, or set it to an https:// URL.`);
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname))) return raw;
  throw new BadInputError(
    `LINODE_URL must use https:// (got ${url.protocol}//${url.host}): LINODE_TOKEN would travel in clear text. ` +
      "Unset LINODE_URL to use https://api.linode.com/v4, or give an https:// URL (plain http only to a loopback address).",
  );
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  // URL writes an IPv4-mapped ::ffff:127.x.y.z in hex (::ffff:7fxx:yyzz), so that is the form to match.
  return isIP(host) === 6 && (host === "::1" || /^::ffff:7f[0-9a-f]{2}:/.test(host));
}

function stripQuery(path: string): string {
  const index = path.indexOf("?");
  return index === -1 ? path : path.slice(0, index);
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return { text: text.slice(0, 200) };
  }
}
