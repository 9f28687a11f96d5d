#!/usr/bin/env node
// Cuts the operations render-remote's Linode client calls out of Linode's official OpenAPI description
// (linode/linode-api-docs, openapi.yaml, v4.189.0, Apache-2.0) into
// orchestrator/cloud/testing/linode-openapi/linode-openapi-subset.json, for the conformance tests.
//
// Usage: node scripts/extract-linode-openapi.mjs <path to openapi.yaml> [output.json]
//
// How it is cut (so the subset can be checked against the source):
// - only the (path, method) pairs in OPERATIONS below, with their path-level parameters;
// - `$ref`s are resolved inline (the v4.189.0 file has none in these operations, but a later one may);
// - documentation-only keys are dropped: description, summary, example(s), externalDocs, title, x-*;
//   every validation keyword (type, properties, additionalProperties, required, enum, minimum, maximum,
//   nullable, oneOf/anyOf/allOf, items, format, pattern) is kept unchanged.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** Keep in step with orchestrator/cloud/linode-api.ts: every call the client makes. */
const OPERATIONS = [
  ["/{apiVersion}/linode/instances", "get"],
  ["/{apiVersion}/linode/instances/{linodeId}", "get"],
  ["/{apiVersion}/linode/instances/{linodeId}", "delete"],
  ["/{apiVersion}/networking/firewalls", "get"],
  ["/{apiVersion}/networking/firewalls/{firewallId}", "get"],
  ["/{apiVersion}/networking/firewalls/{firewallId}", "delete"],
  ["/{apiVersion}/linode/types", "get"],
  ["/{apiVersion}/regions/{regionId}", "get"],
  ["/{apiVersion}/account", "get"],
  ["/{apiVersion}/profile/tokens", "get"],
  ["/{apiVersion}/profile/tokens", "post"],
  ["/{apiVersion}/profile/tokens/{tokenId}", "delete"],
];
const DOC_KEYS = new Set(["description", "summary", "example", "examples", "externalDocs", "title"]);

const [
  source,
  output = path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    "../orchestrator/cloud/testing/linode-openapi/linode-openapi-subset.json",
  ),
] = process.argv.slice(2);
if (!source) {
  console.error("Usage: node scripts/extract-linode-openapi.mjs <path to Linode's openapi.yaml> [output.json]");
  process.exit(2);
}
const document = parse(readFileSync(source, "utf8"));

function resolve(node, seen = []) {
  if (Array.isArray(node)) return node.map((item) => resolve(item, seen));
  if (node === null || typeof node !== "object") return node;
  if (typeof node.$ref === "string") {
    if (seen.includes(node.$ref)) throw new Error(`recursive $ref ${node.$ref}`);
    const target = node.$ref
      .replace(/^#\//, "")
      .split("/")
      .reduce((at, key) => at[key.replace(/~1/g, "/").replace(/~0/g, "~")], document);
    return resolve(target, [...seen, node.$ref]);
  }
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    // `properties` maps field names, which may be called "description" or "title": keep those.
    const isFieldMap = key === "properties";
    if (!isFieldMap && (DOC_KEYS.has(key) || key.startsWith("x-"))) continue;
    out[key] = isFieldMap
      ? Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, resolve(schema, seen)]))
      : resolve(value, seen);
  }
  return out;
}

const paths = {};
for (const [route, method] of OPERATIONS) {
  const item = document.paths[route];
  if (!item?.[method]) throw new Error(`${method.toUpperCase()} ${route} is not in ${source}`);
  paths[route] ??= { parameters: resolve(item.parameters ?? []) };
  paths[route][method] = resolve(item[method]);
}
const subset = {
  openapi: document.openapi,
  info: { title: document.info.title, version: document.info.version, license: document.info.license },
  "x-source": "linode/linode-api-docs openapi.yaml, cut by scripts/extract-linode-openapi.mjs",
  paths,
};
writeFileSync(output, `${JSON.stringify(subset, null, 1)}\n`);
console.log(`${OPERATIONS.length} operations of v${document.info.version} -> ${output}`);
