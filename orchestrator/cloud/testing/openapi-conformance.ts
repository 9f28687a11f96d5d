import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";

/**
 * Checks requests and responses against Linode's own OpenAPI description
 * (the subset in linode-openapi/, v4.189.0, Apache-2.0). The fake API runs
 * every request it gets and every response it serves through here, so a
 * client that sends what Linode does not document, or a fake that serves what
 * Linode never would, fails the tests. Returns violations as sentences.
 */
interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  schema: object;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
type PathItem = { parameters?: Parameter[] } & Record<string, Operation | Parameter[] | undefined>;

const description = JSON.parse(readFileSync(new URL("./linode-openapi/linode-openapi-subset.json", import.meta.url), "utf8")) as {
  info: { version: string };
  paths: Record<string, PathItem>;
};
export const DESCRIPTION_VERSION = description.info.version;

// Formats are not checked: Linode's `date-time` values carry no zone ("2026-11-24T00:00:00"), which the description's own format rejects.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<object, ValidateFunction>();
function validate(schema: object, value: unknown, what: string): string[] {
  let check = compiled.get(schema);
  if (!check) compiled.set(schema, (check = ajv.compile(toJsonSchema(schema) as object)));
  if (check(value)) return [];
  return (check.errors ?? [])
    .slice(0, 5)
    .map((e) => `${what}${e.instancePath} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
}

/** OpenAPI 3.0's `nullable: true` as JSON Schema: ajv only takes it beside a `type`, and the description has it beside `oneOf` too. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, toJsonSchema(value)]));
  return nullable === true ? { anyOf: [converted, { type: "null" }] } : converted;
}

interface Match {
  route: string;
  operation: Operation;
  parameters: Parameter[];
  pathValues: Record<string, string>;
}

function findOperation(method: string, path: string): Match | undefined {
  for (const [route, item] of Object.entries(description.paths)) {
    const names: string[] = [];
    const pattern = new RegExp(`^${route.replace(/\{(\w+)\}/g, (_, name: string) => (names.push(name), "([^/]+)"))}$`);
    const found = pattern.exec(path);
    const operation = item[method.toLowerCase()];
    if (!found || !operation || Array.isArray(operation)) continue;
    const pathValues = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
    return { route, operation, parameters: [...(item.parameters ?? []), ...(operation.parameters ?? [])], pathValues };
  }
  return undefined;
}

/** Path and query values arrive as strings; the description types some as integers. */
function coerce(raw: string, schema: object): unknown {
  return (schema as { type?: string }).type === "integer" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
}

export interface RequestToCheck {
  method: string;
  /** The full path, with /v4 or /v4beta. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body?: unknown;
}

export function checkRequest(request: RequestToCheck): string[] {
  const match = findOperation(request.method, request.path);
  const name = `${request.method} ${request.path}`;
  if (!match) return [`${name} is not an operation of the Linode API description v${DESCRIPTION_VERSION}`];
  const problems: string[] = [];
  for (const parameter of match.parameters) {
    const raw =
      parameter.in === "path"
        ? match.pathValues[parameter.name]
        : parameter.in === "query"
          ? request.query[parameter.name]
          : request.headers[parameter.name.toLowerCase()];
    if (raw === undefined) {
      if (parameter.required) problems.push(`${name}: required ${parameter.in} parameter ${parameter.name} is missing`);
      continue;
    }
    // The description declares X-Filter as a header with an object schema and no `content: application/json`,
    // so taken literally no header (a string) could ever match; it is a JSON object, so parse it first.
    const value = parameter.name === "X-Filter" ? parseJson(raw) : coerce(raw, parameter.schema);
    problems.push(...validate(parameter.schema, value, `${name}: ${parameter.in} parameter ${parameter.name}`));
  }
  const bodySchema = match.operation.requestBody?.content?.["application/json"]?.schema;
  if (request.body !== undefined && !bodySchema) problems.push(`${name}: sends a body the operation does not take`);
  if (request.body === undefined && match.operation.requestBody?.required) problems.push(`${name}: the required body is missing`);
  if (request.body !== undefined && bodySchema) problems.push(...validate(bodySchema, request.body, `${name}: body`));
  return problems;
}

export function checkResponse(method: string, path: string, status: number, body: unknown): string[] {
  const match = findOperation(method, path);
  // An unknown operation was already reported by checkRequest; the fake answers it 404/405.
  if (!match) return [];
  const response = match.operation.responses[String(status)] ?? match.operation.responses.default;
  const schema = response?.content?.["application/json"]?.schema;
  if (!schema) return [`${method} ${path}: status ${status} is not a documented response`];
  return validate(schema, body, `${method} ${path} → ${status}: body`);
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
