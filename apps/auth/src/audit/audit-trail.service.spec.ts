import { AuditEvent } from '@tessera/contracts';
import type { DatabaseHandle, OutboxRelay } from '@tessera/platform';
import { outboxEvents } from '@tessera/platform';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { openTestDatabase } from '../../test/test-database';
import type * as schema from '../database/schema';
import { AuditTrail, type AuditEntry } from './audit-trail.service';

describe('AuditTrail', () => {
  let handle: DatabaseHandle<typeof schema>;
  let trail: AuditTrail;
  const flush = jest.fn();
  const now = new Date('2026-12-03T10:00:00.000Z');

  beforeAll(async () => {
    handle = await openTestDatabase();
    trail = new AuditTrail(handle.db, { flush } as unknown as OutboxRelay);
  });

  beforeEach(async () => {
    await handle.db.delete(outboxEvents);
    flush.mockClear();
  });

  afterAll(() => handle?.close());

  const recorded = () => handle.db.select().from(outboxEvents);

  it('records when, who, from where and what, on auth.audit.<type>.v1, and kicks the relay', async () => {
    await trail.record(
      'login_failed',
      { subject: 'user-1', clientAddress: '203.0.113.7', details: { reason: 'wrong_password' } },
      undefined,
      now,
    );
    const rows = await recorded();
    expect(rows).toEqual([
      expect.objectContaining({
        subject: 'auth.audit.login_failed.v1',
        payload: {
          type: 'login_failed',
          occurredAt: '2026-12-03T10:00:00.000Z',
          subject: 'user-1',
          clientAddress: '203.0.113.7',
          details: { reason: 'wrong_password' },
        },
      }),
    ]);
    expect(flush).toHaveBeenCalledTimes(1);
    // What a consumer validates it against: the record keeps to the contract.
    expect(validateSync(plainToInstance(AuditEvent, rows[0].payload))).toEqual([]);
  });

  it('records an unknown subject and address as null, not as a guess', async () => {
    await trail.record('login_failed', {}, undefined, now);
    const [row] = await recorded();
    expect(row.payload).toEqual({
      type: 'login_failed',
      occurredAt: now.toISOString(),
      subject: null,
      clientAddress: null,
      details: {},
    });
  });

  it('records nothing of what it is handed beyond the audit fields (no email, password or token)', async () => {
    const handed = {
      subject: 'user-1',
      email: 'ada@example.com',
      password: 'correct horse battery staple',
      token: 'eyJhbGciOiJSUzI1NiJ9.e30.sig',
    } as AuditEntry;
    await trail.record('login_succeeded', handed, undefined, now);
    const text = JSON.stringify(await recorded());
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain('eyJhbGci');
  });

  it('inside a transaction, commits with the change it reports and leaves the relay to the caller', async () => {
    await handle.db.transaction(async (tx) => {
      await trail.record('logout', { subject: 'user-1' }, tx, now);
    });
    expect(await recorded()).toHaveLength(1);
    expect(flush).not.toHaveBeenCalled();
  });

  it('inside a transaction that rolls back, records nothing', async () => {
    await expect(
      handle.db.transaction(async (tx) => {
        await trail.record('key_rotated', { subject: 'operator', details: { kid: 'k1' } }, tx, now);
        throw new Error('rotation failed');
      }),
    ).rejects.toThrow('rotation failed');
    expect(await recorded()).toEqual([]);
  });
});
