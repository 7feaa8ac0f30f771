import type { OpenAPIObject, OperationObject, RequestBodyObject, SchemaObject } from '@nestjs/swagger';

import { DOCS_JSON_PATH, DOCS_PATH } from './api-docs';

/**
 * Helpers for the specs that check a service's OpenAPI document: what a client generator or a
 * person reading /docs would rely on. Exported through `@tessera/platform/testing` only.
 */

/** An operation of the document under its route, `METHOD /path` as a spec names it. */
export interface DocumentedOperation {
  route: string;
  operation: OperationObject;
}

export interface ServedDocs {
  /** The Swagger UI page at /docs, fetched without a token. */
  ui: { status: number; contentType: string | null; csp: string | null; html: string };
  /** The OpenAPI document at /docs/json, fetched without a token. */
  document: OpenAPIObject;
  operations: DocumentedOperation[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Fetches /docs and /docs/json from a running service, as an anonymous browser would. */
export async function fetchServedDocs(base: string): Promise<ServedDocs> {
  const ui = await fetch(`${base}${DOCS_PATH}`);
  const json = await fetch(`${base}${DOCS_JSON_PATH}`);
  if (json.status !== 200) {
    throw new Error(`GET ${DOCS_JSON_PATH} answered ${json.status}`);
  }
  const document = (await json.json()) as OpenAPIObject;
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ route: `${method.toUpperCase()} ${path}`, operation }] : [];
    }),
  );
  return {
    ui: {
      status: ui.status,
      contentType: ui.headers.get('content-type'),
      csp: ui.headers.get('content-security-policy'),
      html: await ui.text(),
    },
    document,
    operations,
  };
}

/** The documented request body of an operation: per media type, the schema it refers to and that schema's required fields. */
export function requestBodyOf(
  document: OpenAPIObject,
  operation: OperationObject,
): Record<string, { schema: string; required: string[] }> {
  const body = operation.requestBody as RequestBodyObject | undefined;
  return Object.fromEntries(
    Object.entries(body?.content ?? {}).map(([mediaType, { schema }]) => {
      const ref = (schema as { $ref?: string } | undefined)?.$ref ?? '';
      const name = ref.replace('#/components/schemas/', '');
      const target = document.components?.schemas?.[name] as SchemaObject | undefined;
      return [mediaType, { schema: name, required: [...(target?.required ?? [])].sort() }];
    }),
  );
}

/** The media types of each documented answer of an operation, by status. */
export function responsesOf(operation: OperationObject): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(operation.responses).map(([status, response]) => [
      status,
      Object.keys((response as { content?: Record<string, unknown> }).content ?? {}),
    ]),
  );
}

/** Same-origin scripts and stylesheets a served HTML page loads, and whether it has inline scripts. */
export function pageAssets(html: string): { scripts: string[]; stylesheets: string[]; inlineScripts: number } {
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc=["']([^"']+)["']/g)].map((m) => m[1]);
  const stylesheets = [...html.matchAll(/<link\b[^>]*\bhref=["']([^"']+\.css)["']/g)].map((m) => m[1]);
  const inlineScripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter(
    ([, attributes, body]) => !/\bsrc=/.test(attributes) && body.trim() !== '',
  ).length;
  return { scripts, stylesheets, inlineScripts };
}

/** What a request body's object schema promises about the fields it does not list, and null. */
export interface BodySchemaContract {
  /** `false` when unknown fields are refused; absent when the schema leaves them open. */
  additionalProperties: unknown;
  /** The properties documented as accepting null. */
  nullable: string[];
}

/**
 * Every object schema a request body refers to, directly or nested (properties, items, allOf...),
 * by component name (or `METHOD /path media-type` for an inline one), with what it says about
 * unknown fields and null: what a fuzzer or a generated client takes from the document.
 */
export function requestBodySchemas(document: OpenAPIObject): Record<string, BodySchemaContract> {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  const found: Record<string, BodySchemaContract> = {};
  const visit = (schema: unknown, name: string) => {
    if (typeof schema !== 'object' || schema === null) {
      return;
    }
    const ref = (schema as { $ref?: string }).$ref;
    if (ref !== undefined) {
      const target = ref.replace('#/components/schemas/', '');
      if (!(target in found)) {
        visit(schemas[target], target);
      }
      return;
    }
    const object = schema as SchemaObject;
    const properties = (object.properties ?? {}) as Record<string, SchemaObject>;
    if (object.type === 'object' || object.properties) {
      found[name] = {
        additionalProperties: object.additionalProperties,
        nullable: Object.keys(properties).filter((p) => properties[p].nullable === true),
      };
    }
    for (const [property, value] of Object.entries(properties)) {
      visit(value, `${name}.${property}`);
    }
    for (const nested of [object.items, ...(object.allOf ?? []), ...(object.oneOf ?? []), ...(object.anyOf ?? [])]) {
      visit(nested, name);
    }
  };
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ route: `${method.toUpperCase()} ${path}`, op: item[method] }] : [])),
  );
  for (const { route, op } of operations) {
    const body = op.requestBody as RequestBodyObject | undefined;
    for (const [mediaType, { schema }] of Object.entries(body?.content ?? {})) {
      visit(schema, `${route} ${mediaType}`);
    }
  }
  return found;
}
