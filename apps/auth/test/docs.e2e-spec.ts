import type { ServedDocs } from '@tessera/platform/testing';
import {
  fetchServedDocs,
  requestBodyOf,
  requestBodySchemas,
  responsesOf,
  testDatabaseTargets,
} from '@tessera/platform/testing';

import type { AuthAppFixture } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

/**
 * Every route of the auth app (its HTTP API, health and the session list included) with the
 * answers it documents. A route added without its documentation, or documented but gone, fails.
 */
const ROUTES: Record<string, number[]> = {
  'GET /health/live': [200],
  'GET /health/ready': [200, 503],
  'POST /auth/register': [201, 400, 409, 415],
  'POST /auth/login': [200, 400, 401, 415, 429, 503],
  'POST /auth/refresh': [200, 400, 401, 403, 415, 503],
  'POST /auth/logout': [204, 401, 403],
  'POST /auth/logout-all': [204, 401, 403],
  'POST /auth/password': [204, 400, 401, 403, 415, 429],
  'GET /auth/me': [200, 401],
  'GET /auth/sessions': [200, 401],
  'DELETE /auth/sessions/{id}': [204, 401, 404],
  'POST /oauth/token': [200, 400, 401, 503],
  'POST /oauth/revoke': [200, 400, 401],
  'POST /oauth/introspect': [200, 400, 401, 503],
  'GET /.well-known/jwks.json': [200],
  'GET /.well-known/openid-configuration': [200],
  'GET /.well-known/oauth-authorization-server': [200],
  'GET /admin/users': [200, 400, 401, 403],
  'PATCH /admin/users/{id}': [200, 400, 401, 403, 404, 409, 415],
  'POST /admin/keys/rotate': [200, 400, 401, 403, 409],
  'GET /oauth/authorize': [303, 400],
  'GET /oauth/authorize/{uid}': [303, 400],
  'GET /oauth/logout': [200, 400],
  'POST /oauth/logout/confirm': [303, 400],
  'GET /oauth/logout/success': [200],
  'GET /oauth/userinfo': [200, 401, 403],
  'POST /oauth/userinfo': [200, 401, 403],
  'POST /admin/clients': [201, 400, 401, 403, 415],
  'GET /admin/clients': [200, 401, 403],
  'GET /admin/clients/{id}': [200, 400, 401, 403, 404],
  'DELETE /admin/clients/{id}': [204, 400, 401, 403, 404],
};

/** The OpenID Provider's pages: a browser's answers, errors included, are HTML. */
const PAGES = [
  'GET /oauth/authorize',
  'GET /oauth/authorize/{uid}',
  'GET /oauth/logout',
  'POST /oauth/logout/confirm',
  'GET /oauth/logout/success',
];

/** What needs no access token: the global guard's `@Public()` routes. */
const PUBLIC = [
  'GET /health/live',
  'GET /health/ready',
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /oauth/token',
  'POST /oauth/revoke',
  'POST /oauth/introspect',
  'GET /.well-known/jwks.json',
  'GET /.well-known/openid-configuration',
  'GET /.well-known/oauth-authorization-server',
  ...PAGES,
];

/** The request body of each route that takes one: its schema and that schema's required fields. */
const BODIES: Record<string, { schema: string; required: string[] }> = {
  'POST /auth/register': { schema: 'RegisterDto', required: ['email', 'password'] },
  'POST /auth/login': { schema: 'LoginDto', required: ['email', 'password'] },
  'POST /auth/refresh': { schema: 'RefreshDto', required: [] },
  'POST /auth/password': { schema: 'ChangePasswordDto', required: ['currentPassword', 'newPassword'] },
  'POST /oauth/token': { schema: 'TokenRequestDto', required: ['grant_type'] },
  'POST /oauth/revoke': { schema: 'RevocationRequestDto', required: ['token'] },
  'POST /oauth/introspect': { schema: 'IntrospectionRequestDto', required: ['token'] },
  'PATCH /admin/users/{id}': { schema: 'UpdateUserDto', required: [] },
  'POST /admin/keys/rotate': { schema: 'RotateKeyDto', required: [] },
  'POST /admin/clients': { schema: 'ClientMetadataDto', required: ['client_name'] },
};

/**
 * Client registration answers refused metadata as RFC 7591 §3.2.2 JSON, and a body that is not
 * JSON at all as problem+json, refused by the parser before the route runs.
 */
const RFC7591_ERRORS = { route: 'POST /admin/clients', status: '400' };

/** The OAuth endpoints take form-encoded and JSON parameters alike; everything else JSON. */
const FORM_AND_JSON = ['POST /oauth/token', 'POST /oauth/revoke', 'POST /oauth/introspect'];

/** Controllers owned by the keys work in progress; their OpenAPI decorators come with it. */

describe('auth OpenAPI documentation', () => {
  let auth: AuthAppFixture;
  let docs: ServedDocs;

  beforeAll(async () => {
    // The document does not depend on the database: PGlite alone is enough.
    auth = await startAuthApp(testDatabaseTargets()[0]);
    docs = await fetchServedDocs(auth.base);
  });

  afterAll(async () => {
    await auth?.close();
  });

  it('serves the Swagger UI at /docs and the document at /docs/json without a token', async () => {
    expect(docs.ui.status).toBe(200);
    expect(docs.ui.contentType).toMatch(/^text\/html/);
    expect(docs.ui.html).toContain('<title>Tessera auth API</title>');
    expect(docs.document.info).toMatchObject({ title: 'Tessera auth API', version: expect.any(String) });
    expect(docs.document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    // The guard still applies to the routes it guards.
    expect((await auth.call('GET', '/auth/me')).status).toBe(401);
  });

  it('documents exactly the routes of the app', () => {
    expect(docs.operations.map((o) => o.route).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it('documents the answers of each route, errors as problem+json or, on the OAuth endpoints, RFC 6749 JSON', () => {
    for (const { route, operation } of docs.operations) {
      const responses = responsesOf(operation);
      expect({ route, statuses: Object.keys(responses).map(Number) }).toEqual({ route, statuses: ROUTES[route] });
      // Terminus' readiness report and RFC 6749 errors are plain JSON; every other error is a problem.
      const expected = PAGES.includes(route)
        ? 'text/html'
        : /^(GET \/health|POST \/oauth\/(token|revoke|introspect))/.test(route)
          ? 'application/json'
          : 'application/problem+json';
      for (const [status, types] of Object.entries(responses).filter(([status]) => Number(status) >= 400)) {
        // The provider answers a non-browser's failed logout form in JSON.
        const rfc7591 = route === RFC7591_ERRORS.route && status === RFC7591_ERRORS.status;
        const also = route === 'POST /oauth/logout/confirm' ? ['application/json'] : [];
        const want = rfc7591 ? ['application/json', 'application/problem+json'] : [expected, ...also];
        expect({ route, status, types }).toEqual({ route, status, types: want });
      }
    }
  });

  it('asks for a bearer token exactly where the guard does', () => {
    expect(docs.document.components?.securitySchemes?.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    for (const { route, operation } of docs.operations) {
      const security = PUBLIC.includes(route) ? undefined : [{ bearer: [] }];
      expect({ route, security: operation.security }).toEqual({ route, security });
    }
  });

  it('refers each request body to its DTO schema, with the required fields', () => {
    const bodies = docs.operations.filter((o) => o.operation.requestBody);
    expect(bodies.map((o) => o.route).sort()).toEqual(Object.keys(BODIES).sort());
    for (const { route, operation } of bodies) {
      const content = requestBodyOf(docs.document, operation);
      const types = FORM_AND_JSON.includes(route)
        ? ['application/x-www-form-urlencoded', 'application/json']
        : ['application/json'];
      expect({ route, types: Object.keys(content) }).toEqual({ route, types });
      for (const type of types) {
        expect({ route, type, body: content[type] }).toEqual({ route, type, body: BODIES[route] });
      }
    }
  });

  it('says in every request body schema that unknown fields and null are refused, OAuth and RFC 7591 aside', () => {
    // The global ValidationPipe refuses a field its DTO does not declare, and null wherever the
    // schema does not say nullable: a generated client or a fuzzer reads exactly that here.
    // The OAuth parameters ignore unknown ones (RFC 6749 §3.2, RFC 7009 §2.1), and so does client
    // registration (RFC 7591 §2): those stay open.
    const open = { additionalProperties: undefined, nullable: [] };
    expect(requestBodySchemas(docs.document)).toEqual({
      RegisterDto: { additionalProperties: false, nullable: [] },
      LoginDto: { additionalProperties: false, nullable: [] },
      RefreshDto: { additionalProperties: false, nullable: [] },
      ChangePasswordDto: { additionalProperties: false, nullable: [] },
      UpdateUserDto: { additionalProperties: false, nullable: [] },
      RotateKeyDto: { additionalProperties: false, nullable: [] },
      TokenRequestDto: open,
      RevocationRequestDto: open,
      IntrospectionRequestDto: open,
      ClientMetadataDto: open,
      // A JWK Set: each key has the members of its type (RFC 7517), checked by the registry.
      'ClientMetadataDto.jwks': { additionalProperties: true, nullable: [] },
    });
  });

  it('gives every route a summary and a tag', () => {
    const undescribed = docs.operations
      .filter(({ operation }) => !operation.summary || !operation.tags?.length)
      .map((o) => o.route);
    expect(undescribed).toEqual([]);
  });
});
