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
