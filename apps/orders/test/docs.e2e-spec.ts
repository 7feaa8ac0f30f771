import { startVerifyingService, type VerifyingServiceHarness } from '@tessera/auth/testing';
import type { ServedDocs } from '@tessera/platform/testing';
import {
  fetchServedDocs,
  requestBodyOf,
  requestBodySchemas,
  responsesOf,
  testDatabaseTargets,
} from '@tessera/platform/testing';

import { createOrdersApp } from '../src/app';
import { loadOrdersConfig } from '../src/config/orders.config';

/** Every route of orders (its HTTP API and health) with the answers it documents. */
const ROUTES: Record<string, number[]> = {
  'GET /health/live': [200],
  'GET /health/ready': [200, 503],
  'POST /orders': [201, 400, 401, 403, 422, 502, 503, 504],
  'GET /orders': [200, 400, 401, 403],
  'GET /orders/{id}': [200, 400, 401, 403, 404],
  'POST /orders/{id}/cancel': [200, 400, 401, 403, 404, 409],
};
const PUBLIC = ['GET /health/live', 'GET /health/ready'];

describe('orders OpenAPI documentation', () => {
  let h: VerifyingServiceHarness;
  let docs: ServedDocs;

  beforeAll(async () => {
    // The document does not depend on the database: PGlite alone is enough.
    h = await startVerifyingService(
      testDatabaseTargets()[0],
      (env) => createOrdersApp(loadOrdersConfig(env)),
      (db) => ({ ORDERS_DATA_DIR: db.dataDir, ORDERS_DATABASE_URL: db.url }),
    );
    docs = await fetchServedDocs(h.url);
  });

  afterAll(() => h?.close());

  it('serves the Swagger UI at /docs and the document at /docs/json without a token', async () => {
    expect(docs.ui.status).toBe(200);
    expect(docs.ui.contentType).toMatch(/^text\/html/);
    expect(docs.ui.html).toContain('<title>Tessera orders API</title>');
    expect(docs.document.info.title).toBe('Tessera orders API');
    const guarded = await fetch(`${h.url}/orders`);
    await guarded.arrayBuffer();
    expect(guarded.status).toBe(401);
  });

  it('documents exactly the routes of the app, with their answers', () => {
    expect(docs.operations.map((o) => o.route).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const { route, operation } of docs.operations) {
      const responses = responsesOf(operation);
      expect({ route, statuses: Object.keys(responses).map(Number) }).toEqual({ route, statuses: ROUTES[route] });
      if (!route.startsWith('GET /health/')) {
        for (const [status, types] of Object.entries(responses).filter(([s]) => Number(s) >= 400)) {
          expect({ route, status, types }).toEqual({ route, status, types: ['application/problem+json'] });
        }
      }
    }
  });

  it('asks for a bearer token exactly where the guard does', () => {
    for (const { route, operation } of docs.operations) {
      const security = PUBLIC.includes(route) ? undefined : [{ bearer: [] }];
      expect({ route, security: operation.security }).toEqual({ route, security });
      expect(operation.summary && operation.tags?.length).toBeTruthy();
    }
  });

  it('says in every request body schema that unknown fields and null are refused', () => {
    // The global ValidationPipe refuses a field its DTO does not declare, and null wherever the
    // schema does not say nullable: a generated client or a fuzzer reads exactly that here.
    expect(requestBodySchemas(docs.document)).toEqual({
      CreateOrderDto: { additionalProperties: false, nullable: [] },
      OrderItemDto: { additionalProperties: false, nullable: [] },
    });
  });

  it('refers the new order body to its DTO schemas, with the required fields', () => {
    const bodies = docs.operations.filter((o) => o.operation.requestBody);
    expect(bodies.map((o) => o.route)).toEqual(['POST /orders']);
    expect(requestBodyOf(docs.document, bodies[0].operation)).toEqual({
      'application/json': { schema: 'CreateOrderDto', required: ['items'] },
    });
    const schemas = docs.document.components?.schemas ?? {};
    expect(schemas.CreateOrderDto).toMatchObject({
      properties: { items: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/OrderItemDto' } } },
    });
    expect(schemas.OrderItemDto).toMatchObject({ required: ['sku', 'quantity', 'unitPriceCents'] });
    // The order answered refers to the shipping address contract, described by libs/contracts.
    expect(schemas.ShippingAddress).toMatchObject({ required: ['line1', 'city', 'postalCode', 'country'] });
  });
});
