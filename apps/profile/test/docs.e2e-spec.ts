import { startVerifyingService, type VerifyingServiceHarness } from '@tessera/auth/testing';
import type { ServedDocs } from '@tessera/platform/testing';
import {
  fetchServedDocs,
  pageAssets,
  requestBodyOf,
  requestBodySchemas,
  responsesOf,
  testDatabaseTargets,
} from '@tessera/platform/testing';

import { createProfileApp } from '../src/app';
import { loadProfileConfig } from '../src/config/profile.config';

/** Every route of profile (its HTTP API and health) with the answers it documents. */
const ROUTES: Record<string, number[]> = {
  'GET /health/live': [200],
  'GET /health/ready': [200, 503],
  'GET /profile/me': [200, 401, 403, 502],
  'PATCH /profile/me': [200, 400, 401, 403],
  'GET /profiles/{userId}': [200, 400, 401, 403, 404],
};
const PUBLIC = ['GET /health/live', 'GET /health/ready'];

const start = (env: Record<string, string> = {}) =>
  startVerifyingService(
    // The document does not depend on the database: PGlite alone is enough.
    testDatabaseTargets()[0],
    (e) => createProfileApp(loadProfileConfig(e)),
    (db) => ({ PROFILE_DATA_DIR: db.dataDir, PROFILE_DATABASE_URL: db.url }),
    { env },
  );

describe('profile OpenAPI documentation', () => {
  let h: VerifyingServiceHarness;
  let docs: ServedDocs;

  beforeAll(async () => {
    h = await start();
    docs = await fetchServedDocs(h.url);
  });

  afterAll(() => h?.close());

  it('serves the Swagger UI at /docs and the document at /docs/json without a token', async () => {
    expect(docs.ui.status).toBe(200);
    expect(docs.ui.contentType).toMatch(/^text\/html/);
    expect(docs.ui.html).toContain('<title>Tessera profile API</title>');
    expect(docs.document.info.title).toBe('Tessera profile API');
    const guarded = await fetch(`${h.url}/profile/me`);
    await guarded.arrayBuffer();
    expect(guarded.status).toBe(401);
  });

  it('loads the UI only from this origin, which serves every script and stylesheet it names', async () => {
    const { scripts, stylesheets, inlineScripts } = pageAssets(docs.ui.html);
    // script-src 'self' allows these and nothing inline.
    expect(inlineScripts).toBe(0);
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const asset of [...scripts, ...stylesheets]) {
      const url = new URL(asset, `${h.url}/docs`);
      expect(url.origin).toBe(h.url);
      const res = await fetch(url);
      // Read to the end: an unread body keeps the connection busy and app.close() waiting.
      expect({ asset, status: res.status, size: (await res.arrayBuffer()).byteLength > 0 }).toEqual({
        asset,
        status: 200,
        size: true,
      });
    }
  });

  it('gives /docs its own content security policy and leaves every other route helmet’s', async () => {
    const directives = (csp: string | null) => new Map((csp ?? '').split(';').map((d) => [d.split(' ')[0], d]));
    const docsPolicy = directives(docs.ui.csp);
    // Assets of a plain-HTTP service opened by host name must not be upgraded to https://.
    expect(docsPolicy.has('upgrade-insecure-requests')).toBe(false);
    expect(docsPolicy.get('script-src')).toBe("script-src 'self'");
    expect(docsPolicy.get('frame-ancestors')).toBe("frame-ancestors 'none'");
    const json = await fetch(`${h.url}/docs/json`);
    await json.arrayBuffer();
    expect(json.headers.get('content-security-policy')).toBe(docs.ui.csp);
    const api = await fetch(`${h.url}/health/live`);
    await api.arrayBuffer();
    const apiPolicy = directives(api.headers.get('content-security-policy'));
    expect(apiPolicy.has('upgrade-insecure-requests')).toBe(true);
    expect(apiPolicy.get('script-src')).toBe("script-src 'self'");
  });

  it('documents exactly the routes of the app, with their answers and where a token is needed', () => {
    expect(docs.operations.map((o) => o.route).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const { route, operation } of docs.operations) {
      const responses = responsesOf(operation);
      expect({ route, statuses: Object.keys(responses).map(Number) }).toEqual({ route, statuses: ROUTES[route] });
      if (!route.startsWith('GET /health/')) {
        for (const [status, types] of Object.entries(responses).filter(([s]) => Number(s) >= 400)) {
          expect({ route, status, types }).toEqual({ route, status, types: ['application/problem+json'] });
        }
      }
      const security = PUBLIC.includes(route) ? undefined : [{ bearer: [] }];
      expect({ route, security: operation.security }).toEqual({ route, security });
      expect(operation.summary && operation.tags?.length).toBeTruthy();
    }
  });

  it('refers the profile change to its DTO schema and the shipping address contract', () => {
    const bodies = docs.operations.filter((o) => o.operation.requestBody);
    expect(bodies.map((o) => o.route)).toEqual(['PATCH /profile/me']);
    expect(requestBodyOf(docs.document, bodies[0].operation)).toEqual({
      'application/json': { schema: 'UpdateProfileDto', required: [] },
    });
    const schemas = docs.document.components?.schemas ?? {};
    expect(schemas.UpdateProfileDto).toMatchObject({
      properties: { shippingAddress: { allOf: [{ $ref: '#/components/schemas/ShippingAddress' }] } },
    });
    expect(schemas.ShippingAddress).toMatchObject({
      required: ['line1', 'city', 'postalCode', 'country'],
      properties: { country: { pattern: '^[A-Z]{2}$' } },
    });
    expect(schemas.MyProfileDto).toMatchObject({
      required: expect.arrayContaining(['userId', 'displayName', 'shippingAddress', 'orders']),
    });
  });

  it('says in every request body schema that unknown fields and null are refused', () => {
    // The global ValidationPipe refuses a field its DTO does not declare, and null wherever the
    // schema does not say nullable: a generated client or a fuzzer reads exactly that here.
    expect(requestBodySchemas(docs.document)).toEqual({
      UpdateProfileDto: { additionalProperties: false, nullable: [] },
      ShippingAddress: { additionalProperties: false, nullable: [] },
    });
  });

  it('serves no documentation with DOCS_ENABLED=false', async () => {
    const off = await start({ DOCS_ENABLED: 'false' });
    try {
      const status = async (path: string) => {
        const res = await fetch(`${off.url}${path}`);
        await res.arrayBuffer();
        return res.status;
      };
      for (const path of ['/docs', '/docs/json', '/docs/swagger-ui-bundle.js']) {
        expect({ path, status: await status(path) }).toEqual({ path, status: 404 });
      }
      expect(await status('/health/live')).toBe(200);
    } finally {
      await off.close();
    }
  });
});
