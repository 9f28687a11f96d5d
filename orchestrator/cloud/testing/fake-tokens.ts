import { randomBytes } from "node:crypto";
import { scopeFor } from "../linode-api-error.ts";

/**
 * Personal access tokens for the fake Linode API, as the v4 description has
 * them (GET/POST /profile/tokens, DELETE /profile/tokens/{id}): a token has
 * scopes, an expiry and a label; a revoked or expired one is refused with 401;
 * a call outside the acting token's scopes gets 403; a new token may not have
 * more scopes than the one that creates it.
 */
export interface FakeToken {
  id: number;
  label: string;
  /** Space-separated "area:read_only|read_write", or "*". */
  scopes: string;
  /** Linode's form: UTC without a zone; null never expires. */
  expiry: string | null;
  created: string;
  /** The secret (64 hex characters, as Linode's). */
  token: string;
}

export interface Caller {
  scopes: string;
  /** The run token used, when it was one (the account's own token has none). */
  tokenId?: number;
}

export class FakeTokens {
  readonly list: FakeToken[] = [];
  /** Every token ever made here, revoked ones too, as created. */
  readonly created: FakeToken[] = [];
  /** Scopes of the account's own token (the fake's `token`). */
  ownScopes: string;
  #nextId = 900;

  constructor(
    private readonly ownToken: string,
    ownScopes = "*",
    private readonly now: () => Date = () => new Date(),
  ) {
    this.ownScopes = ownScopes;
  }

  /** Who a bearer header stands for; undefined means 401 (unknown, revoked or expired). */
  caller(authorization: string | undefined): Caller | undefined {
    if (authorization === `Bearer ${this.ownToken}`) return { scopes: this.ownScopes };
    const found = this.list.find((t) => authorization === `Bearer ${t.token}`);
    if (!found || (found.expiry !== null && linodeTime(found.expiry) <= this.now())) return undefined;
    return { scopes: found.scopes, tokenId: found.id };
  }

  /** The scope a call lacks, or undefined when the caller may make it. */
  missingScope(caller: Caller, method: string, path: string): string | undefined {
    const needed = scopeFor(method, path);
    return needed === undefined || hasScope(caller.scopes, needed) ? undefined : needed;
  }

  /** POST /profile/tokens. */
  create(caller: Caller, body: Record<string, unknown>): [number, unknown] {
    const scopes = typeof body.scopes === "string" && body.scopes !== "*" ? body.scopes : caller.scopes;
    const extra = scopes.split(" ").filter((scope) => scope !== "" && !hasScope(caller.scopes, scope));
    if (extra.length > 0)
      return [400, { errors: [{ field: "scopes", reason: `Scopes may not exceed the acting token's: ${extra.join(" ")}` }] }];
    if (typeof body.label !== "string" || body.label.length < 1 || body.label.length > 100)
      return [400, { errors: [{ field: "label", reason: "Length must be 1-100 characters" }] }];
    let expiry: string | null = null;
    if (body.expiry !== undefined && body.expiry !== null) {
      const at = typeof body.expiry === "string" ? new Date(body.expiry) : new Date(Number.NaN);
      if (Number.isNaN(at.getTime()) || at <= this.now())
        return [400, { errors: [{ field: "expiry", reason: "Must be a date-time in the future" }] }];
      expiry = at.toISOString().slice(0, 19);
    }
    const token: FakeToken = {
      id: this.#nextId++,
      label: body.label,
      scopes,
      expiry,
      created: this.now().toISOString().slice(0, 19),
      token: randomBytes(32).toString("hex"),
    };
    this.list.push(token);
    this.created.push({ ...token });
    return [200, token];
  }

  /** GET /profile/tokens (a page) or DELETE /profile/tokens/{id}; undefined when the route is not theirs. */
  route(method: string, path: string): [number, unknown] | "list" | undefined {
    if (method === "GET" && path === "/profile/tokens") return "list";
    const one = /^\/profile\/tokens\/(\d+)$/.exec(path);
    if (!one) return undefined;
    const index = this.list.findIndex((t) => t.id === Number(one[1]));
    if (index === -1) return [404, { errors: [{ reason: "Not found" }] }];
    if (method === "GET") return [200, shown(this.list[index])];
    if (method !== "DELETE") return [405, { errors: [{ reason: "Method not allowed" }] }];
    this.list.splice(index, 1); // revoked at once: its next request gets 401
    return [200, {}];
  }

  /** What a listing shows: only the secret's first 16 characters. */
  listed(): FakeToken[] {
    return this.list.map(shown);
  }
}

const shown = (token: FakeToken): FakeToken => ({ ...token, token: token.token.slice(0, 16) });

/** read_write includes read_only; "*" is every scope. */
export function hasScope(scopes: string, needed: string): boolean {
  const [area, level] = needed.split(":");
  return scopes.split(" ").some((scope) => scope === "*" || scope === needed || (level === "read_only" && scope === `${area}:read_write`));
}

const linodeTime = (value: string) => new Date(/[zZ]$/.test(value) ? value : `${value}Z`);
