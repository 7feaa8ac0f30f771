import type { OpenAPIObject, OperationObject, ParameterObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { fetchServedDocs } from '@tessera/platform/testing';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

import { type BodyCase, nested, type Schema, schemaArbitraries } from './openapi-arbitraries';
import type { Answer, CallOptions } from './system';

/**
 * Fuzzing from the apps' own OpenAPI documents: every documented operation gets requests
 * generated from its parameters and body schema (valid, on the limits, invalid), sent with no
 * token, a user's or an admin's, and every answer is checked against the same document: a
 * status it lists, the media type it lists for that status, a body its schema accepts. Never
 * a 5xx.
 */

export type AppName = 'auth' | 'orders' | 'profile';
export type Who = 'none' | 'user' | 'admin' | 'garbage';

export interface FuzzOperation {
  app: AppName;
  /** `METHOD /path` as the document names it. */
  route: string;
  method: string;
  path: string;
  operation: OperationObject;
}

export interface RequestCase {
  who: Who;
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body?: BodyCase;
  /** The media type sent with the body. */
  contentType?: string;
}

export interface Finding {
  route: string;
  kind: '5xx' | 'undeclared status' | 'undeclared media type' | 'body off schema' | 'not ready';
  status: number;
  detail: string;
  request: string;
}

/**
 * Refusals the HTTP edge makes before any route runs, the same on every operation and listed
 * once in the README and SECURITY.md rather than under each route: they are declared answers
 * too, as RFC 9457 problems with these codes.
 */
export const EDGE_REFUSALS: Record<number, string[]> = {
  400: ['bad_request'],
  405: ['method_not_allowed'],
  408: ['request_timeout'],
  413: ['content_too_large'],
  414: ['uri_too_long'],
  415: ['unsupported_media_type'],
  431: ['request_header_fields_too_large'],
};

/** The operations of a served document, with their app. */
export async function documentedOperations(
  app: AppName,
  base: string,
): Promise<{ document: OpenAPIObject; operations: FuzzOperation[] }> {
  const { document, operations } = await fetchServedDocs(base);
  return {
    document,
    operations: operations.map(({ route, operation }) => {
      const [method, path] = route.split(' ');
      return { app, route, method, path, operation };
    }),
  };
}

const refName = (ref: string) => ref.replace('#/components/schemas/', '');

export function resolverOf(document: OpenAPIObject): (ref: string) => Schema {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  return (ref) => {
    const found = schemas[refName(ref)];
    if (found === undefined) {
      throw new Error(`the document refers to ${ref}, which it does not define`);
    }
    return found;
  };
}

export interface CaseContext {
  document: OpenAPIObject;
  /** Values of the running system worth trying in paths and bodies: ids, an email, a password. */
  known: readonly string[];
  /** Path parameter values that name something real (the user's own id, order, session). */
  ids: readonly string[];
}

const printableHeader = fc.string({ maxLength: 60 }).map((v) => v.replace(/[^\x20-\x7e]/g, '.'));

/** Extra headers a careless or hostile client sends. */
const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 30, arbitrary: fc.constant({}) },
  {
    weight: 10,
    arbitrary: fc.record(
      {
        'x-request-id': fc.oneof(printableHeader, fc.constant('x'.repeat(300))),
        accept: fc.constantFrom('*/*', 'text/html', 'application/xml', 'application/json;q=0', 'garbage'),
        origin: fc.constantFrom('https://evil.test', 'null', 'http://127.0.0.1'),
        'sec-fetch-site': fc.constantFrom('cross-site', 'same-origin', 'none', 'x'),
        cookie: fc.oneof(printableHeader, fc.constant('tessera_refresh=abc; tessera_refresh=def')),
        'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1, 10.0.0.1', 'not-an-ip'),
        'accept-language': printableHeader,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.constant({ 'x-big': 'x'.repeat(20_000) }) },
);

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.constantFrom('', ' ', '-1', '0', '1e999', 'NaN', 'null', '[]', '{}', '..', '%00', '\u0000', 'x'.repeat(3000)),
);

function parameterArbitrary(parameter: ParameterObject, ctx: CaseContext, pool: readonly string[]) {
  const arbitraries = schemaArbitraries({ resolve: resolverOf(ctx.document), known: ctx.known });
  const schema = (parameter.schema ?? { type: 'string' }) as Schema;
  const choices: fc.Arbitrary<unknown>[] = [
    arbitraries.valid(schema),
    arbitraries.boundary(schema),
    arbitraries.invalid(schema),
    hostileText,
  ];
  if (pool.length > 0) {
    choices.push(fc.constantFrom(...pool));
  }
  return fc.oneof(...choices).map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));
}

/** A path segment percent-encoded; a lone surrogate (no UTF-8 form) is sent as U+FFFD, as a browser would. */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'));
  }
}

/** Generated requests of one operation. */
export function requestCases(op: FuzzOperation, ctx: CaseContext): fc.Arbitrary<RequestCase> {
  const parameters = (op.operation.parameters ?? []) as ParameterObject[];
  const inPath = parameters.filter((p) => p.in === 'path');
  const inQuery = parameters.filter((p) => p.in === 'query');
  const encoded = fc
    .tuple(...inPath.map((p) => parameterArbitrary(p, ctx, ctx.ids)))
    .map((values) => inPath.reduce((path, p, i) => path.replace(`{${p.name}}`, encodeSegment(values[i])), op.path));
  // Path segments as a careless client writes them: broken percent-encoding, dot segments.
  const raw = fc
    .constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '.', '%2e%2e', '%2F', 'a;b', 'a?b')
    .map((segment) => inPath.reduce((path, p) => path.replace(`{${p.name}}`, segment), op.path));
  const pathArb = inPath.length > 0 ? fc.oneof({ weight: 12, arbitrary: encoded }, raw) : fc.constant(op.path);
  const queryArb = fc
    .tuple(
      fc.record(
        Object.fromEntries(inQuery.map((p) => [p.name, parameterArbitrary(p, ctx, [])])) as Record<
          string,
          fc.Arbitrary<string>
        >,
        { requiredKeys: inQuery.filter((p) => p.required).map((p) => p.name) },
      ),
      fc.oneof(
        { weight: 5, arbitrary: fc.constant<[string, string][]>([]) },
        fc.array(fc.tuple(fc.constantFrom('x', 'limit', 'cursor', '__proto__', 'a[b]'), hostileText), {
          maxLength: 3,
        }),
      ),
    )
    .map(([declared, extra]) => [...Object.entries(declared), ...extra]);
  const content = (op.operation.requestBody as { content?: Record<string, { schema?: SchemaObject }> } | undefined)
    ?.content;
  const bodyArb: fc.Arbitrary<Pick<RequestCase, 'body' | 'contentType'>> = content
    ? fc.oneof(
        ...Object.entries(content).map(([mediaType, { schema }]) =>
          schemaArbitraries({ resolve: resolverOf(ctx.document), known: ctx.known })
            .body((schema ?? {}) as Schema)
            .map((body) => ({ body, contentType: mediaType })),
        ),
        // No body, or a JSON body under a media type the operation does not take.
        fc.constantFrom<Pick<RequestCase, 'body' | 'contentType'>>(
          {},
          { body: { kind: 'invalid', json: {} }, contentType: 'text/plain' },
          { body: { kind: 'invalid', json: {} }, contentType: 'application/json; charset=latin1' },
          { body: { kind: 'invalid', json: nested(70) }, contentType: 'application/json' },
          // Past the 64 KiB body limit.
          { body: { kind: 'invalid', json: { x: 'x'.repeat(70_000) } }, contentType: 'application/json' },
        ),
      )
    : fc.constant({});
  return fc
    .record({
      who: fc.constantFrom<Who>('none', 'user', 'admin', 'user', 'admin', 'garbage'),
      path: pathArb,
      query: queryArb,
      headers: hostileHeaders,
      body: bodyArb,
    })
    .map(({ body, ...rest }) => ({ ...rest, ...body }));
}

/** The call of `SecuritySystem.call` that sends a case. */
export function callOf(
  c: RequestCase,
  tokens: Record<Exclude<Who, 'none'>, string>,
): { route: string; options: CallOptions } {
  const search = new URLSearchParams(c.query).toString();
  const headers: Record<string, string> = { ...c.headers };
  if (c.who !== 'none') {
    headers.authorization = `Bearer ${tokens[c.who]}`;
  }
  let body: string | undefined;
  if (c.body !== undefined) {
    if (c.body.kind === 'raw') {
      body = c.body.text;
    } else if (c.contentType === 'application/x-www-form-urlencoded') {
      const json = c.body.json;
      body =
        typeof json === 'object' && json !== null && !Array.isArray(json)
          ? new URLSearchParams(
              Object.entries(json).map(([k, v]): [string, string] => [
                k,
                typeof v === 'string' ? v : (JSON.stringify(v) ?? ''),
              ]),
            ).toString()
          : String(JSON.stringify(json));
    } else {
      body = JSON.stringify(c.body.json) ?? 'null';
    }
  }
  return {
    route: search ? `${c.path}?${search}` : c.path,
    options: { headers, ...(body === undefined ? {} : { body, contentType: c.contentType ?? null }) },
  };
}

/** What a report shows of a case: enough to send it again by hand. */
export function describeCase(op: FuzzOperation, c: RequestCase, sent: { route: string; options: CallOptions }) {
  const body = typeof sent.options.body === 'string' ? sent.options.body : '';
  const shown = body.length > 300 ? `${body.slice(0, 300)}… (${body.length} chars)` : body;
  const headers = Object.keys(c.headers).join(',');
  return `${op.method} ${sent.route.slice(0, 300)} as ${c.who}${headers ? ` +headers(${headers})` : ''}${
    sent.options.body === undefined ? '' : ` ${c.contentType ?? 'no content-type'} ${JSON.stringify(shown)}`
  }`;
}

/**
 * An OpenAPI 3.0 schema as JSON Schema for Ajv. The one keyword whose meaning differs is
 * `nullable`: the NestJS scanner writes a nullable object property as `{nullable: true, type:
 * 'object', allOf: [{$ref}]}`, which means "null or that object", but Ajv's `nullable` only
 * widens the `type` beside it and still applies the `allOf` to null. Each nullable schema
 * becomes `anyOf: [{type: 'null'}, <the rest>]`, the reading OpenAPI 3.0 intends.
 */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    return schema.map(toJsonSchema);
  }
  if (typeof schema !== 'object' || schema === null) {
    return schema;
  }
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, toJsonSchema(v)]));
  return nullable === true ? { anyOf: [{ type: 'null' }, converted] } : converted;
}

/** Checks answers against a document's declared responses with Ajv. */
export class ResponseChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenAPIObject) {
    addFormats(this.ajv);
  }

  private validator(key: string, schema: SchemaObject): ValidateFunction {
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      // The component schemas ride along, so `#/components/schemas/...` resolves inside this one.
      validate = this.ajv.compile(
        toJsonSchema({ ...schema, components: this.document.components }) as Record<string, unknown>,
      );
      this.compiled.set(key, validate);
    }
    return validate;
  }

  /** What is wrong with `answer` as an answer of `op`; empty when the document declares it. */
  check(op: FuzzOperation, answer: Answer): Omit<Finding, 'request'>[] {
    const { status } = answer;
    const base = { route: op.route, status };
    // Declared or not: with every dependency up, a 5xx is a fault of the app, never the client's.
    if (status >= 500) {
      return [{ ...base, kind: '5xx', detail: answer.text.slice(0, 300) }];
    }
    const declared = (op.operation.responses[String(status)] ?? op.operation.responses.default) as
      ResponseObject | undefined;
    const mediaType = String(answer.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    if (declared === undefined) {
      const code = answer.body.code;
      const edge = EDGE_REFUSALS[status];
      if (edge && mediaType === 'application/problem+json' && typeof code === 'string' && edge.includes(code)) {
        return [];
      }
      return [{ ...base, kind: 'undeclared status', detail: `${mediaType} ${answer.text.slice(0, 200)}` }];
    }
    const content = declared.content ?? {};
    if (Object.keys(content).length === 0) {
      return answer.text === ''
        ? []
        : [{ ...base, kind: 'undeclared media type', detail: `a ${mediaType} body where none is documented` }];
    }
    const media = content[mediaType];
    if (media === undefined) {
      return [
        {
          ...base,
          kind: 'undeclared media type',
          detail: `${mediaType || 'no content-type'}, documented: ${Object.keys(content).join(', ')}`,
        },
      ];
    }
    if (media.schema === undefined) {
      return [];
    }
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      return [{ ...base, kind: 'body off schema', detail: `not JSON: ${answer.text.slice(0, 100)}` }];
    }
    const validate = this.validator(`${op.route} ${status} ${mediaType}`, media.schema as SchemaObject);
    if (!validate(json)) {
      const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
      return [{ ...base, kind: 'body off schema', detail: `${errors}: ${answer.text.slice(0, 200)}` }];
    }
    return [];
  }
}

/** Counts of one operation's run. */
export interface OperationStats {
  cases: number;
  statuses: Record<number, number>;
}

/** The run's numbers, printed at the end and by `npm run fuzz`. */
export class FuzzReport {
  readonly operations = new Map<string, OperationStats>();
  readonly findings: Finding[] = [];
  requests = 0;
  /** Every 5xx answer, and every other undeclared one, counted before findings are deduplicated. */
  fiveHundreds = 0;
  undeclared = 0;

  record(route: string, status: number): void {
    const stats = this.operations.get(route) ?? { cases: 0, statuses: {} };
    stats.cases++;
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
    this.operations.set(route, stats);
    this.requests++;
  }

  /** One finding per route, kind and status (the first request that showed it). */
  add(finding: Finding): boolean {
    if (finding.kind === '5xx') {
      this.fiveHundreds++;
    } else {
      this.undeclared++;
    }
    const seen = this.findings.some(
      (f) => f.route === finding.route && f.kind === finding.kind && f.status === finding.status,
    );
    if (!seen) {
      this.findings.push(finding);
    }
    return !seen;
  }

  summary(seed: number, runs: number): string {
    const width = Math.max(...[...this.operations.keys()].map((r) => r.length), 10);
    const lines = [...this.operations.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([route, s]) =>
          `  ${route.padEnd(width)} ${String(s.cases).padStart(6)}  ${Object.entries(s.statuses)
            .map(([status, n]) => `${status}×${n}`)
            .join(' ')}`,
      );
    return [
      `[fuzz] seed ${seed}, ${runs} cases per operation (reproduce: FUZZ_SEED=${seed} FUZZ_RUNS=${runs})`,
      ...lines,
      `[fuzz] ${this.requests} requests, ${this.operations.size} operations, ${this.fiveHundreds} 5xx, ` +
        `${this.undeclared} other undeclared answers (${this.findings.length} distinct findings below)`,
      ...this.findings.map((f) => `  ${f.kind} ${f.status} on ${f.route}: ${f.detail}\n    request: ${f.request}`),
    ].join('\n');
  }
}
