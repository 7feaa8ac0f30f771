import { createSessionFixture, type SessionFixture } from '../../test/session-fixture';
import { OidcAdapter, pruneOidcPayloads } from './oidc-adapter';

describe('OidcAdapter', () => {
  let f: SessionFixture;

  beforeAll(async () => {
    f = await createSessionFixture();
  });

  afterAll(async () => {
    await f.close();
  });

  it('stores, finds by id and by uid, and never answers an expired payload', async () => {
    const sessions = new OidcAdapter(f.handle.db, 'Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a' }, 60);
    await expect(sessions.find('s1')).resolves.toEqual({ uid: 'u1', accountId: 'a' });
    await expect(sessions.findByUid('u1')).resolves.toEqual({ uid: 'u1', accountId: 'a' });
    // Another model's adapter does not see it.
    await expect(new OidcAdapter(f.handle.db, 'Grant').find('s1')).resolves.toBeUndefined();
    await sessions.upsert('s2', { uid: 'u2' }, -1);
    await expect(sessions.find('s2')).resolves.toBeUndefined();
    expect(await pruneOidcPayloads(f.handle.db)).toBe(1);
    await sessions.upsert('s1', { uid: 'u1', accountId: 'b' }, 60);
    await expect(sessions.find('s1')).resolves.toMatchObject({ accountId: 'b' });
    await sessions.destroy('s1');
    await expect(sessions.find('s1')).resolves.toBeUndefined();
  });

  it('marks a consumed payload, keeping the first consumption time', async () => {
    const codes = new OidcAdapter(f.handle.db, 'AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    await codes.consume('c1');
    const first = (await codes.find('c1'))?.consumed;
    expect(typeof first).toBe('number');
    await codes.consume('c1');
    expect((await codes.find('c1'))?.consumed).toBe(first);
  });

  it('revokes by grant: deletes the grant’s payloads and tells Tessera once', async () => {
    const revoked: string[] = [];
    const tokens = new OidcAdapter(f.handle.db, 'AccessToken', (grantId) => {
      revoked.push(grantId);
      return Promise.resolve();
    });
    const codes = new OidcAdapter(f.handle.db, 'AuthorizationCode');
    await codes.upsert('c2', { grantId: 'g2' }, 60);
    await codes.upsert('c3', { grantId: 'g3' }, 60);
    await codes.revokeByGrantId('g2');
    await tokens.revokeByGrantId('g2');
    await expect(codes.find('c2')).resolves.toBeUndefined();
    await expect(codes.find('c3')).resolves.toMatchObject({ grantId: 'g3' });
    expect(revoked).toEqual(['g2']);
  });
});
