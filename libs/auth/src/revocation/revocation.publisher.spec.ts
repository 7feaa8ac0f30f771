import type { KV } from '@nats-io/kv';
import type { NatsConnectionService } from '@tessera/platform';

import { RevocationPublisher } from './revocation.publisher';
import { RevocationStore } from './revocation.store';
import { openRevocationsBucket } from './revocations-bucket';

jest.mock('./revocations-bucket', () => ({
  ...jest.requireActual<object>('./revocations-bucket'),
  openRevocationsBucket: jest.fn(),
}));

const open = jest.mocked(openRevocationsBucket);
const nats = { nc: {}, bucket: (name: string) => name, replicas: 3 } as unknown as NatsConnectionService;

describe('RevocationPublisher', () => {
  it('opens the bucket again after a failed open, instead of failing every later revocation', async () => {
    const put = jest.fn().mockResolvedValue(1);
    const get = jest.fn().mockResolvedValue(null);
    open.mockRejectedValueOnce(new Error('timeout')).mockResolvedValue({ put, get } as unknown as KV);
    const store = new RevocationStore();
    const publisher = new RevocationPublisher(nats, store);

    await expect(publisher.revokeToken('jti-1', 2_000_000_000)).rejects.toThrow('timeout');
    await publisher.revokeToken('jti-1', 2_000_000_000);
    await publisher.revokeSubject('user-1', 1_000);

    expect(open).toHaveBeenCalledTimes(2);
    expect(open).toHaveBeenLastCalledWith(nats.nc, 'tessera_revocations', 3);
    expect(put).toHaveBeenCalledTimes(2);
    expect(store.isRevoked({ jti: 'jti-1', sub: 'someone', iat: 1 })).toBe(true);
  });

  it('never replaces a later revoked-before time with an earlier one delivered late', async () => {
    const entries = new Map<string, string>();
    const kv = {
      get: jest.fn(async (key: string) => {
        const value = entries.get(key);
        return value === undefined ? null : { operation: 'PUT', json: () => JSON.parse(value) as unknown };
      }),
      put: jest.fn(async (key: string, value: string) => {
        entries.set(key, value);
        return 1;
      }),
    };
    open.mockResolvedValue(kv as unknown as KV);
    const publisher = new RevocationPublisher(nats, new RevocationStore());

    await publisher.revokeSubject('user-1', 2_000);
    await publisher.revokeSubject('user-1', 1_000);
    expect([...entries.values()]).toEqual([JSON.stringify({ before: 2_000 })]);
    await publisher.revokeSubject('user-1', 3_000);
    expect([...entries.values()]).toEqual([JSON.stringify({ before: 3_000 })]);
  });
});
