import * as z from "zod"; // a namespace import: esbuild then drops the zod parts (and locales) we do not use

/**
 * The parts of Linode API v4 responses that render-remote reads, validated
 * once at the boundary (linode-api.ts). Unknown fields are dropped; a missing
 * field we rely on is an error that names it, not a silent `undefined`.
 */

/** Linode writes timestamps in UTC without a zone ("2026-11-24T00:49:32"). */
export function parseLinodeTime(value: string): Date {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

export const instanceSchema = z.object({
  id: z.number(),
  label: z.string(),
  type: z.string().nullable(),
  region: z.string(),
  status: z.string(),
  tags: z.array(z.string()),
  created: z.string(),
});
export type LinodeInstance = z.infer<typeof instanceSchema>;

export const firewallSchema = z.object({
  id: z.number(),
  label: z.string(),
  status: z.string(),
  tags: z.array(z.string()),
  created: z.string(),
  /** Not in the v4.189.0 description (its route is /devices); read when a server sends it, never relied on. */
  entities: z.array(z.object({ id: z.number(), type: z.string(), label: z.string().nullable().optional() })).optional(),
});
export type LinodeFirewall = z.infer<typeof firewallSchema>;

const price = z.object({ hourly: z.number().nullable(), monthly: z.number().nullable() });

export const typeSchema = z.object({
  id: z.string(),
  label: z.string(),
  class: z.string(),
  vcpus: z.number(),
  /** MB */
  memory: z.number(),
  price,
  region_prices: z.array(price.extend({ id: z.string() })).default([]),
});
export type LinodeType = z.infer<typeof typeSchema>;

export const regionSchema = z.object({
  id: z.string(),
  label: z.string().optional(),
  status: z.string().optional(),
  capabilities: z.array(z.string()).default([]),
});
export type LinodeRegion = z.infer<typeof regionSchema>;

/** One item of GET /regions/{id}/availability. */
export const regionAvailabilitySchema = z.object({ region: z.string(), plan: z.string(), available: z.boolean() });
export type LinodeRegionAvailability = z.infer<typeof regionAvailabilitySchema>;

export const accountSchema = z.object({
  balance: z.number(),
  balance_uninvoiced: z.number(),
});
export type LinodeAccount = z.infer<typeof accountSchema>;

/** A personal access token (GET/POST /profile/tokens). `token` is the secret only in POST's answer; lists show its first 16 characters. */
export const tokenSchema = z.object({
  id: z.number(),
  label: z.string(),
  scopes: z.string(),
  /** null: never expires. */
  expiry: z.string().nullable(),
  created: z.string(),
  token: z.string().optional(),
});
export type LinodeToken = z.infer<typeof tokenSchema>;

/** Every list endpoint answers with this envelope (page is 1-based). */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), page: z.number(), pages: z.number(), results: z.number() });

/** `field` "may come back as null" (v4 description), so null must not make the whole body unreadable. */
export const errorBodySchema = z.object({
  errors: z.array(z.object({ reason: z.string(), field: z.string().nullish() })),
});
