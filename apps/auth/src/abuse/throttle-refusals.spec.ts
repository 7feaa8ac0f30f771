import type { AuditEntry, AuditTrail } from '../audit/audit-trail.service';
import type { Refusal } from './abuse.errors';
import { REFUSALS_WINDOW_MS, ThrottleRefusals } from './throttle-refusals';

describe('ThrottleRefusals', () => {
  let recorded: { type: string; entry: AuditEntry }[];
  let refusals: ThrottleRefusals;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    recorded = [];
    const audit = {
      record: (type: string, entry: AuditEntry) => {
        recorded.push({ type, entry });
        return Promise.resolve();
      },
    } as unknown as AuditTrail;
    refusals = new ThrottleRefusals(audit);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const inMs = (ms: number) => new Date(Date.now() + ms);
  const account = (lockedMs: number): Refusal => ({ scope: 'account', key: 'acct:1', lockedUntil: inMs(lockedMs) });

  it('records the refusals of one counter as one event with their count when the lock ends', async () => {
    const subject = jest.fn(() => Promise.resolve('user-1'));
    for (let i = 0; i < 50; i++) {
      refusals.refused(account(5000), { clientAddress: `10.0.0.${i % 3}`, subject });
    }
    await jest.advanceTimersByTimeAsync(4999);
    expect(recorded).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(recorded).toEqual([
      {
        type: 'login_throttled',
        entry: {
          subject: 'user-1',
          clientAddress: '10.0.0.0',
          details: {
            scope: 'account',
            refused: '50',
            addresses: '3',
            firstRefusedAt: '2030-01-01T00:00:00.000Z',
            lastRefusedAt: '2030-01-01T00:00:00.000Z',
            lockedUntil: '2030-01-01T00:00:05.000Z',
          },
        },
      },
    ]);
    // The account was looked up once for the whole window, not once per refusal.
    expect(subject).toHaveBeenCalledTimes(1);
  });

  it('keeps counters apart, and starts a new window after a record', async () => {
    refusals.refused(account(1000));
    refusals.refused({ scope: 'address', key: 'ip:10.0.0.9', lockedUntil: inMs(1000) }, { clientAddress: '10.0.0.9' });
    refusals.refused(account(1000));
    await jest.advanceTimersByTimeAsync(1000);
    expect(recorded.map((r) => [r.entry.details?.scope, r.entry.details?.refused])).toEqual([
      ['account', '2'],
      ['address', '1'],
    ]);
    refusals.refused(account(1000));
    await jest.advanceTimersByTimeAsync(1000);
    expect(recorded).toHaveLength(3);
  });

  it('records a long lock at least once a window while refusals go on', async () => {
    refusals.refused(account(15 * 60_000));
    await jest.advanceTimersByTimeAsync(REFUSALS_WINDOW_MS);
    expect(recorded).toHaveLength(1);
    refusals.refused(account(14 * 60_000));
    refusals.refused(account(14 * 60_000));
    await jest.advanceTimersByTimeAsync(REFUSALS_WINDOW_MS);
    expect(recorded.map((r) => r.entry.details?.refused)).toEqual(['1', '2']);
  });

  it('records what is open at shutdown', async () => {
    refusals.refused(account(60_000));
    await refusals.onModuleDestroy();
    expect(recorded).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(recorded).toHaveLength(1);
  });
});
