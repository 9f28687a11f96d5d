import http from "node:http";
import type { AddressInfo } from "node:net";
import { PLANS } from "../plans.ts";
import { checkRequest, checkResponse } from "./openapi-conformance.ts";
import { FakeTokens } from "./fake-tokens.ts";
import { FilterError, applyFilter, parseFilter, type Item, type ListMatch } from "./x-filter.ts";

/**
 * A fake Linode API v4 on 127.0.0.1, written from the v4 docs, for tests: the
 * real client talks real HTTP to it. It holds instances, firewalls, types and
 * an account; checks the bearer token; paginates ({data, page, pages,
 * results}, page_size 25–500); honours X-Filter; records every request so a
 * test can prove what was (and was not) deleted; and fails on command: one
 * endpoint for ever, DELETE with a 5xx, deleted instances that linger in the
 * listings, a page count no client should follow. Every request and response
 * is checked against Linode's OpenAPI description (`violations`).
 */
export interface FakeInstance extends Item {
  id: number;
  label: string;
  type: string;
  region: string;
  status: string;
  tags: string[];
  created: string;
}
export interface FakeFirewall extends Item {
  id: number;
  label: string;
  status: string;
  tags: string[];
  created: string;
  entities: { id: number; type: string; label: string }[];
}
export interface FakeType extends Item {
  id: string;
  label: string;
  class: string;
  vcpus: number;
  memory: number;
  price: { hourly: number; monthly: number };
  region_prices: { id: string; hourly: number; monthly: number }[];
}

/** A scripted failure: the next `times` requests matching method and path prefix get `status`. */
export interface Fault {
  method?: string;
  /** Prefix of the path after /v4, e.g. "/linode/instances" (which also matches "/linode/instances/5"). */
  path?: string;
  /** Match `path` exactly: only that endpoint fails. */
  exact?: boolean;
  status: number;
  /** Sent as the Retry-After header. */
  retryAfter?: number | string;
  /** How many requests fail (default 1); Infinity: the endpoint fails for ever. */
  times?: number;
  reasons?: string[];
  /** Wait this long before answering (for timeouts); status 200 then means "answer normally, late". */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path after /v4, without the query. */
  path: string;
  query: Record<string, string>;
  xFilter: string | undefined;
  authorized: boolean;
  /** The run token (personal access token) the request carried, when it was one of `tokens`. */
  tokenId?: number;
  status: number;
}

export interface FakeLinodeOptions {
  token?: string;
  /** Scopes of `token` (default "*"); e.g. "linodes:read_write firewall:read_write" has no account:read_write. */
  tokenScopes?: string;
  instances?: FakeInstance[];
  firewalls?: FakeFirewall[];
  types?: FakeType[];
  account?: { balance: number; balance_uninvoiced: number };
  /** What `{"tags": "x"}` means in X-Filter: the docs do not say, so tests run both (default "contains"). */
  listMatch?: ListMatch;
  /** A deleted instance stays in this many more instance listings (status "deleting"), as real deletions take a while. */
  lingerListings?: number;
}

const INSTANCE_FILTERS = ["id", "label", "region", "status", "tags", "type", "created"] as const;
const FIREWALL_FILTERS = ["id", "label", "status", "tags", "created"] as const;
const TYPE_FILTERS = ["id", "label", "class", "vcpus", "memory"] as const;

export class FakeLinodeApi {
  readonly token: string;
  /** Personal access tokens made through POST /profile/tokens (fake-tokens.ts). */
  readonly tokens: FakeTokens;
  readonly requests: RecordedRequest[] = [];
  instances: FakeInstance[];
  firewalls: FakeFirewall[];
  types: FakeType[];
  account: { balance: number; balance_uninvoiced: number };
  /** GET /v4/regions/{id}: what the docs list for a few regions; only capabilities matter to us. */
  regions: { id: string; label: string; status: string; capabilities: string[] }[] = [
    { id: "us-east", label: "Newark, NJ", status: "ok", capabilities: ["Linodes", "Cloud Firewall", "Metadata"] },
    { id: "us-iad", label: "Washington, DC", status: "ok", capabilities: ["Linodes", "Cloud Firewall", "Metadata"] },
    { id: "ap-south", label: "Singapore, SG", status: "ok", capabilities: ["Linodes", "Cloud Firewall"] },
  ];
  /** Answer every list with this many pages: a server no client should follow to the end. */
  claimPages: number | undefined = undefined;
  /** Requests and responses that do not conform to the Linode API description; a conformance test expects none. */
  readonly violations: string[] = [];
  readonly #listMatch: ListMatch;
  readonly #lingerListings: number;
  #lingering: { instance: FakeInstance; listings: number }[] = [];
  /** GET /v4/regions/{id}/availability: plans listed with their availability; empty means none is limited. */
  availability: { region: string; plan: string; available: boolean }[] = [];
  #faults: (Fault & { left: number })[] = [];
  #server: http.Server;
  url = "";

  constructor(options: FakeLinodeOptions = {}) {
    this.token = options.token ?? "fake-token-for-tests";
    this.tokens = new FakeTokens(this.token, options.tokenScopes);
    this.instances = [...(options.instances ?? [])];
    this.firewalls = [...(options.firewalls ?? [])];
    this.types = [...(options.types ?? fakeTypes())];
    this.account = options.account ?? { balance: 0, balance_uninvoiced: 0 };
    this.#listMatch = options.listMatch ?? "contains";
    this.#lingerListings = options.lingerListings ?? 0;
    this.#server = http.createServer((request, response) => void this.#handle(request, response));
  }

  async listen(): Promise<this> {
    // Loopback only: the fake must never be reachable from outside the test machine.
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v4`;
    return this;
  }

  fail(fault: Fault): void {
    this.#faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Ids that got a DELETE answered 200, for "the untagged one was never deleted" assertions. */
  deleted(collection: "instances" | "firewalls"): number[] {
    const prefix = collection === "instances" ? "/linode/instances/" : "/networking/firewalls/";
    return this.requests
      .filter((r) => r.method === "DELETE" && r.path.startsWith(prefix) && r.status === 200)
      .map((r) => Number(r.path.slice(prefix.length)));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/^\/v4(beta)?/, "");
    const record: RecordedRequest = {
      method: request.method ?? "GET",
      path,
      query: Object.fromEntries(url.searchParams),
      xFilter: header(request, "x-filter"),
      authorized: false,
      status: 0,
    };
    const caller = this.tokens.caller(header(request, "authorization"));
    record.authorized = caller !== undefined;
    if (caller?.tokenId !== undefined) record.tokenId = caller.tokenId;
    this.requests.push(record);
    const requestBody = await readJson(request); // a request's body can be read once: for the check, then for a create
    this.violations.push(
      ...checkRequest({
        method: record.method,
        path: url.pathname,
        query: record.query,
        headers: request.headers as Record<string, string>,
        body: requestBody,
      }),
    );
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      this.violations.push(...checkResponse(record.method, url.pathname, status, body));
      response.writeHead(status, { "Content-Type": "application/json", ...headers });
      response.end(JSON.stringify(body));
    };

    const fault = this.#faults.find(
      (f) => f.left > 0 && (!f.method || f.method === record.method) && (f.exact ? path === f.path : path.startsWith(f.path ?? "")),
    );
    if (fault) {
      fault.left--;
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.status !== 200) {
        const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { "Retry-After": String(fault.retryAfter) };
        return send(fault.status, errors(...(fault.reasons ?? [`Fake fault ${fault.status}`])), headers);
      }
    }
    const isPublic = record.method === "GET" && (path.startsWith("/linode/types") || path.startsWith("/regions"));
    if (!isPublic && !caller) return send(401, errors("Invalid Token"));
    if (!isPublic && caller && this.tokens.missingScope(caller, record.method, path)) return send(403, errors("Unauthorized"));
    try {
      const fields = isRecord(requestBody) ? requestBody : {};
      if (record.method === "POST" && path === "/profile/tokens") return send(...this.tokens.create(caller!, fields));
      if (record.method === "POST") return send(...this.#create(path, fields));
      const tokenRoute = this.tokens.route(record.method, path);
      if (tokenRoute === "list") return send(...paginate(this.tokens.listed() as unknown as Item[], url.searchParams));
      if (tokenRoute) return send(...tokenRoute);
      const [status, body] = this.#route(record, url.searchParams);
      send(status, body);
    } catch (error) {
      if (error instanceof FilterError) return send(400, errors(error.message));
      send(500, errors("Fake API crashed"));
      throw error;
    }
  }

  #create(path: string, body: Record<string, unknown>): [number, unknown] {
    return createIn(this, path, body);
  }

  #route(request: RecordedRequest, query: URLSearchParams): [number, unknown] {
    const { method, path } = request;
    const filter = parseFilter(request.xFilter);
    const one = /^\/(linode\/instances|networking\/firewalls|linode\/types)\/([^/]+)$/.exec(path);
    const list = <T extends Item>(items: T[], filterable: readonly string[]) =>
      this.#paginate(applyFilter(items, filter, filterable, this.#listMatch), query);
    if (method === "GET" && path === "/linode/instances") return list([...this.instances, ...this.#linger(query)], INSTANCE_FILTERS);
    // Firewall objects in the v4 description have no `entities` (the route for them is /devices): serve what it documents.
    if (method === "GET" && path === "/networking/firewalls") return list(this.firewalls.map(withoutEntities), FIREWALL_FILTERS);
    if (method === "GET" && path === "/linode/types") return list(this.types, TYPE_FILTERS);
    if (method === "GET" && path === "/account") return [200, { ...this.account, email: "fake@example.invalid" }];
    const availability = /^\/regions\/([^/]+)\/availability$/.exec(path);
    if (method === "GET" && availability) {
      const id = decodeURIComponent(availability[1]);
      return this.regions.some((r) => r.id === id) ? [200, this.availability.filter((a) => a.region === id)] : [404, errors("Not found")];
    }
    const region = /^\/regions\/([^/]+)$/.exec(path);
    if (method === "GET" && region) {
      const found = this.regions.find((r) => r.id === decodeURIComponent(region[1]));
      return found ? [200, found] : [404, errors("Not found")];
    }
    if (!one) return [404, errors("Not found")];
    const [, collection, id] = one;
    const items: Item[] =
      collection === "linode/instances" ? this.instances : collection === "networking/firewalls" ? this.firewalls : this.types;
    const index = items.findIndex((item) => String(item.id) === id);
    if (index === -1) return [404, errors("Not found")];
    if (method === "GET")
      return [200, collection === "networking/firewalls" ? withoutEntities(items[index] as FakeFirewall) : items[index]];
    if (method !== "DELETE" || collection === "linode/types") return [405, errors("Method not allowed")];
    const [removed] = items.splice(index, 1);
    if (collection === "linode/instances" && this.#lingerListings > 0) {
      this.#lingering.push({ instance: { ...(removed as FakeInstance), status: "deleting" }, listings: this.#lingerListings });
    }
    // Deleting a Linode detaches it from its firewalls, as on Linode.
    if (collection === "linode/instances")
      for (const firewall of this.firewalls) firewall.entities = firewall.entities.filter((e) => String(e.id) !== id);
    return [200, {}];
  }

  /** Deleted instances still listed; a listing is counted at its first page. */
  #linger(query: URLSearchParams): FakeInstance[] {
    const listed = this.#lingering.filter((l) => l.listings > 0).map((l) => l.instance);
    if ((query.get("page") ?? "1") === "1") for (const l of this.#lingering) l.listings--;
    return listed;
  }

  #paginate(items: Item[], query: URLSearchParams): [number, unknown] {
    if (this.claimPages === undefined) return paginate(items, query);
    // A broken server: every page it claims has the first page's items on it, so only a cap ends the loop.
    const [status, body] = paginate(items, new URLSearchParams({ ...Object.fromEntries(query), page: "1" }));
    return status !== 200
      ? [status, body]
      : [status, { ...(body as object), page: Number(query.get("page") ?? 1), pages: this.claimPages }];
  }
}

/** The two creations the linode provider makes for a run (POST /linode/instances, POST /networking/firewalls), for stand-in CLIs. */
function createIn(api: FakeLinodeApi, path: string, body: Record<string, unknown>): [number, unknown] {
  const id = 10_000 + api.instances.length + api.firewalls.length + api.requests.length;
  const tags = Array.isArray(body.tags) ? body.tags.map(String) : [];
  const label = typeof body.label === "string" ? body.label : `created${id}`;
  if (path === "/networking/firewalls") {
    const firewall = fakeFirewall({ id, label, tags });
    api.firewalls.push(firewall);
    return [200, firewall];
  }
  if (path === "/linode/instances") {
    const instance = fakeInstance({ id, label, tags, type: String(body.type), region: String(body.region), status: "provisioning" });
    api.instances.push(instance);
    const firewall = api.firewalls.find((f) => f.id === body.firewall_id);
    firewall?.entities.push({ id, type: "linode", label });
    return [200, instance];
  }
  return [404, errors("Not found")];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export async function startFakeLinodeApi(options: FakeLinodeOptions = {}): Promise<FakeLinodeApi> {
  return new FakeLinodeApi(options).listen();
}

function withoutEntities({ entities: _entities, ...firewall }: FakeFirewall): Item {
  return firewall;
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of request) text += String(chunk);
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function paginate(items: Item[], query: URLSearchParams): [number, unknown] {
  const page = Number(query.get("page") ?? 1);
  const pageSize = Number(query.get("page_size") ?? 100);
  if (!Number.isInteger(pageSize) || pageSize < 25 || pageSize > 500)
    return [400, { errors: [{ field: "page_size", reason: "Must be 25-500" }] }];
  if (!Number.isInteger(page) || page < 1) return [400, { errors: [{ field: "page", reason: "Must be 1 or more" }] }];
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  return [200, { data: items.slice((page - 1) * pageSize, page * pageSize), page, pages, results: items.length }];
}

const errors = (...reasons: string[]) => ({ errors: reasons.map((reason) => ({ reason })) });

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An instance as GET /v4/linode/instances lists it; `created` is UTC without a zone, as Linode writes it. */
export function fakeInstance(fields: Partial<FakeInstance> & { id: number }): FakeInstance {
  return {
    label: `linode${fields.id}`,
    type: "g6-dedicated-2",
    region: "us-east",
    status: "running",
    tags: [],
    created: "2026-11-24T00:00:00",
    ...fields,
  };
}

export function fakeFirewall(fields: Partial<FakeFirewall> & { id: number }): FakeFirewall {
  return { label: `firewall${fields.id}`, status: "enabled", tags: [], created: "2026-11-24T00:00:00", entities: [], ...fields };
}

/** Types for every plan alias; prices are test data (1.5× the fallback table, so a test can tell them apart). */
export function fakeTypes(multiplier = 1.5): FakeType[] {
  return PLANS.map((plan) => {
    const hourly = round(plan.hourly * multiplier);
    return {
      id: plan.type,
      label: `Dedicated ${plan.memoryGb}GB`,
      class: "dedicated",
      vcpus: plan.vcpus,
      memory: plan.memoryGb * 1024,
      price: { hourly, monthly: round(hourly * 730) },
      region_prices: [{ id: "br-gru", hourly: round(hourly * 1.4), monthly: round(hourly * 1.4 * 730) }],
    };
  });
}

const round = (value: number) => Math.round(value * 1000) / 1000;
