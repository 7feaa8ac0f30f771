import type { DatabaseHandle, OutboxRelay } from '@tessera/platform';
import { outboxEvents } from '@tessera/platform';

import type * as schema from '../database/schema';
import { oauthClients } from '../database/schema';
import { openTestDatabase } from '../../test/test-database';
import { AuditTrail } from '../audit/audit-trail.service';
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

  describe('on behalf of an actor', () => {
    const flush = jest.fn();
    const actor = { subject: 'admin-1', clientAddress: '203.0.113.7' };
    let audited: OAuthClientsService;

    beforeAll(() => {
      const outbox = { flush } as unknown as OutboxRelay;
      audited = new OAuthClientsService(handle.db, new AuditTrail(handle.db, outbox), outbox);
    });

    beforeEach(async () => {
      await handle.db.delete(outboxEvents);
      flush.mockClear();
    });

    const records = async () =>
      (await handle.db.select().from(outboxEvents)).map((row) => ({ subject: row.subject, payload: row.payload }));

    it('records client_registered and client_removed with the actor, the id and the name, never the secret', async () => {
      const registered = await audited.registerBy(actor, metadata, policy);
      await audited.removeBy(actor, registered.client_id);
      const details = { clientId: registered.client_id, clientName: 'Planner' };
      expect(await records()).toEqual([
        {
          subject: 'auth.audit.client_registered.v1',
          payload: expect.objectContaining({ type: 'client_registered', ...actor, details }),
        },
        {
          subject: 'auth.audit.client_removed.v1',
          payload: expect.objectContaining({ type: 'client_removed', ...actor, details }),
        },
      ]);
      expect(JSON.stringify(await records())).not.toContain(registered.client_secret);
      expect(flush).toHaveBeenCalled();
    });

    it('records nothing for refused metadata or an unknown client', async () => {
      await expect(audited.registerBy(actor, { client_name: 'No redirect' }, policy)).rejects.toMatchObject({
        code: 'invalid_redirect_uri',
      });
      await expect(audited.removeBy(actor, '0'.repeat(32))).rejects.toMatchObject({ code: 'client_not_found' });
      await expect(audited.removeBy(actor, 'not-an-id')).rejects.toMatchObject({ code: 'client_not_found' });
      expect(await records()).toEqual([]);
    });

    it('refuses to change anything without the audit trail', async () => {
      const before = (await clients.list()).length;
      await expect(clients.registerBy(actor, metadata, policy)).rejects.toThrow(/audit trail/);
      expect(await clients.list()).toHaveLength(before);
    });
  });
});
