/**
 * The subset of Linode's X-Filter language the fake API understands, from the
 * v4 docs ("Filtering and Sorting"): `{"field": value}` is equality; on a
 * list field such as `tags` the docs do not say what it means, so the fake
 * can read it as "contains" or as "the list equals [value]"; `+and` / `+or` combine
 * filters; `+order_by` / `+order` sort. Anything else is a 400, as on Linode,
 * so a client that sends a filter the fake cannot check fails loudly.
 */
export type Item = Record<string, unknown>;
export type ListMatch = "contains" | "equals";

export class FilterError extends Error {}

export function parseFilter(header: string | undefined): Item | undefined {
  if (header === undefined || header === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    throw new FilterError("Invalid JSON in X-Filter");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new FilterError("X-Filter must be a JSON object");
  return parsed as Item;
}

export function applyFilter<T extends Item>(
  items: T[],
  filter: Item | undefined,
  filterable: readonly string[],
  listMatch: ListMatch = "contains",
): T[] {
  if (!filter) return items;
  const { "+order_by": orderBy, "+order": order, ...conditions } = filter;
  const matched = items.filter((item) => matches(item, conditions, filterable, listMatch));
  if (typeof orderBy !== "string") return matched;
  if (!filterable.includes(orderBy)) throw new FilterError(`Cannot order by ${orderBy}`);
  const sign = order === "desc" ? -1 : 1;
  return [...matched].sort((a, b) => sign * String(a[orderBy]).localeCompare(String(b[orderBy]), "en", { numeric: true }));
}

function matches(item: Item, filter: Item, filterable: readonly string[], listMatch: ListMatch): boolean {
  return Object.entries(filter).every(([key, expected]) => {
    if (key === "+and") return asList(expected).every((sub) => matches(item, sub, filterable, listMatch));
    if (key === "+or") return asList(expected).some((sub) => matches(item, sub, filterable, listMatch));
    if (!filterable.includes(key)) throw new FilterError(`Cannot filter on ${key}`);
    if (typeof expected === "object" && expected !== null) throw new FilterError(`Unsupported operator on ${key}`);
    const actual = item[key];
    if (!Array.isArray(actual)) return actual === expected;
    return listMatch === "contains" ? actual.includes(expected) : actual.length === 1 && actual[0] === expected;
  });
}

function asList(value: unknown): Item[] {
  if (!Array.isArray(value)) throw new FilterError("+and and +or take a list of filters");
  return value as Item[];
}
