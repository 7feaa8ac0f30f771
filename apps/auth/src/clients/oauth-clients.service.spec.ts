import type { DatabaseHandle } from '@tessera/platform';

import type * as schema from '../database/schema';
import { oauthClients } from '../database/schema';
import { openTestDatabase } from '../../test/test-database';
import { OAuthClientsService } from './oauth-clients.service';

const metadata = { client_name: 'Planner', redirect_uris: ['https://planner.example.com/callback'] };
const policy = { allowLoopbackHttp: false };

describe('OAuthClientsService', () => {
  let handle: DatabaseHandle<typeof schema>;
  let clients: OAuthClientsService;

  beforeAll(async () => {
    handle = await openTestDatabase();
    clients = new OAuthClientsService(handle.db);
  });

  afterAll(async () => {
    await handle?.close();
  });

  it('registers a confidential client: its secret shown once, only its SHA-256 stored', async () => {
    const registered = await clients.register(metadata, policy);
    expect(registered).toMatchObject({
      client_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      client_id_issued_at: expect.any(Number),
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      client_secret_expires_at: 0,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const rows = await handle.db.select().from(oauthClients);
    expect(JSON.stringify(rows)).not.toContain(registered.client_secret);
    expect(rows[0]?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    const found = await clients.get(registered.client_id);
    expect(found).not.toHaveProperty('client_secret');
    expect(JSON.stringify(await clients.list())).not.toContain(rows[0].secretHash!);
    await expect(clients.authenticate(registered.client_id, registered.client_secret!)).resolves.toBe(true);
    await expect(clients.authenticate(registered.client_id, 'x'.repeat(43))).resolves.toBe(false);
  });

  it('registers a public client without a secret, which never authenticates with one', async () => {
    const registered = await clients.register({ ...metadata, token_endpoint_auth_method: 'none' }, policy);
    expect(registered).not.toHaveProperty('client_secret');
    await expect(clients.authenticate(registered.client_id, '')).resolves.toBe(false);
  });

  it('removes a client: gone from find and list, a second removal is not found', async () => {
    const { client_id } = await clients.register(metadata, policy);
    await clients.remove(client_id);
    await expect(clients.find(client_id)).resolves.toBeUndefined();
    expect((await clients.list()).map((c) => c.client_id)).not.toContain(client_id);
    await expect(clients.remove(client_id)).rejects.toMatchObject({ code: 'client_not_found', status: 404 });
    await expect(clients.get('not-an-id')).rejects.toMatchObject({ status: 404 });
  });

  it('refuses bad metadata before storing anything', async () => {
    const before = (await clients.list()).length;
    await expect(
      clients.register({ ...metadata, redirect_uris: ['http://evil.example/cb'] }, policy),
    ).rejects.toMatchObject({
      code: 'invalid_redirect_uri',
    });
    expect(await clients.list()).toHaveLength(before);
  });
});
